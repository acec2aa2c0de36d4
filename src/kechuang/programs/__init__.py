"""重点攻关 programmes: the 指南 taxonomy, calls (指南申报, 揭榜挂帅, 赛马制, 定向委托), applications and
their lifecycles, the expert bank and relations register, review assignments and scores, decisions,
公示 and projects with milestones and tranches."""

from kechuang.core.domain import Domain, Help, ImportKind, NavItem, RoleSpec, Section

APPLICANT = "applicant"
EXPERT = "expert"
CHALLENGE_OWNER = "challenge_owner"
# every role that uses this domain; the rest (zone admins, enterprises, banks, ...) get 403
DOMAIN_ROLES = ("city_admin", APPLICANT, EXPERT, CHALLENGE_OWNER)
ADMIN_ROLES = ("city_admin",)

DOMAIN = Domain(
    name="programs",
    label="重点攻关项目",
    help=Help("重点攻关", order=50),
    requires=("registry", "statistics", "accounts"),
    models="kechuang.programs.models",
    router="kechuang.programs.api:router",
    pages=(
        "kechuang.programs.pages",
        "kechuang.programs.pages_manage",
        "kechuang.programs.portfolio_pages",
    ),
    nav=(
        NavItem("/programs/calls", "项目指南与申报", "campaign", DOMAIN_ROLES, 60),
        NavItem("/programs/applications", "我的申报", "description", (APPLICANT,), 61),
        NavItem("/programs/review", "评审组织", "rule", ADMIN_ROLES, 62),
        NavItem("/programs/expert", "我的评审", "rate_review", (EXPERT,), 63),
        NavItem("/programs/challenges", "我的榜单", "flag", (CHALLENGE_OWNER,), 64),
        NavItem("/programs/experts", "专家库", "school", ADMIN_ROLES, 65),
        NavItem("/programs/publicity", "立项公示", "campaign", None, 66),
        NavItem("/programs/manage", "批次与项目管理", "tune", ADMIN_ROLES, 67),
        NavItem(
            "/programs/manage/challenges",
            "发榜与验收",
            "flag_circle",
            (CHALLENGE_OWNER,) + ADMIN_ROLES,
            68,
        ),
        NavItem("/programs/portfolio", "项目布局", "grid_view", ADMIN_ROLES, 69),
        NavItem("/programs/outcomes", "项目成果", "emoji_events", ("city_admin", APPLICANT), 70),
    ),
    start_pages={
        APPLICANT: "/programs/applications",
        EXPERT: "/programs/expert",
        CHALLENGE_OWNER: "/programs/challenges",
    },
    cli="kechuang.programs.cli:app",
    roles=(
        RoleSpec(APPLICANT, "项目申报单位", "own"),
        RoleSpec(EXPERT, "评审专家", "own"),
        RoleSpec(CHALLENGE_OWNER, "发榜方", "own"),
    ),
    import_kinds=(
        ImportKind(
            "program_experts",
            "评审专家库",
            "kechuang.programs.imports:expert_template",
            "kechuang.programs.imports:import_experts",
            ADMIN_ROLES,
        ),
        ImportKind(
            "program_relations",
            "专家关系登记",
            "kechuang.programs.imports:relation_template",
            "kechuang.programs.imports:import_relations",
            ADMIN_ROLES,
        ),
        ImportKind(
            "program_outcomes",
            "项目成果",
            "kechuang.programs.portfolio_imports:outcome_template",
            "kechuang.programs.portfolio_imports:import_outcomes",
            ("city_admin", APPLICANT),
        ),
    ),
    sections=(Section("demo_probe", "kechuang.programs.demo:has_demo_data"),),
    audit_labels={
        "program_calls": "项目指南（批次）",
        "program_challenges": "揭榜挂帅榜单",
        "program_applications": "项目申报",
        "program_transitions": "项目状态流转",
        "program_experts": "评审专家",
        "program_relations": "关联关系登记",
        "program_assignments": "评审分配",
        "program_scores": "专家评分",
        "program_decisions": "立项决策",
        "program_publicities": "立项公示",
        "program_objections": "公示异议",
        "program_milestones": "项目里程碑考核",
        "program_tranches": "项目拨款",
        "program_classifications": "指南分类",
        "program_outcomes": "项目成果",
    },
    demo="kechuang.programs.demo:seed_demo",
)
