"""The statistics import kinds' spreadsheet format: columns, sheet names, notes and templates.

Imports read this format and exports write it, so an export imports back unchanged.
"""

from __future__ import annotations

from kechuang.core.domain import import_kind
from kechuang.core.excel import MISSING_WORDS, Column, ImportFileError, write_sheets
from kechuang.core.formatting import is_count_unit
from kechuang.registry.models import TECH_FIELDS, Carrier, Enterprise, Park, Region, Zone
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS
from kechuang.statistics.models import IMPORT_KINDS
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS


def _length(model: type, attr: str) -> int:
    """The String(n) length of a model column: the longest text an import may store there."""
    return model.__table__.c[attr].type.length


_USCC = ("社会信用代码", "信用代码", "统一代码")
_NAME = _length(Enterprise, "name")


def _kept_decimals(kind: str, unit: str) -> int | None:
    """Decimals an export keeps of a reported figure: four (万元 to the 元, % to 0.0001%), so that
    an export imports back unchanged; counts stay whole."""
    return 4 if kind == "decimal" and not is_count_unit(unit) else None


ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        "uscc",
        required=True,
        note="18位，含校验位",
        aliases=_USCC,
        max_length=_length(Enterprise, "uscc"),
    ),
    Column(
        "name",
        "企业名称",
        required=True,
        aliases=("单位名称", "公司名称"),
        max_length=_NAME,
    ),
    Column(
        "founded_on", "成立日期", "date", note="如 2019-03-15", aliases=("注册日期", "成立时间")
    ),
    Column(
        "region",
        "所在区县",
        note="区县名称或 GB/T 2260 代码",
        aliases=("区县", "所属区县"),
        max_length=_length(Region, "name"),
    ),
    Column(
        "zone",
        "所属高新区",
        note="高新区名称或代码",
        aliases=("高新区", "所在高新区"),
        max_length=_length(Zone, "full_name"),
        merge_fill=True,
    ),
    Column(
        "park",
        "所在园区",
        note="须属于所填高新区",
        aliases=("园区", "所属园区"),
        max_length=_length(Park, "name"),
    ),
    Column(
        "industry_code",
        "行业代码",
        unit="GB/T 4754",
        note="如 C3511",
        aliases=("国民经济行业代码", "行业分类代码"),
        max_length=_length(Enterprise, "industry_code"),
    ),
    Column(
        "tech_field",
        "技术领域",
        note="国家重点支持的高新技术领域：" + "、".join(TECH_FIELDS),
        aliases=("高新技术领域",),
        max_length=_length(Enterprise, "tech_field"),
    ),
    Column(
        "incubator",
        "孵化载体",
        note="在孵企业填写孵化器/众创空间名称或代码",
        aliases=("所在孵化器",),
        max_length=_length(Carrier, "name"),
    ),
    Column(
        "counted_zone",
        "统计归属高新区",
        note="飞地/异地孵化：登记在一区、统计在另一区时填写",
        max_length=_length(Zone, "full_name"),
    ),
)

ENTERPRISE_YEAR_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        "uscc",
        required=True,
        aliases=_USCC,
        max_length=_length(Enterprise, "uscc"),
    ),
    Column(
        "name",
        "企业名称",
        note="仅供核对，以信用代码为准",
        aliases=("单位名称", "公司名称"),
        max_length=_NAME,
    ),
    Column("year", "年度", "year", required=True, aliases=("年份", "统计年度"), merge_fill=True),
) + tuple(
    Column(
        f.code,
        f.header,
        f.kind,
        f.unit,
        allow_negative=f.allow_negative,
        note=f.note,
        aliases=f.aliases,
        decimals=_kept_decimals(f.kind, f.unit),
    )
    for f in ENTERPRISE_YEAR_FIELDS
)

ZONE_YEAR_COLUMNS: tuple[Column, ...] = (
    Column(
        "zone",
        "高新区",
        required=True,
        note="高新区名称或代码",
        aliases=("所属高新区", "高新区名称"),
        max_length=_length(Zone, "full_name"),
        merge_fill=True,
    ),
    Column("year", "年度", "year", required=True, aliases=("年份", "统计年度"), merge_fill=True),
) + tuple(
    Column(
        z.code,
        z.name,
        "decimal",
        z.unit,
        allow_negative=z.allow_negative,
        decimals=_kept_decimals("decimal", z.unit),
    )
    for z in ZONE_YEAR_INDICATORS
)

