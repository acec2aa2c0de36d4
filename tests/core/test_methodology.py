"""The methodology layer: one vocabulary, the sources registry, one catalogue for every domain.

Hand-written cases: versions in force at boundary dates; every problem of every file reported at
once with file and item; a bureau's files in KECHUANG_METHODOLOGY_DIR found and validated as the
shipped ones; every shipped file loads and every cited code resolves in the registry."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from kechuang.carriers import methodology as carriers_meth
from kechuang.commissioners import assessment as commissioner_assessment
from kechuang.core import methodology as ml
from kechuang.core.config import get_settings
from kechuang.engines.composite import framework as composite_framework
from kechuang.engines.rules import packs as rule_packs
from kechuang.plan import methodology as plan_meth
from kechuang.points import methodology as points_meth
from kechuang.programs import methodology as programs_meth
from kechuang.tiers import methodology as tiers
from kechuang.zones import frameworks as zone_frameworks
from kechuang.zones import service as zones

SRC = Path(ml.__file__).resolve().parents[1]
ROOT = SRC.parents[1]
CATALOGUES = {
    "packs": tiers.PACKS,
    "tier targets": tiers.TARGETS,
    "points": points_meth.CATALOGUE,
    "frameworks": zone_frameworks.FRAMEWORKS,
    "zone targets": zones.TARGETS,
    "commissioner assessment": commissioner_assessment.SCHEMES,
    "plans": plan_meth.PLANS,
    "carriers chain": carriers_meth.CHAINS,
    "programme lifecycles": programs_meth.LIFECYCLES,
    "programme eligibility": programs_meth.ELIGIBILITY,
}
SHIPPED_FILES = sorted(
    p for c in CATALOGUES.values() for p, origin in c.files() if origin == "shipped"
)


@pytest.fixture
def bureau_dir(tmp_path, monkeypatch):
    """A bureau methodology directory set through KECHUANG_METHODOLOGY_DIR (undone afterwards)."""
    monkeypatch.setenv("KECHUANG_METHODOLOGY_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.delenv("KECHUANG_METHODOLOGY_DIR")
    get_settings.cache_clear()
    for c in CATALOGUES.values():
        c.clear()


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def _shipped(relative: str) -> dict:
    return yaml.safe_load((SRC / relative).read_text(encoding="utf-8"))


# ------------------------------------------------------------------ vocabulary and registry


def test_the_engines_keep_the_same_five_words():
    assert list(ml.CONFIRMATION) == [
        "confirmed",
        "single_source",
        "unconfirmed",
        "reconstructed",
        "provisional",
    ]
    assert list(ml.CONFIRMATION.values()) == ["已确认", "单一来源", "未确认", "重构", "暂行"]
    assert rule_packs.CONFIRMATION_LABELS == ml.CONFIRMATION
    assert rule_packs.READ_IN_SOURCE == ml.READ_IN_SOURCE
    assert tuple(ml.CONFIRMATION) == composite_framework.CONFIDENCE_VALUES
    assert points_meth.CONFIDENCE == ml.CONFIRMATION
    assert (
        set(zone_frameworks.ROW_STATUS)
        == set(zone_frameworks.WEIGHT_STATUS)
        == set(ml.CONFIRMATION)
    )
    assert set(ml.CONFIRMATION_NOTES) == set(ml.CONFIRMATION_COLORS) == set(ml.CONFIRMATION)


def test_registry_entries_are_complete_and_point_nowhere_outside():
    reg = ml.registry()
    assert len(reg.documents) >= 15
    for code, doc in reg.documents.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9.-]+", code), code
        assert doc.title and doc.supports and doc.kind in ml.SOURCE_KINDS, code
        assert doc.published, code  # where it is published or was read
        for text in (doc.title, doc.note, doc.supports, *doc.published):
            assert "://" not in text and ".md" not in text and "§" not in text, code
    hnte = reg.get("MOST-2016-32")
    assert hnte.number == "国科发火〔2016〕32号"
    assert hnte.citation == "《高新技术企业认定管理办法》（国科发火〔2016〕32号）"
    # facts the reference notes do not give are marked, never filled in
    assert reg.get("MOST-2017-115").date is None and "date" in reg.get("MOST-2017-115").unconfirmed
    assert reg.get("JS-2016-EVAL").unconfirmed == ("number",)
    assert reg.get("MOST-2024-POINTS").number is None
    # a descriptive title is not put in 《》
    assert reg.title("JSPPC-2024-GAZELLE") == "江苏省瞪羚企业评估通知（2024年度）"


def test_registry_problems_are_all_reported():
    docs, problems = ml.parse_registry(
        {
            "sources": {
                "A": {"title": "甲", "kind": "official", "supports": "x", "published": ["站点"]},
                "B": {"kind": "blog", "published": ["https://example.org"], "colour": 1},
                "C": {"title": "丙", "kind": "report", "supports": "x", "unconfirmed": ["size"]},
            }
        },
        "登记表",
        taken={"A": None},
    )
    text = "\n".join(problems)
    assert "来源“A”：代码与项目登记表重复" in text
    assert "来源“B”：未知字段 colour" in text and "缺少标题" in text and "kind 应为" in text
    assert "不写网址" in text and "缺少 supports" in text
    assert "来源“C”：unconfirmed 含未知字段 size" in text
    assert set(docs) == {"B", "C"}


# ------------------------------------------------------------------ every shipped file


def test_every_shipped_file_loads_and_every_cited_code_resolves():
    for name, cat in CATALOGUES.items():
        entries = cat.load()
        assert entries, name
        assert {p for p, o in cat.files()} <= set(SHIPPED_FILES)
    reg = ml.registry()
    cited: set[str] = set()

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "source":
                    assert isinstance(v, dict), f"{where}: source {v!r} is not {{code, …}}"
                    assert v.get("code") in reg, f"{where}: {v}"
                    assert str(v.get("article", "")).strip(), f"{where}: {v}"
                    assert v.get("confirmation") in ml.CONFIRMATION, f"{where}: {v}"
                    cited.add(v["code"])
                elif k == "documents" and isinstance(v, list):
                    assert all(d in reg for d in v), where
                else:
                    walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    for path in SHIPPED_FILES:
        text = path.read_text(encoding="utf-8")
        # no pointer to notes outside the repository, in the data or in the comments
        for bad in ("shared/", ".md", "§", "[P", "[S", "[G-", "confidence: secondary"):
            assert bad not in text, (path.name, bad)
        walk(yaml.safe_load(text), path.name)
    asem = yaml.safe_load((ROOT / "examples/asem/framework.yaml").read_text(encoding="utf-8"))
    assert ml.composite_framework_problems(asem, reg) == []
    cited |= {i["source"] for i in asem["items"]}
    assert set(reg.documents) == cited  # every registry entry supports something


def _explicit_sources(items, kids=("all_of", "any_of", "choose_max")):
    for item in items:
        yield item
        for k in kids:
            yield from _explicit_sources(item.get(k, []), kids)


def test_every_item_of_every_shipped_file_names_its_source():
    """Explicitly, in the file: no item leans on its parent's source."""
    for path, _ in tiers.PACKS.files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [*raw["conditions"], *raw.get("scores", []), *raw.get("not_evaluated", [])]
        for item in _explicit_sources(items):
            assert "source" in item, (path.name, item.get("code", item.get("label")))
    for path, _ in points_meth.CATALOGUE.files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [raw, raw["scoring"], *raw["stages"], *raw["categories"], *raw["indicators"]]
        items += [*raw.get("pending", [])]
        for block in ("bonus", "negative"):
            items += [raw[block], *raw[block]["items"]]
        assert all("source" in i and "confidence" not in i for i in items), path.name
    for path, _ in zone_frameworks.FRAMEWORKS.files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [raw, *raw["dimensions"], *[r for d in raw["dimensions"] for r in d["rows"]]]
        assert all("source" in i and "status" not in i for i in items), path.name
    for cat in (tiers.TARGETS, zones.TARGETS):
        for path, _ in cat.files():
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            items = [raw, *raw["targets"], *raw.get("not_tracked", [])]
            assert all("source" in i for i in items), path.name


