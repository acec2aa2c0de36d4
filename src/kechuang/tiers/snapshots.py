"""Stored tier evaluation snapshots: evaluate every enterprise-year once, keep the pack versions,
an input digest per enterprise-year and every pack verdict, and let the dashboard and the 后备库
read the latest snapshot while its inputs still match the data (otherwise they compute live).

Freshness is checked within the reader's scope: the digests of the enterprises the principal may
see are compared with the stored digests of those same enterprises, so a zone admin's page is
"fresh" when nothing of hers changed, and she never reads another zone's inputs or results.
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from kechuang.core import audit
from kechuang.core.db import bulk_insert, read_frame
from kechuang.core.errors import Forbidden
from kechuang.core.security import Principal
from kechuang.engines.rules.packs import Pack
from kechuang.registry.models import Enterprise
from kechuang.registry.scope import enterprise_scope
from kechuang.registry.service import EnterpriseFilter
from kechuang.statistics.models import EnterpriseYear
from kechuang.tiers.assessment import _registry, evaluate_year, scoped_panel
from kechuang.tiers.methodology import TierError, packs_for_year
from kechuang.tiers.models import (
    TierSnapshot,
    TierSnapshotEnterprise,
    TierSnapshotResult,
)
from kechuang.tiers.qualifications import qualification_frame
from kechuang.tiers.scope import shared_scope

# how many years of figures before the assessment year the rules read (growth, 3-year sums)
WINDOW = 5
# registry columns the rules or the counts read (the name and USCC do not change a verdict)
_REG_INPUTS = ("founded_on", "tech_field", "industry_code", "zone_id", "counted_zone_id")
_SEP, _ROW = "\x1f", "\x1e"


def _text(df: pl.DataFrame, cols: list[str]) -> pl.Expr:
    """One string per row over the columns (nulls spelt out so that blank ≠ empty text)."""
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("∅") for c in cols], separator=_SEP
    ).alias("__t")


def input_digests(session: Session, principal: Principal, years: list[int]) -> pl.DataFrame:
    """(key, year, digest) for every visible enterprise with figures in each year: a hash of
    everything its evaluation reads (registry facts, five years of figures, qualifications)."""
    window = sorted({y - k for y in years for k in range(WINDOW)})
    reg, panel = scoped_panel(session, principal, window)
    quals = qualification_frame(session, reg.get_column("key").to_list())
    reg_t = reg.select("key", _text(reg, list(_REG_INPUTS)).alias("reg"))
    fig_cols = sorted(c for c in panel.columns if c not in ("key", "year", *_REG_INPUTS))
    panel = panel.with_columns(_text(panel, ["year", *fig_cols]))
    q_cols = [c for c in quals.columns if c != "key"]
    q_t = (
        quals.with_columns(_text(quals, q_cols))
        .sort("key", "__t")
        .group_by("key", maintain_order=True)
        .agg(pl.col("__t").str.join(_ROW).alias("quals"))
    )
    frames = []
    for y in years:
        present = panel.filter(pl.col("year") == y).select("key")
        figs = (
            panel.filter(pl.col("year").is_between(y - WINDOW + 1, y))
            .join(present, on="key", how="semi")
            .sort("key", "year")
            .group_by("key", maintain_order=True)
            .agg(pl.col("__t").str.join(_ROW).alias("figs"))
        )
        joined = figs.join(reg_t, on="key", how="left").join(q_t, on="key", how="left")
        texts = joined.select(
            pl.concat_str(
                [pl.lit(str(y)), pl.col("reg"), pl.col("figs"), pl.col("quals").fill_null("")],
                separator="\x1d",
            )
        ).to_series()
        frames.append(
            pl.DataFrame(
                {
                    "key": joined.get_column("key"),
                    "year": [y] * joined.height,
                    "digest": [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts],
                },
                schema={"key": pl.Int64, "year": pl.Int64, "digest": pl.String},
            )
        )
    return pl.concat(frames).sort("year", "key")


def combined_hash(digests: pl.DataFrame) -> str:
    """One hash over (year, key, digest) rows in order: the snapshot's input hash."""
    h = hashlib.sha256()
    for y, k, d in digests.sort("year", "key").iter_rows():
        h.update(f"{y}:{k}:{d};".encode())
    return h.hexdigest()


