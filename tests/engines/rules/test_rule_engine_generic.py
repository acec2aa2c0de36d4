"""The rules engine knows no measure: a caller's own measures over its own frame run a pack."""

from __future__ import annotations

import polars as pl
import pytest

from kechuang.engines.rules.evaluate import evaluate, explain
from kechuang.engines.rules.measures import Measure, div
from kechuang.engines.rules.packs import parse_pack

SOURCE = {"code": "DOC-1", "article": "第一条", "confirmation": "confirmed"}
# a programme's own rule, on columns no tier feature frame has
MEASURES = {
    "budget_share": Measure(
        "budget_share",
        "自筹资金占总预算比例",
        "%",
        lambda _ctx: div(pl.col("own_funds"), pl.col("budget")),
        lever=lambda _ctx, t: t * pl.col("budget") - pl.col("own_funds"),
        lever_text="增加自筹资金",
        lever_unit="万元",
    )
}


def _pack(measure: str = "budget_share"):
    return parse_pack(
        {
            "code": "call_2025",
            "family": "call",
            "name": "项目申报",
            "version": "2025",
            "rung": 1,
            "effective_from": "2025-01-01",
            "confirmation": "confirmed",
            "documents": ["DOC-1"],
            "conditions": [
                {
                    "code": "share",
                    "label": "自筹比例",
                    "measure": measure,
                    "ge": 0.5,
                    "source": SOURCE,
                }
            ],
        },
        {"DOC-1": "《申报指南》"},
    )


def test_engine_runs_a_callers_measures():
    frame = pl.DataFrame({"key": ["P1", "P2"], "own_funds": [60.0, 30.0], "budget": [100.0, 100.0]})
    result = evaluate(frame, [_pack()], 2025, MEASURES, detail=True)
    assert result.get_column("call_2025|status").to_list() == [0, 3]
    rows = explain(result, [_pack()], MEASURES).filter(pl.col("key") == "P2").row(0, named=True)
    assert rows["verdict"] == "unmet" and rows["gap"] == pytest.approx(20.0)
    assert rows["measure"] == "自筹资金占总预算比例" and "增加自筹资金" in rows["gap_text"]


def test_a_measure_the_caller_did_not_supply_is_named():
    frame = pl.DataFrame({"key": ["P1"], "own_funds": [1.0], "budget": [2.0]})
    with pytest.raises(KeyError, match="未知的指标“employees”"):
        evaluate(frame, [_pack("employees")], 2025, MEASURES)
