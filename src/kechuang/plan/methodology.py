"""Plan files as a methodology catalogue: a plan period (sections → actions → targets), every
action and target quoting the plan and citing a sources-registry code, article and confirmation.

Shipped files live in `kechuang/plan/data/`; a bureau adds its own (a new period, a corrected
version) in `<KECHUANG_METHODOLOGY_DIR>/plan/data/` or loads one with `kechuang plan load`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kechuang.core import methodology
from kechuang.core.errors import BadInput
from kechuang.plan.models import TARGET_KINDS


class PlanFileError(BadInput):
    """A plan file that cannot be loaded (every problem named, in Chinese)."""


TARGET_FIELDS = {
    "code",
    "title",
    "kind",
    "indicator",
    "params",
    "unit",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "quote",
    "source",
    "carry_from",
}


def _year(raw: Any, where: str, problems: list[str], required: bool = False) -> int | None:
    if raw is None:
        if required:
            problems.append(f"{where}：缺少年份")
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1990 <= raw <= 2100:
        problems.append(f"{where}：年份应为 1990–2100 的整数，实际为 {raw!r}")
        return None
    return raw


def _number(raw: Any, where: str, problems: list[str]) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        problems.append(f"{where}：应为数值或留空（null，由市科技局填报），实际为 {raw!r}")
        return None
    return float(raw)


def parse_plan(file: methodology.MethodologyFile, reg: methodology.Registry) -> dict[str, Any]:
    """A plan file as plain data with resolved sources; every problem raised at once."""
    from kechuang.plan.indicators import INDICATORS, MILESTONE_READERS

    data = file.data
    if not isinstance(data, dict):
        raise PlanFileError(
            "规划文件应为映射（code、name、version、start_year、end_year、sections）"
        )
    problems: list[str] = []
    for key in ("code", "name", "version", "start_year", "end_year", "sections"):
        if key not in data:
            problems.append(f"规划文件缺少字段“{key}”")
    where = f"规划“{data.get('name', data.get('code', '?'))}”"
    top = methodology.read_source(data.get("source"), where, problems, reg)
    start = _year(data.get("start_year"), f"{where}的起始年", problems, True)
    end = _year(data.get("end_year"), f"{where}的终止年", problems, True)
    if start and end and end < start:
        problems.append(f"{where}：终止年 {end} 早于起始年 {start}")
    sections: list[dict[str, Any]] = []
    seen_actions: set[str] = set()
    seen_targets: set[str] = set()
    for si, sec in enumerate(data.get("sections") or [], start=1):
        sw = f"{where}第{si}章"
        if not isinstance(sec, dict) or not sec.get("code") or not sec.get("title"):
            problems.append(f"{sw}：应为含 code、title 的映射")
            continue
        actions = []
        for ai, act in enumerate(sec.get("actions") or [], start=1):
            aw = f"{where}（{sec['code']}）第{ai}项行动"
            if not isinstance(act, dict) or not act.get("code") or not act.get("title"):
                problems.append(f"{aw}：应为含 code、title 的映射")
                continue
            aw = f"{where}的行动“{act['code']} {act['title']}”"
            if act["code"] in seen_actions:
                problems.append(f"{aw}：行动代码重复")
            seen_actions.add(act["code"])
            asrc = methodology.read_source(act.get("source"), aw, problems, reg)
            targets = []
            for ti, t in enumerate(act.get("targets") or [], start=1):
                tw = f"{aw}第{ti}个目标"
                if not isinstance(t, dict):
                    problems.append(f"{tw}：应为映射")
                    continue
                tw = f"{aw}的目标“{t.get('title', t.get('code', ti))}”"
                unknown = sorted(set(t) - TARGET_FIELDS)
                if unknown:
                    problems.append(f"{tw}：未知字段 {'、'.join(map(str, unknown))}")
                for key in ("code", "title", "kind", "quote"):
                    if not t.get(key):
                        problems.append(f"{tw}：缺少字段“{key}”")
                if t.get("code") in seen_targets:
                    problems.append(f"{tw}：目标代码“{t['code']}”重复")
                seen_targets.add(t.get("code"))
                kind = t.get("kind")
                if kind and kind not in TARGET_KINDS:
                    problems.append(f"{tw}：类型应为 quantitative（定量）或 milestone（里程碑）")
                indicator = t.get("indicator")
                if kind == "quantitative" and indicator not in INDICATORS:
                    problems.append(
                        f"{tw}：定量目标的指标“{indicator}”不在指标登记表中"
                        f"（可用：{'、'.join(sorted(INDICATORS))}）"
                    )
                if kind == "milestone" and indicator and indicator not in MILESTONE_READERS:
                    problems.append(f"{tw}：里程碑读取方式“{indicator}”不存在")
                tsrc = methodology.read_source(t.get("source"), tw, problems, reg)
                targets.append(
                    {
                        "code": t.get("code"),
                        "title": t.get("title"),
                        "kind": kind,
                        "indicator": indicator,
                        "params": t.get("params") or {},
                        "unit": t.get("unit") or "",
                        "baseline_year": _year(t.get("baseline_year"), f"{tw}的基期", problems),
                        "baseline_value": _number(
                            t.get("baseline_value"), f"{tw}的基期值", problems
                        ),
                        "target_year": _year(t.get("target_year"), f"{tw}的目标年", problems),
                        "target_value": _number(t.get("target_value"), f"{tw}的目标值", problems),
                        "quote": t.get("quote") or "",
                        "source": tsrc.as_dict() if tsrc else {},
                        "carry_from": t.get("carry_from"),
                    }
                )
            actions.append(
                {
                    "code": act["code"],
                    "label": act.get("label") or act["code"],
                    "title": act["title"],
                    "quote": act.get("quote") or "",
                    "source": asrc.as_dict() if asrc else {},
                    "targets": targets,
                }
            )
        sections.append({"code": sec["code"], "title": sec["title"], "actions": actions})
    if problems:
        raise PlanFileError("；".join(problems))
    return {
        "code": str(data["code"]),
        "name": data["name"],
        "version": str(data["version"]),
        "start_year": start,
        "end_year": end,
        "source": top.as_dict() if top else {},
        "confirmation": top.confirmation if top else "unconfirmed",
        "sections": sections,
        "sha256": file.sha256,
        "origin": file.origin,
        "file": file.name,
    }


@dataclass
class PlanCatalogue(methodology.Catalogue[dict[str, Any]]):
    """The catalogue of plan files: shipped in `kechuang/plan/data/` rather than `methodology/`."""

    def shipped_dir(self) -> Path:
        """The shipped plan files."""
        return Path(str(resources.files(self.package).joinpath("data")))


PLANS = PlanCatalogue(
    label="规划",
    package="kechuang.plan",
    folder="",
    parse=parse_plan,
    error=PlanFileError,
    versioning=methodology.Versioning(
        code=lambda p: f"{p['code']}@{p['version']}",
        family=lambda p: str(p["code"]),
        version=lambda p: str(p["version"]),
    ),
)


def shipped_plan(code: str = "14-5") -> dict[str, Any]:
    """The newest shipped (or bureau) version of a plan period."""
    plan = PLANS.latest(code)
    if plan is None:
        raise PlanFileError(f"没有规划期“{code}”的规划文件")
    return plan


def read_plan_file(path: str | Path) -> dict[str, Any]:
    """Read and check a plan file given on the command line or uploaded."""
    return PLANS.load_path(path)


def parse_plan_bytes(content: bytes, filename: str) -> dict[str, Any]:
    """Parse an uploaded plan file (same checks as the shipped ones)."""
    import hashlib

    data, problems = methodology._yaml(content.decode("utf-8"), f"规划文件 {filename}")
    if problems:
        raise PlanFileError("；".join(problems))
    file = methodology.MethodologyFile(
        filename, filename, "upload", data, hashlib.sha256(content).hexdigest()
    )
    return PLANS.parse_file(file)
