"""The audit log's 变更 column names every audited column in Chinese."""

from __future__ import annotations

import re

import kechuang.models  # noqa: F401  (registers every domain's tables)
from kechuang.core.audit import FIELD_LABELS, change_text
from kechuang.core.db import Base


def test_every_audited_column_has_a_chinese_label() -> None:
    audited = {
        f"{mapper.class_.__tablename__}.{column.key}": column.key
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__audited__", False)
        for column in mapper.columns
    }
    assert len(audited) > 100  # the registry really was loaded
    missing = sorted(where for where, key in audited.items() if key not in FIELD_LABELS)
    assert missing == [], f"请在 core/audit.py 的 FIELD_LABELS 中为这些列补上中文名：{missing}"
    latin = {k: v for k, v in FIELD_LABELS.items() if re.search(r"[A-Za-z]", v)}
    assert latin == {}


def test_change_text_in_chinese() -> None:
    assert change_text(
        {"name": "旧园", "confirmed": False}, {"name": "新园", "confirmed": True}
    ) == ("名称：旧园 → 新园；已确认：否 → 是")
    assert change_text(None, {"title": "巡检", "due_on": None}) == "标题：巡检；完成时限：空"
    assert change_text({"year": 2024}, None) == "删除前：年度：2024"
    assert change_text(None, None) == ""
    assert len(change_text(None, {"text": "长" * 1000})) == 300
