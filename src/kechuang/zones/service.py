"""Zone-evaluation services: frameworks, peer sets, evaluations and stored runs, benchmarks,
targets and specialisation, each returned through the principal's scope.

Scope: a city admin sees everything. A zone admin sees her own zone's results in full and, of every
other zone, only what the framework publishes (its `publish` list: rank, dimension ranks, group …);
peer zones outside the city show the figures the bureau entered from published sources. Enterprise
users see nothing here. Services flush, never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core import methodology
from kechuang.core.errors import BadInput
from kechuang.core.scope import PEER_GROUP_MIN, ScopeError
from kechuang.core.security import Principal
from kechuang.engines.composite.io import canonical_json
from kechuang.registry.models import Zone
from kechuang.zones import frameworks as fwmod
from kechuang.zones import targets as tgt
from kechuang.zones.evaluation import TOP_QUARTILE, Evaluation, EvaluationError, evaluate_frame
from kechuang.zones.frameworks import FrameworkDataError, ZoneFramework
from kechuang.zones.inputs import city_indicator_values, peer_indicator_values, zone_aggregates
from kechuang.zones.models import (
    PEER_SET_KINDS,
    BureauFramework,
    EvaluationRun,
    PeerSet,
    PeerSetMember,
    PeerZone,
    PeerZoneFigure,
)
from kechuang.zones.scope import (
    own_unit,
    require_city_admin,
    require_reader,
    visible_contributions,
    visible_specialisation,
    visible_table,
    visible_values,
)
from kechuang.zones.specialisation import specialisation as _specialisation

CITY_PEER_SET = "city"


class ZoneServiceError(BadInput):
    """Bad input to a zone service (Chinese message naming what and where)."""


# ------------------------------------------------------------------ frameworks


def list_frameworks(session: Session) -> list[ZoneFramework]:
    """Shipped frameworks and the latest version of each bureau-defined one."""
    out = fwmod.file_frameworks()
    latest: dict[str, BureauFramework] = {}
    for bf in session.scalars(select(BureauFramework).order_by(BureauFramework.id)):
        latest[bf.code] = bf
    reg = methodology.registry()
    out += [fwmod.parse_framework(bf.definition, "bureau", reg) for bf in latest.values()]
    return out


def get_framework(session: Session, code: str | None) -> ZoneFramework:
    """A framework by code (default the national 2021 one)."""
    code = code or fwmod.DEFAULT_FRAMEWORK
    for fw in list_frameworks(session):
        if fw.code == code:
            return fw
    raise ZoneServiceError(
        f"未知的评价框架“{code}”，可选：" + "、".join(f.code for f in list_frameworks(session))
    )


def save_framework(
    session: Session, principal: Principal, definition: dict[str, Any]
) -> ZoneFramework:
    """Store a bureau-defined framework (validated; a code + version is stored once)."""
    require_city_admin(principal)
    try:
        fw = fwmod.parse_framework(definition, "bureau", methodology.registry())
    except FrameworkDataError as exc:
        raise ZoneServiceError(str(exc)) from exc
    if fw.code in {f.code for f in fwmod.file_frameworks()}:
        raise ZoneServiceError(f"框架代码“{fw.code}”是平台内置框架，请换一个代码")
    exists = session.scalar(
        select(BureauFramework.id).where(
            BureauFramework.code == fw.code, BureauFramework.version == fw.version
        )
    )
    if exists:
        raise ZoneServiceError(f"框架“{fw.code}”的版本“{fw.version}”已存在；修改后请提高版本号")
    session.add(
        BureauFramework(
            code=fw.code,
            version=fw.version,
            name=fw.name,
            definition=json.loads(canonical_json(definition)),
        )
    )
    session.flush()
    return fw


# ------------------------------------------------------------------ peer zones and peer sets


@dataclass(frozen=True)
class Unit:
    """A compared unit: a city zone (z<id>) or a peer zone outside the city (p<id>)."""

    key: str
    name: str
    is_city: bool
    zone_id: int | None = None
    peer_zone_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain form stored with runs."""
        return {
            "unit": self.key,
            "name": self.name,
            "is_city": self.is_city,
            "zone_id": self.zone_id,
            "peer_zone_id": self.peer_zone_id,
        }


