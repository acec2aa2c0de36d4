"""The plan itself: plan periods as versioned data (sections → actions → targets quoting the plan),
targets linked to the platform's live figures with status and forecast, milestones with evidence,
tasks with 牵头单位/责任单位, quarterly progress reports and their review, carry-over between periods."""

from kechuang.core.domain import Domain, Help, NavItem, Section

# the bureau sees and edits everything; a zone committee sees the plan and reports on its tasks
PLAN_ROLES = ("city_admin", "zone_admin")
ADMIN_ROLES = ("city_admin",)

DOMAIN = Domain(
    name="plan",
    label="规划管理",
    help=Help("规划目标", order=60),
    requires=(
        "registry",
        "statistics",
        "accounts",
        "zones",
        "points",
        "tiers",
        "commissioners",
        "programs",
        "carriers",
    ),
    models="kechuang.plan.models",
    router="kechuang.plan.routes:router",
    pages=("kechuang.plan.pages", "kechuang.plan.cockpit_pages"),
    nav=(
        NavItem("/plan/cockpit", "领导驾驶舱", "monitor", PLAN_ROLES, 19),
        NavItem("/plan", "规划目标", "assignment", PLAN_ROLES, 20),
        NavItem("/plan/tasks", "规划任务", "view_timeline", PLAN_ROLES, 21),
    ),
    # the plan CLI group with `plan report` added on it (kechuang.plan.report_cli)
    cli="kechuang.plan.report_cli:app",
    # demo rows label the pages 演示数据 like the other domains' demo data
    sections=(Section("demo_probe", "kechuang.plan.demo:has_demo_data"),),
    audit_labels={
        "plan_periods": "规划期",
        "plan_sections": "规划章节",
        "plan_actions": "规划行动",
        "plan_targets": "规划目标",
        "plan_target_entries": "目标填报数值",
        "plan_milestone_events": "里程碑进展",
        "plan_target_links": "目标承接关系",
        "plan_tasks": "规划任务",
        "plan_task_units": "任务责任单位",
        "plan_progress_reports": "季度进展报告",
        "plan_progress_attachments": "进展佐证材料",
    },
    demo="kechuang.plan.demo:seed_demo",
)
