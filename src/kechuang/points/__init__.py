"""企业创新积分制: methodologies, scoring, explanations, consents and the bank list."""

from kechuang.core.domain import DATA_ROLES, Domain, Help, NavItem, RoleSpec, Section

BANK_ROLE = "bank_viewer"

DOMAIN = Domain(
    name="points",
    label="创新积分",
    help=Help("创新积分", order=20),
    requires=("registry", "statistics"),
    models="kechuang.points.models",
    router="kechuang.points.api:router",
    pages=("kechuang.points.pages",),
    nav=(
        NavItem("/points", "创新积分", "military_tech", DATA_ROLES, 45),
        NavItem("/points/bank", "积分贷名单", "account_balance", ("city_admin", BANK_ROLE), 46),
        NavItem("/points/methodology", "积分方法", "rule", None, 47),
    ),
    start_pages={BANK_ROLE: "/points/bank"},
    cli="kechuang.points.cli:app",
    roles=(RoleSpec(BANK_ROLE, "合作银行（积分贷）", "none"),),
    sections=(Section("enterprise_page", "kechuang.points.pages:points_section", 50),),
    demo="kechuang.points.demo:seed_demo",
    audit_labels={
        "points_runs": "创新积分计算",
        "points_scores": "创新积分结果",
        "points_consents": "积分共享授权",
        "points_consent_documents": "积分共享授权书",
        "points_flags": "积分加分标记",
        "points_certificates": "积分证明",
    },
)