def test_loaded_items_carry_title_article_and_level():
    hnte = next(p for p in tiers.all_packs() if p.code == "hnte_2016")
    first = hnte.conditions[0]
    assert (first.cite.source, first.cite.article, first.cite.confirmation) == (
        "MOST-2016-32",
        "第十一条（一）",
        "confirmed",
    )
    assert (
        hnte.cite_text(first.cite)
        == "《高新技术企业认定管理办法》（国科发火〔2016〕32号） 第十一条（一）"
    )
    assert len(hnte.digest) == 64
    spec22 = next(p for p in tiers.all_packs() if p.code == "specialised_sme_2022")
    levels = {i.code: i.cite.confirmation for i in spec22.scores}
    assert levels["rd_staff"] == levels["distinctive"] == "unconfirmed"
    assert not next(i for i in spec22.scores if i.code == "rd_staff").confirmed
    torch = points_meth.load("torch_core")
    rd = next(i for i in torch.indicators if i.code == "rd_intensity")
    assert rd.cite.code == "STDAILY-2023-POINTS" and rd.confidence == "single_source"
    assert rd.source.startswith("科技日报关于企业创新积分制的报道（2023） 核心指标")
    assert {s.confidence for s in torch.stages} == {"provisional"}
    assert (
        torch.digest
        == ml.hashlib.sha256(
            (SRC / "points/methodology/torch_core_2025.yaml").read_bytes()
        ).hexdigest()
    )
    national = zone_frameworks.shipped_framework("national_2021")
    rows = {r["row"]: r for r in national.rows_table()}
    assert rows["1.1"]["status"] == "confirmed" and rows["1.3"]["status"] == "reconstructed"
    assert rows["1.1"]["source"].startswith("《国家高新技术产业开发区综合评价指标体系》")
    assert (
        national.document == "《国家高新技术产业开发区综合评价指标体系》（国科发火〔2021〕106号）"
    )
    spec = zone_frameworks.engine_spec(national, {})
    item = next(i for i in spec["framework"]["items"] if i["code"] == "rd_institutions")
    assert (item["source"], item["article"], item["confidence"]) == (
        "MOST-2021-106",
        "附件 二级指标1.1",
        "confirmed",
    )


