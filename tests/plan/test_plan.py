"""The plan as data: the 十四五 file covers every §五/§六 action; each quantitative target's value
is its module's own figure (one test per module); entered figures are marked; statuses after the
deadline (missed / pending); a second period loads beside the first and keeps its history; tasks,
progress reports, review and scope; the `plan status` export."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from factories import make_principal
from sheets import xlsx

import kechuang.plan
from kechuang.accounts.models import User
from kechuang.accounts.service import create_user, principal_of
from kechuang.core.errors import UserError
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import SYSTEM
from kechuang.plan import service, status
from kechuang.plan.methodology import PlanFileError, parse_plan_bytes, shipped_plan
from kechuang.plan.models import PlanPeriod, TargetEntry
from kechuang.statistics.imports import import_file

PASSWORD = "Yz-kc-test-2026"
PLAN_DIR = Path(kechuang.plan.__file__).parent
HEADER = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]


def _by_code(rows):
    return {r.code: r for r in rows}


@pytest.fixture
def plan(session, city):
    """The shipped 十四五 plan, loaded."""
    out = service.load_shipped(session, SYSTEM)
    session.flush()
    return out


# ------------------------------------------------------------------ the plan file


def test_the_plan_covers_every_action_of_sections_five_and_six():
    p = shipped_plan("14-5")
    actions = {a["code"]: a for s in p["sections"] for a in s["actions"]}
    assert set(actions) == {"五.1", "五.2", "五.3", "六.1", "六.2", "六.3", "六.4"}
    for code, a in actions.items():
        assert a["targets"], code
        for t in a["targets"]:
            assert t["quote"] and t["source"]["code"] == "YZ-PLAN-14-5", t["code"]
            assert t["source"]["confirmation"] and t["source"]["article"]
    numeric = [t for a in actions.values() for t in a["targets"] if t["target_value"] is not None]
    # only the 3000亿元 figure is numeric in the plan text: nothing else is invented
    assert [(t["code"], t["target_value"]) for t in numeric] == [
        ("zone_revenue_3000yi", 30_000_000)
    ]
    milestones = {t["title"] for a in actions.values() for t in a["targets"]}
    for title in (
        "扬州高新区建设国家创新型特色园区",
        "扬州(高邮)国家农科园争创省级农业高新技术产业示范区",
        "宝应安宜高新技术产业园创建省级高新区",
        "杭集、高邮、江都省级高新区实现进位",
        "有条件的省级高新区建设大学科技园",
        "开展企业创新积分制试点",
    ):
        assert title in milestones


def test_a_bad_plan_file_is_refused_naming_every_problem():
    bad = {
        "code": "x",
        "name": "坏规划",
        "version": "1",
        "start_year": 2030,
        "end_year": 2026,
        "source": {"code": "NO-SUCH", "article": "x", "confirmation": "confirmed"},
        "sections": [
            {
                "code": "一",
                "title": "章",
                "actions": [
                    {
                        "code": "一.1",
                        "title": "行动",
                        "source": {"code": "YZ-PLAN-14-5", "article": "x", "confirmation": "unconfirmed"},
                        "targets": [
                            {"code": "t", "title": "目标", "kind": "quantitative",
                             "indicator": "no.such", "quote": "q", "target_value": "很多",
                             "source": {"code": "YZ-PLAN-14-5", "article": "x",
                                        "confirmation": "unconfirmed"}},
                        ],
                    }
                ],
            }
        ],
    }  # fmt: skip
    with pytest.raises(PlanFileError) as exc:
        parse_plan_bytes(yaml.safe_dump(bad, allow_unicode=True).encode(), "bad.yaml")
    text = str(exc.value)
    assert "终止年 2026 早于起始年 2030" in text
    assert "NO-SUCH" in text and "no.such" in text and "很多" in text


# ------------------------------------------------------------------ one test per module


def _import_revenue(session, world, rows):
    rep = import_file(session, SYSTEM, "enterprise_years", xlsx(HEADER, rows), "r.xlsx")
    assert rep.ok, rep.errors


def test_zone_revenue_equals_the_zones_tracker(session, world, plan):
    from kechuang.zones import service as zones

    a, b = world["a"], world["b"]
    _import_revenue(session, world, [[a.uscc, 2020, 90, 4000, 200], [b.uscc, 2020, 40, 1500, 80]])
    [row] = [
        r for r in status.target_statuses(session, SYSTEM, 2024) if r.code == "zone_revenue_3000yi"
    ]
    cfg = {"code": "t", "name": "t", "version": "1", "targets": [{
        "code": "zone_revenue_3000yi", "name": "全市高新区营业收入", "indicator": "e.operating_revenue",
        "unit": "万元", "baseline_year": 2020, "baseline_value": None, "target_year": 2025,
        "target_value": 30_000_000}]}  # fmt: skip
    [page] = zones.track_targets(session, SYSTEM, 2024, config=cfg)
    tr = page["tracker"]
    assert row.value == pytest.approx(tr["latest_value"]) and row.value_year == tr["latest_year"]
    # 5000 + 2000 + 800 (the enclave counts for 扬州高新区) = 7800 万元 in 2024
    assert row.value == pytest.approx(7800)
    assert row.baseline_value == pytest.approx(5500) and not row.baseline_entered
    assert row.status == tr["status"] == "off_track"
    assert (row.forecast, row.forecast_low, row.forecast_high) == pytest.approx(
        (tr["projected_value"], tr["projected_low"], tr["projected_high"])
    )
    assert row.detail_url == "/evaluation/targets"
    # a zone admin with fewer than three other zones reporting: the city total is withheld
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    [mine] = [
        r for r in status.target_statuses(session, zone, 2024) if r.code == "zone_revenue_3000yi"
    ]
    assert mine.value is None and mine.status == "no_data" and "不予显示" in mine.note


def test_tier_counts_equal_the_tiers_dashboard(session, world, plan):
    from kechuang.tiers.dashboard import pipeline

    rows = _by_code(status.target_statuses(session, SYSTEM, 2024))
    counts = [r for r in pipeline(session, SYSTEM, [2024])["counts"] if r["zone_id"] is None][0]
    for code, family in (("tech_sme_count", "tech_sme"), ("hnte_count", "hnte")):
        assert rows[code].value == counts[family], code
        assert rows[code].value_year == 2024
        # no number in the plan and none entered: tracked, not judged
        assert rows[code].status == "pending" and rows[code].status_label == "目标待定"
        assert rows[code].detail_url == "/tiers"


def test_points_enterprises_equal_the_points_list(session, world, plan):
    from kechuang.points import service as points

    points.create_run(session, SYSTEM)
    session.flush()
    total = points.top_list(session, SYSTEM, year=2024, n=1)["total"]
    assert total > 0
    row = _by_code(status.target_statuses(session, SYSTEM, 2024))["points_pilot_enterprises"]
    assert row.value == total and row.value_year == 2024 and row.detail_url == "/points"


def test_commissioner_service_equals_the_dashboard(session, city, plan):
    from cmdata import demand_data, individual

    from kechuang.commissioners import service as cs
    from kechuang.commissioners.dashboard import dashboard

    baoying = "321023"
    c = cs.create_commissioner(session, SYSTEM, individual("演示数据·宝应特派员", baoying))
    users = {}
    for name, role, kw in (
        ("by_admin", "county_admin", {"region_code": baoying}),
        ("farmer", "service_recipient", {}),
        ("tpy", "commissioner", {"commissioner_id": c.id}),
    ):
        users[name] = principal_of(
            create_user(session, username=name, password=PASSWORD, role=role, **kw)
        )
    session.flush()
    d = cs.post_demand(session, users["farmer"], demand_data(baoying))
    a = cs.create_agreement(session, users["by_admin"], d.id, c.id)
    for who in ("tpy", "farmer"):
        cs.approve_agreement(session, users[who], a.id)
    log = cs.log_service(
        session,
        users["tpy"],
        a.id,
        {"served_on": date.today(), "days": 2.5, "content": "现场检测土壤并指导"},
    )
    cs.confirm_log(session, users["farmer"], log.id)
    # the visit is dated inside the plan period (a log cannot be dated before its agreement)
    log.served_on = date(2025, 6, 1)
    session.flush()
    year = 2025
    total = dashboard(session, SYSTEM, year)["total"]
    rows = _by_code(status.target_statuses(session, SYSTEM, year, "14-5"))
    assert rows["commissioner_service_days"].value == pytest.approx(total["days"]) == 2.5
    assert rows["commissioner_demands_served"].value == total["served"]
    # a zone admin may not read the commissioners' dashboard: the plan says so, it does not compute
    zone = make_principal(session, "zone_admin", zone=city["yzhtz"])
    mine = _by_code(status.target_statuses(session, zone, year, "14-5"))
    assert mine["commissioner_service_days"].value is None
    assert mine["commissioner_service_days"].status == "no_data"


def test_programmes_funded_count_the_domain(session, city, plan):
    from factories import make_uscc
    from progdata import app_data, call_data

    from kechuang.programs import service as ps

    call = ps.create_call(session, SYSTEM, call_data("P24", year=2024))
    ps.set_call_state(session, SYSTEM, call.id, "open")
    states = ("funded", "approved", "rejected", "submitted")
    for i, state in enumerate(states):
        app = ps.create_application(
            session,
            SYSTEM,
            call.id,
            app_data(make_uscc(700 + i), leader_id_no=f"3210001980010100{i:02d}"),
        )
        app.state = state
    carbon = ps.create_application(
        session, SYSTEM, call.id, app_data(make_uscc(720), direction="CARBON-CLEAN")
    )
    carbon.state = "funded"
    session.flush()
    rows = _by_code(status.target_statuses(session, SYSTEM, 2024))
    assert rows["health_projects_funded"].value == 2  # funded and approved; not rejected/submitted
    assert rows["carbon_projects_funded"].value == 1
    assert rows["safety_projects_funded"].value == 0
    assert rows["health_projects_funded"].value_year == 2024


# ------------------------------------------------------------------ entered figures and statuses


def test_entered_target_and_baseline_are_marked_and_judged(session, world, plan):
    rows = _by_code(status.target_statuses(session, SYSTEM, 2024))
    t = rows["tech_sme_count"]
    service.enter_value(session, SYSTEM, t.target_id, "baseline", 1, 2020, "局统计")
    service.enter_value(session, SYSTEM, t.target_id, "target", 1000, note="局定目标")
    row = _by_code(status.target_statuses(session, SYSTEM, 2024))["tech_sme_count"]
    assert row.baseline_entered and row.target_entered and row.target_value == 1000
    assert row.status in {"at_risk", "off_track", "on_track", "achieved"}
    # a newer entry replaces the older one; both stay as history
    service.enter_value(session, SYSTEM, t.target_id, "target", 2000)
    assert (
        _by_code(status.target_statuses(session, SYSTEM, 2024))["tech_sme_count"].target_value
        == 2000
    )
    assert len(service.list_entries(session, SYSTEM, t.target_id)) == 3
    with pytest.raises(UserError, match="不能为负数"):
        service.enter_value(session, SYSTEM, t.target_id, "target", -1)
    with pytest.raises(UserError, match="里程碑"):
        service.enter_value(session, SYSTEM, rows["points_pilot"].target_id, "target", 1)
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    with pytest.raises(RoleError):
        service.enter_value(session, zone, t.target_id, "target", 5)


def test_an_entered_actual_fills_a_year_the_platform_lacks_but_never_overrides_it(
    session, world, plan
):
    t = _by_code(status.target_statuses(session, SYSTEM, 2024))["zone_revenue_3000yi"]
    service.enter_value(session, SYSTEM, t.target_id, "baseline", 5000, 2020)
    service.enter_value(session, SYSTEM, t.target_id, "actual", 1.0, 2024)  # platform has 7800
    row = _by_code(status.target_statuses(session, SYSTEM, 2024))["zone_revenue_3000yi"]
    assert row.value == pytest.approx(7800) and not row.value_entered
    assert row.baseline_value == 5000 and row.baseline_entered


def test_milestones_take_the_newest_event_and_miss_after_the_deadline(session, city, plan):
    t = _by_code(status.target_statuses(session, SYSTEM, 2024))["baoying_anyi_provincial_zone"]
    assert t.status == "no_data" and t.evidence == []
    service.record_milestone(
        session, SYSTEM, t.target_id, "in_progress", date(2022, 3, 1), "上报申请"
    )
    rows = lambda y: _by_code(status.target_statuses(session, SYSTEM, y))  # noqa: E731
    assert rows(2021)["baoying_anyi_provincial_zone"].status == "no_data"  # not yet happened
    assert rows(2024)["baoying_anyi_provincial_zone"].status == "on_track"
    assert rows(2026)["baoying_anyi_provincial_zone"].status == "missed"  # 2025 passed, not done
    assert (
        "2022-03-01 推进中：上报申请（局填报）"
        in rows(2024)["baoying_anyi_provincial_zone"].evidence
    )
    service.record_milestone(
        session, SYSTEM, t.target_id, "achieved", date(2025, 6, 1), "省政府批复"
    )
    assert rows(2026)["baoying_anyi_provincial_zone"].status == "achieved"
    with pytest.raises(UserError, match="佐证"):
        service.record_milestone(session, SYSTEM, t.target_id, "achieved", date(2025, 6, 1), " ")


def test_rank_advance_reads_the_zone_evaluation(session, city, plan, monkeypatch):
    from kechuang.zones import service as zones

    names = ["杭集高新区", "高邮高新区", "江都高新区"]
    ranks = {2020: [4, 3, 2], 2024: [3, 2, 2]}
    monkeypatch.setattr(zones, "available_years", lambda s: [2024, 2020])
    monkeypatch.setattr(
        zones,
        "ranking",
        lambda s, p, y, *a, **k: {
            "table": [{"name": n, "rank": r} for n, r in zip(names, ranks[y], strict=True)]
        },
    )
    row = _by_code(status.target_statuses(session, SYSTEM, 2024))["provincial_zones_advance"]
    assert row.status == "on_track"  # two of three advanced; 江都 held its place
    assert "杭集高新区：2020年第4名 → 2024年第3名（进位）" in row.evidence
    assert "江都高新区：2020年第2名 → 2024年第2名（持平）" in row.evidence
    ranks[2024] = [3, 2, 1]
    assert (
        _by_code(status.target_statuses(session, SYSTEM, 2024))["provincial_zones_advance"].status
        == "achieved"
    )


# ------------------------------------------------------------------ periods


FIFTEEN = {
    "code": "15-5",
    "name": "扬州市“十五五”科技创新规划（骨架，未取得正式文本）",
    "version": "2026.0",
    "start_year": 2026,
    "end_year": 2030,
    "source": {"code": "YZ-PLAN-14-5", "article": "十五五目标承接十四五（五）2（未确认）",
               "confirmation": "unconfirmed"},
    "sections": [{"code": "五", "title": "高新区高质量发展", "actions": [{
        "code": "五.2", "label": "（五）2", "title": "推动高新区争先进位", "quote": "（未取得正式文本）",
        "source": {"code": "YZ-PLAN-14-5", "article": "承接（五）2", "confirmation": "unconfirmed"},
        "targets": [{"code": "zone_revenue", "title": "全市高新区营业收入", "kind": "quantitative",
                     "indicator": "zones.revenue_total", "unit": "万元", "baseline_year": 2025,
                     "target_year": 2030, "quote": "（未取得正式文本）",
                     "carry_from": "14-5/zone_revenue_3000yi",
                     "source": {"code": "YZ-PLAN-14-5", "article": "承接（五）2",
                                "confirmation": "unconfirmed"}}]}]}],
}  # fmt: skip


def _load(session, data: dict):
    return service.load_plan(
        session,
        SYSTEM,
        parse_plan_bytes(yaml.safe_dump(data, allow_unicode=True).encode(), "p.yaml"),
    )


def test_a_second_period_loads_beside_the_first_and_keeps_its_history(session, world, plan):
    first = _by_code(status.target_statuses(session, SYSTEM, 2024))
    revenue = first["zone_revenue_3000yi"]
    service.enter_value(session, SYSTEM, first["tech_sme_count"].target_id, "target", 1000)
    ev = first["points_pilot"]
    service.record_milestone(
        session, SYSTEM, ev.target_id, "achieved", date(2023, 12, 1), "试点方案"
    )
    before = status.target_statuses(session, SYSTEM, 2024, "14-5")
    out = _load(session, FIFTEEN)
    assert out["targets"] == 1 and out["links"] == 1
    assert [p.code for p in service.list_periods(session, SYSTEM)] == ["14-5", "15-5"]
    # the first period's statuses, entries and evidence are unchanged
    assert status.target_statuses(session, SYSTEM, 2024, "14-5") == before
    assert status.target_statuses(session, SYSTEM, 2024) == before  # 2024 lies in 十四五
    # 2027 lies in 十五五: its target carries the 十四五 one over
    [new] = status.target_statuses(session, SYSTEM, 2027)
    assert new.period_code == "15-5" and new.carried_from == ["14-5/zone_revenue_3000yi"]
    assert new.target_value is None and new.status in {"pending", "no_data"}
    # the bureau links by hand too; a link inside one period is refused
    with pytest.raises(UserError, match="不同规划期"):
        service.link_targets(session, SYSTEM, revenue.target_id, first["hnte_count"].target_id)
    # reloading the first period with a new version keeps what was entered against it
    data = yaml.safe_load((PLAN_DIR / "data" / "plan_14_5.yaml").read_text(encoding="utf-8"))
    data["version"] = "2021.2"
    data["sections"][0]["actions"][0]["targets"][0]["title"] = "各高新区明确战略性新兴产业（修订）"
    again = _load(session, data)
    assert again["targets"] == 0 and again["updated"] == 21
    after = _by_code(status.target_statuses(session, SYSTEM, 2024, "14-5"))
    assert (
        after["tech_sme_count"].target_value == 1000 and after["points_pilot"].status == "achieved"
    )
    assert after["one_zone_one_strategy"].title == "各高新区明确战略性新兴产业（修订）"
    assert session.query(PlanPeriod).filter_by(code="14-5").one().version == "2021.2"
    assert session.query(TargetEntry).count() == 1


def test_an_overlapping_period_is_refused(session, city, plan):
    bad = {**FIFTEEN, "code": "x", "start_year": 2025}
    with pytest.raises(UserError, match="重叠"):
        _load(session, bad)


# ------------------------------------------------------------------ tasks and progress


@pytest.fixture
def tasks(session, world, plan):
    from kechuang.plan.models import PlanAction

    action = session.query(PlanAction).filter_by(code="五.2").one()
    made = {}
    for key, unit, due in (("yz", "扬州高新区管委会", date(2025, 12, 31)),
                           ("jd", "江都高新区管委会", date(2023, 6, 30))):  # fmt: skip
        made[key] = service.create_task(
            session,
            SYSTEM,
            {"action_id": action.id, "title": f"任务{key}", "lead_unit": unit,
             "units": ["市科技局"], "starts_on": date(2021, 1, 1), "due_on": due},
        )  # fmt: skip
    zone = principal_of(session.query(User).filter_by(username="zone_yz").one())
    return {**made, "zone": zone, "world": world}


def test_a_zone_reports_on_its_own_units_task_only(session, tasks):
    zone = tasks["zone"]
    rep = service.submit_progress(
        session,
        zone,
        tasks["yz"].id,
        {"year": 2024, "quarter": 2, "text": "完成方案", "percent": 40},
    )
    assert rep.state == "submitted"
    with pytest.raises(ScopeError):
        service.submit_progress(
            session, zone, tasks["jd"].id, {"year": 2024, "quarter": 2, "text": "x"}
        )
    with pytest.raises(UserError, match="已报送"):
        service.submit_progress(
            session, zone, tasks["yz"].id, {"year": 2024, "quarter": 2, "text": "再报"}
        )
    with pytest.raises(RoleError):
        service.review_report(session, zone, rep.id, True)
    with pytest.raises(UserError, match="退回须说明原因"):
        service.review_report(session, SYSTEM, rep.id, False)
    service.review_report(session, SYSTEM, rep.id, False, "请补充材料")
    again = service.submit_progress(
        session, zone, tasks["yz"].id, {"year": 2024, "quarter": 2, "text": "已补充", "percent": 45}
    )
    assert again.id == rep.id and again.state == "submitted"
    service.review_report(session, SYSTEM, rep.id, True)
    rows = {r.title: r for r in status.task_rows(session, SYSTEM, 2024)}
    assert rows["任务yz"].latest_progress == "已补充" and rows["任务yz"].percent == 45
    assert rows["任务yz"].lead_unit == "扬州高新区管委会" and rows["任务yz"].units == ["市科技局"]
    # the other unit's task is overdue (due mid-2023, not done)
    assert rows["任务jd"].overdue and not rows["任务yz"].overdue
    # the zone admin sees every task, but only her own units' reports and only reports for them
    mine = {r.title: r for r in status.task_rows(session, zone, 2024)}
    assert mine["任务yz"].own and not mine["任务jd"].own
    service.submit_progress(
        session, SYSTEM, tasks["jd"].id, {"year": 2024, "quarter": 1, "text": "江都进展"}
    )
    assert {r.title: r for r in status.task_rows(session, zone, 2024)}[
        "任务jd"
    ].latest_progress == ""
    enterprise = make_principal(session, "enterprise_user", enterprise=tasks["world"]["b"])
    with pytest.raises(RoleError):
        status.task_rows(session, enterprise, 2024)


def test_at_risk_when_progress_trails_time(session, tasks):
    from kechuang.plan.models import ProgressReport

    task = tasks["yz"]  # 2021-01-01 → 2025-12-31
    rep = ProgressReport(task_id=task.id, unit_id=service.task_units(session, task.id)[0].id,
                         year=2024, quarter=4, text="x", percent=40, state="approved")  # fmt: skip
    # on 2024-12-31, 80% of the time has passed: 40% done trails by 40 points > 25
    assert status.task_flags(task, rep, date(2024, 12, 31)) == (False, True)
    rep.percent = 70
    assert status.task_flags(task, rep, date(2024, 12, 31)) == (False, False)
    assert status.task_flags(task, rep, date(2026, 1, 1)) == (True, False)
    task.state = "done"
    assert status.task_flags(task, rep, date(2026, 1, 1)) == (False, False)


def test_attachments_are_checked_and_scoped(session, tasks):
    zone = tasks["zone"]
    rep = service.submit_progress(
        session, SYSTEM, tasks["jd"].id, {"year": 2024, "quarter": 1, "text": "x"}
    )
    with pytest.raises(ScopeError):
        service.add_attachment(session, zone, rep.id, "a.pdf", b"%PDF")
    with pytest.raises(UserError, match="类型不支持"):
        service.add_attachment(session, SYSTEM, rep.id, "a.exe", b"MZ")
    att = service.add_attachment(session, SYSTEM, rep.id, "批复.pdf", b"%PDF-1.4")
    with pytest.raises(ScopeError):
        service.get_attachment(session, zone, att.id)
    assert service.get_attachment(session, SYSTEM, att.id).content == b"%PDF-1.4"


# ------------------------------------------------------------------ the export


def test_plan_status_cli_lists_every_target(session, world, plan, tmp_path):
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from kechuang.cli import app

    out = tmp_path / "s.xlsx"
    r = CliRunner().invoke(app, ["plan", "status", "--year", "2025", "--out", str(out)])
    assert r.exit_code == 0, r.output
    book = load_workbook(io.BytesIO(out.read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, body = rows[1], rows[2:]  # under the title row
    codes = [r[header.index("目标代码")] for r in body]
    assert codes == [
        t["code"] for s in shipped_plan()["sections"] for a in s["actions"] for t in a["targets"]
    ]
    sections = {r[header.index("条目")] for r in body}
    assert sections == {"（五）1", "（五）2", "（五）3", "（六）1", "（六）2", "（六）3", "（六）4"}
    assert all(r[header.index("状态")] for r in body)
    r = CliRunner().invoke(
        app, ["plan", "status", "--year", "2025", "--out", str(tmp_path / "s.csv")]
    )
    assert r.exit_code == 2 and ".xlsx" in r.output


def test_figures_after_the_period_belong_to_the_next(session, city, plan):
    t = _by_code(status.target_statuses(session, SYSTEM, 2025))["health_projects_funded"]
    service.enter_value(session, SYSTEM, t.target_id, "actual", 3, 2025, "局统计")
    service.enter_value(session, SYSTEM, t.target_id, "actual", 5, 2026, "局统计")
    row = _by_code(status.target_statuses(session, SYSTEM, 2026, "14-5"))["health_projects_funded"]
    assert (row.value, row.value_year, row.value_entered) == (3, 2025, True)
    assert row.series == {2025: 3}
