"""Builders for review tests and the bench: valid USCCs, small hand cases, synthetic panels."""

from __future__ import annotations

import numpy as np
from stdnum.cn import uscc

from kechuang.engines.review import Application, Expert, Relation

TOPICS = [
    ("肝癌 早筛 影像", "肝胆疾病"),
    ("光伏 储能 电网", "能源"),
    ("危化品 泄漏 监测", "安全生产"),
    ("莲藕 腐败病 防控", "农业"),
    ("氢能 燃料电池 催化", "氢能"),
    ("食品 农残 快检", "食品安全"),
]


def code(n: int) -> str:
    """A valid 统一社会信用代码 numbered n (91 + region 321000 + 9-digit body + check digit)."""
    body = f"91321000{n:09d}"
    return body + uscc.calc_check_digit(body)


def person(n: int) -> str:
    """A person id (证件号) numbered n."""
    return f"P{n:06d}"


def app(i: int, unit: int, leader: int, topic: int = 0, **kw) -> Application:
    """An application of unit `unit` led by person `leader` on topic `topic`."""
    words, direction = TOPICS[topic]
    return Application(
        id=f"A{i:03d}",
        unit_code=code(unit),
        leader_id=person(leader),
        unit_name=f"单位{unit}",
        leader_name=f"负责人{leader}",
        direction=direction,
        title=f"{words.replace(' ', '')}关键技术研究",
        keywords=words.replace(" ", "、"),
        **kw,
    )


def expert(j: int, unit: int, topic: int = 0, finance: bool = False, cap: int = 10) -> Expert:
    """An expert of unit `unit` working on topic `topic` (person id P1xxxxx)."""
    words, direction = TOPICS[topic]
    return Expert(
        id=f"E{j:03d}",
        person_id=person(100000 + j),
        unit_code=code(unit),
        name=f"专家{j}",
        unit_name=f"单位{unit}",
        title="教授" if not finance else "高级会计师",
        fields=f"{direction} {words}",
        keywords=words.replace(" ", "、") + ("、财务审计" if finance else ""),
        finance=finance,
        max_reviews=cap,
    )


def rel(a, a_kind, b, b_kind, kind, start=None, end=None, row="") -> Relation:
    """A relation row."""
    return Relation(a, a_kind, b, b_kind, kind, start, end, row)


def synthetic(
    n_app: int,
    n_exp: int,
    n_units: int,
    n_rel: int,
    seed: int = 0,
    n_topics: int = len(TOPICS),
    finance_share: float = 0.2,
):
    """Applications, experts and relations at a chosen scale (topics, units, random relations)."""
    rng = np.random.default_rng(seed)
    apps = [
        app(i, int(rng.integers(0, n_units)), 900000 + i, int(rng.integers(0, n_topics)))
        for i in range(n_app)
    ]
    exps = [
        expert(
            j,
            int(rng.integers(0, n_units)),
            int(rng.integers(0, n_topics)),
            finance=bool(rng.random() < finance_share),
            cap=int(rng.integers(4, 9)),
        )
        for j in range(n_exp)
    ]
    kinds = ["任职", "持股", "实际控制", "亲属", "合作", "师生"]
    rels = []
    for r in range(n_rel):
        kind = kinds[int(rng.integers(0, len(kinds)))]
        start = int(rng.integers(2005, 2024))
        end = None if rng.random() < 0.4 else int(rng.integers(start, 2026))
        e = exps[int(rng.integers(0, n_exp))]
        a = apps[int(rng.integers(0, n_app))]
        if kind in ("任职", "持股"):
            rels.append(
                rel(
                    e.person_id,
                    "个人",
                    code(int(rng.integers(0, n_units))),
                    "单位",
                    kind,
                    start,
                    end,
                    f"第 {r + 2} 行",
                )
            )
        elif kind == "实际控制":
            rels.append(
                rel(
                    code(int(rng.integers(0, n_units))),
                    "单位",
                    code(int(rng.integers(0, n_units))),
                    "单位",
                    kind,
                    start,
                    end,
                    f"第 {r + 2} 行",
                )
            )
        else:
            rels.append(
                rel(e.person_id, "个人", a.leader_id, "个人", kind, start, end, f"第 {r + 2} 行")
            )
    return apps, exps, rels