def city_units(session: Session) -> list[Unit]:
    """The city's high-tech zones (kind 高新区; the agricultural S&T park is not one)."""
    return [
        Unit(f"z{z.id}", z.name, True, zone_id=z.id)
        for z in session.scalars(select(Zone).where(Zone.kind == "高新区").order_by(Zone.id))
    ]


def list_peer_sets(session: Session) -> list[dict[str, Any]]:
    """The built-in city peer set and every stored one, with member names."""
    city = city_units(session)
    out = [
        {
            "code": CITY_PEER_SET,
            "name": "本市高新区",
            "kind": "city",
            "kind_label": PEER_SET_KINDS["city"],
            "description": "登记在本市的全部高新区（不含农业科技园区）",
            "is_demo": False,
            "members": [u.name for u in city],
        }
    ]
    for ps in session.scalars(select(PeerSet).order_by(PeerSet.id)):
        out.append(
            {
                "code": ps.code,
                "name": ps.name,
                "kind": ps.kind,
                "kind_label": PEER_SET_KINDS.get(ps.kind, ps.kind),
                "description": ps.description,
                "is_demo": ps.is_demo,
                "members": [u.name for u in peer_set_units(session, ps.code)],
            }
        )
    return out


def peer_set_units(session: Session, code: str | None) -> list[Unit]:
    """The units of a peer set (default: the city's zones)."""
    code = code or CITY_PEER_SET
    if code == CITY_PEER_SET:
        return city_units(session)
    ps = session.scalar(select(PeerSet).where(PeerSet.code == code))
    if ps is None:
        raise ZoneServiceError(
            f"未知的对标组“{code}”，可选：" + "、".join(p["code"] for p in list_peer_sets(session))
        )
    units: list[Unit] = []
    stmt = (
        select(PeerSetMember, Zone, PeerZone)
        .outerjoin(Zone, Zone.id == PeerSetMember.zone_id)
        .outerjoin(PeerZone, PeerZone.id == PeerSetMember.peer_zone_id)
        .where(PeerSetMember.peer_set_id == ps.id)
        .order_by(PeerSetMember.id)
    )
    for _m, zone, peer in session.execute(stmt).all():
        if zone is not None:
            units.append(Unit(f"z{zone.id}", zone.name, True, zone_id=zone.id))
        elif peer is not None:
            units.append(Unit(f"p{peer.id}", peer.name, False, peer_zone_id=peer.id))
    return units


def save_peer_set(
    session: Session,
    principal: Principal,
    code: str,
    name: str,
    members: list[str],
    kind: str = "custom",
    description: str = "",
    is_demo: bool = False,
) -> PeerSet:
    """Create or replace a peer set; members are city zone or peer zone names or codes."""
    require_city_admin(principal)
    if kind not in PEER_SET_KINDS:
        raise ZoneServiceError(f"对标组类型“{kind}”无效，可选：{'、'.join(PEER_SET_KINDS)}")
    if not code or code == CITY_PEER_SET:
        raise ZoneServiceError(f"对标组代码“{code}”无效（不能为空或使用保留代码 city）")
    zones = {k: z for z in session.scalars(select(Zone)) for k in (z.name, z.code)}
    peers = {k: p for p in session.scalars(select(PeerZone)) for k in (p.name, p.code)}
    unknown = [m for m in members if m not in zones and m not in peers]
    if unknown:
        raise ZoneServiceError(f"对标组“{name}”的成员不存在：{'、'.join(unknown)}")
    if len(members) < 2:
        raise ZoneServiceError(f"对标组“{name}”至少需要2个成员")
    ps = session.scalar(select(PeerSet).where(PeerSet.code == code))
    if ps is None:
        ps = PeerSet(code=code, name=name, kind=kind, description=description, is_demo=is_demo)
        session.add(ps)
        session.flush()
    else:
        ps.name, ps.kind, ps.description = name, kind, description
        for m in session.scalars(select(PeerSetMember).where(PeerSetMember.peer_set_id == ps.id)):
            session.delete(m)
        session.flush()
    for m in members:
        z, p = zones.get(m), peers.get(m)
        session.add(
            PeerSetMember(
                peer_set_id=ps.id,
                zone_id=z.id if z else None,
                peer_zone_id=p.id if p and not z else None,
            )
        )
    session.flush()
    return ps


