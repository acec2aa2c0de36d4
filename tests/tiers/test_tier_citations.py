"""Every tier pack loads and every citation resolves in the in-project sources registry, in full;
rows carry the pack's own confirmation, inferred readings and the retrospective flag."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kechuang.core.methodology import CONFIRMATION, registry
from kechuang.engines.rules.evaluate import evaluate, explain
from kechuang.engines.rules.packs import parse_pack
from kechuang.tiers.assessment import annotate, missing_inputs, pack_missing_fields
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES
from kechuang.tiers.methodology import (
    PACKS,
    _annotation_problems,
    all_packs,
    cited_sources,
    inferred_reading,
    packs_for_year,
)


def _cites(pack):
    for c in pack.leaf_conditions():
        yield c.code, c.cite
    for item in pack.scores:
        yield item.code, item.cite
        for sub in item.choose_max:
            yield sub.code, sub.cite
    yield from pack.not_evaluated


def test_every_pack_loads_and_every_citation_resolves_in_the_registry():
    reg = registry()
    packs = all_packs()
    assert len(packs) >= 11
    seen = 0
    for pack in packs:
        for code in pack.documents:
            assert code in reg, (pack.code, code)
        for where, cite in _cites(pack):
            assert cite is not None, (pack.code, where)
            doc = reg.get(cite.source)
            assert doc is not None, (pack.code, where, cite.source)
            assert cite.article.strip() and cite.confirmation in CONFIRMATION
            [full] = cited_sources(pack, cite)
            # shown in full: title (with 文号 when there is one), issuer and article
            assert doc.title in full["full_text"] and cite.article in full["full_text"]
            if doc.number:
                assert doc.number in full["full_text"] and full["number"] == doc.number
            if doc.issuer:
                assert doc.issuer in full["full_text"] and full["issuer"] == doc.issuer
            seen += 1
        for cond, extra in (pack.params.get("also_cited") or {}).items():
            srcs = cited_sources(pack, None, cond)
            assert len(srcs) == len(extra) and all(s["code"] in reg for s in srcs)
        # nothing points outside the repository
        text = str(pack)
        assert "http" not in text and "[P" not in text and ".md" not in text and "§" not in text
    assert seen > 150


def test_the_80_percent_rule_cites_the_work_guideline():
    hnte = next(p for p in all_packs() if p.code == "hnte_2016")
    for pack in all_packs():
        for _, cite in _cites(pack):
            if "80%" in cite.article:
                assert cite.source == "MOST-2016-195"
    srcs = cited_sources(
        hnte, next(c.cite for c in hnte.leaf_conditions() if c.code == "rd_ratio"), "rd_ratio"
    )
    assert [s["code"] for s in srcs] == ["MOST-2016-32", "MOST-2016-195"]
    assert "80%" in srcs[1]["article"] and "80%" not in srcs[0]["article"]
    assert "国科发火〔2016〕195号" in srcs[1]["full_text"]


def test_inferred_readings_and_further_citations_are_checked_when_loading():
    hnte = next(p for p in all_packs() if p.code == "hnte_2016")
    raw = PACKS.read(PACKS.shipped_dir() / "hnte_2016.yaml", "shipped").data
    raw["params"]["inferred"] = {"no_such_condition": "x", "tech_field": ""}
    raw["params"]["also_cited"] = {
        "rd_ratio": [
            {"code": "MIIT-2022-63", "article": "x", "confirmation": "confirmed"},
            {"code": "NOPE", "article": "x", "confirmation": "confirmed"},
        ]
    }
    bad = parse_pack(raw, registry().titles())
    problems = " ".join(_annotation_problems(bad, registry()))
    assert "no_such_condition" in problems and "缺少读法说明" in problems
    assert "MIIT-2022-63" in problems and "未列入" in problems and "NOPE" in problems
    assert not _annotation_problems(hnte, registry())


def test_inferred_conditions_are_marked():
    by_code = {p.code: p for p in all_packs()}
    assert inferred_reading(by_code["unicorn_js_2025"], "founded")
    assert inferred_reading(by_code["gazelle_js_2024"], "tech_spend")
    assert inferred_reading(by_code["gazelle_js_2024"], "r1_founded")
    assert inferred_reading(by_code["potential_unicorn_js_2025"], "young_founded")
    assert not inferred_reading(by_code["hnte_2016"], "tech_staff")


def _rows(year: int, **over):
    row = {"key": "A", "year": year, "employees": 10, "founded_on": dt.date(2015, 1, 1), **over}
    features = build_features(pl.DataFrame([row]), year)
    packs = packs_for_year(year)
    result = evaluate(features, packs, year, MEASURES)
    rows = annotate(explain(result, packs, MEASURES), packs, year)
    return features, packs, missing_inputs(features, rows, packs, year)


def test_rows_carry_the_pack_confirmation_not_confirmed_for_single_source():
    _, _, rows = _rows(2024)
    gazelle = rows.filter(pl.col("pack") == "gazelle_js_2024")
    assert set(gazelle["pack_confirmation"]) == {"single_source"}
    assert not gazelle["confirmed"].any()  # single-source packs are not "confirmed"
    hnte = rows.filter((pl.col("pack") == "hnte_2016") & (pl.col("condition") == "tech_staff"))
    assert hnte.row(0, named=True)["confirmed"] and hnte["pack_confirmation"][0] == "confirmed"
    founded = rows.filter(
        (pl.col("pack") == "unicorn_js_2025") & (pl.col("condition") == "founded")
    )
    assert founded["inferred"][0] and "推断" in founded["inferred_reading"][0]
    assert rows["source_full"].null_count() == 0
    assert (
        rows.filter(pl.col("pack") == "hnte_2016")["source_full"]
        .str.contains("国科发火〔2016〕")
        .all()
    )


def test_retrospective_evaluation_is_flagged_per_row():
    _, _, rows = _rows(2018)
    flags = dict(rows.group_by("pack").agg(pl.col("retrospective").first()).iter_rows())
    assert flags["unicorn_js_2025"] and flags["gazelle_js_2024"]
    assert not flags["hnte_2016"] and not flags["tech_sme_2017"]
    _, _, now = _rows(2024)
    assert not now.filter(pl.col("pack") == "unicorn_js_2025")["retrospective"].any()


@pytest.mark.parametrize(
    ("pack", "condition", "field"),
    [
        ("tech_sme_2017", "resident", "境内注册居民企业"),
        ("tech_sme_2017", "products_allowed", "产品属禁止/限制/淘汰类"),
        ("gazelle_js_2024", "tech_spend", "科技活动费用支出(万元)"),
        ("unicorn_js_2025", "invested", "获私募股权投资"),
    ],
)
def test_unknown_conditions_name_the_blank_inputs(pack, condition, field):
    _, _, rows = _rows(2024)
    row = rows.filter((pl.col("pack") == pack) & (pl.col("condition") == condition)).row(
        0, named=True
    )
    assert row["verdict"] == "unknown" and field in row["missing_fields"]


def test_application_date_is_named_for_an_enterprise_founded_in_the_fiscal_year():
    _, _, rows = _rows(2024, founded_on=dt.date(2024, 5, 1))
    row = rows.filter(
        (pl.col("pack") == "hnte_2016") & (pl.col("condition") == "registered_1y")
    ).row(0, named=True)
    assert row["verdict"] == "unknown" and row["missing_fields"] == ["高企申请日期"]
    missing = pack_missing_fields(rows)
    assert "高企申请日期" in missing[("A", "hnte_2016")]
    # years before the founding have no figures to fill in
    assert not any("评价年度前" in f for f in missing[("A", "hnte_2016")])
    _, _, old = _rows(2024, founded_on=dt.date(2010, 1, 1))
    assert any("评价年度前1年" in f for f in pack_missing_fields(old)[("A", "hnte_2016")])
    # a settled verdict (met or unmet) lists nothing to fill in
    _, _, filled = _rows(2024, founded_on=dt.date(2024, 5, 1), hnte_applied_on=dt.date(2025, 5, 1))
    assert filled.filter(pl.col("condition") == "registered_1y")["verdict"][0] == "met"
