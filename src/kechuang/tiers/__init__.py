"""梯度培育: rule packs, verdicts and gaps, candidate lists, the pipeline and the qualifications register."""

from kechuang.core.domain import BUREAU_ROLES, Domain, Help, ImportKind, NavItem, Section

DOMAIN = Domain(
    name="tiers",
    label="梯度培育",
    help=Help("梯度培育", order=30),
    requires=("registry", "statistics"),
    models="kechuang.tiers.models",
    router="kechuang.tiers.api:router",
    pages=("kechuang.tiers.pages",),
    nav=(
        NavItem("/tiers", "梯度培育", "stairs", BUREAU_ROLES, 40),
        NavItem("/tiers/candidates", "培育后备库", "format_list_numbered", BUREAU_ROLES, 41),
        NavItem("/tiers/self-assessment", "梯度自评", "calculate", None, 42),
    ),
    cli="kechuang.tiers.cli:app",
    import_kinds=(
        ImportKind(
            "enterprise_qualifications",
            "企业资质（高企证书、奖励、研发机构、称号）",
            "kechuang.tiers.qualifications:qualification_template",
            "kechuang.tiers.qualifications:import_qualifications",
            BUREAU_ROLES,
        ),
    ),
    sections=(
        Section("enterprise_page", "kechuang.tiers.pages:enterprise_section", 60),
        # the one 高新技术企业 count (qualifications register), read by the zone evaluation
        Section("hnte_holders", "kechuang.tiers.qualifications:hnte_holders"),
    ),
    audit_labels={
        "enterprise_qualifications": "企业资质",
        "tier_snapshots": "梯度评估快照",
        "tier_snapshot_enterprises": "梯度评估快照企业",
        "tier_snapshot_results": "梯度评估快照结论",
        "tier_snapshot_dashboards": "梯度评估快照看板",
    },
)
