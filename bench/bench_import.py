"""Import benchmark: 100,000 enterprise-year rows from .xlsx, validated and stored.

Prints the time and peak memory of kechuang's import (read, normalise every cell, cross-field
checks, revision detection, bulk insert), of the same import run as the CLI runs it (a job with its
progress bar; the difference is what jobs and progress cost) and, in the same run, a baseline: the same file read
with openpyxl in read-only mode and inserted row by row through the ORM without any validation
(what a quick hand-written importer does). The ratio is baseline time / kechuang time.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--database-url URL]

Each measurement runs in a fresh child process so that peak RSS belongs to that step alone.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(url: str, rows: int, workdir: Path) -> Path:
    """Migrate, load the city, register the enterprises and write the statistics file."""
    os.environ["KECHUANG_DATABASE_URL"] = url
    import polars as pl

    from kechuang.core.db import session_scope, upgrade
    from kechuang.core.excel import write_sheets
    from kechuang.core.security import SYSTEM
    from kechuang.demo.generator import generate
    from kechuang.registry.service import load_city_config
    from kechuang.statistics.imports import import_file
    from kechuang.statistics.templates import COLUMNS_BY_KIND

    upgrade(url)
    n_enterprises = int(rows / 5.2) + 500  # the generator yields about 5.2 reporting years each
    data = generate(seed=7, n_enterprises=n_enterprises)
    years = data.enterprise_years.head(rows)
    enterprises = data.enterprises.filter(pl.col("uscc").is_in(years.get_column("uscc").unique()))
    with session_scope() as session:
        load_city_config(session)
        frame = enterprises.select(
            "uscc",
            "name",
            "founded_on",
            pl.col("region_code").alias("region"),
            pl.col("zone_code").alias("zone"),
            "industry_code",
            "tech_field",
        )
        report = import_file(
            session,
            SYSTEM,
            "enterprises",
            write_sheets([("企业", COLUMNS_BY_KIND["enterprises"], frame)]),
            "bench_enterprises.xlsx",
        )
        assert report.ok, report.errors[:3]
    path = workdir / "bench_enterprise_years.xlsx"
    path.write_bytes(write_sheets([("统计", COLUMNS_BY_KIND["enterprise_years"], years)]))
    return path


def _kechuang(url: str, path: str, queue: mp.Queue, commit: bool = False) -> None:
    """The import service alone, every check and the store; rolled back after, or committed."""
    os.environ["KECHUANG_DATABASE_URL"] = url
    from kechuang.core.db import session_factory
    from kechuang.core.security import SYSTEM
    from kechuang.statistics.imports import import_file

    content = Path(path).read_bytes()
    start = time.perf_counter()
    session = session_factory()()
    report = import_file(session, SYSTEM, "enterprise_years", content, Path(path).name)
    session.commit() if commit else session.flush()
    elapsed = time.perf_counter() - start
    session.rollback()
    session.close()
    assert report.ok, report.errors[:3]
    queue.put({"seconds": elapsed, "peak_mb": _peak_mb(), "rows": report.created})


def _kechuang_committed(url: str, path: str, queue: mp.Queue) -> None:
    """The import service alone, committed."""
    _kechuang(url, path, queue, commit=True)


def _copy_sqlite(url: str) -> str:
    """A copy of the prepared SQLite database (SQLite's backup API), for a second committed run."""
    import sqlite3

    source = url.removeprefix("sqlite:///")
    target = source.replace(".db", "_copy.db")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def _kechuang_job(url: str, path: str, queue: mp.Queue) -> None:
    """The same import as the CLI runs it: a job (row, writer lock) with its rich progress bar."""
    os.environ["KECHUANG_DATABASE_URL"] = url
    from kechuang.cli import _run_with_progress
    from kechuang.core.db import session_scope
    from kechuang.core.domain import import_kind
    from kechuang.core.security import SYSTEM
    from kechuang.statistics.import_jobs import run_import_job, submit_import

    content = Path(path).read_bytes()
    spec = import_kind("enterprise_years")
    start = time.perf_counter()
    with session_scope() as session:
        job_id = submit_import(session, SYSTEM, spec, content, Path(path).name, False)
    state = _run_with_progress(
        job_id,
        lambda listener: run_import_job(
            job_id, SYSTEM, spec, content, Path(path).name, False, listeners=(listener,)
        ),
    )
    elapsed = time.perf_counter() - start
    assert state["state"] == "done", state
    queue.put({"seconds": elapsed, "peak_mb": _peak_mb(), "rows": state["result"]["created"]})


def _baseline(url: str, path: str, queue: mp.Queue) -> None:
    """openpyxl read-only + ORM row-by-row insert, no validation, into a rolled-back transaction."""
    os.environ["KECHUANG_DATABASE_URL"] = url
    import openpyxl
    from sqlalchemy import select

    from kechuang.core.db import session_factory
    from kechuang.registry.models import Enterprise
    from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS
    from kechuang.statistics.models import EnterpriseYear

    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    next(rows)
    session = session_factory()()
    ids = dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    codes = [f.code for f in ENTERPRISE_YEAR_FIELDS]
    count = 0
    for row in rows:
        values = dict(zip(codes, row[3:], strict=False))
        for f in ENTERPRISE_YEAR_FIELDS:
            if f.kind == "bool" and values.get(f.code) is not None:
                values[f.code] = values[f.code] == "是"
        session.add(
            EnterpriseYear(enterprise_id=ids[row[0]], year=int(row[2]), revision=99, **values)
        )
        count += 1
    session.flush()
    elapsed = time.perf_counter() - start
    session.rollback()
    session.close()
    queue.put({"seconds": elapsed, "peak_mb": _peak_mb(), "rows": count})


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kechuang-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    print(f"database: {url.split('@')[-1]}")
    t0 = time.perf_counter()
    path = _in_child(_prepare_child, url, args.rows, str(workdir))["path"]
    print(
        f"prepared {args.rows:,} rows in {time.perf_counter() - t0:.1f}s "
        f"({Path(path).stat().st_size / 1e6:.1f} MB .xlsx)"
    )
    base = _in_child(_baseline, url, path)
    ours = _in_child(_kechuang, url, path)
    plain = None
    if url.startswith("sqlite"):
        # the job commits, so compare it with a committed plain import on an identical copy
        plain = _in_child(_kechuang_committed, _copy_sqlite(url), path)
    job = _in_child(_kechuang_job, url, path)
    print(
        f"baseline (openpyxl + ORM, no checks): {base['seconds']:.2f}s, "
        f"peak RSS {base['peak_mb']:.0f} MB, {base['rows']:,} rows"
    )
    print(
        f"kechuang import (all checks, stored): {ours['seconds']:.2f}s, "
        f"peak RSS {ours['peak_mb']:.0f} MB, {ours['rows']:,} rows"
    )
    if plain is not None:
        print(f"kechuang import committed (no job): {plain['seconds']:.2f}s")
    reference = plain or ours
    print(
        f"kechuang import as a CLI job with progress bar (committed): {job['seconds']:.2f}s, "
        f"peak RSS {job['peak_mb']:.0f} MB, {job['rows']:,} rows "
        f"(job and progress cost {100 * (job['seconds'] / reference['seconds'] - 1):+.1f}%)"
    )
    print(f"ratio baseline/kechuang: {base['seconds'] / ours['seconds']:.2f}x")
    print(f"ratio baseline/kechuang job: {base['seconds'] / job['seconds']:.2f}x")


def _prepare_child(url: str, rows: int, workdir: str, queue: mp.Queue) -> None:
    queue.put({"path": str(_prepare(url, rows, Path(workdir)))})


if __name__ == "__main__":
    main()
