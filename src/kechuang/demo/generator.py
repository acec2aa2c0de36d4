"""Deterministic demo data for the shipped Yangzhou configuration (演示数据).

A pure library: NumPy draws, Polars frames, no database and no web. `generate` builds the demo
registry and statistics (about 3,000 enterprises, 2020–2025) in the shapes the platform's importers
take; `write_panel_parquet` emits a large enterprise-year panel for benchmarks. Every figure is
simulated as an (enterprise × year) matrix, so both paths are vectorised and share one model.

Zone revenue totals are hit by construction: each zone-year's simulated revenues are rescaled to a
target that grows from 1,900亿元 (2020) to about 2,860亿元 (2025), split by zone in the shares
below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS, FIELD_CODES, FIELD_DTYPES
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS

DEFAULT_SEED = 20251
DEFAULT_YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
DEFAULT_ENTERPRISES = 3000

# Zone revenue target (万元): 1,900亿 in 2020, compounding to ≈2,860亿 in 2025 (short of 3,000亿).
REVENUE_BASE_YEAR = 2020
REVENUE_BASE_TOTAL = 19_000_000.0
REVENUE_ANNUAL_GROWTH = (28_600_000.0 / 19_000_000.0) ** (1 / 5)

# Per zone: share of enterprises, revenue share in the base year, revenue share five years on.
# Shares drift a little so that zone rankings (争先进位) have something to show.
ZONE_PROFILES: dict[str, tuple[float, float, float]] = {
    "yzhtz": (0.30, 0.370, 0.370),
    "jiangdu": (0.19, 0.195, 0.225),
    "gaoyou": (0.17, 0.180, 0.180),
    "hangji": (0.17, 0.175, 0.145),
    "baoying": (0.09, 0.048, 0.052),
    "agri": (0.08, 0.032, 0.028),
}

TECH_FIELDS: tuple[str, ...] = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)

OTHER_INDUSTRY = "other"

# GB/T 4754-2017 classes (4-digit) used to extend the yaml's division/group prefixes to a class.
_GBT4754_BY_GROUP: dict[str, str] = {
    "agriculture, fishery": "A0111 A0112 A0141 A0143 A0151 A0412",
    "food (C13, C14)": "C1311 C1331 C1351 C1361 C1411 C1431 C1462 C1491",
    "chemicals (C26)": "C2661 C2662 C2666 C2669 C2681 C2682 C2683 C2684 C2689",
    "medicine (C27)": "C2710 C2720 C2730 C2740 C2761 C2762 C2770",
    "plastics (C29)": "C2922 C2926 C2927 C2929",
    "non-metallic minerals, non-ferrous (C30, C32)": "C3061 C3062 C3091 C3099 C3240 C3251 C3252",
    "general equipment (C34)": "C3411 C3421 C3441 C3442 C3444 C3451 C3463 C3491 C3493",
    "special equipment, medical (C35)": "C3511 C3521 C3531 C3562 C3581 C3582 C3584 C3586 "
    "C3589 C3599",
    "motor vehicles (C36)": "C3611 C3612 C3670",
    "aerospace (C37)": "C3741 C3743 C3744 C3749",
    "electrical, PV, batteries, lighting (C38)": "C3811 C3812 C3821 C3825 C3841 C3849 C3871 C3872 "
    "C3874 C3879",
    "computers, communication, electronics (C39)": "C3912 C3921 C3940 C3962 C3972 C3973 C3976 "
    "C3981 C3982 C3983 C3985",
    "power (D44)": "D4414 D4415 D4420",
    "internet, software, IT services (I64, I65)": "I6431 I6450 I6511 I6513 I6520 I6531 I6532 I6550",
}
GBT4754_CLASSES: tuple[str, ...] = tuple(
    c for codes in _GBT4754_BY_GROUP.values() for c in codes.split()
)

# Classes outside the strategic industries: ordinary manufacturing and technology services.
OTHER_CLASSES: tuple[str, ...] = tuple(
    [
        "C1713",
        "C2231",
        "C2438",
        "C3130",
        "C3311",
        "C3360",
        "C3399",
        "C4220",
        "M7320",
        "M7491",
        "M7511",
        "M7513",
        "M7514",
        "M7530",
        "N7721",
        "N7723",
    ]
)

# Per strategic industry: median R&D / revenue, mean yearly log-growth, revenue per employee (万元),
# candidate technology fields. Values are plausible orders of magnitude, not statistics.
INDUSTRY_PROFILES: dict[str, tuple[float, float, float, tuple[str, ...]]] = {
    "high_end_equipment": (0.040, 0.060, 95.0, ("先进制造与自动化", "新材料")),
    "biomedicine": (0.065, 0.100, 80.0, ("生物与新医药",)),
    "mems": (0.060, 0.120, 70.0, ("电子信息", "先进制造与自动化")),
    "daily_chemicals_beauty": (0.025, 0.045, 65.0, ("新材料", "生物与新医药")),
    "aviation": (0.050, 0.090, 85.0, ("航空航天", "先进制造与自动化")),
    "lighting": (0.030, 0.030, 60.0, ("新能源与节能", "电子信息")),
    "electronic_info": (0.050, 0.090, 60.0, ("电子信息",)),
    "nev": (0.035, 0.130, 110.0, ("新能源与节能", "先进制造与自动化")),
    "ai": (0.090, 0.160, 40.0, ("电子信息", "高技术服务")),
    "digital_economy": (0.070, 0.130, 40.0, ("电子信息", "高技术服务")),
    "new_energy": (0.040, 0.110, 120.0, ("新能源与节能",)),
    "new_materials": (0.035, 0.060, 120.0, ("新材料",)),
    "modern_agriculture": (0.020, 0.050, 55.0, ("生物与新医药", "资源与环境")),
    OTHER_INDUSTRY: (0.022, 0.040, 70.0, tuple(TECH_FIELDS)),
}
_FALLBACK_PROFILE = INDUSTRY_PROFILES[OTHER_INDUSTRY]

# Words that make a company name sound like its industry.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "high_end_equipment": (
        "智能装备",
        "精密机械",
        "数控科技",
        "机械制造",
        "重工",
        "流体设备",
        "自动化设备",
        "机器人科技",
    ),
    "biomedicine": ("生物科技", "医药", "药业", "医疗器械", "生物医药科技", "制药"),
    "mems": ("微电子", "传感科技", "半导体", "微纳科技", "芯片科技"),
    "daily_chemicals_beauty": (
        "日化用品",
        "口腔护理用品",
        "化妆品",
        "美容科技",
        "旅游用品",
        "塑胶制品",
    ),
    "aviation": ("航空科技", "航空装备", "航空材料", "飞行器"),
    "lighting": ("照明电器", "光电科技", "灯具", "智能照明"),
    "electronic_info": ("电子信息", "通信技术", "电子科技", "信息技术"),
    "nev": ("新能源汽车", "汽车零部件", "电驱科技", "汽车电子"),
    "ai": ("智能科技", "人工智能", "机器视觉", "数据科技"),
    "digital_economy": ("数字科技", "网络科技", "软件", "信息服务", "云计算"),
    "new_energy": ("新能源", "光伏科技", "储能科技", "电力科技", "能源科技"),
    "new_materials": ("新材料", "材料科技", "复合材料", "特种合金", "高分子材料"),
    "modern_agriculture": ("农业科技", "生态农业", "种业", "食品", "水产科技", "农业发展"),
    OTHER_INDUSTRY: ("科技", "实业", "环保科技", "技术服务", "机电", "工业设计"),
}

# Characters for 字号 (trade names).
TRADE_NAME_CHARS = (
    "恒瑞华泰宏鼎盛新博远达凯润信诚嘉联晟睿昊德源安康正通亚东方海金佳美银天宇星辰汇航力丰益卓越弘"
    "蓝光晶锐维智和兴隆昌永富裕中大一"
)

CARRIER_KINDS: tuple[str, ...] = (
    "incubator",
    "maker_space",
    "university_science_park",
    "new_rd_institute",
    "key_lab",
    "engineering_center",
    "star_innovation_space",
    "agri_science_park",
)
# Carriers that incubate start-ups (an enterprise's incubator_code points at one of these).
INCUBATING_KINDS = frozenset(
    {"incubator", "maker_space", "university_science_park", "star_innovation_space"}
)

# The carriers each zone gets (kind, name pattern); {zone} is the zone name, {tn} a trade name,
# {ind} the zone's first strategic industry name.
ZONE_CARRIERS: dict[str, tuple[tuple[str, str], ...]] = {
    "yzhtz": (
        ("incubator", "{zone}科技创业服务中心"),
        ("incubator", "{zone}{tn}创新创业孵化器"),
        ("maker_space", "{tn}众创空间"),
        ("maker_space", "{zone}青年创客空间"),
        ("new_rd_institute", "扬州{ind}产业技术研究院"),
        ("key_lab", "扬州市{ind}重点实验室"),
        ("engineering_center", "江苏省{ind}工程技术研究中心"),
    ),
    "hangji": (
        ("incubator", "{zone}科创孵化中心"),
        ("maker_space", "{tn}众创空间"),
        ("engineering_center", "江苏省{ind}工程技术研究中心"),
    ),
    "gaoyou": (
        ("incubator", "{zone}创业园"),
        ("maker_space", "{tn}众创空间"),
        ("engineering_center", "扬州市{ind}工程技术研究中心"),
    ),
    "jiangdu": (
        ("incubator", "{zone}科技企业孵化器"),
        ("maker_space", "{tn}众创空间"),
        ("new_rd_institute", "{zone}{ind}研究院"),
    ),
    "baoying": (
        ("incubator", "宝应县科技创业园"),
        ("maker_space", "{tn}众创空间"),
        ("agri_science_park", "宝应县现代农业科技园"),
    ),
    "agri": (
        ("star_innovation_space", "高邮{tn}星创天地"),
        ("star_innovation_space", "{zone}星创天地"),
        ("key_lab", "扬州市{ind}重点实验室"),
    ),
}
_DEFAULT_ZONE_CARRIERS: tuple[tuple[str, str], ...] = (
    ("incubator", "{zone}科技企业孵化器"),
    ("maker_space", "{tn}众创空间"),
)
_KIND_ABBR = {
    "incubator": "inc",
    "maker_space": "mks",
    "university_science_park": "usp",
    "new_rd_institute": "nri",
    "key_lab": "lab",
    "engineering_center": "erc",
    "star_innovation_space": "sis",
    "agri_science_park": "asp",
}

# GB 32100-2015 check-digit alphabet and weights; GB 11714 weights for the legacy organisation code.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ALPHABET_BYTES = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_CHAR_VALUE = np.full(256, -1, dtype=np.int64)
_CHAR_VALUE[_ALPHABET_BYTES] = np.arange(31)

# Cells that may carry a gap: not revenue (zone totals), headcount (every ratio's base), flags.
_NO_GAP_FIELDS = frozenset({"operating_revenue", "employees"})
GAP_RATE = 0.015

PANEL_EXTRA_COLUMNS: tuple[str, ...] = (
    "name",
    "zone_code",
    "industry_code",
    "founded_on",
    "tech_field",
)
PANEL_COLUMNS: tuple[str, ...] = ("uscc", "year", *FIELD_CODES, *PANEL_EXTRA_COLUMNS)

# About 700000万元 ≈ 10亿美元: the valuation line for unicorn-like firms.
UNICORN_VALUATION = 700_000.0


@dataclass(frozen=True)
class DemoData:
    """The demo registry and statistics, as Polars frames ready for the platform's importers."""

    carriers: pl.DataFrame
    enterprises: pl.DataFrame
    enterprise_years: pl.DataFrame
    zone_years: pl.DataFrame
    # the qualifications register (高企证书, titles, awards, R&D institutions, market facts): one row
    # per record, kinds as the register's codes, in the qualifications template's columns
    qualifications: pl.DataFrame = dataclasses.field(default_factory=pl.DataFrame)


