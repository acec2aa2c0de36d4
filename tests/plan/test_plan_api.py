"""The plan API over HTTP: evidence uploads on one's own unit's report only, downloads, a bad plan
file refused in Chinese, the zone admin's targets without the withheld city total, the export;
`kechuang plan load` from the command line."""

from __future__ import annotations

from datetime import date

import yaml
from typer.testing import CliRunner
from web import login

from kechuang.core.security import SYSTEM
from kechuang.plan import service
from kechuang.plan.models import PlanAction, PlanPeriod

V1 = "/api/v1"


def _tasks(session):
    service.load_shipped(session, SYSTEM)
    action = session.query(PlanAction).filter_by(code="五.2").one()
    out = {}
    for key, unit in (("yz", "扬州高新区管委会"), ("jd", "江都高新区管委会")):
        task = service.create_task(
            session, SYSTEM, {"action_id": action.id, "title": f"任务{key}", "lead_unit": unit,
                              "due_on": date(2025, 12, 31)},
        )  # fmt: skip
        out[key] = task
    session.flush()
    return out


def test_evidence_upload_is_the_reporting_units(client, session, world):
    tasks = _tasks(session)
    zone = login(client, "zone_yz")
    r = client.post(f"{V1}/plan/tasks/{tasks['yz'].id}/reports", headers=zone,
                    json={"year": 2024, "quarter": 3, "text": "完成评估", "percent": 60})  # fmt: skip
    assert r.status_code == 200, r.text
    mine = r.json()["id"]
    r = client.post(f"{V1}/plan/tasks/{tasks['jd'].id}/reports", headers=zone,
                    json={"year": 2024, "quarter": 3, "text": "越权"})  # fmt: skip
    assert r.status_code == 404
    theirs = service.submit_progress(
        session, SYSTEM, tasks["jd"].id, {"year": 2024, "quarter": 3, "text": "江都"}
    ).id
    session.flush()
    pdf = ("批复.pdf", b"%PDF-1.4 evidence", "application/pdf")
    r = client.post(f"{V1}/plan/reports/{mine}/attachments", headers=zone, files={"file": pdf})
    assert r.status_code == 200, r.text
    att = r.json()["id"]
    r = client.post(f"{V1}/plan/reports/{theirs}/attachments", headers=zone, files={"file": pdf})
    assert r.status_code == 404
    r = client.post(
        f"{V1}/plan/reports/{mine}/attachments", headers=zone, files={"file": ("x.exe", b"MZ")}
    )
    assert r.status_code == 422 and "类型不支持" in r.json()["detail"]
    r = client.get(f"{V1}/plan/attachments/{att}", headers=zone)
    assert r.status_code == 200 and r.content == b"%PDF-1.4 evidence"
    # the bureau reviews; the zone sees her report approved, not the other unit's
    city = login(client, "city")
    assert client.post(f"{V1}/plan/reports/{mine}/review", headers=city,
                       json={"approve": True}).status_code == 200  # fmt: skip
    ids = {r["id"] for r in client.get(f"{V1}/plan/reports", headers=zone).json()}
    assert ids == {mine}
    rows = client.get(f"{V1}/plan/tasks?year=2024", headers=zone).json()
    assert {r["title"]: r["latest_progress"] for r in rows} == {"任务yz": "完成评估", "任务jd": ""}


def test_targets_and_export_for_a_zone_admin(client, session, world):
    _tasks(session)
    zone = login(client, "zone_yz")
    rows = client.get(f"{V1}/plan/targets?year=2024", headers=zone).json()
    revenue = next(r for r in rows if r["code"] == "zone_revenue_3000yi")
    # two zones report: the city total less hers would be the other zone's figure
    assert revenue["value"] is None and revenue["series"] == {} and revenue["status"] == "no_data"
    r = client.get(f"{V1}/plan/status.xlsx?year=2024", headers=zone)
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    assert (
        client.get(f"{V1}/plan/targets?year=2024", headers=login(client, "ent_b")).status_code
        == 403
    )


def test_a_bad_plan_upload_is_refused_in_chinese(client, session, world):
    city = login(client, "city")
    r = client.post(
        f"{V1}/plan/periods", headers=city, json={"filename": "x.yaml", "text": "code: x"}
    )
    assert r.status_code == 400 and "缺少字段" in r.json()["detail"]
    assert session.query(PlanPeriod).count() == 0


def test_plan_load_cli(session, city, tmp_path):
    from kechuang.cli import app

    src = {"code": "YZ-PLAN-14-5", "article": "承接（五）2", "confirmation": "unconfirmed"}
    plan = {"code": "15-5", "name": "十五五骨架（未确认）", "version": "0", "start_year": 2026,
            "end_year": 2030, "source": src, "sections": [{"code": "五", "title": "高新区",
            "actions": [{"code": "五.2", "title": "争先进位", "source": src, "targets": [
                {"code": "t", "title": "营业收入", "kind": "quantitative",
                 "indicator": "zones.revenue_total", "unit": "万元", "baseline_year": 2025,
                 "target_year": 2030, "quote": "（未取得正式文本）", "source": src}]}]}]}  # fmt: skip
    runner = CliRunner()
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    r = runner.invoke(app, ["plan", "load", str(path)])
    assert r.exit_code == 0, r.output
    assert "新增 1 章、1 项行动、1 个目标" in r.output.replace("\n", "")
    r = runner.invoke(app, ["plan", "load", str(path)])
    assert r.exit_code == 0 and "内容未变化" in r.output.replace("\n", "")
    path.write_text("code: [", encoding="utf-8")
    r = runner.invoke(app, ["plan", "load", str(path)])
    assert r.exit_code == 2 and "YAML" in r.output


def test_plan_enter_and_link_cli(session, city):
    from kechuang.cli import app
    from kechuang.plan.models import TargetEntry

    service.load_shipped(session, SYSTEM)
    session.flush()
    runner = CliRunner()
    r = runner.invoke(
        app, ["plan", "enter", "14-5/hnte_count", "--kind", "target", "--value", "1200"]
    )
    assert r.exit_code == 0, r.output
    assert session.query(TargetEntry).one().value == 1200
    r = runner.invoke(app, ["plan", "enter", "14-5/no_such", "--kind", "target", "--value", "1"])
    assert r.exit_code == 2 and "不存在" in r.output
    r = runner.invoke(
        app, ["plan", "enter", "14-5/hnte_count", "--kind", "target", "--value", "-1"]
    )
    assert r.exit_code == 2 and "负数" in r.output
    r = runner.invoke(app, ["plan", "link", "14-5/hnte_count", "14-5/tech_sme_count"])
    assert r.exit_code == 2 and "不同规划期" in r.output.replace("\n", "")