# ------------------------------------------------------------------ versions in force


def test_catalogue_picks_the_version_in_force_at_boundary_dates():
    def spec_on(day: date) -> str:
        return next(p.code for p in tiers.PACKS.in_force(day) if p.family == "specialised_sme")

    assert spec_on(date(2026, 3, 31)) == "specialised_sme_2022"  # its last day
    assert spec_on(date(2026, 4, 1)) == "specialised_sme_2026"  # the new one's first day
    assert spec_on(date(2022, 6, 1)) == "specialised_sme_2022"
    assert spec_on(date(2022, 5, 31)) == "specialised_sme_2022"  # before any: the earliest
    # applications are made the year after the assessment year (1 July)
    year_2025 = {p.family: p.code for p in tiers.packs_for_year(2025)}
    year_2024 = {p.family: p.code for p in tiers.packs_for_year(2024)}
    assert year_2025["specialised_sme"] == "specialised_sme_2026"
    assert year_2024["specialised_sme"] == "specialised_sme_2022"
    # the engine's own picker (used without the product) agrees on every boundary
    packs = list(tiers.all_packs())
    for day in (date(2017, 5, 2), date(2017, 5, 3), date(2026, 3, 31), date(2026, 4, 1)):
        assert [p.code for p in rule_packs.packs_in_force(packs, day)] == [
            p.code for p in sorted(tiers.PACKS.in_force(day), key=lambda p: (p.rung, p.code))
        ]


def test_pick_in_force_generic_rules():
    v = ml.Versioning(
        code=lambda e: e[0],
        family=lambda e: "f",
        version=lambda e: e[0],
        effective_from=lambda e: e[1],
        effective_to=lambda e: e[2],
    )
    a = ("a", date(2020, 1, 1), date(2021, 6, 30))
    b = ("b", date(2022, 1, 1), None)
    pick = lambda day: ml.pick_in_force([b, a], day, v)[0][0]  # noqa: E731
    assert pick(date(2021, 6, 30)) == "a"
    assert pick(date(2021, 7, 1)) == "a"  # the gap: the latest that had started
    assert pick(date(2022, 1, 1)) == "b"
    assert pick(date(2019, 12, 31)) == "a"  # before any: the earliest
    # a version in force beats a newer one that has lapsed: an open-ended rule with a one-year
    # override; both ends of the override are inclusive
    base = ("base", date(2020, 1, 1), None)
    override = ("override", date(2022, 1, 1), date(2022, 12, 31))
    pick = lambda day: ml.pick_in_force([base, override], day, v)[0][0]  # noqa: E731
    assert pick(date(2021, 12, 31)) == "base"
    assert pick(date(2022, 1, 1)) == "override"
    assert pick(date(2022, 12, 31)) == "override"
    assert pick(date(2023, 1, 1)) == "base"
    # without dates (points methodologies, frameworks): the highest version
    undated = ml.Versioning(code=lambda e: e, family=lambda e: "f", version=lambda e: e)
    assert ml.pick_in_force(["2025.1", "2026.1", "2025.2"], date(2000, 1, 1), undated) == ["2026.1"]


