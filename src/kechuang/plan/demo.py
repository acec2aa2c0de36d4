"""Demo plan: the shipped 十四五 plan, milestone evidence, tasks of every §五/§六 action with their
units (the demo zones' committees among them) and quarterly progress 2021–2025 (演示数据: every
text says so, every row is flagged is_demo). Seeded, reproducible; written through the services."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.audit import current_principal
from kechuang.plan import service
from kechuang.plan.models import PlanAction, PlanPeriod, PlanTarget, ProgressReport

SEED = 20261207
DEMO = "演示数据"

# action → tasks: (title, lead unit, other units, start, due, state)
TASKS: dict[str, list[tuple[str, str, list[str], str, str, str]]] = {
    "五.1": [
        (
            "编制各高新区“一区一战略”产业发展规划",
            "市科技局",
            ["扬州高新区管委会", "杭集高新区管委会", "高邮高新区管委会", "江都高新区管委会"],
            "2021-03-01",
            "2022-06-30",
            "done",
        ),
        (
            "扬州高新区整合专业园区，做大“一主两新”产业",
            "扬州高新区管委会",
            ["市发展改革委"],
            "2021-06-01",
            "2025-12-31",
            "in_progress",
        ),
    ],
    "五.2": [
        (
            "高新区营业收入年度目标分解与监测",
            "市科技局",
            ["市统计局"],
            "2021-01-01",
            "2025-12-31",
            "in_progress",
        ),
        (
            "扬州高新区创建国家创新型特色园区",
            "扬州高新区管委会",
            ["市科技局"],
            "2021-09-01",
            "2024-12-31",
            "in_progress",
        ),
        (
            "宝应安宜高新技术产业园申报省级高新区",
            "宝应县人民政府",
            ["市科技局"],
            "2022-01-01",
            "2025-06-30",
            "in_progress",
        ),
        (
            "建立科技企业全生命周期梯度培育机制",
            "市科技局",
            ["扬州高新区管委会", "江都高新区管委会"],
            "2021-03-01",
            "2023-12-31",
            "done",
        ),
    ],
    "五.3": [
        (
            "开展企业创新积分制试点",
            "市科技局",
            ["扬州高新区管委会"],
            "2022-01-01",
            "2024-12-31",
            "done",
        ),
        (
            "推行大部门制扁平化管理改革",
            "江都高新区管委会",
            ["市委编办"],
            "2022-03-01",
            "2025-06-30",
            "in_progress",
        ),
    ],
    "六.1": [
        (
            "完善个人、团队、法人科技特派员服务体系",
            "市科技局",
            ["市农业农村局"],
            "2021-03-01",
            "2025-12-31",
            "in_progress",
        ),
        (
            "扬州(高邮)国家农科园争创省级农业高新技术产业示范区",
            "高邮市人民政府",
            ["市科技局", "市农业农村局"],
            "2022-01-01",
            "2025-12-31",
            "in_progress",
        ),
    ],
    "六.2": [
        (
            "组织重大非传染性疾病防治攻关项目",
            "市科技局",
            ["市卫生健康委"],
            "2021-06-01",
            "2025-12-31",
            "in_progress",
        ),
    ],
    "六.3": [
        (
            "组织安全生产与食品安全关键技术攻关",
            "市科技局",
            ["市应急管理局", "市市场监管局"],
            "2022-01-01",
            "2025-12-31",
            "in_progress",
        ),
    ],
    "六.4": [
        (
            "布局碳达峰碳中和科研创新平台",
            "市科技局",
            ["市发展改革委"],
            "2022-01-01",
            "2024-06-30",
            "in_progress",
        ),
        (
            "以“揭榜挂帅”方式组织双碳前沿技术项目",
            "市科技局",
            ["江都高新区管委会"],
            "2023-01-01",
            "2025-12-31",
            "in_progress",
        ),
    ],
}

# milestone → events (date, state, evidence)
MILESTONES: dict[str, list[tuple[str, str, str]]] = {
    "one_zone_one_strategy": [
        ("2021-12-20", "in_progress", "四个高新区报送“一区一战略”产业发展思路"),
        ("2022-06-28", "achieved", "市政府印发各高新区“一区一战略”产业发展规划"),
    ],
    "one_zone_many_parks": [("2023-04-10", "in_progress", "杭集高新区“一区四园”方案通过论证")],
    "yzhtz_national_featured_park": [
        ("2022-05-16", "in_progress", "扬州高新区提交国家创新型特色园区建设方案"),
    ],
    "gaoyou_agri_park_provincial_demo": [
        ("2023-09-01", "in_progress", "高邮市上报省级农业高新技术产业示范区创建申请"),
    ],
    "baoying_anyi_provincial_zone": [
        ("2022-11-30", "in_progress", "宝应县完成省级高新区创建评估材料"),
        ("2025-03-15", "not_started", "省级评审推迟至下一批次"),
    ],
    "university_science_park": [
        ("2024-10-12", "in_progress", "江都高新区与高校签订大学科技园共建协议")
    ],
    "points_pilot": [
        ("2022-03-01", "in_progress", "市科技局印发企业创新积分制试点方案"),
        ("2023-12-25", "achieved", "扬州高新区首批积分评价结果发布，积分贷授信落地"),
    ],
    "flat_management_reform": [("2023-07-01", "in_progress", "江都高新区完成内设机构整合")],
    "carbon_research_platform": [
        ("2024-08-20", "in_progress", "碳达峰碳中和创新平台建设方案通过专家论证")
    ],
}

TEXTS = (
    "按计划推进，完成本季度工作节点",
    "组织召开推进会，协调解决用地与资金问题",
    "完成阶段性材料报送，等待上级部门评审",
    "开展调研走访，梳理企业需求清单",
    "推进速度低于预期，已调整工作安排",
)
PROBLEMS = ("", "", "配套资金到位较慢", "部门协同有待加强", "")
NEXT = ("继续推进下一阶段工作", "加快材料准备", "召开专题协调会", "开展中期评估")


def _d(s: str) -> date:
    return date.fromisoformat(s)


def seed_demo(session: Session) -> str:
    """Load the 十四五 plan and seed milestone evidence, tasks and quarterly progress (演示数据)."""
    if session.scalar(select(PlanPeriod.id).where(PlanPeriod.is_demo.is_(True)).limit(1)):
        return "演示规划已存在"
    operator = current_principal(session)
    rng = random.Random(SEED)
    loaded = service.load_shipped(session, operator, "14-5", is_demo=True)
    period_id = loaded["period_id"]
    targets = {
        t.code: t
        for t in session.scalars(select(PlanTarget).where(PlanTarget.period_id == period_id))
    }
    events = 0
    for code, items in MILESTONES.items():
        for on, state, text in items:
            service.record_milestone(
                session, operator, targets[code].id, state, _d(on), f"{DEMO}：{text}", is_demo=True
            )
            events += 1
    actions = {
        a.code: a
        for a in session.scalars(select(PlanAction).where(PlanAction.period_id == period_id))
    }
    n_tasks = n_reports = 0
    for action_code, tasks in TASKS.items():
        for title, lead, units, start, due, state in tasks:
            task = service.create_task(
                session,
                operator,
                {
                    "action_id": actions[action_code].id,
                    "title": title,
                    "lead_unit": lead,
                    "units": units,
                    "starts_on": _d(start),
                    "due_on": _d(due),
                    "state": "in_progress",
                    "milestones": [
                        {"title": "方案制定", "due_on": _shift(_d(start), 0.25, _d(due))},
                        {"title": "中期评估", "due_on": _shift(_d(start), 0.6, _d(due))},
                    ],
                },
                is_demo=True,
            )
            n_tasks += 1
            n_reports += _progress(session, operator, task, rng, state)
            service.set_task_state(
                session,
                operator,
                task.id,
                state,
                {
                    m["title"]: m["due_on"]
                    for m in task.milestones
                    if _d(m["due_on"]) < _cutoff(rng)
                },
            )
    return f"演示规划：十四五规划 {len(targets)} 个目标，{events} 条里程碑进展，{n_tasks} 项任务，{n_reports} 份季度进展"


def _shift(start: date, frac: float, end: date) -> str:
    return date.fromordinal(start.toordinal() + int((end - start).days * frac)).isoformat()


def _cutoff(rng: random.Random) -> date:
    # some task milestones are met, later ones not yet (at-risk flags in the demo)
    return date(2023 + rng.randrange(3), 6, 30)


def _progress(session: Session, operator, task, rng: random.Random, final: str) -> int:
    """Quarterly reports by the lead unit from the task's start to 2025 Q4 (or its end)."""
    start, due = task.starts_on, task.due_on
    last = min(due, date(2025, 12, 31)) if final == "done" else date(2025, 12, 31)
    # a stalled task stops reporting early: the at-risk flag has something to show
    if rng.random() < 0.2:
        last = date(2024, 6, 30)
    unit = service.task_units(session, task.id)[0]
    y, q = start.year, (start.month - 1) // 3 + 1
    n = 0
    span = max((due - start).days, 1)
    while date(y, 3 * q, 1) <= last:
        qend = date(y, 3 * q, 28)
        pct = min(100, max(0, int(100 * (qend - start).days / span) - rng.randrange(0, 30)))
        if final == "done" and date(y, 3 * q, 1) >= date(due.year, due.month, 1):
            pct = 100
        rep = service.submit_progress(
            session,
            operator,
            task.id,
            {
                "unit_id": unit.id,
                "year": y,
                "quarter": q,
                "text": f"{DEMO}：{rng.choice(TEXTS)}",
                "percent": pct,
                "figures": {"投入资金（万元）": float(rng.randrange(50, 800))},
                "problems": rng.choice(PROBLEMS),
                "next_steps": rng.choice(NEXT),
            },
            is_demo=True,
        )
        rep.reported_at = datetime(y, 3 * q, 28, 8, 0, tzinfo=UTC)
        # the newest quarter of each task is still awaiting review; now and then one is returned
        if (y, q) != (last.year, (last.month - 1) // 3 + 1):
            if rng.random() < 0.05:
                service.review_report(session, operator, rep.id, False, f"{DEMO}：请补充佐证材料")
            else:
                service.review_report(session, operator, rep.id, True, "")
        n += 1
        q += 1
        if q == 5:
            y, q = y + 1, 1
    session.flush()
    return n


def has_demo_data(session: Session) -> bool:
    """True when the demo plan is loaded."""
    return bool(
        session.scalar(select(ProgressReport.id).where(ProgressReport.is_demo.is_(True)).limit(1))
    )
