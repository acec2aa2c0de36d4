"""The one-page points certificate (积分证明) of an enterprise: Word always, PDF when LibreOffice is
installed locally (converted offline; nothing is fetched)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from kechuang.core.errors import BadInput
from kechuang.core.formatting import fmt_money


class CertificateError(BadInput):
    """The certificate cannot be produced (message in Chinese)."""


def item_value_text(item: dict[str, Any]) -> str:
    """An explained indicator's value in the unit a reader expects (%, 万元/亿元, counts)."""
    v = item["value"]
    if v is None:
        return "—"
    if item["unit"] == "比值":
        return f"{v * 100:.1f}%"
    if item["unit"] == "万元":
        return fmt_money(v)
    return f"{v:,.0f}{item['unit']}" if float(v).is_integer() else f"{v:,.2f}{item['unit']}"


def qr_png(text: str) -> bytes:
    """A QR code of the text as PNG, drawn locally (segno: pure Python, nothing fetched)."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=6, border=2)
    return buf.getvalue()


def certificate_docx(
    card: dict[str, Any],
    code: str | None = None,
    url: str | None = None,
    demo: bool = False,
) -> bytes:
    """A one-page Word certificate of the card's latest year (methodology and status stated).

    With a code (an issued certificate) it prints the code grouped for reading aloud, the public
    verification address and its QR code; `demo` prints the 演示数据 mark under the title.
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    latest = card.get("latest")
    if latest is None:
        raise CertificateError("该企业尚无创新积分，无法出具积分证明")
    m, run = card["methodology"], card["run"]
    doc = Document()
    sec = doc.sections[0]
    sec.top_margin = sec.bottom_margin = Cm(1.6)
    sec.left_margin = sec.right_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Chinese glyphs in Word on Windows

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = title.add_run("企业创新积分证明")
    r.bold, r.font.size = True, Pt(18)
    r.font.name = "SimHei"
    r.element.rPr.rFonts.set(qn("w:eastAsia"), "黑体")
    if demo:
        mark = doc.add_paragraph()
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mr = mark.add_run("演示数据（企业与数字均为虚构，不得用于授信）")
        mr.bold, mr.font.size, mr.font.color.rgb = True, Pt(12), RGBColor(0xC0, 0x50, 0x00)
    ranks = latest["ranks"]

    def rank_text(key: str) -> str:
        rk = ranks[key]
        return f"第 {rk['rank']} 名 / 共 {rk['of']} 家" if rk["rank"] else "—"

    facts = [
        ("企业名称", card["name"]),
        ("统一社会信用代码", card["uscc"]),
        ("所属高新区", card.get("zone") or "—"),
        ("年度", f"{latest['year']}年"),
        ("生命周期阶段", latest["stage_name"]),
        ("创新积分", f"{latest['total']:.2f} 分（满分 {m['scale']:g} 分，另计加分/扣分）"),
        ("全市排名", rank_text("city")),
        ("高新区排名", rank_text("zone")),
        ("行业大类排名", rank_text("industry")),
    ]
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    for i in range(0, len(facts), 2):
        cells = table.add_row().cells
        for j, (label, value) in enumerate(facts[i : i + 2]):
            cells[2 * j].text, cells[2 * j + 1].text = label, str(value)
    doc.add_paragraph()
    p = doc.add_paragraph()
    p.add_run("分项得分").bold = True
    cat = doc.add_table(rows=1, cols=3)
    cat.style = "Table Grid"
    cat.rows[0].cells[0].text, cat.rows[0].cells[1].text, cat.rows[0].cells[2].text = (
        "一级指标",
        "得分",
        "本阶段满分",
    )
    for c in latest["categories"]:
        cells = cat.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = (
            c["name"],
            f"{c['points']:.2f}",
            f"{c['max']:g}",
        )
    extra = cat.add_row().cells
    extra[0].text = "加分 / 扣分"
    extra[1].text = f"+{latest['bonus']:g} / −{latest['penalty']:g}"
    extra[2].text = (
        "、".join(b["name"] for b in latest["bonus_items"] + latest["negative_items"]) or "—"
    )
    if latest["vetoed"]:
        doc.add_paragraph("存在一票否决的负面事项，本年度积分计为 0。")
    doc.add_paragraph()
    p = doc.add_paragraph()
    p.add_run("主要指标").bold = True
    items = doc.add_table(rows=1, cols=4)
    items.style = "Table Grid"
    for cell, text in zip(items.rows[0].cells, ("指标", "数值", "得分", "权重"), strict=True):
        cell.text = text
    for it in sorted(latest["items"], key=lambda x: -x["weight"])[:10]:
        cells = items.add_row().cells
        cells[0].text, cells[1].text = it["name"], item_value_text(it)
        cells[2].text, cells[3].text = f"{it['points']:.2f}", f"{it['weight']:g}"
    for t in (table, cat, items):
        for row in t.rows:
            for cell in row.cells:
                for par in cell.paragraphs:
                    par.paragraph_format.space_after = Pt(0)
    doc.add_paragraph()
    note = doc.add_paragraph()
    note.add_run(
        f"计算方法：{m['label']}（{m['mode_label']}）；积分计算 #{run['id']}，"
        f"计算时间 {str(run['created_at'])[:10]}，输入数据指纹 {run['input_hash'][:16]}。"
    )
    if m["provisional"]:
        warn = doc.add_paragraph()
        wr = warn.add_run("说明：" + (m["status_label"] or "暂行方法，指标与权重未经官方确认。"))
        wr.italic = True
    doc.add_paragraph(
        f"出具日期：{date.today().isoformat()}　　本证明由科创平台根据企业报送的统计数据自动生成，"
        "仅供金融机构授信与政策参考。"
    )
    if code is not None:
        _verification_block(doc, code, url or "")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _verification_block(doc: Any, code: str, url: str) -> None:
    """The verification code, the public address and its QR code, side by side."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(12.5), Cm(4.0)
    p = left.paragraphs[0]
    p.add_run("证明验证码：").bold = True
    r = p.add_run(code)
    r.bold, r.font.size = True, Pt(13)
    left.add_paragraph(f"核验地址：{url}")
    left.add_paragraph(
        "金融机构可扫描右侧二维码或打开核验地址输入验证码，无需登录即可核验本证明"
        "是否真实有效、已被新证明取代或已撤回。"
    )
    right.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(url)), width=Cm(3.2))


def pdf_available() -> bool:
    """True when a local LibreOffice can convert Word to PDF offline."""
    return shutil.which("soffice") is not None or shutil.which("libreoffice") is not None


def certificate_pdf(docx: bytes) -> bytes:
    """Convert the Word certificate to PDF with a local LibreOffice; CertificateError otherwise."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise CertificateError("本机未安装 LibreOffice，无法生成 PDF；请下载 Word 版积分证明")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "certificate.docx"
        src.write_bytes(docx)
        try:
            subprocess.run(
                [exe, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(src)],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise CertificateError(f"PDF 转换失败：{exc}") from exc
        out = Path(tmp) / "certificate.pdf"
        if not out.is_file():
            raise CertificateError("PDF 转换失败：LibreOffice 没有生成文件")
        return out.read_bytes()