# ------------------------------------------------------------------ the bureau's directory


def _bad_sources_pack() -> dict:
    raw = _shipped("tiers/methodology/packs/unicorn_gei_2025.yaml")
    raw["code"], raw["version"] = "unicorn_gei_2026", "2026"
    raw["effective_from"] = date(2026, 1, 1)
    conds = raw["conditions"]
    conds[0]["source"]["code"] = "NO-SUCH-DOC"
    del conds[1]["source"]["article"]
    conds[2]["source"]["confirmation"] = "maybe"
    return raw


def test_every_problem_of_every_file_is_reported_at_once(bureau_dir):
    _write(bureau_dir / "tiers/packs/unicorn_gei_2026.yaml", _bad_sources_pack())
    with pytest.raises(rule_packs.RulePackError) as err:
        tiers.all_packs()
    problems = err.value.problems
    assert len(problems) == 3
    assert all(
        p.startswith("规则包文件 市科技局目录 tiers/packs/unicorn_gei_2026.yaml：")
        for p in problems
    )
    c = _shipped("tiers/methodology/packs/unicorn_gei_2025.yaml")["conditions"]
    assert (
        f"{c[0]['label']}（{c[0]['code']}）" in problems[0]
        and "“NO-SUCH-DOC”不在来源登记表中" in problems[0]
    )
    assert f"{c[1]['label']}（{c[1]['code']}）" in problems[1] and "缺少条款 article" in problems[1]
    assert f"{c[2]['label']}（{c[2]['code']}）" in problems[2] and "'maybe'" in problems[2]
    assert str(err.value).startswith("共 3 处错误：\n1. 规则包文件")

    # points: two bad files, every problem of both
    torch = _shipped("points/methodology/torch_core_2025.yaml")
    torch["code"] = "bureau_a"
    torch["indicators"][0]["source"]["code"] = "NO-SUCH-DOC"
    torch["stages"][0]["source"].pop("article")
    _write(bureau_dir / "points/bureau_a.yaml", torch)
    local = _shipped("points/methodology/local_relative_2025.yaml")
    local["code"] = "bureau_b"
    local["categories"][0]["source"]["confirmation"] = "secondary"  # an old word
    local["indicators"][1]["confidence"] = "unconfirmed"  # the old key
    _write(bureau_dir / "points/bureau_b.yaml", local)
    with pytest.raises(points_meth.MethodologyError) as err:
        points_meth.available()
    text = str(err.value)
    assert len(err.value.problems) == 4
    assert "bureau_a.yaml" in text and "第1个指标“rd_expense”：出处代码“NO-SUCH-DOC”" in text
    assert "第1个阶段“初创期”：出处“KC-POINTS-2025”缺少条款 article" in text
    assert "bureau_b.yaml" in text and "第1个一级指标“技术创新指标”：确认程度" in text
    assert "“confidence”已停用" in text

    # zone frameworks: the old status word and a missing source in one file
    fw = _shipped("zones/methodology/frameworks/jiangsu_2016.yaml")
    fw["code"] = "bureau_fw"
    fw["dimensions"][0]["status"] = "confirmed"
    del fw["dimensions"][1]["rows"][0]["source"]
    _write(bureau_dir / "zones/frameworks/bureau_fw.yaml", fw)
    with pytest.raises(zone_frameworks.FrameworkDataError) as err:
        zone_frameworks.file_frameworks()
    assert len(err.value.problems) == 2
    assert "维度 K1：“status”已停用" in str(err.value)
    assert "维度 K2 第 1 行（高新技术企业数）：缺少出处" in str(err.value)


def test_a_broken_yaml_file_is_named(bureau_dir):
    _write(bureau_dir / "tiers/targets_2030.yaml", "code: [unclosed\n")
    with pytest.raises(
        tiers.TierError,
        match="梯度培育目标文件 市科技局目录 tiers/targets_2030.yaml：不是有效的 YAML",
    ):
        tiers.targets()


