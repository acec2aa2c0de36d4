"""Backup and restore: one portable, checkable file format for SQLite and PostgreSQL.

A backup (`.kcbak`) is a zip archive holding `manifest.json` — format version, the Alembic revisions
the database was at, when it was made, and for every table its columns, row count and the SHA-256
of its rows — and one `tables/<name>.jsonl` per table, one JSON array per row in primary-key order.
Values are typed by column: dates and datetimes as ISO text (datetimes in UTC), JSON columns as the
exact JSON text stored, floats as JSON numbers (Python writes the shortest text that reads back to
the same double), decimals as text, bytes as base64. The checksum of a table is the SHA-256 of its
JSONL member, so it can be recomputed from any database and compared.

Reading goes through SQL in one transaction, so a SQLite database in WAL mode is backed up with what
its WAL holds (copying the .db file would lose it), and the same file restores into either backend:
a SQLite backup restored into PostgreSQL is the migration path between them.

Restore is all-or-nothing: the whole file is checked first (zip CRCs, manifest, table checksums,
migration revisions equal to the code's), then, in ONE transaction, the target must hold no rows
(or, with force, every row is deleted), rows are inserted in dependency order, PostgreSQL sequences
are moved past the restored ids, and each table's checksum is recomputed from the database before
anything is committed. alembic_version is not part of a backup: the target is migrated by the code.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    Numeric,
    Table,
    Text,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kechuang.core.db import (
    Base,
    bulk_insert,
    make_engine,
    migration_heads,
    schema_status,
    upgrade,
    utcnow,
)

FORMAT = "kechuang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 5000


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message is Chinese and says why."""


class NotEmptyError(BackupError):
    """The target database holds rows and force was not given."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        listed = "、".join(f"{name} {n} 行" for name, n in counts.items())
        super().__init__(
            f"目标数据库已有数据（{listed}）：恢复会删除这些数据。如确定要用备份覆盖，请加 --force"
        )


@dataclass
class TableInfo:
    """One table of a backup, as the manifest describes it."""

    name: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass
class Manifest:
    """What a backup file says about itself."""

    revisions: list[str]
    created_at: str
    dialect: str
    tables: list[TableInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The manifest as written into the archive."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "alembic_revisions": sorted(self.revisions),
            "created_at": self.created_at,
            "source_dialect": self.dialect,
            "tables": [
                {"name": t.name, "columns": t.columns, "rows": t.rows, "sha256": t.sha256}
                for t in self.tables
            ],
        }

    @property
    def total_rows(self) -> int:
        """Rows in all tables together."""
        return sum(t.rows for t in self.tables)


def tables() -> list[Table]:
    """Every table of the platform in dependency order (parents before the rows that refer to them).

    The entry point must have loaded every domain's models (kechuang.domains.load_models) first.
    """
    return list(Base.metadata.sorted_tables)


# --- value encoding ------------------------------------------------------------------------------


def _encoder(table: Table, column: str) -> Callable[[Any], Any]:
    kind = table.c[column].type
    if isinstance(kind, DateTime):
        if kind.timezone:
            # SQLite hands back the naive UTC text SQLAlchemy stored; PostgreSQL an aware value
            return lambda v: (
                v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
            ).isoformat()
        return lambda v: v.isoformat()
    if isinstance(kind, Date):
        return lambda v: v.isoformat()
    if isinstance(kind, Numeric) and kind.asdecimal:
        return str
    if isinstance(kind, LargeBinary):
        return lambda v: base64.b64encode(v).decode("ascii")
    return lambda v: v


def _decoder(table: Table, column: str, dialect: str) -> Callable[[Any], Any]:
    kind = table.c[column].type
    if isinstance(kind, DateTime):
        if dialect == "sqlite":
            # store exactly what SQLAlchemy itself writes for SQLite: naive UTC text
            sqlite = _sqlite_dialect()
            write = kind.dialect_impl(sqlite).bind_processor(sqlite)
            return lambda v: write(_naive_utc(datetime.fromisoformat(v)))
        return datetime.fromisoformat
    if isinstance(kind, Date):
        if dialect == "sqlite":
            return lambda v: v  # SQLAlchemy stores dates as ISO text on SQLite already
        return date.fromisoformat
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    return lambda v: v


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _sqlite_dialect():  # noqa: ANN202 - a SQLAlchemy dialect
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


def _line(values: list[Any]) -> bytes:
    # ensure_ascii=False keeps Chinese readable in the file; allow_nan keeps NaN exact
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def _select(table: Table, columns: list[str]):  # noqa: ANN202 - a Select
    # JSON columns are read as the text stored, so the backup holds exactly that text and a JSON
    # null stays distinct from SQL NULL
    picked = [
        cast(table.c[c], Text).label(c) if isinstance(table.c[c].type, JSON) else table.c[c]
        for c in columns
    ]
    order = list(table.primary_key.columns) or [table.c[c] for c in columns]
    return select(*picked).order_by(*order)


def _table_lines(connection: Connection, table: Table, columns: list[str]) -> Iterator[bytes]:
    encoders = [_encoder(table, c) for c in columns]
    # options on the statement: Connection.execution_options would change the connection itself,
    # and a server-side cursor cannot run the INSERTs that follow on the same connection
    result = connection.execute(
        _select(table, columns).execution_options(stream_results=True, yield_per=BATCH)
    )
    for row in result:
        yield _line([None if v is None else enc(v) for enc, v in zip(encoders, row, strict=True)])


def table_checksums(source: Engine | Connection) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of the rows as a backup writes them) of every table."""
    if isinstance(source, Engine):
        with source.connect() as connection:
            return table_checksums(connection)
    out = {}
    for table in tables():
        digest = hashlib.sha256()
        n = 0
        for line in _table_lines(source, table, _columns(table)):
            digest.update(line)
            n += 1
        out[table.name] = (n, digest.hexdigest())
    return out