def save_peer_figures(
    session: Session,
    principal: Principal,
    peer_zone: str,
    year: int,
    figures: dict[str, float | None],
    source: str = "",
) -> int:
    """Enter (or correct) a peer zone's indicator values for a year; returns how many changed."""
    require_city_admin(principal)
    peer = session.scalar(
        select(PeerZone).where((PeerZone.name == peer_zone) | (PeerZone.code == peer_zone))
    )
    if peer is None:
        raise ZoneServiceError(f"外地对标高新区“{peer_zone}”不存在")
    allowed = set(fwmod.catalogue().indicators) | {
        i.translate["base"] for i in fwmod.catalogue().indicators.values() if i.translate
    }
    bad = [c for c in figures if c not in allowed]
    if bad:
        raise ZoneServiceError(f"“{peer.name}”{year}年：未知指标 {', '.join(bad)}")
    existing = {
        f.indicator_code: f
        for f in session.scalars(
            select(PeerZoneFigure).where(
                PeerZoneFigure.peer_zone_id == peer.id, PeerZoneFigure.year == year
            )
        )
    }
    changed = 0
    for code, value in figures.items():
        f = existing.get(code)
        if f is None:
            session.add(
                PeerZoneFigure(
                    peer_zone_id=peer.id, year=year, indicator_code=code, value=value, source=source
                )
            )
            changed += 1
        elif f.value != value:
            f.value, f.source = value, source or f.source
            changed += 1
    session.flush()
    return changed


# ------------------------------------------------------------------ evaluation


def evaluation_data(
    session: Session, fw: ZoneFramework, units: list[Unit], year: int
) -> pl.DataFrame:
    """Indicator values of every unit for the year and the year before (unit, unit_name, year, …)."""
    codes = fw.indicators
    years = [year - 1, year]
    names = {u.key: u.name for u in units}
    frames = []
    city = [u.zone_id for u in units if u.is_city]
    if city:
        frames.append(
            city_indicator_values(session, city, years, codes)
            .with_columns(("z" + pl.col("zone_id").cast(pl.String)).alias("unit"))
            .drop("zone_id")
        )
    peers = [u.peer_zone_id for u in units if not u.is_city]
    if peers:
        frames.append(
            peer_indicator_values(session, peers, years, codes)
            .with_columns(("p" + pl.col("peer_zone_id").cast(pl.String)).alias("unit"))
            .drop("peer_zone_id")
        )
    if not frames:
        raise ZoneServiceError("对标组没有成员")
    data = pl.concat(frames, how="diagonal_relaxed")
    data = data.with_columns(
        pl.col("unit").replace_strict(names, return_dtype=pl.String).alias("unit_name")
    )
    # a unit-year with no value at all is not a participant that year
    data = data.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in codes]))
    return data.select(
        "unit",
        "unit_name",
        "year",
        *codes,
        *sorted(c for c in data.columns if c.startswith("base:")),
    ).sort("unit", "year")


def evaluate(
    session: Session,
    principal: Principal,
    year: int,
    framework: str | None = None,
    peer_set: str | None = None,
    options: dict[str, Any] | None = None,
) -> Evaluation:
    """Evaluate a peer set under a framework for a year (not stored; see store_run)."""
    require_reader(principal)
    fw = get_framework(session, framework)
    try:
        opts = fwmod.resolve_options(options)
    except FrameworkDataError as exc:
        raise ZoneServiceError(str(exc)) from exc
    units = peer_set_units(session, peer_set)
    data = evaluation_data(session, fw, units, year)
    try:
        return evaluate_frame(fw, opts, data, [u.as_dict() for u in units], year)
    except EvaluationError as exc:
        raise ZoneServiceError(str(exc)) from exc


