"""Accounts: users, logins, bearer tokens and the audit log's pages."""

from kechuang.core.domain import Domain, NavItem

DOMAIN = Domain(
    name="accounts",
    label="账户与审计",
    requires=("registry",),
    models="kechuang.accounts.models",
    router="kechuang.accounts.api:router",
    pages=("kechuang.accounts.pages",),
    nav=(
        NavItem("/users", "用户管理", "manage_accounts", ("city_admin",), 90),
        NavItem("/audit", "审计日志", "history", ("city_admin",), 95),
    ),
    cli="kechuang.accounts.cli:app",
    cli_name="user",
    audit_labels={"users": "用户", "api_tokens": "令牌", "login_failures": "登录失败记录"},
    setup="kechuang.accounts.service:install",
)
