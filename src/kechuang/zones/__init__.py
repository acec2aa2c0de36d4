"""Zone evaluation: 对标找差, 争先进位, the 3000亿元 target and 一区一战略 specialisation."""

from kechuang.core.domain import BUREAU_ROLES, Domain, Help, NavItem

DOMAIN = Domain(
    name="zones",
    label="高新区评价",
    help=Help("高新区评价", order=10),
    requires=("registry", "statistics"),
    models="kechuang.zones.models",
    router="kechuang.zones.api:router",
    pages=(
        "kechuang.zones.pages",
        "kechuang.zones.pages_targets",
        "kechuang.zones.pages_specialisation",
        "kechuang.zones.pages_frameworks",
    ),
    nav=(
        NavItem("/evaluation/ranking", "高新区排名", "leaderboard", BUREAU_ROLES, 50),
        NavItem("/evaluation/benchmark", "对标找差", "compare_arrows", BUREAU_ROLES, 51),
        NavItem("/evaluation/targets", "目标跟踪", "flag", BUREAU_ROLES, 52),
        NavItem("/evaluation/specialisation", "一区一战略", "hub", BUREAU_ROLES, 53),
        NavItem("/evaluation/frameworks", "评价框架", "rule", BUREAU_ROLES, 54),
    ),
    cli="kechuang.zones.cli:app",
    demo="kechuang.zones.demo:seed_demo",
    audit_labels={
        "peer_zones": "对标高新区",
        "peer_zone_figures": "对标高新区数据",
        "peer_sets": "对标组",
        "peer_set_members": "对标组成员",
        "zone_frameworks": "评价框架",
        "zone_evaluation_runs": "高新区评价记录",
    },
)