def _jsonable(obj: Any) -> Any:
    return json.loads(canonical_json(obj))


def store_run(
    session: Session,
    principal: Principal,
    ev: Evaluation,
    peer_set: str | None = None,
    note: str = "",
    is_demo: bool = False,
) -> EvaluationRun:
    """Store an evaluation with its framework version and hash, peer set, options, input hash,
    inputs and results, so it can be shown later and rerun identically."""
    require_city_admin(principal)
    run = EvaluationRun(
        username=principal.username,
        year=ev.year,
        framework_code=ev.framework.code,
        framework_version=ev.framework.version,
        framework_hash=ev.framework.hash,
        peer_set_code=peer_set or CITY_PEER_SET,
        peer_units=[u["unit"] for u in ev.units],
        options=_jsonable(ev.options),
        input_hash=ev.input_hash,
        spec_hash=ev.result.spec_hash,
        inputs=_jsonable(
            {"units": ev.units, "rows": ev.data.to_dicts(), "columns": ev.data.columns}
        ),
        results=_jsonable(
            {"table": ev.table(), "values": ev.values(), "uncertainty": ev.uncertainty_record}
        ),
        record=_jsonable({**ev.result.record(), "framework_definition": ev.framework.definition}),
        note=note,
        is_demo=is_demo,
    )
    session.add(run)
    session.flush()
    return run


def list_runs(
    session: Session, principal: Principal, year: int | None = None
) -> list[EvaluationRun]:
    """Stored runs, newest first (their recipes are visible to every evaluation reader)."""
    require_reader(principal)
    stmt = select(EvaluationRun).order_by(EvaluationRun.id.desc())
    if year is not None:
        stmt = stmt.where(EvaluationRun.year == year)
    return list(session.scalars(stmt))


def get_run(session: Session, principal: Principal, run_id: int) -> EvaluationRun:
    """One stored run."""
    require_reader(principal)
    run = session.get(EvaluationRun, run_id)
    if run is None:
        raise ZoneServiceError(f"评价记录 {run_id} 不存在")
    return run


def replay_run(session: Session, principal: Principal, run_id: int) -> Evaluation:
    """Recompute a stored run from its stored inputs, framework definition and options."""
    run = get_run(session, principal, run_id)
    fw = fwmod.parse_framework(run.record["framework_definition"])
    data = pl.DataFrame(run.inputs["rows"], infer_schema_length=None).select(run.inputs["columns"])
    data = data.with_columns(
        [pl.col(c).cast(pl.Float64) for c in data.columns if c not in ("unit", "unit_name", "year")]
    )
    return evaluate_frame(fw, run.options, data, run.inputs["units"], run.year)


def rerun(session: Session, principal: Principal, run_id: int) -> dict[str, Any]:
    """Rerun a stored run on today's data: same recipe; says whether inputs and results changed."""
    run = get_run(session, principal, run_id)
    fw = fwmod.parse_framework(run.record["framework_definition"])
    units = [
        Unit(u["unit"], u["name"], u["is_city"], u.get("zone_id"), u.get("peer_zone_id"))
        for u in run.inputs["units"]
    ]
    data = evaluation_data(session, fw, units, run.year)
    ev = evaluate_frame(fw, run.options, data, [u.as_dict() for u in units], run.year)
    same_inputs = ev.input_hash == run.input_hash
    same_results = _jsonable(ev.table()) == run.results["table"]
    return {"evaluation": ev, "same_inputs": same_inputs, "same_results": same_results}


