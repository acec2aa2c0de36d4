"""Demo seeding for innovation points: one scoring run and the demo bank consents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.audit import current_principal
from kechuang.points.service import create_run, set_consent
from kechuang.registry.models import Enterprise, Zone

DEMO_CONSENTS = 40  # enterprises of 扬州高新区 that share their points with banks in the demo


def seed_demo(session: Session) -> str:
    """One points run with the default methodology, and consents for the demo bank list."""
    operator = current_principal(session)
    run = create_run(session, operator)
    zone_id = session.scalar(select(Zone.id).where(Zone.code == "yzhtz"))
    ids = session.scalars(
        select(Enterprise.id)
        .where(Enterprise.zone_id == zone_id)
        .order_by(Enterprise.id)
        .limit(DEMO_CONSENTS)
    ).all()
    for enterprise_id in ids:
        set_consent(
            session,
            operator,
            enterprise_id,
            True,
            "演示：企业书面授权（虚构）",
            document=demo_authorisation_pdf(enterprise_id),
            document_name=f"演示授权书_{enterprise_id}.pdf",
        )
    return f"创新积分已计算（运行 #{run.id}），{len(ids)} 家企业授权向银行共享积分"


def demo_authorisation_pdf(enterprise_id: int) -> bytes:
    """A one-page PDF standing in for a signed authorisation (demo data, fictitious)."""
    text = f"DEMO - fictitious consent of enterprise {enterprise_id}"
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
