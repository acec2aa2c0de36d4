"""Issue 11, attack 5: consent to share points is the enterprise's own decision.

Only the enterprise's own user changes it online, or a city admin who uploads the signed
authorisation (stored with the record, name and SHA-256 in the audit trail); a zone admin gets
403 even for his own zone's enterprise; every change is audited and the bank list follows at once.
"""

from __future__ import annotations

import hashlib

import pytest
from factories import make_principal
from sqlalchemy import select
from web import login

from kechuang.core.audit import AuditLog
from kechuang.points.models import BANK_ROLE, ConsentDocument, PointsConsent
from kechuang.points.scope import PointsForbidden
from kechuang.points.service import PointsError, set_consent

SCAN = b"%PDF-1.4 signed and stamped"


@pytest.fixture
def consent_world(session, world, client):
    """The test world with a stored points run, an enterprise user of 甲 and a bank."""
    make_principal(session, "enterprise_user", enterprise=world["a"], username="ent_a")
    make_principal(session, BANK_ROLE, username="bank1")
    session.flush()
    r = client.post("/api/v1/points/runs", headers=login(client, "city"), json={})
    assert r.status_code in (200, 201), r.text
    return world


def _bank_names(client) -> list[str]:
    items = client.get("/api/v1/points/bank-list", headers=login(client, "bank1")).json()["items"]
    return sorted(i["name"] for i in items)


def _consent(session, ent) -> PointsConsent | None:
    session.expire_all()
    return session.scalar(select(PointsConsent).where(PointsConsent.enterprise_id == ent.id))


def test_attack_5_a_zone_admin_cannot_consent_for_an_enterprise_of_his_zone(
    consent_world, client, session
):
    a = consent_world["a"]  # 扬州高新区, zone_yz's own zone
    zone = login(client, "zone_yz")
    r = client.put(
        f"/api/v1/points/enterprises/{a.id}/consent",
        json={"consented": True, "basis": "高新区代为授权"},
        headers=zone,
    )
    assert r.status_code == 403, r.text
    assert "企业本人" in r.json()["detail"]
    r = client.post(
        f"/api/v1/points/enterprises/{a.id}/consent/authorisation",
        data={"consented": "true", "basis": "高新区代为授权"},
        files={"file": ("授权书.pdf", SCAN)},
        headers=zone,
    )
    assert r.status_code == 403, r.text
    assert _consent(session, a) is None and _bank_names(client) == []
    # the bank list and the card are untouched; so is the service path
    zone_principal = make_principal(session, "zone_admin", zone=consent_world["city"]["yzhtz"])
    with pytest.raises(PointsForbidden):
        set_consent(session, zone_principal, a.id, True, "书面授权", SCAN, "a.pdf")


def test_the_enterprise_consents_and_withdraws_online_and_the_bank_list_follows(
    consent_world, client, session
):
    a = consent_world["a"]
    own = login(client, "ent_a")
    url = f"/api/v1/points/enterprises/{a.id}/consent"
    r = client.put(url, json={"consented": True}, headers=own)
    assert r.status_code == 200 and r.json()["document_name"] is None
    assert _bank_names(client) == [a.name]
    r = client.put(url, json={"consented": False}, headers=own)
    assert r.status_code == 200 and r.json()["basis"] == "企业用户在线撤回授权"
    assert _bank_names(client) == []  # at once: no rerun, no cache
    # another enterprise's user cannot see it, let alone change it
    other = login(client, "ent_b")
    assert client.put(url, json={"consented": True}, headers=other).status_code == 404
    logs = session.scalars(
        select(AuditLog).where(AuditLog.entity == "points_consents").order_by(AuditLog.id)
    ).all()
    assert [(log.action, log.username) for log in logs] == [
        ("create", "ent_a"),
        ("update", "ent_a"),
    ]
    assert logs[-1].before["consented"] is True and logs[-1].after["consented"] is False


def test_a_city_admin_needs_the_signed_authorisation_which_is_kept(consent_world, client, session):
    b = consent_world["b"]
    city = login(client, "city")
    url = f"/api/v1/points/enterprises/{b.id}/consent"
    r = client.put(url, json={"consented": True, "basis": "电话确认"}, headers=city)
    assert r.status_code == 400 and "书面授权书" in r.json()["detail"]
    for name, content, reason in (
        ("授权书.docx", SCAN, "PDF、JPG 或 PNG"),
        ("授权书.pdf", b"", "须上传"),
    ):
        r = client.post(
            f"{url}/authorisation",
            data={"consented": "true", "basis": "授权书 2026-07"},
            files={"file": (name, content)},
            headers=city,
        )
        assert r.status_code in (400, 422) and reason in r.json()["detail"], r.text
    assert _consent(session, b) is None and _bank_names(client) == []

    r = client.post(
        f"{url}/authorisation",
        data={"consented": "true", "basis": "授权书 2026-07"},
        files={"file": ("乙公司授权书.pdf", SCAN)},
        headers=city,
    )
    assert r.status_code == 200, r.text
    sha = hashlib.sha256(SCAN).hexdigest()
    assert r.json()["document_name"] == "乙公司授权书.pdf" and r.json()["document_sha256"] == sha
    assert _bank_names(client) == [b.name]
    row = _consent(session, b)
    doc = session.get(ConsentDocument, row.document_id)
    assert doc.content == SCAN and doc.sha256 == sha and doc.uploaded_by == "city"
    # the document downloads for the bureau and the enterprise, not for a zone admin or a bank
    got = client.get(f"{url}/document", headers=city)
    assert got.status_code == 200 and got.content == SCAN
    assert client.get(f"{url}/document", headers=login(client, "ent_b")).status_code == 200
    assert client.get(f"{url}/document", headers=login(client, "bank1")).status_code == 403
    entry = session.scalars(
        select(AuditLog).where(AuditLog.entity == "points_consents").order_by(AuditLog.id.desc())
    ).first()
    assert entry.after["document_sha256"] == sha and entry.username == "city"

    # withdrawn by the enterprise itself: the list follows, the earlier document is kept
    r = client.put(url, json={"consented": False}, headers=login(client, "ent_b"))
    assert r.status_code == 200 and _bank_names(client) == []
    assert session.scalar(select(ConsentDocument.id).where(ConsentDocument.id == doc.id))
    assert client.get(f"{url}/document", headers=city).status_code == 404


def test_the_service_refuses_a_city_admin_without_a_document(consent_world, session):
    admin = make_principal(session, "city_admin")
    with pytest.raises(PointsError, match="书面授权书"):
        set_consent(session, admin, consent_world["a"].id, True, "授权书 1")