# --- backup --------------------------------------------------------------------------------------


def backup(url: str, path: Path) -> Manifest:
    """Write every table of the database at `url` into a .kcbak file at `path`; returns its manifest.

    All tables are read in one transaction (a consistent snapshot on PostgreSQL too), and the file
    is written beside the target and renamed into place, so a failed backup leaves no partial file.
    """
    status = schema_status(url)
    if status == "unreachable":
        raise BackupError("无法连接数据库：请检查 KECHUANG_DATABASE_URL 与数据库服务")
    if status != "ok":
        raise BackupError(
            "数据库的迁移版本与本程序不一致：请先运行 kechuang db upgrade，再备份"
            if status in ("empty", "behind")
            else "数据库的迁移版本不是本程序所知的版本：请使用创建它的 kechuang 版本备份"
        )
    engine = make_engine(url)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        # the database is at the code's heads (checked above); record them all, including those
        # Alembic leaves out of alembic_version because another stamped revision depends on them
        revisions = sorted(migration_heads(url))
        manifest = Manifest(revisions, utcnow().isoformat(), engine.dialect.name)
        options = (
            {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        )
        with (
            engine.connect().execution_options(**options) as connection,
            connection.begin(),
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for table in tables():
                columns = _columns(table)
                digest = hashlib.sha256()
                n = 0
                with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
                    for line in _table_lines(connection, table, columns):
                        member.write(line)
                        digest.update(line)
                        n += 1
                manifest.tables.append(TableInfo(table.name, columns, n, digest.hexdigest()))
            archive.writestr(MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1))
        partial.replace(path)
    except SQLAlchemyError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"读取数据库失败：{exc.__class__.__name__}") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"无法写入备份文件 {path}：{exc.strerror or exc}") from exc
    finally:
        engine.dispose()
    return manifest


# --- reading a backup file -----------------------------------------------------------------------


def _damaged(path: Path, why: str) -> BackupError:
    return BackupError(
        f"备份文件 {path.name} 无法使用（{why}）：它已损坏，或不是 kechuang 的备份文件"
    )


def read_manifest(path: Path) -> Manifest:
    """Check a backup file completely (manifest, every table's rows and checksum); return its manifest.

    Nothing is written anywhere; a damaged or foreign file raises BackupError.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                raw = json.loads(archive.read(MANIFEST).decode("utf-8"))
            except KeyError:
                raise _damaged(path, "缺少 manifest.json") from None
            manifest = _parse_manifest(path, raw)
            for info in manifest.tables:
                digest = hashlib.sha256()
                n = 0
                try:
                    member = archive.open(f"tables/{info.name}.jsonl")
                except KeyError:
                    raise _damaged(path, f"缺少表 {info.name}") from None
                with member:
                    for line in member:
                        digest.update(line)
                        n += 1
                if n != info.rows or digest.hexdigest() != info.sha256:
                    raise _damaged(path, f"表 {info.name} 的校验和不符")
    except BackupError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _damaged(path, "不是完整的 zip 文件，或压缩数据已损坏") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise _damaged(path, "manifest.json 无法解析") from exc
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc.strerror or exc}") from exc
    return manifest


def _parse_manifest(path: Path, raw: Any) -> Manifest:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _damaged(path, "不是 kechuang 备份格式")
    if raw.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份文件 {path.name} 的格式版本为 {raw.get('format_version')}，"
            f"本程序只能读取第 {FORMAT_VERSION} 版：请使用相应版本的 kechuang 恢复"
        )
    try:
        manifest = Manifest(
            [str(r) for r in raw["alembic_revisions"]],
            str(raw["created_at"]),
            str(raw.get("source_dialect", "")),
            [
                TableInfo(
                    str(t["name"]), [str(c) for c in t["columns"]], int(t["rows"]), t["sha256"]
                )
                for t in raw["tables"]
            ],
        )
    except (KeyError, TypeError, ValueError):
        raise _damaged(path, "manifest.json 内容不完整") from None
    return manifest


def _check_matches_code(path: Path, manifest: Manifest, url: str) -> dict[str, Table]:
    heads = migration_heads(url)
    stamped = set(manifest.revisions)
    if stamped != heads:
        raise BackupError(
            f"备份文件 {path.name} 的数据库版本（{'、'.join(sorted(stamped))}）与本程序的迁移版本"
            f"（{'、'.join(sorted(heads))}）不一致：请用与备份时相同版本的 kechuang 恢复，"
            "恢复后再升级程序并运行 kechuang db upgrade"
        )
    ours = {t.name: t for t in tables()}
    theirs = {t.name for t in manifest.tables}
    if theirs != set(ours):
        raise BackupError(
            f"备份文件 {path.name} 的表与本程序的表不一致"
            f"（多出：{sorted(theirs - set(ours))}；缺少：{sorted(set(ours) - theirs)}）"
        )
    for info in manifest.tables:
        if set(info.columns) != set(_columns(ours[info.name])):
            raise BackupError(f"备份文件 {path.name} 中表 {info.name} 的列与本程序不一致")
    return ours


# --- restore -------------------------------------------------------------------------------------


def row_counts(connection: Connection) -> dict[str, int]:
    """Tables that hold rows, with their counts (alembic_version is not counted)."""
    counts = {}
    for table in tables():
        n = connection.scalar(select(func.count()).select_from(table))
        if n:
            counts[table.name] = n
    return counts


def prepare_target(url: str) -> None:
    """Make the target ready for a restore: migrate an empty database, refuse an unsuitable one."""
    status = schema_status(url)
    if status == "unreachable":
        raise BackupError("无法连接目标数据库：请检查 KECHUANG_DATABASE_URL 与数据库服务")
    if status == "empty":
        try:
            upgrade(url)
        except SQLAlchemyError as exc:
            raise BackupError(
                f"目标数据库无法初始化（{exc.__class__.__name__}）：请换一个空数据库"
            ) from exc
    elif status == "behind":
        raise BackupError("目标数据库版本落后：请先运行 kechuang db upgrade，再恢复")
    elif status == "unknown":
        raise BackupError("目标数据库的迁移版本不是本程序所知的版本：请使用相应版本的 kechuang")


def target_rows(url: str) -> dict[str, int]:
    """The rows the target database holds now, per table (empty dict: nothing to overwrite)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


