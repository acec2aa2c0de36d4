"""Carriers chain (§五.3): 应用型研究院（实验室）→ 孵化器/众创空间/大学科技园 → 特色产业园. Carrier profiles
(operator, park), incubation records, relocations of graduates, 飞地经济/异地孵化/结对共建 attribution,
technology contracts (成果转移转化) and the chain metrics."""

from kechuang.core.domain import Domain, Help, ImportKind, NavItem

# roles that read the chain: the bureau, zone admins (their zone) and enterprises (their own record)
DOMAIN_ROLES = ("city_admin", "zone_admin", "enterprise_user")
BUREAU_ROLES = ("city_admin", "zone_admin")


def _kind(code: str, label: str, name: str, roles: tuple[str, ...] = BUREAU_ROLES) -> ImportKind:
    return ImportKind(
        code,
        label,
        f"kechuang.carriers.imports:{name}_template",
        f"kechuang.carriers.imports:import_{name}",
        roles,
    )


DOMAIN = Domain(
    name="carriers",
    label="创新载体链条",
    help=Help("载体链条", order=70),
    requires=("registry", "statistics"),
    models="kechuang.carriers.models",
    router="kechuang.carriers.api:router",
    pages=("kechuang.carriers.pages",),
    nav=(
        NavItem("/carriers/chain", "载体链条与孵化", "account_tree", BUREAU_ROLES, 30),
        NavItem("/carriers/contracts", "技术合同与成果转化", "handshake", BUREAU_ROLES, 31),
        NavItem("/carriers/mine", "我的孵化记录", "egg", ("enterprise_user",), 32),
    ),
    import_kinds=(
        _kind("carrier_profiles", "创新载体（含运营主体）", "carriers", ("city_admin",)),
        _kind("incubations", "在孵与毕业记录", "incubations"),
        _kind("relocations", "毕业企业落地产业园", "relocations"),
        _kind("attributions", "飞地/异地孵化/结对共建归属", "attributions", ("city_admin",)),
        _kind("tech_contracts", "技术合同登记", "contracts", ("city_admin",)),
    ),
    audit_labels={
        "carrier_profiles": "创新载体运营信息",
        "incubations": "在孵记录",
        "relocations": "毕业企业落地",
        "attributions": "统计归属安排",
        "tech_contracts": "技术合同",
    },
    demo="kechuang.carriers.demo:seed_demo",
)
