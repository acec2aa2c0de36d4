"""Accounts: users, logins, bearer tokens and the audit log's pages."""

from kechuang.core.domain import Domain, Help, NavItem

DOMAIN = Domain(
    name="accounts",
    label="账户与审计",
    help=Help("平台通用：登录、角色与审计", order=1),
    requires=("registry",),
    models="kechuang.accounts.models",
    router="kechuang.accounts.api:router",
    pages=("kechuang.accounts.pages",),
    nav=(
        NavItem("/users", "用户管理", "manage_accounts", ("city_admin",), 90),
        NavItem("/audit", "审计日志", "history", ("city_admin",), 95),
        NavItem("/help", "使用说明", "help_outline", None, 99),
    ),
    cli="kechuang.accounts.cli:app",
    cli_name="user",
    audit_labels={"users": "用户", "api_tokens": "令牌", "login_failures": "登录失败记录"},
    setup="kechuang.accounts.service:install",
)