def latest_run(
    session: Session, principal: Principal, year: int, framework: str | None, peer_set: str | None
) -> EvaluationRun | None:
    """The newest stored run for a year, framework and peer set."""
    require_reader(principal)
    return session.scalar(
        select(EvaluationRun)
        .where(
            EvaluationRun.year == year,
            EvaluationRun.framework_code == (framework or fwmod.DEFAULT_FRAMEWORK),
            EvaluationRun.peer_set_code == (peer_set or CITY_PEER_SET),
        )
        .order_by(EvaluationRun.id.desc())
    )


# ------------------------------------------------------------------ scoped views


def evaluation_view(
    session: Session,
    principal: Principal,
    year: int,
    framework: str | None = None,
    peer_set: str | None = None,
    options: dict[str, Any] | None = None,
    save: bool = False,
) -> dict[str, Any]:
    """A fresh evaluation (optionally stored) as the principal may see it: framework, options,
    the scoped ranking table and indicator values, and the stored run if any."""
    ev = evaluate(session, principal, year, framework, peer_set, options)
    run = store_run(session, principal, ev, peer_set or CITY_PEER_SET) if save else None
    return {
        "framework": ev.framework,
        "options": ev.options,
        "table": visible_table(principal, ev.framework, ev.table()),
        "values": visible_values(principal, ev.units, ev.values()),
        "run": run,
    }


def run_view(session: Session, principal: Principal, run_id: int) -> dict[str, Any]:
    """A stored run's record with its ranking table as the principal may see it."""
    run = get_run(session, principal, run_id)
    fw = fwmod.parse_framework(run.record["framework_definition"])
    return {"run": run, "table": visible_table(principal, fw, run.results["table"])}


