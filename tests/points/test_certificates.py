"""Points certificates a bank can verify: issue, supersede, withdraw, the public check (API and
page), consent deciding what is shown, the code, QR code and 演示数据 mark on the Word file."""

from __future__ import annotations

import io
import re

import pytest
from books import docx_text, sheets
from factories import make_principal
from nicegui.testing import User
from sheets import xlsx
from web import log_in, login

from kechuang.core.audit import AuditLog
from kechuang.core.config import get_settings
from kechuang.core.security import SYSTEM
from kechuang.points import service as svc
from kechuang.points import verification as ver
from kechuang.points.certificate import qr_png
from kechuang.points.models import BANK_ROLE, PointsCertificate
from kechuang.statistics.imports import import_file

V1 = "/api/v1/points"
CODE = re.compile(r"证明验证码：([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})")


@pytest.fixture
def scored(session, world):
    """The world scored once, with a bank login."""
    make_principal(session, BANK_ROLE, username="bank1")
    svc.create_run(session, SYSTEM)
    session.flush()
    return world


def _issue(client, headers, enterprise_id) -> tuple[str, bytes]:
    """Issue through the API; the printed code and the Word file."""
    r = client.post(f"{V1}/enterprises/{enterprise_id}/certificate", headers=headers)
    assert r.status_code == 200, r.text
    m = CODE.search(docx_text(r.content))
    assert m, "the certificate prints its verification code"
    return m.group(1), r.content


def _verify(client, code):
    return client.get(f"{V1}/certificates/verify/{code}")  # no login


def test_issue_supersede_withdraw_and_verify(client, session, scored):
    b = scored["b"]
    city = login(client, "city")
    first, _ = _issue(client, city, b.id)
    assert len(first.replace("-", "")) == 20
    v = _verify(client, first)
    assert v.status_code == 200, v.text
    v = v.json()
    assert (v["status"], v["status_label"]) == ("current", "真实有效")
    assert v["enterprise_name"] == b.name and v["year"] == 2024
    # issuing again (here the enterprise's own user) supersedes the first, and points to the new
    second, _ = _issue(client, login(client, "ent_b"), b.id)
    assert second != first
    old = _verify(client, first).json()
    assert old["status_label"] == "已被新证明取代"
    assert old["superseded_by"]["code_tail"] == second[-4:]
    assert second not in _verify(client, first).text  # the new code itself is never revealed
    assert _verify(client, second).json()["status_label"] == "真实有效"
    rows = client.get(f"{V1}/enterprises/{b.id}/certificates", headers=city).json()
    assert [r["status"] for r in rows] == ["current", "superseded"]
    assert rows[1]["superseded_by_id"] == rows[0]["id"]
    cid = rows[0]["id"]
    # only the bureau withdraws
    for who in ("zone_yz", "ent_b", "bank1"):
        r = client.post(
            f"{V1}/certificates/{cid}/withdraw", json={"reason": "x"}, headers=login(client, who)
        )
        assert r.status_code == 403, (who, r.text)
    r = client.post(f"{V1}/certificates/{cid}/withdraw", json={"reason": ""}, headers=city)
    assert r.status_code == 422
    r = client.post(f"{V1}/certificates/{cid}/withdraw", json={"reason": "   "}, headers=city)
    assert r.status_code == 400 and "撤回原因" in r.json()["detail"]
    assert _verify(client, second).json()["status"] == "current"  # refused calls changed nothing
    r = client.post(
        f"{V1}/certificates/{cid}/withdraw", json={"reason": "研发费用数据有误"}, headers=city
    )
    assert r.status_code == 200 and r.json()["status_label"] == "已撤回"
    v = _verify(client, second).json()
    assert (v["status_label"], v["withdrawn_reason"]) == ("已撤回", "研发费用数据有误")
    r = client.post(f"{V1}/certificates/{cid}/withdraw", json={"reason": "再撤"}, headers=city)
    assert r.status_code == 409
    audit = session.query(AuditLog).filter_by(entity="points_certificates", entity_id=str(cid))
    changes = [a for a in audit if a.action == "update"]
    assert changes and changes[-1].after["withdrawn_reason"] == "研发费用数据有误"
    assert changes[-1].username == "city"


def test_code_is_read_loosely_and_stored_only_as_a_hash(client, session, scored):
    code, _ = _issue(client, login(client, "city"), scored["b"].id)
    loose = code.lower().replace("-", " ")
    assert _verify(client, loose).json()["status"] == "current"
    row = session.query(PointsCertificate).one()
    assert row.code_hash != code and code.replace("-", "") not in str(row.__dict__)


@pytest.mark.parametrize(
    "wrong", ["ABCD-EFGH-JKMN-PQRS-TUVW", "2222", "not a code!", "O0O0", "A" * 65]
)
def test_a_wrong_code_learns_only_that_there_is_none(client, scored, wrong):
    _issue(client, login(client, "city"), scored["b"].id)
    r = _verify(client, wrong)
    assert r.status_code == 404
    body = r.json()
    assert set(body) == {"detail"} and body["detail"].startswith("无此证明")
    assert scored["b"].name not in r.text and "2024" not in r.text