def _pack_versions(year: int) -> list[dict[str, str]]:
    return [
        {"code": p.code, "family": p.family, "version": p.version} for p in packs_for_year(year)
    ]


def create_snapshot(session: Session, principal: Principal, years: list[int]) -> TierSnapshot:
    """Evaluate every enterprise-year of the years and store the verdicts (city bureau only)."""
    if not principal.is_city_admin:
        raise Forbidden("只有市科技局管理员可以保存梯度评估快照")
    years = sorted(set(years))
    if not years:
        raise TierError("请至少选择一个年度")
    bad = [y for y in years if not 1990 <= y <= 2100]
    if bad:
        raise TierError(f"年度“{bad[0]}”不在 1990–2100 之间")
    # taken before the inputs are read: if the data changes while the snapshot is taken, the
    # signature no longer matches afterwards and the digests decide (see `freshness`)
    signature = signature_text(data_signature(session))
    digests = input_digests(session, principal, years)
    empty = [y for y in years if digests.filter(pl.col("year") == y).is_empty()]
    if empty:
        raise TierError(f"{'、'.join(map(str, empty))}年暂无企业年度统计数据，无法保存快照")
    # evaluate first, so the run is written once (one audited create, no later update)
    ent_rows: list[tuple] = []
    res_rows: list[tuple] = []
    counts: dict[str, dict[str, int]] = {}
    for y in years:
        result, packs = evaluate_year(session, principal, y)
        d = digests.filter(pl.col("year") == y).join(
            result.select("key", "rung", "rung_eval"), on="key", how="left"
        )
        ent_rows += [
            (k, y, _int(r), _int(re), dg)
            for k, dg, r, re in d.select("key", "digest", "rung", "rung_eval").rows()
        ]
        met_keys: dict[str, set[int]] = {}
        for p in packs:
            cols = [f"{p.code}|{c}" for c in ("status", "held", "distance", "score_lo", "score_hi")]
            sub = result.select(
                "key", *(pl.col(c) if c in result.columns else pl.lit(None).alias(c) for c in cols)
            )
            res_rows += [
                (k, y, p.code, int(s), bool(h), dist, lo, hi)
                for k, s, h, dist, lo, hi in sub.rows()
            ]
            met = sub.filter((pl.col(cols[0]) == 0) | pl.col(cols[1])).get_column("key")
            # an enterprise meeting two packs of one family (e.g. two 瞪羚 versions) counts once
            met_keys.setdefault(p.family, set()).update(met.to_list())
        counts[str(y)] = {f: len(k) for f, k in met_keys.items()}
    snap = TierSnapshot(
        years=years,
        packs={str(y): _pack_versions(y) for y in years},
        input_hash=combined_hash(digests),
        enterprises=len(ent_rows),
        rows=len(res_rows),
        counts=counts,
        data_signature=signature,
        created_by=principal.username,
    )
    session.add(snap)
    session.flush()
    ent_rows = [(snap.id, *r) for r in ent_rows]
    res_rows = [(snap.id, *r) for r in res_rows]
    bulk_insert(
        session,
        TierSnapshotEnterprise.__table__,
        ["snapshot_id", "enterprise_id", "year", "rung", "rung_eval", "input_digest"],
        ent_rows,
    )
    bulk_insert(
        session,
        TierSnapshotResult.__table__,
        [
            "snapshot_id",
            "enterprise_id",
            "year",
            "pack",
            "status",
            "held",
            "distance",
            "score_lo",
            "score_hi",
        ],
        res_rows,
    )
    audit.record(
        session,
        "create",
        "tier_snapshot_results",
        snap.id,
        f"保存梯度评估快照（{'、'.join(map(str, years))}年）：{len(ent_rows)} 个企业年度，"
        f"{len(res_rows)} 条规则包结论",
        after={"snapshot_id": snap.id, "input_hash": snap.input_hash, "rows": len(res_rows)},
    )
    session.flush()
    # imported here: the dashboard reads snapshots, and its stored copies are part of taking one
    from kechuang.tiers.dashboard import store_dashboards

    store_dashboards(session, snap, signature)
    return snap


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def summary(snap: TierSnapshot, principal: Principal) -> dict[str, Any]:
    """A snapshot's header; city-wide counts only for a principal who sees the whole city."""
    whole = principal.scope == "all"
    return {
        "id": snap.id,
        "years": list(snap.years),
        "packs": snap.packs,
        "input_hash": snap.input_hash,
        "created_by": snap.created_by,
        "created_at": snap.created_at,
        "enterprises": snap.enterprises if whole else None,
        "rows": snap.rows if whole else None,
        "counts": snap.counts if whole else None,
    }


