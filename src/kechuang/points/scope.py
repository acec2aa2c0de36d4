"""Who may read and change the points domain's objects.

Scores are enterprise data: they are read through the registry's enterprise rule, so a zone admin
sees her zone's (and the enclaves counted in it), an enterprise user his own. A bank's role is
scoped to nothing; what admits a row to its list is the enterprise's consent, and it may use
nothing else. Runs are the bureau's; flags are entered by the bureau or a zone admin for
enterprises they may change. Consent is the enterprise's own decision: its own user gives or
withdraws it online, or a city admin records it on the strength of the signed authorisation he
uploads; a zone admin, who might want his zone's enterprises on the bank list, cannot.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from kechuang.core.errors import Forbidden
from kechuang.core.security import Principal
from kechuang.points import BANK_ROLE
from kechuang.points.models import PointsConsent, PointsScore
from kechuang.registry.models import Enterprise
from kechuang.registry.scope import can_write_enterprise, enterprise_scope

FLAG_WRITERS = ("city_admin", "zone_admin")
BANK_LIST_READERS = ("city_admin", BANK_ROLE)


class PointsForbidden(Forbidden):
    """The principal's role may not use this points function (message in Chinese)."""


def forbid_bank(principal: Principal) -> None:
    """Refuse a bank account everything but the bank list."""
    if principal.role == BANK_ROLE:
        raise PointsForbidden("合作银行账号只能查看企业授权共享的银行名单")


def score_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause (with Enterprise joined) selecting the scores the principal may read."""
    forbid_bank(principal)
    return enterprise_scope(principal)


def require_run_writer(principal: Principal) -> None:
    """Scoring the whole city is the bureau's."""
    if not principal.is_city_admin:
        raise PointsForbidden("仅市科技局管理员可以计算全市创新积分")


def require_bank_list_reader(principal: Principal) -> None:
    """The bank list is for partner banks and the bureau."""
    if principal.role not in BANK_LIST_READERS:
        raise PointsForbidden("银行名单仅向合作银行和市科技局开放")


def bank_consent_join() -> ColumnElement[bool]:
    """The join condition that admits a score to the bank list: a consent in force."""
    return and_(
        PointsConsent.enterprise_id == PointsScore.enterprise_id,
        PointsConsent.consented.is_(True),
    )


# The one place that says who changes consent; the page and the API read it.
CONSENT_BY_DOCUMENT = ("city_admin",)


def is_own_enterprise(principal: Principal, ent: Enterprise) -> bool:
    """True when the principal is the enterprise's own user."""
    return principal.scope == "enterprise" and principal.enterprise_id == ent.id


def may_change_consent(principal: Principal, ent: Enterprise) -> bool:
    """True for the enterprise's own user and for a city admin (who must upload the authorisation)."""
    return is_own_enterprise(principal, ent) or principal.role in CONSENT_BY_DOCUMENT


def require_consent_writer(principal: Principal, ent: Enterprise) -> None:
    """Consent is changed by the enterprise's own user, or by a city admin with its signed
    authorisation (checked by the service); anyone else gets 403."""
    forbid_bank(principal)
    if not may_change_consent(principal, ent):
        raise PointsForbidden(
            "积分共享授权只能由企业本人办理，或由市科技局管理员凭企业签章的书面授权书代为登记"
        )


def require_flag_writer(principal: Principal) -> None:
    """Flags (e.g. 高新技术企业 in force) are entered by the bureau or a zone admin."""
    if principal.role not in FLAG_WRITERS:
        raise PointsForbidden("仅市科技局或高新区管理员可以登记积分加分标记")


def may_write_flags_of(principal: Principal, ent: Enterprise) -> bool:
    """True when the principal may enter flags for this enterprise."""
    return can_write_enterprise(principal, ent.zone_id, ent.id, ent.counted_zone_id)


def require_certificate_withdrawer(principal: Principal) -> None:
    """Withdrawing an issued certificate is the bureau's (a bank relies on the answer)."""
    if not principal.is_city_admin:
        raise PointsForbidden("仅市科技局管理员可以撤回积分证明")
