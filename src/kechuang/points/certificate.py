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


DEMO_CERT_MARK = "演示数据（企业与数字均为虚构，不得用于授信）"
FACT_WIDTHS = (2.9, 5.6, 2.5, 6.0)  # label, value, label, value: 17 cm, the compact text width
CATEGORY_HEADERS = ("一级指标", "得分（分）", "本阶段满分（分）")
ITEM_HEADERS = ("指标", "数值（含单位）", "得分（分）", "满分（分）")


def certificate_docx(
    card: dict[str, Any],
    code: str | None = None,
    url: str | None = None,
    demo: bool = False,
) -> bytes:
    """A one-page Word certificate of the card's latest year (methodology and status stated),
    built with core.docx_report's compact layout.

    With a code (an issued certificate) it prints the code grouped for reading aloud, the public
    verification address and its QR code; `demo` prints the 演示数据 mark under the title and in
    the page header.
    """
    from kechuang.core.docx_report import DEMO_MARK, DocxReport

    latest = card.get("latest")
    if latest is None:
        raise CertificateError("该企业尚无创新积分，无法出具积分证明")
    m, run = card["methodology"], card["run"]
    rep = DocxReport(body_size=10, demo_mark=DEMO_MARK if demo else None, compact=True)
    rep.title("企业创新积分证明")
    if demo:
        rep.mark(DEMO_CERT_MARK)
    ranks = latest["ranks"]

    def rank_text(key: str) -> str:
        rk = ranks[key]
        return f"第 {rk['rank']} 名 / 共 {rk['of']} 家" if rk["rank"] else "—"

    rep.key_values(
        [
            ("企业名称", card["name"]),
            ("统一社会信用代码", card["uscc"]),
            ("所属高新区", card.get("zone") or "—"),
            ("年度", f"{latest['year']}年"),
            ("生命周期阶段", latest["stage_name"]),
            ("创新积分", f"{latest['total']:.2f} 分（满分 {m['scale']:g} 分，另计加分/扣分）"),
            ("全市排名", rank_text("city")),
            ("高新区排名", rank_text("zone")),
            ("行业大类排名", rank_text("industry")),
        ],
        widths_cm=FACT_WIDTHS,
    )
    rep.paragraph("分项得分", bold=True)
    rep.table(
        CATEGORY_HEADERS,
        [(c["name"], f"{c['points']:.2f}", f"{c['max']:g}") for c in latest["categories"]]
        + [
            (
                "加分 / 扣分",
                f"+{latest['bonus']:g} / −{latest['penalty']:g}",
                "、".join(b["name"] for b in latest["bonus_items"] + latest["negative_items"])
                or "—",
            )
        ],
        widths_cm=(6.0, 4.0, 7.0),
        font_size=10,
    )
    if latest["vetoed"]:
        rep.paragraph("存在一票否决的负面事项，本年度积分计为 0。")
    rep.paragraph("主要指标", bold=True)
    rep.table(
        ITEM_HEADERS,
        [
            (it["name"], item_value_text(it), f"{it['points']:.2f}", f"{it['weight']:g}")
            for it in sorted(latest["items"], key=lambda x: -x["weight"])[:10]
        ],
        widths_cm=(7.0, 4.0, 3.0, 3.0),
        font_size=10,
    )
    rep.paragraph(
        f"计算方法：{m['label']}（{m['mode_label']}）；积分计算 #{run['id']}，"
        f"计算时间 {str(run['created_at'])[:10]}，输入数据指纹 {run['input_hash'][:16]}。"
    )
    if m["provisional"]:
        rep.paragraph(
            "说明：" + (m["status_label"] or "暂行方法，指标与权重未经官方确认。"), italic=True
        )
    rep.paragraph(
        f"出具日期：{date.today().isoformat()}　　本证明由科创平台根据企业报送的统计数据自动生成，"
        "仅供金融机构授信与政策参考。"
    )
    if code is not None:
        _verification_block(rep, code, url or "")
    return rep.to_bytes()


def _verification_block(rep: Any, code: str, url: str) -> None:
    """The verification code, the public address and its QR code, side by side."""
    from kechuang.core.docx_report import Text

    rep.text_beside_image(
        [
            [Text("证明验证码：", bold=True), Text(code, bold=True, size=13)],
            f"核验地址：{url}",
            "金融机构可扫描右侧二维码或打开核验地址输入验证码，无需登录即可核验本证明"
            "是否真实有效、已被新证明取代或已撤回。",
        ],
        qr_png(url),
        image_cm=3.2,
    )


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