def list_snapshots(session: Session, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """Stored snapshots, newest first."""
    snaps = session.scalars(
        select(TierSnapshot).order_by(TierSnapshot.id.desc()).limit(max(1, min(limit, 500)))
    ).all()
    return [summary(s, principal) for s in snaps]


def latest_snapshot(session: Session, years: list[int]) -> TierSnapshot | None:
    """The newest snapshot covering every one of the years (None when none does)."""
    for snap in session.scalars(select(TierSnapshot).order_by(TierSnapshot.id.desc())):
        if set(years) <= set(snap.years):
            return snap
    return None


def _stored_digests(
    session: Session, principal: Principal, snap: TierSnapshot, years: list[int]
) -> pl.DataFrame:
    stmt = (
        select(
            TierSnapshotEnterprise.enterprise_id,
            TierSnapshotEnterprise.year,
            TierSnapshotEnterprise.input_digest,
        )
        .join(Enterprise, Enterprise.id == TierSnapshotEnterprise.enterprise_id)
        .where(
            TierSnapshotEnterprise.snapshot_id == snap.id,
            TierSnapshotEnterprise.year.in_(years),
            enterprise_scope(principal),
        )
    )
    return pl.DataFrame(
        session.execute(stmt).all(),
        schema={"key": pl.Int64, "year": pl.Int64, "digest": pl.String},
        orient="row",
    ).sort("year", "key")


def data_signature(session: Session) -> tuple:
    """A fingerprint of everything the input digests read, cheap to take at any size: the figures'
    rows and which of them are current (an import, an undo, an approval each move it), the
    registry's rows and their last change, and the qualification register's content."""
    figures = session.execute(
        select(func.count(EnterpriseYear.id), func.max(EnterpriseYear.id))
    ).one()
    current = session.execute(
        select(func.count(EnterpriseYear.id), func.sum(EnterpriseYear.id)).where(
            EnterpriseYear.is_current.is_(True)
        )
    ).one()
    registry = session.execute(
        select(func.count(Enterprise.id), func.max(Enterprise.id), func.max(Enterprise.updated_at))
    ).one()
    # the register is edited in place (a re-import updates a row), so its content is hashed:
    # in the database on PostgreSQL (40,000 rows read into Python took 0.2 s of every page view)
    if session.get_bind().dialect.name == "postgresql":
        register = tuple(session.execute(text(_REGISTER_DIGEST_PG)).one())
    else:
        quals = qualification_frame(session, None)
        register = (quals.height, int(quals.hash_rows().sum()) if quals.height else 0)
    return (*figures, *current, *registry, *register)


# the register's rows as the input digests read them (nulls spelt out), in id order, hashed
_REGISTER_DIGEST_PG = """
SELECT count(*), md5(string_agg(concat_ws('|', enterprise_id, kind, level,
    coalesce(obtained_on::text, '∅'), coalesce(expires_on::text, '∅'),
    coalesce(value::text, '∅')), E'\n' ORDER BY id))
FROM enterprise_qualifications
"""


def signature_text(signature: tuple) -> str:
    """A data signature as the 64-character text stored with a snapshot."""
    return hashlib.sha256(repr(signature).encode()).hexdigest()


# Freshness verdicts already established in this process: (snapshot, scope, years) → (data
# signature, verdict). Comparing every visible enterprise-year's digest reads five years of figures
# (seconds at 100,000 enterprises); while the data signature is unchanged the verdict is too.
_FRESHNESS_MEMO: dict[tuple, tuple[tuple, str, str]] = {}
_MEMO_LIMIT = 256


def _memo_key(snap: TierSnapshot, principal: Principal, years: list[int]) -> tuple | None:
    """Whose verdict may be reused: the whole city, or one zone (`shared_scope`); other scopes
    are checked every time."""
    scope = shared_scope(principal)
    if scope is None:
        return None
    return (snap.id, str(snap.created_at), snap.input_hash, scope, tuple(years))


def freshness(session: Session, principal: Principal, years: list[int]) -> dict[str, Any]:
    """Whether the latest snapshot for the years may be read for this principal: state `fresh`
    (same pack versions, same inputs for every visible enterprise-year), `stale` or `none`; with
    `signature`, the data signature's text when it was taken (city and zone scopes)."""
    years = sorted(set(years))
    snap = latest_snapshot(session, years)
    if snap is None:
        return {"state": "none", "snapshot": None, "reason": "尚未保存覆盖这些年度的评估快照"}
    head = summary(snap, principal)
    changed = [y for y in years if snap.packs.get(str(y)) != _pack_versions(y)]
    if changed:
        return {
            "state": "stale",
            "snapshot": head,
            "reason": f"{'、'.join(map(str, changed))}年适用的规则包版本已变化",
        }
    key = _memo_key(snap, principal, years)
    signature = signature_text(data_signature(session)) if key else None
    known = _FRESHNESS_MEMO.get(key) if key else None
    if known and known[0] == signature:
        return {"state": known[1], "snapshot": head, "reason": known[2], "signature": signature}
    if signature is not None and signature == snap.data_signature:
        # nothing the inputs read has changed since the snapshot was taken, in any scope
        return {"state": "fresh", "snapshot": head, "reason": "", "signature": signature}
    now = input_digests(session, principal, years)
    stored = _stored_digests(session, principal, snap, years)
    state, reason = "fresh", ""
    if not now.equals(stored):
        diff = now.join(stored, on=["key", "year", "digest"], how="anti").height
        gone = stored.join(now, on=["key", "year", "digest"], how="anti").height
        state = "stale"
        reason = f"快照保存后企业数据已变化（{max(diff, gone)} 个企业年度的数据与快照不同）"
    if key:
        if len(_FRESHNESS_MEMO) >= _MEMO_LIMIT:
            _FRESHNESS_MEMO.clear()
        _FRESHNESS_MEMO[key] = (signature, state, reason)
    return {"state": state, "snapshot": head, "reason": reason, "signature": signature}


def _stored_frames(
    session: Session,
    principal: Principal,
    snapshot_id: int,
    years: list[int],
    codes: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The snapshot's enterprise-years and verdict rows of the years, the principal's only.

    Read through `read_frame` (COPY on PostgreSQL): 2.7 million verdict rows at 100,000
    enterprises took 18 s as Python tuples, more than the evaluation the snapshot saves."""
    ents = read_frame(
        session,
        select(
            TierSnapshotEnterprise.enterprise_id,
            TierSnapshotEnterprise.year,
            TierSnapshotEnterprise.rung,
            TierSnapshotEnterprise.rung_eval,
        )
        .join(Enterprise, Enterprise.id == TierSnapshotEnterprise.enterprise_id)
        .where(
            TierSnapshotEnterprise.snapshot_id == snapshot_id,
            TierSnapshotEnterprise.year.in_(years),
            TierSnapshotEnterprise.rung.is_not(None),
            enterprise_scope(principal),
        ),
        {"key": pl.Int64, "year": pl.Int64, "rung": pl.Int8, "rung_eval": pl.Int8},
    )
    # the pack code travels as its position in `codes` (read_frame reads numbers only)
    pack_index = case(
        *((TierSnapshotResult.pack == code, i) for i, code in enumerate(codes)), else_=None
    )
    rows = read_frame(
        session,
        select(
            TierSnapshotResult.enterprise_id,
            TierSnapshotResult.year,
            pack_index,
            TierSnapshotResult.status,
            TierSnapshotResult.held,
            TierSnapshotResult.distance,
            TierSnapshotResult.score_lo,
            TierSnapshotResult.score_hi,
        )
        .join(Enterprise, Enterprise.id == TierSnapshotResult.enterprise_id)
        .where(
            TierSnapshotResult.snapshot_id == snapshot_id,
            TierSnapshotResult.year.in_(years),
            TierSnapshotResult.pack.in_(codes),
            enterprise_scope(principal),
        ),
        {
            "key": pl.Int64,
            "year": pl.Int64,
            "pack": pl.Int32,
            "status": pl.UInt8,
            "held": pl.Boolean,
            "distance": pl.Float64,
            "score_lo": pl.Float64,
            "score_hi": pl.Float64,
        },
    ).with_columns(pl.col("pack").replace_strict(dict(enumerate(codes)), return_dtype=pl.String))
    return ents, rows


def _wide(
    ents: pl.DataFrame, rows: pl.DataFrame, reg: pl.DataFrame, year: int, packs: list[Pack]
) -> pl.DataFrame:
    """One year's stored rows in the shape `evaluate_year` returns (no condition columns)."""
    out = ents.filter(pl.col("year") == year).drop("year")
    rows = rows.filter(pl.col("year") == year)
    for p in packs:
        sub = rows.filter(pl.col("pack") == p.code).select(
            "key",
            *(
                pl.col(c).alias(f"{p.code}|{c}")
                for c in ("status", "held", "distance", "score_lo", "score_hi")
            ),
        )
        out = out.join(sub, on="key", how="left")
    # next_distance as the engine defines it: the distance to the pack one rung above
    nxt = [pl.when(pl.col("rung") + 1 == p.rung).then(pl.col(f"{p.code}|distance")) for p in packs]
    out = out.with_columns(pl.min_horizontal(nxt or [pl.lit(None)]).alias("next_distance"))
    return out.join(
        reg.select("key", "uscc", "name", "zone_id", "stat_zone_id"), on="key", how="inner"
    ).sort("key")


def stored_result(
    session: Session,
    principal: Principal,
    snapshot_id: int,
    year: int,
    packs: list[Pack],
    flt: EnterpriseFilter | None = None,
) -> pl.DataFrame:
    """A year's stored verdicts in the shape `evaluate_year` returns (without condition columns):
    key, rung, per pack status/held/distance/score, and the registry columns; only the
    principal's (and the filter's) enterprises."""
    reg = _registry(session, principal, flt or EnterpriseFilter())
    ents, rows = _stored_frames(session, principal, snapshot_id, [year], [p.code for p in packs])
    return _wide(ents, rows, reg, year, packs)


def year_results(
    session: Session,
    principal: Principal,
    years: list[int],
    flt: EnterpriseFilter | None = None,
    packs: dict[int, list[Pack]] | None = None,
    fresh: dict[str, Any] | None = None,
) -> tuple[dict[int, tuple[pl.DataFrame, list[Pack]]], dict[str, Any]]:
    """Per year the verdicts (from the latest fresh snapshot, else computed now) and where they
    came from: {"kind": "snapshot"|"live", "state", "reason", "snapshot"}; `fresh` is the
    caller's `freshness` of the same years, when it has one."""
    fresh = fresh or freshness(session, principal, years)
    chosen = {y: (packs or {}).get(y) or packs_for_year(y) for y in years}
    out: dict[int, tuple[pl.DataFrame, list[Pack]]] = {}
    if fresh["state"] == "fresh":
        reg = _registry(session, principal, flt or EnterpriseFilter())
        codes = sorted({p.code for ps in chosen.values() for p in ps})
        ents, rows = _stored_frames(session, principal, fresh["snapshot"]["id"], years, codes)
        out = {y: (_wide(ents, rows, reg, y, chosen[y]), chosen[y]) for y in years}
    else:
        out = {y: evaluate_year(session, principal, y, flt, packs=chosen[y]) for y in years}
    source = {
        "kind": "snapshot" if fresh["state"] == "fresh" else "live",
        **{k: v for k, v in fresh.items() if k != "signature"},
    }
    return out, source