def test_bureau_files_are_found_and_validated_like_the_shipped_ones(bureau_dir):
    # the bureau's own source, and a 2025 version of the Jiangsu gazelle rules citing it
    _write(
        bureau_dir / "sources.yaml",
        {
            "sources": {
                "YZ-BUREAU-2025-1": {
                    "title": "江苏省瞪羚企业评估通知（2025年度，市科技局转发）",
                    "kind": "notice",
                    "issuer": "扬州市科学技术局",
                    "published": ["市科技局内部文件"],
                    "supports": "梯度培育·江苏省瞪羚企业（2025年度）",
                    "unconfirmed": ["title"],
                }
            }
        },
    )
    raw = _shipped("tiers/methodology/packs/gazelle_js_2024.yaml")
    raw["code"], raw["version"], raw["effective_from"] = (
        "gazelle_js_2025",
        "2025年度评估",
        "2025-01-01",
    )
    raw["documents"] = ["YZ-BUREAU-2025-1"]

    def recite(items):
        for item in items:
            if "source" in item:
                item["source"]["code"] = "YZ-BUREAU-2025-1"
            recite(item.get("all_of", []) + item.get("any_of", []))

    recite(raw["conditions"] + raw.get("not_evaluated", []))
    _write(bureau_dir / "tiers/packs/gazelle_js_2025.yaml", raw)
    assert {p.code for p in tiers.all_packs()} >= {"gazelle_js_2024", "gazelle_js_2025"}
    assert {p.family: p.code for p in tiers.packs_for_year(2024)}["gazelle"] == "gazelle_js_2025"
    assert {p.family: p.code for p in tiers.PACKS.in_force(date(2024, 12, 31))}["gazelle"] == (
        "gazelle_js_2024"
    )
    pack = next(p for p in tiers.all_packs() if p.code == "gazelle_js_2025")
    assert pack.cite_text(pack.conditions[0].cite).startswith(
        "江苏省瞪羚企业评估通知（2025年度，市科技局转发）"
    )
    summary = tiers.pack_summary(pack)
    assert summary["documents"] == {
        "YZ-BUREAU-2025-1": "江苏省瞪羚企业评估通知（2025年度，市科技局转发）"
    }

    # a points methodology and a framework of the bureau's are listed with the shipped ones
    torch = _shipped("points/methodology/torch_core_2025.yaml")
    torch["version"] = "2026.1-bureau"
    _write(bureau_dir / "points/torch_core_2026.yaml", torch)
    assert points_meth.load("torch_core").version == "2026.1-bureau"  # the newest version
    assert points_meth.load("torch_core@2025.1-provisional").origin == "shipped"
    assert points_meth.load().origin == "bureau"
    fw = _shipped("zones/methodology/frameworks/jiangsu_2016.yaml")
    fw["code"] = "yangzhou_2026"
    _write(bureau_dir / "zones/frameworks/yangzhou_2026.yaml", fw)
    codes = [f.code for f in zone_frameworks.file_frameworks()]
    assert codes == ["national_2021", "jiangsu_2016", "yangzhou_2026"]
    assert zone_frameworks.shipped_framework("yangzhou_2026").origin == "bureau"

    # the same checks: a bureau pack citing a code that is nowhere registered is refused
    raw["code"] = "gazelle_js_2026"
    raw["documents"] = ["YZ-BUREAU-2026-9"]
    _write(bureau_dir / "tiers/packs/gazelle_js_2026.yaml", raw)
    tiers.PACKS.clear()
    with pytest.raises(rule_packs.RulePackError, match="“YZ-BUREAU-2026-9”不在来源登记表中"):
        tiers.all_packs()


def test_bureau_sources_cannot_redefine_the_projects(bureau_dir):
    _write(
        bureau_dir / "sources.yaml",
        {"sources": {"MOST-2016-32": {"title": "改名", "kind": "official", "supports": "x"}}},
    )
    with pytest.raises(ml.MethodologyLayerError, match="“MOST-2016-32”：代码与项目登记表重复"):
        ml.registry()


def test_a_file_given_on_the_command_line_is_validated_too(tmp_path):
    torch = _shipped("points/methodology/torch_core_2025.yaml")
    path = _write(tmp_path / "mine.yaml", torch)
    assert points_meth.load(str(path)).code == "torch_core"
    torch["categories"][0].pop("source")
    _write(path, torch)
    with pytest.raises(points_meth.MethodologyError, match="一级指标“技术创新指标”：缺少出处"):
        points_meth.load(str(path))