COLUMNS_BY_KIND = {
    "enterprises": ENTERPRISE_COLUMNS,
    "enterprise_years": ENTERPRISE_YEAR_COLUMNS,
    "zone_years": ZONE_YEAR_COLUMNS,
}
SHEET_NAMES = {
    "enterprises": "企业名录",
    "enterprise_years": "企业年度统计",
    "zone_years": "高新区年度统计",
}
# How every import reads a file (the same for all kinds), written into each template's 填写说明.
COMMON_NOTES = [
    "表头须为模板列名（可带“*”、全角括号、空格）；也接受以下别名：{aliases}。"
    "其他表头会被拒绝（会提示最接近的模板列），导入时可选择“忽略非模板列”；“序号”列总是忽略。",
    "表头上方的标题行、表尾的合计/小计/总计及填表人、审核人等行会自动跳过，并在导入报告中列出。",
    "表头写了与模板不同的单位时按精确比例换算：元、千元、万元、亿元之间，人、万人之间，%、‰ 之间；"
    "其他单位（如“件”填在金额列）会被拒绝。单元格内可写“1.5亿”“2万”，但不能在万元列写“元”“千元”。",
    "百分比列（%）：35、35% 或设置为百分比格式的单元格都记为 35；3.5‰ 记为 0.35；"
    "只写 0.35 无法判断是比例还是百分数，会被拒绝——若整列都是比例，可在导入时确认“按比例填写”。",
    "表示空白的写法：{missing}（“是/否”列中“无”表示否）。",
    "“(50)”这类括号数字会被拒绝，请直接填写 -50 或 50；#DIV/0!、#N/A 等错误值和未计算的公式也会被拒绝。",
    "要清除已有数值，请填写 〔清空〕（也可写 [清空] 或 【清空】）；空白单元格不会清除已有数值；必填项不能清空。",
    "隐藏的工作表不会被读取；有多个工作表时，使用表头与模板一致的那一个。"
    "“年度”“高新区”列可合并单元格（合并区域内各行取同一值），其他列不能跨行合并。",
]

NOTES = {
    "enterprises": [
        "企业名录导入模板。带底色为必填列。",
        "统一社会信用代码须为18位并通过校验位检查。",
        "已存在的信用代码将更新企业信息：只更新文件中有的列，空白单元格保留原值，"
        "填写〔清空〕可清除原值；每次变更连同导入批次记入“登记信息变更记录”。",
        "变更所属高新区时，原登记园区须属于新高新区（否则请同时填写所在园区或〔清空〕）；"
        "文件中没有“所在区县”列时，区县随新高新区更新。",
    ],
    "enterprise_years": [
        "企业年度统计导入模板。金额单位：万元；人数单位：人。",
        "每家企业每个年度一行；同一文件中不得重复。",
        "更正已有年度数据时将生成新版本，旧版本保留可查；空白单元格沿用上一版本的数值，"
        "填写〔清空〕可清除上一版本的数值。",
        "企业名称仅供核对：填写时须与登记名称一致（不区分全角半角和首尾空格），否则不予导入。",
        "可填“是/否”的列：是否上市、重大安全/质量事故、严重环境违法、失信名单、经营异常名录，以及梯度评价所需的声明：境内注册居民企业、产品属禁止/限制/淘汰类、主导产品属战略性新兴产业、获私募股权投资、关键核心技术突破等情形、属新赛道（空白表示未声明，相关条件评为“数据缺失”）。",
        "校验规则：金额不得为负（净利润除外）；科技人员、研发人员不得多于职工总数；"
        "研发费用不得大于营业收入；境内研发费用不得大于研发费用总额；"
        "高新技术产品(服务)收入不得大于总收入；"
        "自主研发、高价值Ⅰ类知识产权数不得多于Ⅰ类知识产权数。",
    ],
    "zone_years": [
        "高新区年度统计导入模板（不来自企业的高新区层面数据）。每个高新区每年一行。",
        "更正时生成新版本；空白单元格表示未报送，不会清除已有数值；填写〔清空〕可清除已有数值。",
    ],
}


def kind_label(kind: str) -> str:
    """The Chinese name of an import kind (any domain's)."""
    registered = import_kind(kind)
    return registered.label if registered is not None else IMPORT_KINDS.get(kind, kind)


def check_kind(kind: str) -> None:
    """Raise ImportFileError for an unknown kind."""
    if kind not in COLUMNS_BY_KIND:
        raise ImportFileError(f"未知的数据类型“{kind}”，可选：{'、'.join(COLUMNS_BY_KIND)}")


def notes(kind: str) -> list[str]:
    """The 填写说明 lines of a kind: its own, then how every import reads a file."""
    aliases = "；".join(
        f"{c.template_header}：{'、'.join(c.aliases)}" for c in COLUMNS_BY_KIND[kind] if c.aliases
    )
    fill = {"aliases": aliases or "无", "missing": "、".join(f"“{w}”" for w in MISSING_WORDS)}
    return NOTES[kind] + [line.format(**fill) for line in COMMON_NOTES]


def template(kind: str) -> bytes:
    """An empty .xlsx template with Chinese headers and a 填写说明 sheet."""
    check_kind(kind)
    return write_sheets([(SHEET_NAMES[kind], COLUMNS_BY_KIND[kind], None)], notes(kind))


# --- templates of the import kinds (declared in the domain manifest) ------------------------


def enterprises_template() -> bytes:
    """The 企业名录 template."""
    return template("enterprises")


def enterprise_years_template() -> bytes:
    """The 企业年度统计 template."""
    return template("enterprise_years")


def zone_years_template() -> bytes:
    """The 高新区年度统计 template."""
    return template("zone_years")