def test_figures_only_while_the_enterprise_consents(client, scored):
    b = scored["b"]
    ent = login(client, "ent_b")
    code, _ = _issue(client, ent, b.id)
    v = _verify(client, code)
    assert v.json()["figures"] is None and not v.json()["consented"]
    assert b.uscc not in v.text  # name and year only
    card = client.get(f"{V1}/enterprises/{b.id}", headers=ent).json()
    r = client.put(f"{V1}/enterprises/{b.id}/consent", json={"consented": True}, headers=ent)
    assert r.status_code == 200
    f = _verify(client, code).json()["figures"]
    assert f["uscc"] == b.uscc and f["total"] == round(card["latest"]["total"], 2)
    assert f["ranks"]["city"]["of"] == card["latest"]["ranks"]["city"]["of"]
    # consent withdrawn later: an old certificate shows its figures no more
    client.put(f"{V1}/enterprises/{b.id}/consent", json={"consented": False}, headers=ent)
    assert _verify(client, code).json()["figures"] is None


def test_word_file_prints_code_url_qr_and_demo_mark(client, session, scored, monkeypatch):
    from docx import Document

    monkeypatch.setattr(get_settings(), "public_base_url", "https://kc.example.gov.cn/")
    a, b = scored["a"], scored["b"]
    city = login(client, "city")
    code, content = _issue(client, city, b.id)
    text = docx_text(content)
    url = f"https://kc.example.gov.cn/verify/{code}"
    assert url in text and "演示数据" not in text
    doc = Document(io.BytesIO(content))
    blobs = [rel.target_part.blob for rel in doc.part.rels.values() if "image" in rel.reltype]
    assert blobs == [qr_png(url)]  # the QR code encodes the verification address
    assert _verify(client, code).json()["is_demo"] is False
    a.is_demo = True
    session.flush()
    code_a, content = _issue(client, city, a.id)
    assert "演示数据" in docx_text(content)
    assert _verify(client, code_a).json()["is_demo"] is True


def test_pdf_without_libreoffice_records_nothing(client, session, scored, monkeypatch):
    from kechuang.points import certificate

    monkeypatch.setattr(certificate, "pdf_available", lambda: False)
    r = client.post(
        f"{V1}/enterprises/{scored['b'].id}/certificate?format=pdf", headers=login(client, "city")
    )
    assert r.status_code == 400 and "LibreOffice" in r.json()["detail"]
    assert session.query(PointsCertificate).count() == 0


def test_issuing_and_listing_follow_the_card_scope(client, scored):
    a, b = scored["a"], scored["b"]
    ent = login(client, "ent_b")
    assert client.post(f"{V1}/enterprises/{a.id}/certificate", headers=ent).status_code == 404
    assert client.get(f"{V1}/enterprises/{a.id}/certificates", headers=ent).status_code == 404
    bank = login(client, "bank1")
    assert client.post(f"{V1}/enterprises/{b.id}/certificate", headers=bank).status_code == 403
    assert client.get(f"{V1}/enterprises/{b.id}/certificates", headers=bank).status_code == 403
    assert client.get(f"{V1}/enterprises/{b.id}/certificates", headers=ent).json() == []


def test_exports_carry_the_demo_mark_on_demo_data(client, session, scored):
    city = login(client, "city")
    r = client.get(f"{V1}/exports/top", headers=city)
    assert "演示数据" not in "".join(sheets(r.content))
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "职工总数(人)"], [[scored["a"].uscc, 2023, 90]]),
        "demo.xlsx",
        is_demo=True,
    )
    assert rep.ok, rep.errors
    r = client.get(f"{V1}/exports/top", headers=city)
    book = sheets(r.content)
    assert list(book)[0] == "演示数据·创新积分排行"
    assert "演示数据" in str(book["说明"])


# ------------------------------------------------------------------ the public page


async def test_public_page_verifies_without_login(user: User, session, scored) -> None:
    b = scored["b"]
    _row, code, _card = ver.issue(session, SYSTEM, b.id)
    session.flush()
    await user.open(f"/verify/{ver.grouped(code)}")
    await user.should_see("真实有效", retries=100)
    await user.should_see(b.name)
    await user.should_see(marker="verify-no-consent")
    await user.should_not_see(b.uscc)
    # the form: a wrong code says only 无此证明
    await user.open("/verify")
    user.find(marker="verify-code").type("ABCD-EFGH-JKMN-PQRS-TUVW")
    user.find(marker="verify-submit").click()
    await user.should_see("无此证明", retries=100)
    await user.should_not_see(b.name)
    # the bureau withdraws it on the card page; the public page then says so, with the reason
    await log_in(user, "city")
    await user.open(f"/enterprises/{b.id}")
    await user.should_see("已出具的积分证明", retries=100)
    user.find(marker=f"withdraw-{_row.id}").click()
    user.find(marker="withdraw-reason").type("企业报送数据有误")
    user.find(marker="withdraw-confirm").click()
    await user.should_see("积分证明已撤回", retries=100)
    await user.open(f"/verify/{code.lower()}")
    await user.should_see("已撤回", retries=100)
    await user.should_see("企业报送数据有误")


def test_get_form_of_earlier_releases_issues_the_same_way(client, session, scored):
    """Earlier releases served the certificate by GET: that form still works and records the
    certificate like the POST form (a later issue supersedes it)."""
    b = scored["b"]
    city = login(client, "city")
    r = client.get(f"{V1}/enterprises/{b.id}/certificate", headers=city)
    assert r.status_code == 200, r.text
    by_get = CODE.search(docx_text(r.content)).group(1)
    assert _verify(client, by_get).json()["status_label"] == "真实有效"
    by_post, _ = _issue(client, city, b.id)
    assert _verify(client, by_get).json()["status_label"] == "已被新证明取代"
    assert _verify(client, by_post).json()["status_label"] == "真实有效"
    # the GET form keeps the POST form's scope: the bank may not issue
    assert (
        client.get(
            f"{V1}/enterprises/{b.id}/certificate", headers=login(client, "bank1")
        ).status_code
        == 403
    )
