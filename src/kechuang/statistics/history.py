"""The registry's history: the revisions enterprise imports make, how they read, and their undo.

An enterprises import changes the enterprise row in place and stores one `EnterpriseRevision` per
created or changed enterprise with the changed fields before and after. The enterprise page and
the API show them field by field; the undo of an import restores the before-values from them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.core.audit import ENTITY_LABELS
from kechuang.core.db import Base
from kechuang.core.errors import Unprocessable
from kechuang.core.security import Principal
from kechuang.registry.models import Carrier, Enterprise, Park, Region, Zone
from kechuang.registry.service import get_enterprise
from kechuang.statistics.models import EnterpriseRevision, ImportBatch

# Chinese labels of the enterprise attributes a revision may hold (the template's headers).
FIELD_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "founded_on": "成立日期",
    "region_code": "所在区县",
    "zone_id": "所属高新区",
    "park_id": "所在园区",
    "industry_code": "行业代码",
    "tech_field": "技术领域",
    "incubator_id": "孵化载体",
    "counted_zone_id": "统计归属高新区",
}
_DATE_ATTRS = {"founded_on"}
EMPTY = "（空）"


def json_values(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute values as JSON-ready values (dates as ISO text), for a revision's before/after."""
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in values.items()}


def _model_values(values: dict[str, Any]) -> dict[str, Any]:
    """A revision's JSON values back as attribute values (ISO text to dates)."""
    return {
        k: date.fromisoformat(v) if k in _DATE_ATTRS and isinstance(v, str) else v
        for k, v in values.items()
    }


def registry_changes_of_import(session: Session, import_id: int) -> list[EnterpriseRevision]:
    """The registry revisions an import made, in the order it made them (unscoped: callers scope)."""
    stmt = (
        select(EnterpriseRevision)
        .where(EnterpriseRevision.import_id == import_id)
        .order_by(EnterpriseRevision.id)
    )
    return list(session.scalars(stmt))


def _references(session: Session, enterprise_id: int) -> list[str]:
    """Chinese names of the tables whose rows refer to the enterprise (its revisions aside)."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == EnterpriseRevision.__tablename__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != Enterprise.__tablename__:
                continue
            count = session.scalar(
                select(func.count()).select_from(table).where(fk.parent == enterprise_id)
            )
            if count:
                found.append(ENTITY_LABELS.get(table.name, table.name))
    return found


def revert_enterprise_import(session: Session, import_id: int) -> None:
    """Undo an import's registry changes: restore every changed enterprise's before-values and
    delete the enterprises it created; the batch's revisions go with them.

    Raises Unprocessable (changing nothing) when a later import or edit changed one of its
    enterprises, or when an enterprise it created now has figures or other records.
    """
    revisions = registry_changes_of_import(session, import_id)
    if not revisions:
        return
    ids = {rev.enterprise_id for rev in revisions}
    enterprises = {
        e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))
    }
    last_own = {rev.enterprise_id: rev.id for rev in revisions}
    later = session.execute(
        select(
            EnterpriseRevision.enterprise_id, EnterpriseRevision.import_id, EnterpriseRevision.id
        )
        .where(
            EnterpriseRevision.enterprise_id.in_(ids),
            EnterpriseRevision.id > min(last_own.values()),
            (EnterpriseRevision.import_id != import_id) | EnterpriseRevision.import_id.is_(None),
        )
        .order_by(EnterpriseRevision.id)
    ).all()
    for enterprise_id, other_import, rev_id in later:
        if rev_id > last_own[enterprise_id]:
            ent = enterprises[enterprise_id]
            by = f"第 {other_import} 号导入" if other_import else "后来的修改"
            raise Unprocessable(
                f"企业“{ent.name}”（{ent.uscc}）在本次导入之后又被{by}修改，"
                "不能撤销本次导入的登记变更：请先撤销后来的导入"
            )
    created = [rev for rev in revisions if rev.action == "create"]
    for rev in created:
        ent = enterprises[rev.enterprise_id]
        refs = _references(session, ent.id)
        if refs:
            raise Unprocessable(
                f"企业“{ent.name}”（{ent.uscc}）由本次导入新增，但现已有"
                f"{'、'.join(refs)}等数据，不能删除：请先删除或撤销这些数据"
            )
    for rev in reversed(revisions):
        if rev.action == "update":
            ent = enterprises[rev.enterprise_id]
            for key, value in _model_values(rev.before).items():
                setattr(ent, key, value)
    for rev in revisions:  # one by one, so that the audit trail records each
        session.delete(rev)
    session.flush()
    for rev in created:
        session.delete(enterprises[rev.enterprise_id])
    for ent_id in ids - {rev.enterprise_id for rev in created}:
        # the enterprise's last import is now the one of its latest remaining revision
        enterprises[ent_id].import_id = session.scalar(
            select(EnterpriseRevision.import_id)
            .where(EnterpriseRevision.enterprise_id == ent_id)
            .order_by(EnterpriseRevision.id.desc())
            .limit(1)
        )
    session.flush()


# --- reading the history ------------------------------------------------------------------------


class _Names:
    """Display names of the ids and codes revisions hold, looked up once per request."""

    def __init__(self, session: Session) -> None:
        self.zones = dict(session.execute(select(Zone.id, Zone.name)).all())
        self.parks = dict(session.execute(select(Park.id, Park.name)).all())
        self.regions = dict(session.execute(select(Region.code, Region.name)).all())
        self.carriers = dict(session.execute(select(Carrier.id, Carrier.name)).all())

    def text(self, attr: str, value: Any) -> str:
        """A stored value as the page shows it: names rather than ids, （空） for none."""
        if value is None or value == "":
            return EMPTY
        table = {
            "zone_id": self.zones,
            "counted_zone_id": self.zones,
            "park_id": self.parks,
            "region_code": self.regions,
            "incubator_id": self.carriers,
        }.get(attr)
        if table is None:
            return str(value)
        return str(table.get(value, value))


def enterprise_registry_history(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """The registry revisions of one enterprise, newest first, each with its field changes
    (raises ScopeError, answered as 404, when the principal may not see the enterprise)."""
    get_enterprise(session, principal, enterprise_id)
    names = _Names(session)
    stmt = (
        select(EnterpriseRevision, ImportBatch.filename)
        .outerjoin(ImportBatch, ImportBatch.id == EnterpriseRevision.import_id)
        .where(EnterpriseRevision.enterprise_id == enterprise_id)
        .order_by(EnterpriseRevision.id.desc())
    )
    out = []
    for rev, filename in session.execute(stmt).all():
        attrs = [a for a in FIELD_LABELS if a in rev.after or a in rev.before]
        out.append(
            {
                "id": rev.id,
                "import_id": rev.import_id,
                "filename": filename,
                "action": rev.action,
                "username": rev.username,
                "created_at": rev.created_at.isoformat(),
                "changes": [
                    {
                        "field": a,
                        "label": FIELD_LABELS[a],
                        "before": rev.before.get(a),
                        "after": rev.after.get(a),
                        "before_text": names.text(a, rev.before.get(a)),
                        "after_text": names.text(a, rev.after.get(a)),
                    }
                    for a in attrs
                ],
            }
        )
    return out
