"""科技特派员: commissioners, demands, suggestions, three-party agreements, service logs, ratings and
the annual assessment."""

from kechuang.core.domain import Domain, Help, ImportKind, NavItem, RoleSpec

COUNTY_ADMIN = "county_admin"
COMMISSIONER = "commissioner"
RECIPIENT = "service_recipient"
INFORMANT = "village_informant"
# every role that uses this domain; the rest (zone admins, enterprises, banks) get 403
DOMAIN_ROLES = ("city_admin", COUNTY_ADMIN, COMMISSIONER, RECIPIENT, INFORMANT)
ADMIN_ROLES = ("city_admin", COUNTY_ADMIN)

DOMAIN = Domain(
    name="commissioners",
    label="科技特派员",
    help=Help("科技特派员", order=40),
    requires=("registry", "accounts"),
    models="kechuang.commissioners.models",
    router="kechuang.commissioners.api:router",
    pages=("kechuang.commissioners.pages",),
    nav=(
        NavItem("/commissioners/dashboard", "特派员服务概况", "agriculture", ADMIN_ROLES, 50),
        NavItem("/commissioners/queue", "需求匹配", "playlist_add_check", ADMIN_ROLES, 51),
        NavItem("/commissioners/agreements", "服务协议", "handshake", DOMAIN_ROLES, 52),
        NavItem("/commissioners/me", "我的服务", "badge", (COMMISSIONER,), 53),
        NavItem("/commissioners", "特派员名册", "groups", ADMIN_ROLES, 49),
        NavItem(
            "/demands/new",
            "发布需求",
            "post_add",
            ("city_admin", COUNTY_ADMIN, RECIPIENT, INFORMANT),
            54,
        ),
        NavItem("/demands", "我的需求", "list_alt", (RECIPIENT, INFORMANT), 55),
        NavItem("/commissioners/assessment", "年度考核", "grading", ("city_admin",), 56),
    ),
    start_pages={
        COUNTY_ADMIN: "/commissioners/queue",
        COMMISSIONER: "/commissioners/me",
        RECIPIENT: "/demands",
        INFORMANT: "/demands/new",
    },
    cli="kechuang.commissioners.cli:app",
    roles=(
        RoleSpec(COUNTY_ADMIN, "区县科技管理员", "region"),
        RoleSpec(COMMISSIONER, "科技特派员", "commissioner"),
        RoleSpec(RECIPIENT, "服务对象", "own"),
        RoleSpec(INFORMANT, "村信息员", "region"),
    ),
    import_kinds=(
        ImportKind(
            "commissioners",
            "科技特派员名册",
            "kechuang.commissioners.imports:commissioner_template",
            "kechuang.commissioners.imports:import_commissioners",
            ("city_admin",),
        ),
        ImportKind(
            "demands",
            "服务需求",
            "kechuang.commissioners.imports:demand_template",
            "kechuang.commissioners.imports:import_demands",
            ADMIN_ROLES,
        ),
    ),
    audit_labels={
        "commissioners": "科技特派员",
        "commissioner_areas": "特派员服务区域",
        "commissioner_members": "特派员团队成员",
        "demands": "服务需求",
        "commissioner_photos": "需求与服务照片",
        "commissioner_suggestions": "特派员推荐",
        "service_agreements": "三方服务协议",
        "service_logs": "服务日志",
        "service_ratings": "服务评价",
        "commissioner_assessment_runs": "特派员年度考核",
        "commissioner_assessments": "特派员考核结果",
    },
    demo="kechuang.commissioners.demo:seed_demo",
    setup="kechuang.commissioners.service:install",
)