# ---------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class _Zone:
    code: str
    name: str
    region: str
    parks: tuple[tuple[str, str], ...]  # (code, name)
    industries: tuple[tuple[str, str], ...]  # (industry code, role)


@dataclass(frozen=True)
class _Config:
    regions: dict[str, str]
    zones: tuple[_Zone, ...]
    industries: dict[str, tuple[str, tuple[str, ...]]]  # code -> (name, GB/T 4754 prefixes)
    carrier_codes: frozenset[str]
    carriers: tuple[dict[str, Any], ...]


@lru_cache(maxsize=1)
def _load_config() -> _Config:
    text = (
        resources.files("kechuang.registry")
        .joinpath("methodology/yangzhou.yaml")
        .read_text("utf-8")
    )
    raw = yaml.safe_load(text)
    zones = tuple(
        _Zone(
            code=z["code"],
            name=z["name"],
            region=str(z["region"]),
            parks=tuple((p["code"], p["name"]) for p in z.get("parks") or ()),
            industries=tuple(
                (i["industry"], i.get("role", "emerging")) for i in z.get("industries") or ()
            ),
        )
        for z in raw["zones"]
    )
    return _Config(
        regions={str(r["code"]): r["name"] for r in raw["regions"]},
        zones=zones,
        industries={i["code"]: (i["name"], tuple(i["gbt4754"])) for i in raw["industries"]},
        carrier_codes=frozenset(c["code"] for c in raw.get("carriers") or ()),
        carriers=tuple(raw.get("carriers") or ()),
    )