def restore(
    url: str,
    path: Path,
    force: bool = False,
    after: Callable[[Session, Manifest], None] | None = None,
) -> Manifest:
    """Restore a .kcbak file into the database at `url`, all or nothing; returns the manifest.

    The target must hold no rows unless `force` (then they are deleted in the same transaction).
    `after(session, manifest)` runs inside the transaction once every checksum matched: the audit
    record goes there, so that the restored rows do not wipe it and it is not half-written.
    """
    path = Path(path)
    manifest = read_manifest(path)
    ours = _check_matches_code(path, manifest, url)
    prepare_target(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    try:
        with Session(engine) as session, session.begin():
            connection = session.connection()
            if dialect == "sqlite":
                # rows go in dependency order, but let SQLite check the keys once, at commit
                connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            counts = row_counts(connection)
            if counts and not force:
                raise NotEmptyError(counts)
            for table in reversed(tables()):
                if table.name in counts:
                    connection.execute(table.delete())
            with zipfile.ZipFile(path) as archive:
                for info in manifest.tables:
                    _insert_table(session, archive, ours[info.name], info, dialect)
            if dialect == "postgresql":
                _reset_sequences(connection)
            found = table_checksums(connection)
            for info in manifest.tables:
                if found[info.name] != (info.rows, info.sha256):
                    raise BackupError(
                        f"恢复后表 {info.name} 的校验和与备份不符：已撤销，数据库未作任何更改"
                    )
            if after is not None:
                after(session, manifest)
    except BackupError:
        raise
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
        # bulk_insert talks to the driver directly, so its errors are the driver's own
        raise BackupError(
            f"恢复失败（{exc.__class__.__name__}）：已撤销，数据库未作任何更改。{_first_line(exc)}"
        ) from exc
    finally:
        engine.dispose()
    return manifest


def _first_line(exc: Exception) -> str:
    detail = str(getattr(exc, "orig", exc) or "").strip().splitlines()
    return detail[0][:200] if detail else ""


def _insert_table(
    session: Session, archive: zipfile.ZipFile, table: Table, info: TableInfo, dialect: str
) -> None:
    decoders = [_decoder(table, c, dialect) for c in info.columns]
    batch: list[tuple] = []
    with archive.open(f"tables/{info.name}.jsonl") as member:
        for line in io.TextIOWrapper(member, encoding="utf-8"):
            values = json.loads(line)
            batch.append(
                tuple(
                    None if v is None else dec(v) for dec, v in zip(decoders, values, strict=True)
                )
            )
            if len(batch) >= BATCH:
                bulk_insert(session, table, info.columns, batch)
                batch = []
    bulk_insert(session, table, info.columns, batch)


def _reset_sequences(connection: Connection) -> None:
    # rows came with their ids; move each serial past them so new rows do not collide
    for table in tables():
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence:
                connection.execute(
                    text(
                        f"SELECT setval(:s, COALESCE(MAX({column.name}), 1), "
                        f"MAX({column.name}) IS NOT NULL) FROM {table.name}"
                    ),
                    {"s": sequence},
                )
