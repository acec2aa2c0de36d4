"""The points certificate on the one Word layer, read back from the .docx: the compact one-page
layout (one section, no page break, narrow margins), tables within the text width with units in
the headers of their number columns, the verification code beside its QR code (pixel size read
from the PNG header), page numbers, and the 演示数据 mark under the title and in the page header
only on demo data."""

from __future__ import annotations

import pytest
from docx_checks import (
    cell_widths_cm,
    has_page_field,
    header_text,
    headers,
    open_docx,
    pictures,
    table_width_cm,
    text_width_cm,
)
from factories import make_principal

from kechuang.core.docx_report import DEMO_MARK
from kechuang.core.security import SYSTEM
from kechuang.points import certificate as cert_doc
from kechuang.points import service as svc
from kechuang.points import verification as ver
from kechuang.points.models import BANK_ROLE


@pytest.fixture
def card_and_code(session, world):
    """The world scored once; a certificate of enterprise b issued: its card and grouped code."""
    make_principal(session, BANK_ROLE, username="bank1")
    svc.create_run(session, SYSTEM)
    session.flush()
    _row, code, card = ver.issue(session, SYSTEM, world["b"].id)
    return card, ver.grouped(code)


@pytest.mark.parametrize("demo", [False, True])
def test_certificate_layout_code_qr_and_mark(card_and_code, demo):
    card, code = card_and_code
    url = f"https://kc.example.gov.cn/verify/{code}"
    doc = open_docx(cert_doc.certificate_docx(card, code, url, demo))
    assert len(doc.sections) == 1 and 'w:type="page"' not in doc.element.body.xml
    width = text_width_cm(doc)
    assert width == pytest.approx(17.0, abs=0.01)  # 21 cm less two 2 cm margins
    assert doc.sections[0].top_margin.cm == pytest.approx(1.6, abs=0.01)
    assert has_page_field(doc)
    for table in doc.tables:
        assert table_width_cm(table) <= width + 0.01
        assert all(sum(row) <= width + 0.01 for row in cell_widths_cm(table))
    facts, categories, items, verify = doc.tables
    assert [c.text for c in facts.rows[0].cells] == [
        "企业名称",
        card["name"],
        "统一社会信用代码",
        card["uscc"],
    ]
    assert headers(categories) == ["一级指标", "得分（分）", "本阶段满分（分）"]
    assert headers(items) == ["指标", "数值（含单位）", "得分（分）", "满分（分）"]
    latest = card["latest"]
    assert [r.cells[1].text for r in categories.rows[1:-1]] == [
        f"{c['points']:.2f}" for c in latest["categories"]
    ]
    assert len(items.rows) - 1 == min(10, len(latest["items"]))
    left = verify.rows[0].cells[0].text
    assert f"证明验证码：{code}" in left and f"核验地址：{url}" in left
    (qr,) = pictures(doc)
    assert qr.png == cert_doc.qr_png(url)
    assert qr.width_cm == pytest.approx(3.2, abs=0.01)
    assert qr.px[0] == qr.px[1] and qr.dpi >= 150  # square, sharp enough to scan from paper
    body = "\n".join(p.text for p in doc.paragraphs)
    assert body.startswith("企业创新积分证明")
    if demo:
        assert cert_doc.DEMO_CERT_MARK in body and DEMO_MARK in header_text(doc)
    else:
        assert "演示数据" not in body and "演示数据" not in header_text(doc)


def test_no_points_no_certificate():
    with pytest.raises(cert_doc.CertificateError, match="尚无创新积分"):
        cert_doc.certificate_docx({"latest": None})