def _classes_for(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    found = sorted({c for c in GBT4754_CLASSES for p in prefixes if c.startswith(p)})
    if found:
        return tuple(found)
    # A prefix we have no catalogue entry for: pad it to a class so the code still has 4 digits.
    return tuple(p + "1" * (5 - len(p)) if len(p) < 5 else p for p in prefixes)


def _park_matches(park_name: str, industry_name: str) -> bool:
    key = park_name.removesuffix("产业园").removesuffix("园")
    return bool(key) and (key in industry_name or industry_name in park_name)


# ---------------------------------------------------------------------------------------------
# USCC


def uscc_check_chars(bodies: np.ndarray) -> np.ndarray:
    """Vectorised GB 32100-2015 check characters for an array of 17-character USCC bodies."""
    raw = np.ascontiguousarray(np.asarray(bodies, dtype="S17")).view(np.uint8).reshape(-1, 17)
    values = _CHAR_VALUE[raw]
    if (values < 0).any():
        raise ValueError("USCC body contains a character outside the GB 32100 alphabet")
    check = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    return _ALPHABET_BYTES[check].view("S1")


def _org_codes(
    rng: np.random.Generator, founded_year: np.ndarray, offsets: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Nine-character organisation parts: legacy GB 11714 codes before 2016, 'MA…' codes after.

    `offsets` (legacy, new) continue the index of earlier chunks drawn with the same `rng` state,
    so a panel written in chunks keeps every code unique.
    """
    n = founded_year.size
    out = np.empty((n, 9), dtype=np.uint8)
    legacy = founded_year < 2016
    idx_legacy = np.flatnonzero(legacy)
    idx_new = np.flatnonzero(~legacy)
    # An affine bijection of the index keeps codes unique without a dedupe pass, yet looks random.
    m_legacy = 10**8
    a = int(rng.integers(10**6, 10**7)) * 10 + 3  # ends in 3: coprime with 10^8
    b = int(rng.integers(0, m_legacy))
    u = (a * (offsets[0] + np.arange(idx_legacy.size, dtype=np.int64)) + b) % m_legacy
    digits = (u[:, None] // 10 ** np.arange(7, -1, -1, dtype=np.int64)) % 10
    s = (digits * _ORG_WEIGHTS).sum(axis=1) % 11
    c9 = 11 - s
    check = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), ord("0") + c9))
    out[idx_legacy, :8] = (digits + ord("0")).astype(np.uint8)
    out[idx_legacy, 8] = check.astype(np.uint8)

    m_new = 31**7
    a = int(rng.integers(10**6, 10**9)) * 31 + 7  # not a multiple of 31: coprime with 31^7
    b = int(rng.integers(0, m_new))
    u = (a * (offsets[1] + np.arange(idx_new.size, dtype=np.int64)) + b) % m_new
    chars = (u[:, None] // 31 ** np.arange(6, -1, -1, dtype=np.int64)) % 31
    out[idx_new, 0] = ord("M")
    out[idx_new, 1] = ord("A")
    out[idx_new, 2:] = _ALPHABET_BYTES[chars]
    return out


def _make_usccs(
    rng: np.random.Generator,
    region_codes: np.ndarray,
    founded_year: np.ndarray,
    offsets: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Valid, unique USCCs: '9' (工商), '1' (企业), region 行政区划码, organisation part, check."""
    n = region_codes.size
    body = np.empty((n, 17), dtype=np.uint8)
    body[:, 0] = ord("9")
    body[:, 1] = ord("1")
    body[:, 2:8] = np.asarray(region_codes, dtype="S6").view(np.uint8).reshape(n, 6)
    body[:, 8:17] = _org_codes(rng, founded_year, offsets)
    check = uscc_check_chars(body.view("S17").ravel()).view(np.uint8)
    full = np.concatenate([body, check[:, None]], axis=1)
    return full.view("S18").ravel().astype(str)


# ---------------------------------------------------------------------------------------------
# the simulation


def _revenue_targets(zones: tuple[_Zone, ...], years: tuple[int, ...], scale: float) -> np.ndarray:
    """Zone × year revenue targets (万元), scaled for panels larger or smaller than the demo."""
    yrs = np.asarray(years, dtype=np.float64)
    total = REVENUE_BASE_TOTAL * REVENUE_ANNUAL_GROWTH ** (yrs - REVENUE_BASE_YEAR)
    default = 1.0 / len(zones)
    start = np.array([ZONE_PROFILES.get(z.code, (0, default, default))[1] for z in zones])
    end = np.array([ZONE_PROFILES.get(z.code, (0, default, default))[2] for z in zones])
    frac = np.clip((yrs - REVENUE_BASE_YEAR) / 5.0, 0.0, None)
    shares = start[:, None] + (end - start)[:, None] * frac[None, :]
    shares = shares / shares.sum(axis=0, keepdims=True)
    return shares * total[None, :] * scale


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _r2(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


# The simulation runs in steps, each drawing from one of eight independent streams. Within a stream
# the order of the draws is part of the demo's output (same seed → same frames): steps that share a
# stream (r_attr, r_money, r_fin) must run in the order _simulate calls them, and no draw may move
# within or between them, or every later number changes.


@dataclass(frozen=True)
class _Shape:
    """The panel's shape: n enterprises × the simulated years (sorted)."""

    n: int
    years: tuple[int, ...]
    yrs: np.ndarray  # (T,) int64, to broadcast against (n, T) matrices
    T: int
    y0: int
    y_last: int


@dataclass(frozen=True)
class _Population:
    """Each enterprise's zone, industry, GB/T 4754 class, park and technology field."""

    zone_idx: np.ndarray
    ind_keys: list[str]
    ind_idx: np.ndarray  # into ind_keys; 0 is OTHER_INDUSTRY
    class_codes: list[str]
    class_idx: np.ndarray
    park_code: np.ndarray
    field_idx: np.ndarray  # into TECH_FIELDS; len(TECH_FIELDS) means no field
    has_field: np.ndarray
    ind_rd: np.ndarray  # the industry profile's R&D intensity, growth, revenue per employee
    ind_growth: np.ndarray
    ind_rpe: np.ndarray


@dataclass(frozen=True)
class _Lifecycle:
    """When each enterprise was founded and stopped reporting, and its active (n × T) cells."""

    founded_on: np.ndarray
    founded_year: np.ndarray
    age: np.ndarray  # (n, T); negative before founding
    exits: np.ndarray
    last_year: np.ndarray
    active: np.ndarray


def _draw_zones(rng: np.random.Generator, n: int, zones: tuple[_Zone, ...]) -> np.ndarray:
    """Each enterprise's zone index, zone sizes fixed by the zone profiles' shares."""
    Z = len(zones)
    default = 1.0 / Z
    zone_p = np.array([ZONE_PROFILES.get(z.code, (default, 0, 0))[0] for z in zones])
    zone_p = zone_p / zone_p.sum()
    # Counts by largest remainder, so zone sizes are fixed by n rather than by chance.
    counts = np.floor(zone_p * n).astype(np.int64)
    rest = n - counts.sum()
    counts[np.argsort(-(zone_p * n - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(Z), counts))


def _draw_industries(
    rng: np.random.Generator, zone_idx: np.ndarray, cfg: _Config
) -> tuple[list[str], np.ndarray]:
    """Each enterprise's industry: mostly its zone's strategic industries, main ones weighted up."""
    n = zone_idx.size
    ind_keys: list[str] = [OTHER_INDUSTRY, *cfg.industries.keys()]
    ind_pos = {k: i for i, k in enumerate(ind_keys)}
    ind_idx = np.zeros(n, dtype=np.int64)
    role_weight = {"main": 2.0, "upgrading": 1.5}
    for zi, zone in enumerate(cfg.zones):
        members = np.flatnonzero(zone_idx == zi)
        options = [OTHER_INDUSTRY] + [code for code, _ in zone.industries if code in cfg.industries]
        weights = np.array(
            [0.0]
            + [
                role_weight.get(role, 1.0)
                for code, role in zone.industries
                if code in cfg.industries
            ]
        )
        if len(options) == 1:
            weights = np.array([1.0])
        else:
            weights[1:] = 0.78 * weights[1:] / weights[1:].sum()
            weights[0] = 0.22
        pick = rng.choice(len(options), size=members.size, p=weights)
        ind_idx[members] = np.array([ind_pos[o] for o in options])[pick]
    return ind_keys, ind_idx


def _draw_classes(
    rng: np.random.Generator, ind_keys: list[str], ind_idx: np.ndarray, cfg: _Config
) -> tuple[list[str], np.ndarray]:
    """Each enterprise's GB/T 4754 class, uniform among its industry's classes."""
    n = ind_idx.size
    class_lists = [OTHER_CLASSES] + [_classes_for(cfg.industries[k][1]) for k in ind_keys[1:]]
    class_codes = sorted({c for classes in class_lists for c in classes})
    class_pos = {c: i for i, c in enumerate(class_codes)}
    class_idx = np.zeros(n, dtype=np.int64)
    for ki, classes in enumerate(class_lists):
        members = np.flatnonzero(ind_idx == ki)
        if members.size:
            lookup = np.array([class_pos[c] for c in classes])
            class_idx[members] = lookup[rng.integers(0, len(classes), members.size)]
    return class_codes, class_idx


def _draw_parks(
    rng: np.random.Generator,
    zone_idx: np.ndarray,
    ind_keys: list[str],
    ind_idx: np.ndarray,
    cfg: _Config,
) -> np.ndarray:
    """Each enterprise's park code: nine in ten sit in a park named for their industry, if any."""
    n = zone_idx.size
    park_code = np.full(n, None, dtype=object)
    u_park = rng.random(n)
    for zi, zone in enumerate(cfg.zones):
        if not zone.parks:
            continue
        all_parks = np.array([p[0] for p in zone.parks], dtype=object)
        for ki, key in enumerate(ind_keys):
            members = np.flatnonzero((zone_idx == zi) & (ind_idx == ki))
            if not members.size:
                continue
            name = cfg.industries[key][0] if key in cfg.industries else ""
            matches = np.array(
                [p[0] for p in zone.parks if name and _park_matches(p[1], name)], dtype=object
            )
            pool = (
                np.where(u_park[members] < 0.9, 1, 0)
                if matches.size
                else np.zeros(members.size, int)
            )
            choice_all = all_parks[rng.integers(0, all_parks.size, members.size)]
            if matches.size:
                choice_match = matches[rng.integers(0, matches.size, members.size)]
                park_code[members] = np.where(pool == 1, choice_match, choice_all)
            else:
                park_code[members] = choice_all
    return park_code


def _draw_tech_fields(
    rng: np.random.Generator, ind_idx: np.ndarray, profiles: list[tuple[Any, ...]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each enterprise's technology field index and whether it has one at all."""
    n = ind_idx.size
    # Technology field: one of the industry's candidates; missing mostly for non-strategic firms.
    field_pos = {f: i for i, f in enumerate(TECH_FIELDS)}
    field_idx = np.zeros(n, dtype=np.int64)
    u_tf = rng.random(n)
    for ki, prof in enumerate(profiles):
        members = np.flatnonzero(ind_idx == ki)
        cands = np.array([field_pos[f] for f in prof[3]])
        field_idx[members] = cands[rng.integers(0, cands.size, members.size)]
    has_field = ~np.where(ind_idx == 0, u_tf < 0.40, u_tf < 0.08)
    field_idx[~has_field] = len(TECH_FIELDS)  # the index of "no field" (null)
    return field_idx, has_field


def _draw_population(rng: np.random.Generator, n: int, cfg: _Config) -> _Population:
    """Draw who the enterprises are: zone, industry, class, park and technology field."""
    zone_idx = _draw_zones(rng, n, cfg.zones)
    ind_keys, ind_idx = _draw_industries(rng, zone_idx, cfg)
    class_codes, class_idx = _draw_classes(rng, ind_keys, ind_idx, cfg)
    park_code = _draw_parks(rng, zone_idx, ind_keys, ind_idx, cfg)
    profiles = [INDUSTRY_PROFILES.get(k, _FALLBACK_PROFILE) for k in ind_keys]
    field_idx, has_field = _draw_tech_fields(rng, ind_idx, profiles)
    return _Population(
        zone_idx=zone_idx,
        ind_keys=ind_keys,
        ind_idx=ind_idx,
        class_codes=class_codes,
        class_idx=class_idx,
        park_code=park_code,
        field_idx=field_idx,
        has_field=has_field,
        ind_rd=np.array([p[0] for p in profiles])[ind_idx],
        ind_growth=np.array([p[1] for p in profiles])[ind_idx],
        ind_rpe=np.array([p[2] for p in profiles])[ind_idx],
    )


def _draw_lifecycle(rng: np.random.Generator, s: _Shape) -> tuple[_Lifecycle, np.ndarray]:
    """Draw founding dates, entries and exits; also the latent innovativeness z (see below)."""
    n, yrs, y0, y_last = s.n, s.yrs, s.y0, s.y_last
    # A quarter are young (founded within the window); the rest spread over ~30 years.
    young = rng.random(n) < 0.25
    window_days = (dt.date(y_last, 12, 31) - dt.date(y0, 1, 1)).days
    age_days = np.where(
        young,
        rng.random(n) * window_days,
        window_days + 1 + rng.beta(1.3, 2.2, n) * (30 * 365.25 - window_days),
    ).astype(np.int64)
    founded_on = np.datetime64(f"{y_last}-12-31") - age_days.astype("timedelta64[D]")
    founded_year = founded_on.astype("datetime64[Y]").astype(np.int64) + 1970

    age = yrs[None, :] - founded_year[:, None]  # (n, T); negative before founding
    first_year = np.maximum(founded_year, y0)
    # Some firms stop reporting (closed, moved away): small and young ones more often.
    # z is drawn here, between founding and exit, because that is its place in this stream.
    z = rng.standard_normal(n)  # latent innovativeness, shared by R&D, staff and IP
    p_exit = np.where(founded_year >= y_last - 8, 0.12, 0.05)
    exits = (rng.random(n) < p_exit) & (first_year < y_last)
    span = np.maximum(y_last - first_year, 1)
    last_year = np.where(
        exits, first_year + np.floor(rng.random(n) * span).astype(np.int64), y_last
    )
    active = (age >= 0) & (yrs[None, :] <= last_year[:, None])
    life = _Lifecycle(
        founded_on=founded_on,
        founded_year=founded_year,
        age=age,
        exits=exits,
        last_year=last_year,
        active=active,
    )
    return life, z


def _revenue_paths(
    rng: np.random.Generator, s: _Shape, pop: _Population, life: _Lifecycle, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each enterprise's revenue growth path (before zone totals are met), and its drift."""
    n, T, yrs, y0 = s.n, s.T, s.yrs, s.y0
    age, exits, last_year = life.age, life.exits, life.last_year
    # Log potential, heavy-tailed: log-normal body with a Pareto-like tail for anchor firms.
    log_pot = np.log(3000.0) + 1.55 * rng.standard_normal(n) + np.log(pop.ind_rpe / 70.0)
    anchors = rng.random(n) < 0.02
    log_pot += np.where(anchors, 1.5 + rng.pareto(2.5, n), 0.0)
    # Ramp-up curve: firms reach their potential over a few years, so young firms grow fast.
    a0 = rng.uniform(1.5, 6.0, n)
    w = rng.uniform(0.8, 2.0, n)
    ramp = np.log(_sigmoid((np.maximum(age, 0) + 0.5 - a0[:, None]) / w[:, None]))
    drift = pop.ind_growth + 0.06 * rng.standard_normal(n) + 0.02 * z
    steps = 0.07 * rng.standard_normal((n, T))
    steps[:, 0] = 0.0
    log_rev = (
        log_pot[:, None] + ramp + drift[:, None] * (yrs - y0)[None, :] + np.cumsum(steps, axis=1)
    )
    # Firms about to leave decline first.
    to_exit = (yrs[None, :] > last_year[:, None] - 2) & exits[:, None]
    log_rev -= np.where(to_exit, 0.25 * (yrs[None, :] - (last_year[:, None] - 2)), 0.0)
    revenue = np.exp(log_rev)
    return revenue, drift


def _meet_zone_targets(
    revenue: np.ndarray,
    s: _Shape,
    zones: tuple[_Zone, ...],
    zone_idx: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    """Rescale each zone-year's revenues to its target: the zone totals are met by construction."""
    targets = _revenue_targets(zones, s.years, s.n / DEFAULT_ENTERPRISES)
    sums = np.zeros((len(zones), s.T))
    np.add.at(sums, zone_idx, np.where(active, revenue, 0.0))
    factor = np.divide(targets, sums, out=np.ones_like(sums), where=sums > 0)
    revenue *= factor[zone_idx]
    return np.maximum(revenue, 2.0)


def _revenue_lines(
    rng: np.random.Generator, s: _Shape, operating: np.ndarray, has_field: np.ndarray, z: np.ndarray
) -> dict[str, np.ndarray]:
    """Main-business, total, sales and high-tech revenue, each bounded by the line it is part of."""
    n, T = s.n, s.T
    main_share = np.clip(
        rng.beta(12, 1.2, n)[:, None] + 0.01 * rng.standard_normal((n, T)), 0.5, 1.0
    )
    main_rev = np.minimum(_r2(operating * main_share), operating)
    other_income = np.exp(np.log(0.01) + 0.9 * rng.standard_normal((n, T)))
    total_rev = np.maximum(_r2(operating * (1.0 + np.minimum(other_income, 0.3))), operating)
    sales_share = np.where(rng.random(n)[:, None] < 0.8, 1.0, rng.uniform(0.9, 1.0, (n, T)))
    sales_rev = np.minimum(_r2(operating * sales_share), total_rev)

    ht_logit = np.where(has_field, 0.9, -2.0) + 0.9 * z + 1.0 * rng.standard_normal(n)
    ht_share = _sigmoid(ht_logit[:, None] + 0.2 * rng.standard_normal((n, T)))
    high_tech = np.minimum(_r2(total_rev * ht_share), total_rev)
    return {
        "main_business_revenue": main_rev,
        "sales_revenue": sales_rev,
        "total_revenue": total_rev,
        "high_tech_revenue": high_tech,
    }


def _rd_expense(
    rng: np.random.Generator,
    s: _Shape,
    operating: np.ndarray,
    ind_rd: np.ndarray,
    age: np.ndarray,
    z: np.ndarray,
) -> dict[str, np.ndarray]:
    """R&D expense and its domestic and outsourced parts, each bounded by the whole."""
    n, T = s.n, s.T
    # R&D intensity by industry, innovativeness and age (young firms spend a larger share).
    young_boost = np.where(age < 5, 0.35, 0.0) + np.where(age < 2, 0.35, 0.0)
    log_ri = (
        np.log(1.2 * ind_rd)[:, None] + 0.45 * z[:, None] + 0.45 * rng.standard_normal(n)[:, None]
    )
    log_ri = log_ri + young_boost + 0.15 * rng.standard_normal((n, T))
    no_rd = rng.random(n) < 0.05
    ri = np.where(no_rd[:, None], 0.0, np.minimum(np.exp(log_ri), 0.9))
    rd = np.minimum(_r2(operating * ri), operating)
    dom_share = np.where(rng.random(n) < 0.85, 1.0, rng.uniform(0.45, 0.98, n))[:, None]
    rd_dom = np.minimum(_r2(rd * dom_share), rd)
    out_share = np.where(rng.random(n) < 0.4, rng.uniform(0.0, 0.25, n), 0.0)[:, None]
    rd_out = np.minimum(_r2(rd * out_share), rd)
    return {"rd_expense": rd, "rd_expense_domestic": rd_dom, "rd_expense_outsourced": rd_out}


def _profit_and_costs(
    rng: np.random.Generator,
    s: _Shape,
    operating: np.ndarray,
    total_rev: np.ndarray,
    rd: np.ndarray,
    age: np.ndarray,
    z: np.ndarray,
) -> dict[str, np.ndarray]:
    """Net profit, taxes and total cost (never below R&D expense, never negative)."""
    n, T = s.n, s.T
    # Profit: start-ups often lose money; mature firms earn single-digit margins.
    margin = (
        (0.07 + 0.02 * z)[:, None] - np.where(age < 2, 0.15, 0.0) - np.where(age < 4, 0.08, 0.0)
    )
    spread = np.where(age < 4, 0.2, 0.07)
    margin = np.maximum(margin + spread * rng.standard_normal((n, T)), -1.5)
    net_profit = _r2(operating * margin)
    tax_rate = rng.uniform(0.02, 0.07, n)[:, None] * np.where(margin < 0, 0.3, 1.0)
    taxes = _r2(operating * tax_rate)
    total_cost = np.maximum(_r2(total_rev - net_profit - taxes), rd)
    total_cost = np.maximum(total_cost, 0.0)
    return {"net_profit": net_profit, "taxes_paid": taxes, "total_cost": total_cost}


def _financing(
    rng: np.random.Generator,
    s: _Shape,
    revenue: np.ndarray,
    drift: np.ndarray,
    z: np.ndarray,
    has_field: np.ndarray,
    life: _Lifecycle,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Equity rounds of young fast growers, a few unicorns: (equity, valuation, cumulative, backed)."""
    n, T, yrs, y_last = s.n, s.T, s.yrs, s.y_last
    founded_year, active = life.founded_year, life.active
    growthy = (drift > np.quantile(drift, 0.5)) | (z > 0.5)
    eligible = (founded_year >= y_last - 10) & growthy & has_field
    investor_backed = eligible & (rng.random(n) < 0.35)
    round_mask = investor_backed[:, None] & active & (rng.random((n, T)) < 0.35)
    round_size = np.maximum(revenue, 300.0) * np.exp(0.3 + 0.8 * rng.standard_normal((n, T)))
    round_size = np.clip(round_size, 100.0, 50_000.0)
    # Ordinary rounds stay below the unicorn line; only the chosen few cross it.
    post_money = np.minimum(round_size * rng.uniform(4.0, 12.0, (n, T)), 0.6 * UNICORN_VALUATION)

    # Unicorn-like firms: young, surviving, investor-backed; a couple per 3,000 enterprises.
    n_unicorns = max(1, round(2 * n / DEFAULT_ENTERPRISES)) if n >= 200 else 0
    cand = np.flatnonzero(eligible & (life.last_year == y_last) & (founded_year <= y_last - 3))
    if n_unicorns and cand.size:
        chosen = rng.choice(cand, size=min(n_unicorns, cand.size), replace=False)
        investor_backed[chosen] = True
        round_mask[chosen] = False
        late = active[chosen] & (yrs[None, :] >= y_last - 2)
        round_mask[chosen] = late & (rng.random((chosen.size, T)) < 0.7)
        round_mask[chosen, -1] = True
        round_size[chosen] = rng.uniform(60_000.0, 150_000.0, (chosen.size, T))
        step = np.cumsum(round_mask[chosen], axis=1)
        post_money[chosen] = rng.uniform(720_000.0, 1_000_000.0, (chosen.size, 1)) * 1.25 ** (
            step - 1
        )
    equity = np.where(round_mask, _r2(round_size), 0.0)
    # Latest valuation carries forward from the most recent round.
    last_round = np.maximum.accumulate(np.where(round_mask, np.arange(T)[None, :], -1), axis=1)
    valuation = np.where(
        last_round >= 0, _r2(np.take_along_axis(post_money, np.maximum(last_round, 0), axis=1)), 0.0
    )
    cum_equity = np.cumsum(equity, axis=1)
    return equity, valuation, cum_equity, investor_backed


def _assets_debt_exports(
    rng: np.random.Generator, s: _Shape, operating: np.ndarray, cum_equity: np.ndarray
) -> dict[str, np.ndarray]:
    """Total assets (grown by equity raised), liabilities below assets, exports below revenue."""
    n, T = s.n, s.T
    assets = _r2(
        operating
        * np.exp(np.log(1.1) + 0.5 * rng.standard_normal(n))[:, None]
        * np.exp(0.05 * rng.standard_normal((n, T)))
        + 0.8 * cum_equity
    )
    assets = np.maximum(assets, 1.0)
    debt_ratio = np.clip(
        rng.beta(4, 5, n)[:, None] + 0.03 * rng.standard_normal((n, T)), 0.02, 0.97
    )
    liabilities = np.minimum(_r2(assets * debt_ratio), assets)
    exporter = rng.random(n) < 0.45
    export_share = np.where(exporter, rng.beta(1.2, 4.0, n), 0.0)[:, None]
    export = np.minimum(_r2(operating * export_share), operating)
    return {"total_assets": assets, "total_liabilities": liabilities, "export_value": export}


def _listing(
    rng: np.random.Generator,
    s: _Shape,
    revenue: np.ndarray,
    life: _Lifecycle,
    investor_backed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which firms are listed, and from which year: (listed firm, listed (n × T))."""
    n, yrs, y0, y_last = s.n, s.yrs, s.y0, s.y_last
    # Listed firms: mostly the large and mature; listing is sticky from the IPO year.
    mean_rev = np.where(life.active, revenue, np.nan)
    with np.errstate(invalid="ignore"):
        size_rank = np.nan_to_num(np.nanmean(mean_rev, axis=1), nan=0.0)
    big = size_rank >= np.quantile(size_rank, 0.94)
    listed_firm = (
        big & (life.founded_year <= y_last - 5) & (rng.random(n) < 0.35) & ~investor_backed
    )
    ipo_year = np.where(rng.random(n) < 0.7, y0 - 1, rng.integers(y0, y_last + 1, n))
    is_listed = listed_firm[:, None] & (yrs[None, :] >= ipo_year[:, None])
    return listed_firm, is_listed


def _people(
    rng: np.random.Generator,
    s: _Shape,
    operating: np.ndarray,
    pop: _Population,
    z: np.ndarray,
) -> dict[str, np.ndarray]:
    """Employees from revenue per employee; technical, R&D staff and R&D FTE nested within."""
    n, T = s.n, s.T
    rpe = pop.ind_rpe * np.exp(0.45 * rng.standard_normal(n))
    founders = rng.integers(2, 9, n)
    employees = np.maximum(
        np.round(
            founders[:, None]
            + operating / rpe[:, None] * np.exp(0.05 * rng.standard_normal((n, T)))
        ),
        1,
    ).astype(np.int64)
    ts_logit = np.log(0.2 / 0.8) + 0.6 * z + 0.6 * rng.standard_normal(n) - 0.6 * (pop.ind_idx == 0)
    # Large workforces are mostly production staff, so the technical share falls with size.
    size_damp = 0.35 * np.log10(np.maximum(employees, 100) / 100.0)
    ts_share = _sigmoid(ts_logit[:, None] - size_damp + 0.1 * rng.standard_normal((n, T)))
    tech_staff = np.minimum(np.round(employees * ts_share).astype(np.int64), employees)
    rd_staff = np.minimum(
        np.round(tech_staff * rng.uniform(0.5, 0.9, n)[:, None]).astype(np.int64), tech_staff
    )
    rd_fte = np.minimum(_r2(rd_staff * rng.uniform(0.65, 0.95, (n, T))), rd_staff)
    return {
        "employees": employees,
        "tech_staff": tech_staff,
        "rd_staff": rd_staff,
        "rd_staff_fte": rd_fte,
    }


def _ip_and_transfers(
    rng: np.random.Generator,
    s: _Shape,
    operating: np.ndarray,
    rd: np.ndarray,
    life: _Lifecycle,
    z: np.ndarray,
) -> dict[str, np.ndarray]:
    """IP stocks and grants driven by R&D spend; standards, technology contracts and transfers."""
    n, T, y0 = s.n, s.T, s.y0
    active = life.active
    rd_scale = np.maximum(rd, 0.0) / 100.0
    lam1 = 0.12 * rd_scale**0.55 * np.exp(0.3 * z)[:, None]
    grants = np.where(active, rng.poisson(np.minimum(lam1, 50.0)), 0)
    age_start = np.clip(y0 - life.founded_year, 0, 10)
    base1 = rng.poisson(np.minimum(lam1[:, 0], 50.0) * age_start * 0.6)
    ip1 = base1[:, None] + np.cumsum(grants, axis=1)
    lam2 = 0.5 * rd_scale**0.5 + 0.3
    new2 = np.where(active, rng.poisson(np.minimum(lam2, 200.0)), 0)
    base2 = rng.poisson(np.minimum(lam2[:, 0], 200.0) * age_start * 0.5)
    ip2 = base2[:, None] + np.cumsum(new2, axis=1)
    standards = rng.poisson(np.minimum(0.03 + 0.5 * np.sqrt(operating / 50_000.0), 3.0))
    contracting = rng.random(n) < _sigmoid(-0.6 + 0.8 * z)
    contract_value = np.where(
        contracting[:, None] & (rng.random((n, T)) < 0.7),
        _r2(operating * np.exp(np.log(0.015) + 0.8 * rng.standard_normal((n, T)))),
        0.0,
    )
    contract_value = np.minimum(contract_value, operating)
    transfers = rng.poisson(np.minimum(0.2 + 0.4 * grants + 0.3 * np.maximum(z, 0)[:, None], 30.0))
    return {
        "ip_class1": ip1,
        "ip_class2": ip2,
        "invention_patents_granted": grants,
        "standards_led": standards,
        "tech_contract_value": contract_value,
        "tech_transfers": transfers,
    }


def _compliance_flags(
    rng: np.random.Generator, s: _Shape, life: _Lifecycle
) -> dict[str, np.ndarray]:
    """Rare accidents, violations and blacklistings; a firm in its exit year is often abnormal."""
    n, T, yrs = s.n, s.T, s.yrs
    major_accident = rng.random((n, T)) < 0.003
    env_violation = rng.random((n, T)) < 0.002
    dishonest = rng.random((n, T)) < 0.002
    leaving_now = life.exits[:, None] & (yrs[None, :] == life.last_year[:, None])
    abnormal = rng.random((n, T)) < np.where(leaving_now, 0.15, 0.005)
    return {
        "major_accident": major_accident,
        "environmental_violation": env_violation,
        "dishonest_listed": dishonest,
        "abnormal_operation": abnormal,
    }


def _tier_facts(
    seed: int,
    s: _Shape,
    ip: dict[str, np.ndarray],
    rd: np.ndarray,
    equity: np.ndarray,
    valuation: np.ndarray,
    has_field: np.ndarray,
) -> dict[str, np.ndarray]:
    """Facts only the tier rules read: IP kinds, standards joined, valuations, declarations.

    Drawn from a stream of their own so that adding them left every other figure unchanged."""
    rng = np.random.default_rng([seed, 9])
    n, T = s.n, s.T
    ip1 = ip["ip_class1"]
    self_dev = rng.binomial(ip1, 0.7)
    high_value = rng.binomial(self_dev, 0.15)
    participated = rng.poisson(np.minimum(0.1 + 0.5 * ip["standards_led"], 5.0))
    backed = np.cumsum(equity, axis=1) > 0
    big = valuation >= 0.5 * UNICORN_VALUATION
    return {
        "ip_class1_self_developed": self_dev,
        "ip_class1_high_value": high_value,
        "standards_participated": participated,
        "latest_valuation_usd": _r2(valuation / 7.0),
        "sci_activity_expense": _r2(rd * rng.uniform(1.0, 1.3, (n, T))),
        "mainland_resident": rng.random((n, 1)).repeat(T, axis=1) < 0.998,
        "restricted_products": rng.random((n, T)) < 0.002,
        "strategic_emerging": (has_field[:, None] & (rng.random((n, 1)) < 0.6)).repeat(T, axis=1),
        "pe_funded": backed,
        "key_core_tech": big & (rng.random((n, 1)) < 0.5),
        "new_track": (rng.random((n, 1)) < 0.01).repeat(T, axis=1),
    }


def _simulate(seed: int, n: int, years: tuple[int, ...], cfg: _Config) -> dict[str, Any]:
    """Draw the enterprise attributes and the (n × T) figure matrices; everything vectorised."""
    if n < 1:
        raise ValueError("n_enterprises must be at least 1")
    years = tuple(sorted(years))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    r_attr, r_rev, r_staff, r_money, r_ip, r_fin, r_flag, r_code = streams
    yrs = np.asarray(years, dtype=np.int64)
    s = _Shape(n, years, yrs, len(years), int(yrs[0]), int(yrs[-1]))

    pop = _draw_population(r_attr, n, cfg)
    life, z = _draw_lifecycle(r_attr, s)

    revenue, drift = _revenue_paths(r_rev, s, pop, life, z)
    revenue = _meet_zone_targets(revenue, s, cfg.zones, pop.zone_idx, life.active)
    operating = _r2(revenue)
    lines = _revenue_lines(r_money, s, operating, pop.has_field, z)
    rd = _rd_expense(r_money, s, operating, pop.ind_rd, life.age, z)
    profit = _profit_and_costs(
        r_money, s, operating, lines["total_revenue"], rd["rd_expense"], life.age, z
    )
    equity, valuation, cum_equity, investor_backed = _financing(
        r_fin, s, revenue, drift, z, pop.has_field, life
    )
    balance = _assets_debt_exports(r_money, s, operating, cum_equity)
    listed_firm, is_listed = _listing(r_fin, s, revenue, life, investor_backed)
    del revenue, cum_equity  # large panels: free the unrounded revenue before the next matrices
    people = _people(r_staff, s, operating, pop, z)
    ip = _ip_and_transfers(r_ip, s, operating, rd["rd_expense"], life, z)
    flags = _compliance_flags(r_flag, s, life)
    tier = _tier_facts(seed, s, ip, rd["rd_expense"], equity, valuation, pop.has_field)

    figures: dict[str, np.ndarray] = {
        "operating_revenue": operating,
        **people,
        **lines,
        **rd,
        **profit,
        **balance,
        **ip,
        "equity_financing": equity,
        "latest_valuation": valuation,
        "is_listed": is_listed,
        **flags,
        **tier,
    }
    missing = set(FIELD_CODES) - figures.keys()
    if missing:  # a field added to the contract must be simulated here too
        raise RuntimeError(f"demo generator does not simulate: {sorted(missing)}")

    region_of_zone = np.array([z_.region for z_ in cfg.zones])
    return {
        "years": yrs,
        "zone_idx": pop.zone_idx,
        "ind_idx": pop.ind_idx,
        "ind_keys": pop.ind_keys,
        "class_codes": pop.class_codes,
        "class_idx": pop.class_idx,
        "park_code": pop.park_code,
        "field_idx": pop.field_idx,
        "founded_on": life.founded_on,
        "founded_year": life.founded_year,
        "last_year": life.last_year,
        "region_code": region_of_zone[pop.zone_idx],
        "active": life.active,
        "figures": figures,
        "listed_firm": listed_firm,
        "r_code": r_code,
        "r_flag": r_flag,
    }


def _long_frame(
    sim: dict[str, Any], uscc: np.ndarray, gap_rng: np.random.Generator
) -> pl.DataFrame:
    """Stack the active cells of the figure matrices into an (uscc, year, fields…) frame."""
    active = sim["active"]
    rows, cols = np.nonzero(active)  # row-major: sorted by enterprise, then year
    m = rows.size
    data: dict[str, pl.Series] = {
        "uscc": pl.Series("uscc", uscc[rows], dtype=pl.String),
        "year": pl.Series("year", sim["years"][cols], dtype=pl.Int64),
    }
    figures = sim["figures"]
    for field in ENTERPRISE_YEAR_FIELDS:
        values = figures.pop(field.code)[active]  # pop: free each matrix as soon as it is stacked
        dtype = FIELD_DTYPES[field.code]
        if field.code in _NO_GAP_FIELDS or field.kind == "bool":
            mask = None
        else:
            mask = gap_rng.random(m) < GAP_RATE
        series = pl.Series(field.code, values, dtype=dtype)
        if mask is not None and mask.any():
            series = series.scatter(np.flatnonzero(mask), None)
        data[field.code] = series
    return pl.DataFrame(data)


# ---------------------------------------------------------------------------------------------
# registry frames


def _carriers(cfg: _Config, rng: np.random.Generator) -> pl.DataFrame:
    rows: list[dict[str, str]] = []
    used = set(cfg.carrier_codes)
    for zone in cfg.zones:
        spec = ZONE_CARRIERS.get(zone.code, _DEFAULT_ZONE_CARRIERS)
        ind_name = cfg.industries[zone.industries[0][0]][0] if zone.industries else "先进制造"
        per_kind: dict[str, int] = {}
        for kind, pattern in spec:
            per_kind[kind] = per_kind.get(kind, 0) + 1
            code = f"{zone.code}-{_KIND_ABBR[kind]}{per_kind[kind]}"
            while code in used:  # never shadow a carrier the yaml ships
                per_kind[kind] += 1
                code = f"{zone.code}-{_KIND_ABBR[kind]}{per_kind[kind]}"
            used.add(code)
            tn = "".join(rng.choice(list(TRADE_NAME_CHARS), 2, replace=False))
            name = pattern.format(zone=zone.name, tn=tn, ind=ind_name)
            level = rng.choice(["国家级", "省级", "市级"], p=[0.15, 0.4, 0.45])
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "level": str(level),
                    "zone_code": zone.code,
                }
            )
    # The zone's flagship incubator is national-level where the zone is.
    df = pl.DataFrame(
        rows,
        schema={
            "code": pl.String,
            "name": pl.String,
            "kind": pl.String,
            "level": pl.String,
            "zone_code": pl.String,
        },
    )
    return df.with_columns(
        pl.when(pl.col("code") == "yzhtz-inc1")
        .then(pl.lit("国家级"))
        .otherwise(pl.col("level"))
        .alias("level")
    )


def _company_names(
    rng: np.random.Generator,
    ind_keys: list[str],
    ind_idx: np.ndarray,
    region_name: np.ndarray,
    joint_stock: np.ndarray,
) -> list[str]:
    """Unique plausible names: place + 字号 + industry word + 有限公司/股份有限公司."""
    chars = list(TRADE_NAME_CHARS)
    names: list[str] = []
    seen: set[str] = set()
    place_draw = rng.random(ind_idx.size)
    for i in range(ind_idx.size):
        words = INDUSTRY_WORDS.get(ind_keys[ind_idx[i]], INDUSTRY_WORDS[OTHER_INDUSTRY])
        if place_draw[i] < 0.8:
            place = "扬州"
        elif place_draw[i] < 0.9:
            place = "江苏"
        else:
            place = region_name[i]
        suffix = "股份有限公司" if joint_stock[i] else "有限公司"
        for attempt in range(50):
            k = 2 if attempt < 20 else 3
            trade = "".join(rng.choice(chars, k, replace=False))
            name = f"{place}{trade}{words[rng.integers(len(words))]}{suffix}"
            if name not in seen:
                break
        else:  # pragma: no cover - 50 collisions in a row would need a far larger demo
            name = f"{place}{trade}{words[0]}{i}号{suffix}"
        seen.add(name)
        names.append(name)
    return names


def _short_region(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "区市县" else name


def _zone_years(
    sim: dict[str, Any],
    ey: pl.DataFrame,
    enterprises: pl.DataFrame,
    carriers: pl.DataFrame,
    cfg: _Config,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Zone-level indicators, tied to the enterprise figures where a tie is natural."""
    years = [int(y) for y in sim["years"]]
    zone_codes = [z.code for z in cfg.zones]
    agg = (
        ey.join(enterprises.select("uscc", "zone_code"), on="uscc")
        .group_by("zone_code", "year")
        .agg(pl.col("operating_revenue").sum().alias("rev"), pl.col("employees").sum().alias("emp"))
    )
    lookup = {(r["zone_code"], r["year"]): (r["rev"], r["emp"]) for r in agg.iter_rows(named=True)}
    founded = enterprises.group_by("zone_code", pl.col("founded_on").dt.year().alias("year")).len()
    new_firms = {(r["zone_code"], r["year"]): r["len"] for r in founded.iter_rows(named=True)}
    national = carriers.filter(pl.col("level") == "国家级").group_by("zone_code").len()
    national_n = {r["zone_code"]: r["len"] for r in national.iter_rows(named=True)}

    rows: list[tuple[str, int, str, float | None]] = []
    for zc in zone_codes:
        size = rng.uniform(0.6, 1.4)
        area0 = rng.uniform(6.0, 40.0) * (1.6 if zc == "yzhtz" else 1.0)
        energy0 = rng.uniform(0.25, 0.55)
        green = rng.uniform(15.0, 35.0)
        rd_inst0 = rng.integers(8, 40) * (3 if zc == "yzhtz" else 1)
        va_ratio = rng.uniform(0.20, 0.26)
        for t, year in enumerate(years):
            rev, emp = lookup.get((zc, year), (0.0, 0))
            rev = float(rev or 0.0)
            employees_total = float(round((emp or 0) * rng.uniform(1.3, 1.8)))
            disposable = round(rev * rng.uniform(0.012, 0.018), 2)
            values = {
                "value_added": round(
                    rev * va_ratio * (1.0 + 0.004 * t + rng.uniform(-0.01, 0.01)), 2
                ),
                "energy_per_value_added": round(energy0 * 0.97**t * rng.uniform(0.98, 1.02), 4),
                "co2_growth": round(rng.normal(1.5, 2.0), 2),
                "green_coverage": round(green + 0.3 * t + rng.uniform(-0.2, 0.2), 2),
                "new_registered_enterprises": float(
                    new_firms.get((zc, year), 0) * rng.integers(8, 15)
                    + round(rng.integers(20, 120) * size)
                ),
                "national_incubation_institutions": float(
                    national_n.get(zc, 0) + (1 if zc == "yzhtz" else 0)
                ),
                "rd_institutions": float(rd_inst0 + 2 * t + rng.integers(0, 3)),
                "employees_total": employees_total,
                "bachelor_plus_staff": float(round(employees_total * rng.uniform(0.25, 0.45))),
                "disposable_fiscal": disposable,
                "fiscal_st_expenditure": round(disposable * rng.uniform(0.03, 0.08), 2),
                "built_area": round(area0 * 1.02**t, 2),
                "foreign_returnee_staff": float(
                    round(rng.uniform(20, 300) * size * (2.5 if zc == "yzhtz" else 1))
                ),
                "hospitals_schools": float(rng.integers(5, 40) + (15 if zc == "yzhtz" else 0)),
            }
            for ind in ZONE_YEAR_INDICATORS:
                rows.append((zc, year, ind.code, float(values.get(ind.code, 0.0))))
    frame = pl.DataFrame(
        rows,
        schema={
            "zone_code": pl.String,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )
    # A few indicators were not reported: drop those rows, as a zone-year file would leave them out.
    drop = rng.choice(frame.height, size=min(4, frame.height // 20), replace=False)
    keep = np.ones(frame.height, dtype=bool)
    keep[drop] = False
    return frame.filter(pl.Series(keep))


# ---------------------------------------------------------------------------------------------
# public API


def generate(
    seed: int = DEFAULT_SEED,
    n_enterprises: int = DEFAULT_ENTERPRISES,
    years: tuple[int, ...] = DEFAULT_YEARS,
) -> DemoData:
    """Build the deterministic demo data: carriers, enterprises, yearly figures, zone-years."""
    cfg = _load_config()
    sim = _simulate(seed, n_enterprises, tuple(years), cfg)
    r_code, r_extra = sim["r_code"], sim["r_flag"]
    n = sim["zone_idx"].size
    zone_codes = np.array([z.code for z in cfg.zones], dtype=object)
    zone_of = zone_codes[sim["zone_idx"]]

    uscc = _make_usccs(r_code, sim["region_code"], sim["founded_year"])
    carriers = _carriers(cfg, r_code)

    # Incubation: about one young firm in ten sits in an incubating carrier, mostly of its own zone.
    incubating = carriers.filter(pl.col("kind").is_in(list(INCUBATING_KINDS)))
    shipped = [c for c in cfg.carriers if c.get("kind") in INCUBATING_KINDS]
    inc_codes = incubating["code"].to_list() + [c["code"] for c in shipped]
    inc_zones = incubating["zone_code"].to_list() + [c.get("zone") for c in shipped]
    young = sim["founded_year"] >= int(sim["years"][-1]) - 6
    incubated = young & (r_extra.random(n) < 0.10)
    incubator_code = np.full(n, None, dtype=object)
    for zc in zone_codes:
        own = [c for c, cz in zip(inc_codes, inc_zones, strict=True) if cz == zc] or inc_codes
        members = np.flatnonzero(incubated & (zone_of == zc))
        incubator_code[members] = np.asarray(own, dtype=object)[
            r_extra.integers(0, len(own), members.size)
        ]
    # 飞地/异地孵化: a few firms are registered in one zone but counted in another.
    counted = np.full(n, None, dtype=object)
    enclave = np.flatnonzero(r_extra.random(n) < 0.02)
    shift = r_extra.integers(1, len(zone_codes), enclave.size)
    counted[enclave] = zone_codes[(sim["zone_idx"][enclave] + shift) % len(zone_codes)]

    region_names = np.array(
        [_short_region(cfg.regions.get(r, "扬州")) for r in sim["region_code"]], dtype=object
    )
    joint_stock = sim["listed_firm"] | (r_extra.random(n) < 0.06)
    names = _company_names(r_code, sim["ind_keys"], sim["ind_idx"], region_names, joint_stock)

    enterprises = pl.DataFrame(
        {
            "uscc": pl.Series(uscc, dtype=pl.String),
            "name": pl.Series(names, dtype=pl.String),
            "founded_on": pl.Series(sim["founded_on"]).cast(pl.Date),
            "region_code": pl.Series(sim["region_code"].astype(str), dtype=pl.String),
            "zone_code": pl.Series(zone_of.tolist(), dtype=pl.String),
            "park_code": pl.Series(sim["park_code"].tolist(), dtype=pl.String),
            "industry_code": pl.Series(
                np.asarray(sim["class_codes"], dtype=object)[sim["class_idx"]].tolist(),
                dtype=pl.String,
            ),
            "tech_field": pl.Series(
                np.asarray([*TECH_FIELDS, None], dtype=object)[sim["field_idx"]].tolist(),
                dtype=pl.String,
            ),
            "incubator_code": pl.Series(incubator_code.tolist(), dtype=pl.String),
            "counted_zone_code": pl.Series(counted.tolist(), dtype=pl.String),
        }
    )
    enterprise_years = _long_frame(sim, uscc, r_extra)
    zone_years = _zone_years(sim, enterprise_years, enterprises, carriers, cfg, r_extra)
    return DemoData(
        carriers=carriers,
        enterprises=enterprises,
        enterprise_years=enterprise_years,
        zone_years=zone_years,
        # its own stream: the frames above are the same with or without the register
        qualifications=_qualifications(
            np.random.default_rng(seed + QUAL_SEED_OFFSET), enterprises, enterprise_years
        ),
    )


# ---------------------------------------------------------------------------------------------
# the qualifications register

QUAL_SEED_OFFSET = 15
CERT_YEARS = 3  # an HNTE certificate or an MIIT title runs three years from issue
HNTE_RENEWAL_RATE = 0.8  # share of expiring HNTE certificates renewed (重新认定)
QUAL_COLUMNS = ("uscc", "kind", "level", "obtained_on", "expires_on", "value", "reference", "note")


def _issue_date(rng: np.random.Generator, year: int, months: tuple[int, int]) -> dt.date:
    """A day of the year within the months (certificates are issued in batches late in the year)."""
    return dt.date(year, int(rng.integers(months[0], months[1] + 1)), int(rng.integers(1, 29)))


def _qualifications(
    rng: np.random.Generator, enterprises: pl.DataFrame, enterprise_years: pl.DataFrame
) -> pl.DataFrame:
    """The demo register, drawn from each enterprise's last reported figures (seeded).

    高企证书: about one enterprise in six, more likely the higher its R&D intensity and high-tech
    revenue share; first recognised in one of the last six years (a year after founding at the
    earliest), renewed every three years with probability 0.8 while it reports figures — so the
    certificates on record were issued over the last three years, some expire each year, some
    are renewed, some lapse. Titles, awards, R&D institutions and market facts are rarer and go
    to the same stronger firms. No date lies after 31 December of the last year or after today.
    """
    last_year = int(enterprise_years.get_column("year").max())
    cap = min(dt.date(last_year, 12, 31), dt.date.today())
    per = (
        enterprise_years.sort("uscc", "year")
        .group_by("uscc", maintain_order=True)
        .agg(
            pl.col("year").min().alias("first"),
            pl.col("year").max().alias("last"),
            (pl.col("rd_expense") / pl.col("operating_revenue")).drop_nans().last().alias("rd"),
            (pl.col("high_tech_revenue") / pl.col("total_revenue")).drop_nans().last().alias("ht"),
        )
        .join(enterprises.select("uscc", "founded_on"), on="uscc", how="left")
        .with_columns(
            # strength in [0, 1]: rank of R&D intensity (70 %) and high-tech revenue share (30 %)
            (
                0.7 * pl.col("rd").fill_null(0).rank("average") / pl.len()
                + 0.3 * pl.col("ht").fill_null(0).rank("average") / pl.len()
            ).alias("strength")
        )
        .sort("uscc")
    )
    rows: list[tuple[Any, ...]] = []
    serial = 0
    for r in per.iter_rows(named=True):
        s = float(r["strength"])
        u = rng.random(8)
        founded = r["founded_on"].year if r["founded_on"] else r["first"]
        # 高企证书 chains
        if u[0] < 0.02 + 0.6 * s**3:
            start = max(last_year - 5, founded + 1)
            if start <= last_year:
                year = int(rng.integers(start, last_year + 1))
                while year <= min(last_year, r["last"] + 1):
                    issued = min(_issue_date(rng, year, (10, 12)), cap)
                    expires = dt.date(issued.year + CERT_YEARS, issued.month, issued.day)
                    expires -= dt.timedelta(days=1)
                    serial += 1
                    rows.append(
                        (
                            r["uscc"],
                            "hnte_certificate",
                            "国家级",
                            issued,
                            # a third of the records leave 有效期至 blank (read as three years)
                            None if rng.random() < 0.3 else expires,
                            None,
                            f"GR{issued.year}32{serial:06d}",
                            "演示数据",
                        )
                    )
                    if rng.random() >= HNTE_RENEWAL_RATE:
                        break
                    year += CERT_YEARS
        strong = s > 0.5
        if strong and u[1] < 0.2:
            issued = _issue_date(rng, int(rng.integers(last_year - 2, last_year + 1)), (6, 12))
            rows.append(
                (
                    r["uscc"],
                    "innovative_sme_title",
                    "省级",
                    min(issued, cap),
                    None,
                    None,
                    "",
                    "演示数据",
                )
            )
            if u[2] < 0.35:
                issued = _issue_date(rng, int(rng.integers(last_year - 2, last_year + 1)), (6, 12))
                rows.append(
                    (
                        r["uscc"],
                        "specialised_sme_title",
                        "省级",
                        min(issued, cap),
                        None,
                        None,
                        "",
                        "演示数据",
                    )
                )
                niche = dt.date(max(founded, last_year - 12), 1, 1)
                rows.append((r["uscc"], "niche_market", "", niche, None, None, "", "演示数据"))
                if u[3] < 0.2:
                    issued = _issue_date(
                        rng, int(rng.integers(last_year - 2, last_year + 1)), (7, 9)
                    )
                    rows.append(
                        (
                            r["uscc"],
                            "little_giant_title",
                            "国家级",
                            min(issued, cap),
                            None,
                            None,
                            "",
                            "演示数据",
                        )
                    )
                    rows.append(
                        (r["uscc"], "market_top", "", min(issued, cap), None, None, "", "演示数据")
                    )
        if strong and u[4] < 0.06:
            issued = _issue_date(rng, int(rng.integers(last_year - 8, last_year + 1)), (1, 12))
            rows.append(
                (r["uscc"], "rd_institution", "省级", min(issued, cap), None, None, "", "演示数据")
            )
        if strong and u[5] < 0.03:
            issued = _issue_date(rng, int(rng.integers(last_year - 4, last_year + 1)), (1, 12))
            kind = "national_sci_award" if u[6] < 0.15 else "provincial_sci_award"
            level = "国家级" if kind == "national_sci_award" else "省级"
            rows.append((r["uscc"], kind, level, min(issued, cap), None, None, "", "演示数据"))
    schema = {
        "uscc": pl.String,
        "kind": pl.String,
        "level": pl.String,
        "obtained_on": pl.Date,
        "expires_on": pl.Date,
        "value": pl.Float64,
        "reference": pl.String,
        "note": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


# Enterprises simulated at a time by write_panel_parquet: the simulation holds about 2.2 GB per
# million enterprises, so a 10-million panel is written in chunks to stay within a few GB.
PANEL_CHUNK = 1_000_000


def write_panel_parquet(
    path: str | Path,
    n_enterprises: int,
    years: tuple[int, ...] = (2023, 2024, 2025),
    seed: int = DEFAULT_SEED,
    chunk: int = PANEL_CHUNK,
) -> None:
    """Write a large synthetic enterprise-year panel (benchmark input) to a Parquet file.

    Up to `chunk` enterprises the panel is one simulation (the same seed gives the same file as
    before); larger panels are simulated `chunk` enterprises at a time, each chunk with its own
    seed, and streamed into one file, enterprises in order with unique USCCs and names.
    """
    if n_enterprises <= chunk:
        _write_panel_part(path, n_enterprises, years, seed)
        return
    path = Path(path)
    parts = []
    offsets, first = (0, 0), 0
    try:
        for k, start in enumerate(range(0, n_enterprises, chunk)):
            part = path.with_name(f".{path.name}.part{k:04d}")
            n = min(chunk, n_enterprises - start)
            offsets, first = _write_panel_part(
                part, n, years, seed + k, offsets, first, uscc_seed=seed
            )
            parts.append(part)
        pl.scan_parquet(parts).sink_parquet(path, compression="zstd", statistics=True)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)


def _write_panel_part(
    path: str | Path,
    n_enterprises: int,
    years: tuple[int, ...],
    seed: int,
    offsets: tuple[int, int] = (0, 0),
    first: int = 0,
    uscc_seed: int | None = None,
) -> tuple[tuple[int, int], int]:
    """One simulation written to Parquet; returns the USCC index offsets and name number that
    the next chunk continues from."""
    cfg = _load_config()
    sim = _simulate(seed, n_enterprises, tuple(years), cfg)
    # chunks share one USCC stream (the same affine maps), continued by the offsets
    code_rng = sim["r_code"] if uscc_seed is None else np.random.default_rng(uscc_seed)
    uscc = _make_usccs(code_rng, sim["region_code"], sim["founded_year"], offsets)
    legacy = int((sim["founded_year"] < 2016).sum())
    zone_codes = np.asarray([z.code for z in cfg.zones], dtype=object)
    rows, _ = np.nonzero(sim["active"])
    frame = _long_frame(sim, uscc, sim["r_flag"])
    # Per-enterprise attributes are small integer codes, expanded to rows by one take each.
    class_codes = np.asarray(sim["class_codes"], dtype=object)
    fields = np.asarray([*TECH_FIELDS, None], dtype=object)
    frame = frame.with_columns(
        ("企业" + pl.Series(first + rows + 1, dtype=pl.Int64).cast(pl.String).str.zfill(7)).alias(
            "name"
        ),
        pl.Series("zone_code", zone_codes[sim["zone_idx"][rows]], dtype=pl.String),
        pl.Series("industry_code", class_codes[sim["class_idx"][rows]], dtype=pl.String),
        pl.Series("founded_on", sim["founded_on"][rows]).cast(pl.Date),
        pl.Series("tech_field", fields[sim["field_idx"][rows]], dtype=pl.String),
    )
    frame.select(PANEL_COLUMNS).write_parquet(path, compression="zstd", statistics=True)
    n = int(sim["founded_year"].size)
    return (offsets[0] + legacy, offsets[1] + n - legacy), first + n
