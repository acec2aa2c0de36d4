"""The registry: regions, zones and parks, strategic industries, carriers and enterprises."""

from kechuang.core.domain import DATA_ROLES, Domain, Help, NavItem

DOMAIN = Domain(
    name="registry",
    label="登记",
    help=Help("高新区与企业档案", order=85),
    models="kechuang.registry.models",
    router="kechuang.registry.api:router",
    pages=("kechuang.registry.pages",),
    nav=(NavItem("/zones", "高新区", "domain", DATA_ROLES, 20),),
    # an enterprise user's job is its own enterprise, a zone admin's her zone (the city dashboard
    # at / stays the bureau's)
    start_pages={
        "enterprise_user": "/enterprises/{enterprise_id}",
        "zone_admin": "/zones/{zone_id}",
    },
    audit_labels={
        "enterprises": "企业",
        "zones": "高新区",
        "parks": "园区",
        "regions": "区县",
        "industries": "战略产业",
        "zone_industries": "高新区战略产业",
        "carriers": "创新载体",
    },
)