def benchmark(
    session: Session,
    principal: Principal,
    year: int,
    unit: str | None,
    against: str | None,
    framework: str | None = None,
    peer_set: str | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """对标找差: the zone's gap to a benchmark zone or the top quartile, strengths and weaknesses,
    the radar of dimension scores and the zone's ranking row (scoped)."""
    require_reader(principal)
    own = own_unit(principal)
    unit = unit or own
    if unit is None:
        raise ZoneServiceError("请选择要对标的高新区")
    if principal.scope == "zone" and unit != own:
        raise ScopeError("高新区管理员只能查看本区的对标分析")
    ev = evaluate(session, principal, year, framework, peer_set, options)
    against = against or TOP_QUARTILE
    city = {u["unit"] for u in ev.units if u["is_city"]}
    if principal.scope == "zone" and against in city and against != own:
        raise ScopeError("无权查看其他本市高新区的指标数据；请选择对标组前25%分位或外地高新区")
    if unit not in ev.unit_names:
        raise ZoneServiceError(f"“{unit}”不在对标组中")
    if against != TOP_QUARTILE and against not in ev.unit_names:
        raise ZoneServiceError(f"对标对象“{against}”不在对标组中")
    try:
        gaps = ev.gaps(unit, against)
        strengths = ev.strengths(unit)
    except EvaluationError as exc:
        raise ZoneServiceError(str(exc)) from exc
    table = {r["unit"]: r for r in ev.table()}
    return {
        "year": year,
        "framework": ev.framework,
        "evaluation": ev,
        "gaps": gaps,
        "strengths": strengths,
        "radar": ev.radar(unit, against),
        "row": table.get(unit),
        "data_date": data_date(session),
        "choices": [
            {"unit": u["unit"], "name": u["name"]}
            for u in ev.units
            if u["unit"] != unit and (principal.scope == "all" or u["unit"] not in city)
        ],
    }


# ------------------------------------------------------------------ targets


def _parse_targets(file: methodology.MethodologyFile, reg: methodology.Registry) -> dict[str, Any]:
    """A plan-targets file: the set and every target name their source (Chinese errors)."""
    data = file.data
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise ZoneServiceError("目标文件应为映射，并含 targets 列表")
    problems: list[str] = []
    for key in ("code", "name", "version"):
        if key not in data:
            problems.append(f"目标文件缺少字段“{key}”")
    where = f"目标集“{data.get('name', data.get('code', '?'))}”"
    top = methodology.read_source(data.get("source"), where, problems, reg)
    targets = []
    for i, t in enumerate(data["targets"], start=1):
        name = t.get("name", t.get("code", i)) if isinstance(t, dict) else i
        w = f"{where}的目标“{name}”"
        if not isinstance(t, dict):
            problems.append(f"{w}：应为映射")
            continue
        for key in ("code", "name", "indicator", "baseline_year", "target_year", "target_value"):
            if key not in t:
                problems.append(f"{w}：缺少字段“{key}”")
        src = methodology.read_source(t.get("source"), w, problems, reg)
        targets.append(
            {
                **t,
                "source": src.text if src else "",
                "source_detail": src.as_dict() if src else None,
            }
        )
    if problems:
        raise ZoneServiceError("；".join(problems))
    return {
        **data,
        "source": top.text if top else "",
        "source_detail": top.as_dict() if top else None,
        "targets": targets,
        "sha256": file.sha256,
        "origin": file.origin,
    }


# methodology/targets/*.yaml and the bureau's <KECHUANG_METHODOLOGY_DIR>/zones/targets
TARGETS: methodology.Catalogue[dict[str, Any]] = methodology.Catalogue(
    label="目标",
    package="kechuang.zones",
    folder="targets",
    parse=_parse_targets,
    error=ZoneServiceError,
    versioning=methodology.Versioning(
        code=lambda t: str(t["code"]),
        family=lambda t: "targets",
        version=lambda t: str(t["version"]),
    ),
)


def target_sets() -> dict[str, Any]:
    """The plan targets (methodology/targets/*.yaml; the newest version when there are several)."""
    latest = TARGETS.latest("targets")
    if latest is None:
        raise ZoneServiceError("没有目标文件")
    return latest


TARGET_WITHHELD_NOTE = f"其他高新区不足{PEER_GROUP_MIN}个有数据的年度，城市合计不予显示"


def _too_few_others(
    principal: Principal, agg: pl.DataFrame, col: str, series: dict[int, float]
) -> bool:
    """True when, in some year of the series, fewer than PEER_GROUP_MIN zones other than the
    principal's own have a figure (only the bureau sees such totals)."""
    if principal.scope == "all":
        return False
    others = agg.filter(pl.col(col).is_not_null() & (pl.col("zone_id") != (principal.zone_id or 0)))
    counts = dict(others.group_by("year").agg(pl.len()).iter_rows())
    return any(counts.get(y, 0) < PEER_GROUP_MIN for y in series)


def track_targets(
    session: Session,
    principal: Principal,
    as_of: int | None = None,
    config: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every plan target (shipped, or `config` in the same schema): actual series, required path,
    projection band, status and each zone's part of the remaining gap (a zone admin sees the city
    totals and her own zone's row; the totals only when every year has PEER_GROUP_MIN other zones,
    else the target comes back withheld, with no tracker)."""
    require_reader(principal)
    cfg = config or target_sets()
    # the year the status is judged in: a target year that has passed unreported is pending
    judged = as_of or date.today().year
    zones = list(session.execute(select(Zone.id, Zone.name).order_by(Zone.id)).all())
    out = []
    for t in cfg["targets"]:
        years = list(range(t["baseline_year"] - 1, max(t["target_year"], as_of or 0) + 1))
        agg = zone_aggregates(session, years)
        col = t["indicator"].replace(".", "_", 1)
        if col not in agg.columns:
            raise ZoneServiceError(f"目标“{t['name']}”的指标 {t['indicator']} 没有统计数据")
        if as_of:
            agg = agg.filter(pl.col("year") <= as_of)
        by_zone: dict[str, dict[int, float]] = {}
        for zid, name in zones:
            part = agg.filter(pl.col("zone_id") == zid).select("year", col)
            if part.height:
                by_zone[name] = {y: v for y, v in part.iter_rows() if v is not None}
        total = agg.group_by("year").agg(pl.col(col).sum()).sort("year")
        series = {y: v for y, v in total.iter_rows() if v}
        try:
            tr = tgt.track(
                series,
                t["baseline_year"],
                t["target_year"],
                float(t["target_value"]),
                t.get("baseline_value"),
                float(t.get("confidence", 0.8)),
                parts=by_zone,
                as_of=judged,
            )
        except ValueError as exc:
            raise ZoneServiceError(f"目标“{t['name']}”：{exc}") from exc
        if _too_few_others(principal, agg, col, series):
            # the city total less her own zone would be another zone's figure
            out.append({**t, "tracker": None, "zones": [], "withheld": TARGET_WITHHELD_NOTE,
                        "set": cfg["name"], "set_version": cfg["version"]})  # fmt: skip
            continue
        contributions = visible_contributions(
            principal, tgt.zone_contributions(by_zone, tr), dict(zones)
        )
        out.append(
            {
                **t,
                "tracker": tr,
                "zones": contributions,
                "set": cfg["name"],
                "set_version": cfg["version"],
            }
        )
    return out


# ------------------------------------------------------------------ specialisation


def specialisation_view(
    session: Session, principal: Principal, year: int | None = None
) -> dict[str, Any]:
    """Specialisation results; a zone admin sees her zone's industries and her similarity row."""
    require_reader(principal)
    return visible_specialisation(principal, _specialisation(session, year))


def available_years(session: Session) -> list[int]:
    """Years with enterprise statistics, newest first."""
    from kechuang.statistics.models import EnterpriseYear

    years = session.scalars(
        select(EnterpriseYear.year).distinct().order_by(EnterpriseYear.year.desc())
    )
    return list(years)


def data_date(session: Session) -> date | None:
    """The day of the newest statistics import still in force (a report's 数据日期); None when
    nothing was imported. Only a date is read, no figure, so no scope applies."""
    from kechuang.statistics.models import ImportBatch

    newest = session.scalar(
        select(ImportBatch.created_at)
        .where(ImportBatch.undone_at.is_(None))
        .order_by(ImportBatch.created_at.desc())
        .limit(1)
    )
    return None if newest is None else newest.date()


def is_demo(session: Session) -> bool:
    """True when the database holds demo data (exports then carry the 演示数据 note)."""
    from kechuang.statistics.models import ImportBatch

    return (
        session.scalar(select(ImportBatch.id).where(ImportBatch.is_demo.is_(True)).limit(1))
        is not None
        or session.scalar(select(PeerZone.id).where(PeerZone.is_demo.is_(True)).limit(1))
        is not None
    )


def ranking(
    session: Session,
    principal: Principal,
    year: int,
    framework: str | None = None,
    peer_set: str | None = None,
    options: dict[str, Any] | None = None,
    use_stored: bool = True,
) -> dict[str, Any]:
    """The ranking for a year: the newest stored run with default options when there is one (so
    pages show the recorded result), else a fresh evaluation; scoped."""
    require_reader(principal)
    run = (
        latest_run(session, principal, year, framework, peer_set)
        if use_stored and not options
        else None
    )
    if run is not None:
        fw = fwmod.parse_framework(run.record["framework_definition"])
        units = run.inputs["units"]
        table, values, opts = run.results["table"], run.results["values"], run.options
        source = {
            "run_id": run.id,
            "created_at": run.created_at.isoformat(),
            "username": run.username,
            "input_hash": run.input_hash,
            "note": run.note,
        }
    else:
        ev = evaluate(session, principal, year, framework, peer_set, options)
        fw, units, table, values, opts = ev.framework, ev.units, ev.table(), ev.values(), ev.options
        source = {"run_id": None, "input_hash": ev.input_hash}
    values = visible_values(principal, units, values)
    return {
        "year": year,
        "framework": fw,
        "options": opts,
        "units": units,
        "table": visible_table(principal, fw, table),
        "values": values,
        "source": source,
        "peer_set": peer_set or CITY_PEER_SET,
    }
