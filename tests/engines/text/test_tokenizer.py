"""Tokeniser: dictionary terms stay whole, synonyms fold, stop words and numbers go, and jieba's
cache lands in the temporary directory."""

from __future__ import annotations

import os
import stat
import tempfile

import jieba
import pytest

from kechuang.engines.text import Tokenizer, tokenize
from kechuang.engines.text.tokenizer import (
    AGRI_DICT,
    SYNONYMS,
    private_cache_dir,
    read_synonyms,
    read_user_dict,
)

PLAN_TERMS = [
    "莲藕",
    "蓝莓",
    "罗氏沼虾",
    "复合种养",
    "土壤修复",
    "深加工",
    "稻虾共作",
    "尾水处理",
    "设施栽培",
    "冷链",
    "精深加工",
    "花卉苗木",
    "特色水产",
]


def test_shipped_dictionary_is_substantial_and_commented():
    entries = read_user_dict(AGRI_DICT)
    words = [w for w, _, _ in entries]
    assert len(words) >= 300
    assert len(words) == len(set(words)), "a word is listed twice"
    assert not any(w.startswith("#") for w in words)
    header = AGRI_DICT.read_text(encoding="utf-8").splitlines()[:12]
    assert any("How it was compiled" in line for line in header)
    assert set(PLAN_TERMS) <= set(words)


def test_every_dictionary_word_is_one_token():
    synonyms = read_synonyms(SYNONYMS)
    tk = Tokenizer(stopwords_file=None)
    broken = []
    for word, _, _ in read_user_dict(AGRI_DICT):
        got = tk.cut(word)
        if got != [synonyms.get(word, word)]:
            broken.append((word, got))
    assert broken == []


def test_terms_stay_whole_in_a_sentence():
    text = "罗氏沼虾池塘尾水处理和稻虾共作模式下的土壤修复，以及蓝莓精深加工与冷链"
    tokens = tokenize(text)
    for term in ("罗氏沼虾", "尾水处理", "稻虾共作", "土壤修复", "蓝莓", "深加工", "冷链"):
        assert term in tokens
    # 精深加工 folds to 深加工; the parts of a whole term never appear on their own.
    assert "精深加工" not in tokens
    assert "沼虾" not in tokens and "罗氏" not in tokens and "尾水" not in tokens


def test_synonyms_fold_to_one_term():
    assert tokenize("克氏原螯虾") == ["小龙虾"]
    assert tokenize("高邮大虾") == ["罗氏沼虾"]
    assert tokenize("宝应荷藕") == ["莲藕"]
    assert tokenize("尾水治理") == tokenize("尾水净化") == ["尾水处理"]
    # Kept apart on purpose (synonyms.txt explains why).
    assert tokenize("土壤改良") != tokenize("土壤修复")
    assert tokenize("稻虾连作") != tokenize("稻虾共作")


def test_stop_words_numbers_and_punctuation_are_dropped():
    tokens = tokenize("我们希望专家帮忙解决200亩罗氏沼虾的问题！！")
    assert tokens == ["罗氏沼虾"]


def test_full_width_and_case_are_normalised():
    assert tokenize("土壤ＰＨ值") == tokenize("土壤pH值") == ["土壤ph值"]


@pytest.mark.parametrize("text", ["", "   ", "，。！", "2024 123"])
def test_texts_without_content_give_no_tokens(text):
    assert tokenize(text) == []


def test_private_jieba_instance_leaves_the_global_one_alone():
    tokenize("稻虾共作")
    assert jieba.dt.FREQ.get("稻虾共作") in (None, 0)


CACHE = f"kechuang-jieba-{jieba.__version__}.cache"


def test_cache_goes_to_a_private_directory_under_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert Tokenizer().cut("罗氏沼虾尾水处理") == ["罗氏沼虾", "尾水处理"]
    private = tmp_path / f"kechuang-jieba-{os.getuid()}"
    assert (private / CACHE).is_file()
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    # A second tokenizer loads the cache instead of rebuilding.
    assert Tokenizer().cut("稻虾共作") == ["稻虾共作"]


def test_a_shared_cache_directory_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"kechuang-jieba-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    (shared / CACHE).write_bytes(b"not a marshal file from us")
    assert private_cache_dir() != str(shared)
    assert Tokenizer().cut("稻虾共作") == ["稻虾共作"]


def test_unwritable_cache_directory_costs_only_the_cache(tmp_path, monkeypatch):
    missing = tmp_path / "does-not-exist"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    assert Tokenizer().cut("稻虾共作") == ["稻虾共作"]
