"""Chinese tokenisation for demands and expertise: jieba plus a shipped agricultural dictionary,
a stop-word list and synonym folding.

Every tokenizer owns a private ``jieba.Tokenizer`` (never jieba's global one), so the shipped words
do not leak into other users of jieba in the same process. jieba builds its prefix dictionary once
(about a second) and caches it as a marshal file. jieba's default is ``/tmp/jieba.cache``, shared by
every user; marshal data is not safe to load from someone else, so the cache goes to a directory of
this user's own under the temporary directory (``tempfile.gettempdir()``, which honours ``TMPDIR``),
created with mode 0700 and used only if it is ours and nobody else can write to it; otherwise a fresh
private directory is used for this process. A failed write only costs the cache.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jieba

HERE = Path(__file__).parent
AGRI_DICT = HERE / "agri_dict.txt"
STOPWORDS = HERE / "stopwords.txt"
SYNONYMS = HERE / "synonyms.txt"

# jieba logs "Building prefix dict ..." at DEBUG on stderr; only real failures should show.
logging.getLogger("jieba._compat").setLevel(logging.WARNING)
logging.getLogger("jieba").setLevel(logging.WARNING)


def _data_lines(path: Path) -> Iterable[list[str]]:
    """Non-empty, non-comment lines of a shipped word file, split on whitespace."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            yield line.split()


def normalise(text: str) -> str:
    """Full-width forms to half-width (NFKC) and ASCII to lower case, so Ｂ超 and b超 agree."""
    return unicodedata.normalize("NFKC", text).lower()


def read_user_dict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """(word, frequency or None, part of speech or None) for every entry of a jieba user dictionary;
    lines starting with # are comments (jieba's own loader would take them as words)."""
    entries = []
    for parts in _data_lines(path):
        word = normalise(parts[0])
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append((word, freq, tag))
    return entries


def read_synonyms(path: Path) -> dict[str, str]:
    """Variant → canonical term: each line is ``canonical variant variant …``."""
    mapping: dict[str, str] = {}
    for parts in _data_lines(path):
        canonical = normalise(parts[0])
        for variant in parts[1:]:
            mapping[normalise(variant)] = canonical
    return mapping


def private_cache_dir() -> str:
    """A directory for jieba's cache that only this user can write: <tmp>/kechuang-jieba-<uid>,
    or a new private temporary directory if that one is not safely ours."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"kechuang-jieba-{uid if uid is not None else 'user'}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        safe = stat.S_ISDIR(info.st_mode) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if uid is not None:
            safe = safe and info.st_uid == uid
        if safe:
            return str(path)
    except OSError:
        pass
    try:
        return tempfile.mkdtemp(prefix="kechuang-jieba-")
    except OSError:
        # No writable temporary directory at all: jieba logs the failed write and carries on.
        return str(path)


def _is_content(token: str) -> bool:
    """A token worth indexing: it holds a letter or a CJK character, not only digits or marks."""
    return any(ch.isalpha() for ch in token)


@dataclass
class Tokenizer:
    """jieba with a user dictionary, stop words and synonyms; ``cut`` is the whole pipeline."""

    user_dict: Path | None = AGRI_DICT
    stopwords_file: Path | None = STOPWORDS
    synonyms_file: Path | None = SYNONYMS
    hmm: bool = True
    _jieba: jieba.Tokenizer | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.stopwords = (
            frozenset(normalise(p[0]) for p in _data_lines(self.stopwords_file))
            if self.stopwords_file
            else frozenset()
        )
        self.synonyms = read_synonyms(self.synonyms_file) if self.synonyms_file else {}
        self.dictionary_words = (
            frozenset(w for w, _, _ in read_user_dict(self.user_dict))
            if self.user_dict
            else frozenset()
        )

    def _engine(self) -> jieba.Tokenizer:
        """The private jieba tokenizer, built on first use (building takes about a second)."""
        with self._lock:
            if self._jieba is None:
                tk = jieba.Tokenizer()
                tk.tmp_dir = private_cache_dir()
                tk.cache_file = f"kechuang-jieba-{jieba.__version__}.cache"
                tk.initialize()
                if self.user_dict:
                    for word, freq, tag in read_user_dict(self.user_dict):
                        tk.add_word(word, freq, tag)
                # Variants must be cut whole too, or folding never sees them.
                for word in [*self.synonyms, *self.synonyms.values()]:
                    if word not in tk.FREQ or not tk.FREQ[word]:
                        tk.add_word(word)
                self._jieba = tk
            return self._jieba

    def cut(self, text: str) -> list[str]:
        """Tokens of a text: jieba's precise mode, synonyms folded, stop words and bare numbers
        and punctuation dropped; order and repeats are kept (BM25 counts them)."""
        if not text:
            return []
        tokens = []
        for raw in self._engine().cut(normalise(text), HMM=self.hmm):
            token = raw.strip()
            if not token or not _is_content(token):
                continue
            token = self.synonyms.get(token, token)
            if token in self.stopwords:
                continue
            tokens.append(token)
        return tokens


_default: Tokenizer | None = None
_default_lock = threading.Lock()


def default_tokenizer() -> Tokenizer:
    """The shared tokenizer with the shipped dictionary, stop words and synonyms."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Tokenizer()
        return _default


def tokenize(text: str) -> list[str]:
    """Tokens of a Chinese text with the shipped agricultural dictionary (see ``Tokenizer.cut``)."""
    return default_tokenizer().cut(text)
