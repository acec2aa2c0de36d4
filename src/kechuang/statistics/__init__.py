"""Statistics: enterprise-year and zone-year figures with revisions, imports and exports."""

from kechuang.core.domain import (
    BUREAU_ROLES,
    DATA_ROLES,
    Domain,
    Help,
    ImportKind,
    NavItem,
    Section,
)

_IMPORTS = "kechuang.statistics.imports"
_TEMPLATES = "kechuang.statistics.templates"

DOMAIN = Domain(
    name="statistics",
    label="统计数据",
    help=Help("数据导入与统计", order=80),
    requires=("registry",),
    models="kechuang.statistics.models",
    router="kechuang.statistics.api:router",
    pages=(
        "kechuang.statistics.pages",
        "kechuang.statistics.overview",
        "kechuang.statistics.review_pages",
    ),
    nav=(
        NavItem("/", "首页", "dashboard", DATA_ROLES, 10),
        NavItem("/enterprises", "企业", "business", DATA_ROLES, 30),
        NavItem("/imports", "数据导入", "upload_file", DATA_ROLES, 80),
        NavItem("/review", "数据审核", "fact_check", BUREAU_ROLES, 85),
        NavItem("/review", "我的报送", "fact_check", ("enterprise_user",), 85),
    ),
    import_kinds=(
        ImportKind(
            "enterprises",
            "企业名录",
            f"{_TEMPLATES}:enterprises_template",
            f"{_IMPORTS}:import_enterprises",
            BUREAU_ROLES,
        ),
        ImportKind(
            "enterprise_years",
            "企业年度统计",
            f"{_TEMPLATES}:enterprise_years_template",
            f"{_IMPORTS}:import_enterprise_years",
            DATA_ROLES,
        ),
        ImportKind(
            "zone_years",
            "高新区年度统计",
            f"{_TEMPLATES}:zone_years_template",
            f"{_IMPORTS}:import_zone_years",
            BUREAU_ROLES,
        ),
    ),
    sections=(
        Section("enterprise_page", "kechuang.statistics.overview:enterprise_figures_section", 10),
        Section("enterprise_page", "kechuang.statistics.overview:registry_history_section", 20),
        Section("zone_page", "kechuang.statistics.overview:zone_figures_section", 10),
        Section("zones_page", "kechuang.statistics.overview:zones_export_section", 10),
        Section("demo_probe", "kechuang.statistics.queries:has_demo_data"),
    ),
    audit_labels={
        "import_batches": "导入批次",
        "enterprise_years": "企业年度统计",
        "zone_years": "高新区年度统计",
        "enterprise_revisions": "企业登记变更记录",
        "submissions": "企业报送审核",
    },
)
