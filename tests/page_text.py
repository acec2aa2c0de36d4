"""What a page shows a reader, and the three checks of issue 16 on it: no English word outside a short
allow-list, no bare 待核实 without a way to fill it in, no count with decimals."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from nicegui import ui
from nicegui.element import Element

# Latin words a Chinese official text itself uses as names (acronyms of things and units); anything
# else in Latin letters on a page is English left in the UI. Keep it short: each entry is a word the
# bureau writes this way in its own documents.
ALLOWED_WORDS = frozenset(
    {
        "USCC",  # 统一社会信用代码, as the bureau's own spreadsheets head the column
        "R",  # R&D (研发), as 统计年鉴 writes "R&D经费"
        "D",
        "GDP",
        "IPO",
        "API",
        "Excel",
        "Word",
        "PDF",
        "CSV",
        "JPG",  # picture formats an upload accepts
        "JPEG",
        "PNG",
        "ID",
        "GB",  # GB/T 4754 (国民经济行业分类), a standard's number
        "T",
        "GEI",  # 长城战略咨询 (GEI): part of the list's own name, “GEI中国独角兽企业”
        "TF",  # TF-IDF: the name of the text-weighting method the classifier states it uses
        "IDF",
        "A",  # the grades A–E of 高企 知识产权 scoring, and GB/T 4754 sections (B 采矿业)
        "B",
        "C",
        "E",
        "MB",  # units
        "KB",
        "kg",
        "km",
        "kWh",
    }
)

# a Latin word not glued to digits or other Latin letters (so C39, 91320000MA1X… and 2024Q1 are
# codes, judged by the code check, not words)
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]+(?:['’][a-z]+)?(?![A-Za-z0-9_])")
# a figure with decimals followed by a unit of whole things (not 个百分点, not a rate such as 件/万人)
DECIMAL_COUNT = re.compile(
    r"\d\.\d+\s*(?:(?:家|个|件|项|人|次|篇)(?![\u4e00-\u9fff/])|家企业|个(?:企业|单位|项目|园区))"
)
# a table column of counts: its label names a count or carries a count unit
COUNT_COLUMN = re.compile(
    r"(数量|个数|人数|件数|项数|家数|次数|户数|企业数|项目数|[（(](家|个|件|项|人|次|篇|户)[)）])$"
)
DECIMAL = re.compile(r"^-?[\d,]*\.\d+$")
# an industry code of the national classification (GB/T 4754: C39, C3963) shown instead of its name
# (a code next to its name, as in 专用设备制造业（C3511） or C35 专用设备制造业, is fine)
INDUSTRY_CODE = re.compile(
    r"(?<![A-Za-z0-9_])(?<![\u4e00-\u9fff])(?<![\u4e00-\u9fff][（(])[A-T]\d{2,4}"
    r"(?![A-Za-z0-9_])(?!\s*[（(]?[\u4e00-\u9fff])"
)
# names, not words: a web site's address (科技部网站 most.gov.cn) and a file's name (报表.xlsx)
NAMES = re.compile(
    r"(?:[A-Za-z0-9-]+\.)+(?:cn|com|net|org|cc|gov|edu)\b|[^\s，。；：、（）()]*\.(?:xlsx|xls|csv|docx|pdf|yaml|png|jpe?g)\b"
)
# a 待核实 is acceptable only where the page says how to fill it in or offers the control to do so
INPUT_HINT = re.compile(r"请(?:在|到|于|通过)?.{0,30}?(?:填写|导入|录入|确认|设置|修改|维护)")

PROP_TEXTS = (
    "label",
    "placeholder",
    "hint",
    "caption",
    "title",
    "no-data-label",
    "prefix",
    "suffix",
)


def _shown(el: Element) -> bool:
    return all(getattr(a, "visible", True) for a in el.ancestors(include_self=True))


def _markdown_text(content: str) -> str:
    """Markdown or HTML as read: link targets and tags dropped, entities decoded."""
    content = re.sub(r"\]\([^)]*\)", "]", content)  # [text](/path) shows only text
    content = re.sub(r"<[^>]+>", " ", content)
    return html.unescape(content)


def _echart_texts(options: dict) -> Iterator[str]:
    def listed(x):
        return x if isinstance(x, list) else [x] if isinstance(x, dict) else []

    for title in listed(options.get("title")):
        yield from (str(title.get(k, "")) for k in ("text", "subtext"))
    for legend in listed(options.get("legend")):
        for item in legend.get("data") or []:
            yield str(item["name"] if isinstance(item, dict) else item)
    for axis_key in ("xAxis", "yAxis", "radiusAxis", "angleAxis"):
        for axis in listed(options.get(axis_key)):
            yield str(axis.get("name", ""))
            for item in axis.get("data") or []:
                yield str(item.get("value", "") if isinstance(item, dict) else item)
    for indicator in (
        (options.get("radar") or {}).get("indicator", [])
        if isinstance(options.get("radar"), dict)
        else []
    ):
        yield str(indicator.get("name", ""))
    for series in listed(options.get("series")):
        yield str(series.get("name", ""))
        for item in series.get("data") or []:
            if isinstance(item, dict) and "name" in item:
                yield str(item["name"])


def element_texts(el: Element) -> Iterator[str]:
    """The texts an element shows (its own, not its children's)."""
    text = getattr(el, "text", None)
    if isinstance(text, str):
        yield text
    content = getattr(el, "content", None)
    if isinstance(content, str) and isinstance(el, ui.markdown | ui.html):
        yield _markdown_text(content)
    for key in PROP_TEXTS:
        value = el._props.get(key)
        if isinstance(value, str):
            yield value
    if isinstance(el, ui.select):
        options = el._props.get("options") or []
        for option in options:
            yield str(option.get("label", "") if isinstance(option, dict) else option)
    if isinstance(el, ui.table):
        yield from table_texts(el)
    if isinstance(el, ui.aggrid):
        defs = el.options.get("columnDefs") or []
        fields = [d.get("field") for d in defs]
        yield from (str(d.get("headerName", "")) for d in defs)
        for row in el.options.get("rowData") or []:
            yield from (str(row.get(f, "")) for f in fields if f)
    if isinstance(el, ui.echart):
        yield from _echart_texts(el.options)


def table_texts(table: ui.table) -> Iterator[str]:
    """Column labels and the cells shown under them (not the cells of a column marked `verbatim`,
    which shows stored values as they were stored: the audit log's 变更)."""
    columns = table.columns or []
    yield from (str(c.get("label", "")) for c in columns)
    for row in table.rows or []:
        for column in [c for c in columns if not c.get("verbatim")]:
            value = row.get(column.get("field") or column.get("name"))
            if value is not None and not isinstance(value, bool | dict | list):
                yield str(value)


def page_texts(client) -> list[tuple[Element, str]]:
    """(element, text) for every text the open page shows."""
    out = []
    for el in list(client.elements.values()):
        if not _shown(el):
            continue
        for text in element_texts(el):
            if text and text.strip():
                out.append((el, text))
    return out


def _offers_input(el: Element) -> bool:
    """The element, or the container it sits in, says where to fill the value in or links there
    (no further out: a link elsewhere on the page is no answer to this gap)."""
    for holder in list(el.ancestors(include_self=True))[:2]:
        for other in holder.descendants(include_self=True):
            if isinstance(other, ui.link | ui.button | ui.input | ui.number | ui.select):
                return True
            if any(INPUT_HINT.search(t) for t in element_texts(other)):
                return True
    return False


def english_words(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Latin words in a text that are not on the allow-list (web addresses and file names aside)."""
    return [w for w in WORD.findall(NAMES.sub(" ", text)) if w not in ALLOWED_WORDS | allowed]


def findings(client, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Every offending snippet on the open page, each with what is wrong (`allowed`: Latin words
    that are data of the test world, such as its users' login names)."""
    out: list[str] = []
    for el, text in page_texts(client):
        snippet = text.strip().replace("\n", " ")[:120]
        words = english_words(text, allowed)
        if words:
            out.append(f"英文 {words}: {snippet}")
        if DECIMAL_COUNT.search(text):
            out.append(f"带小数的计数: {snippet}")
        if INDUSTRY_CODE.search(text):
            out.append(f"行业代码: {snippet}")
        if "待核实" in text and not _offers_input(el):
            out.append(f"待核实无填写入口: {snippet}")
    for table in [e for e in client.elements.values() if isinstance(e, ui.table) and _shown(e)]:
        for column in table.columns or []:
            if COUNT_COLUMN.search(str(column.get("label", ""))):
                field = column.get("field") or column.get("name")
                bad = [r.get(field) for r in table.rows or [] if DECIMAL.match(str(r.get(field)))]
                if bad:
                    out.append(f"计数列带小数 {column.get('label')}: {bad[:3]}")
    return sorted(set(out))


def message_findings(message: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with a notification's text."""
    out = [f"英文 {w}" for w in english_words(message, allowed)]
    if DECIMAL_COUNT.search(message):
        out.append("带小数的计数")
    return out
