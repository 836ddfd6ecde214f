"""Loading a MusicBrainz data dump into the mirror without a moment of empty tables.

Each table of the dump is COPYed into a full copy of the mirror's table in schema
``musicbrainz_import`` (same columns, same constraint and index names, same owner and
grants), in one transaction per table that also records it in
``musicbrainz_import.loaded_table``. An interrupted import therefore never leaves a table
half loaded, and running it again on the same dump skips the tables already staged.
Once every table is staged, one short transaction drops the live tables and moves the
staged ones into ``musicbrainz``: readers see the old mirror until that commit and the new
one after it, and any failure before it leaves the old mirror exactly as it was. Just before
the swap, the per-recording summaries that lookups read (``summary``) are built from the
staged tables into the staging schema, and swapped in with them.

The bytes of each file go to COPY as they are (PostgreSQL's text format is the dump's
format), so PostgreSQL checks the encoding, column count and types; its complaint is
reported with the file and line it names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import sql

from . import summary, tables
from .dump import DumpError, DumpHeader, DumpTable, open_dump, read_chunks

STAGING: Final = "musicbrainz_import"
_LOCK_KEY: Final = "acoustid_pg.musicbrainz_import"
_CONTEXT_LINE = re.compile(r"\bline (\d+)\b")


@dataclass(frozen=True)
class TableProgress:
    """Where the import of one table stands (bytes of its file, rows so far)."""

    table: str
    bytes_done: int
    bytes_total: int
    rows: int
    finished: bool = False
    skipped: bool = False  # staged by an earlier, interrupted run of the same dump


Progress = Callable[[TableProgress], None]


@dataclass
class ImportResult:
    header: DumpHeader
    rows: dict[str, int] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)
    summary_rows: int = 0  # rows of musicbrainz.acoustid_recording_summary (one per recording)
    summary_seconds: float = 0.0  # the time its build took


def _ignore(progress: TableProgress) -> None:
    """The default progress callback: none."""


def import_dump(conn: psycopg.Connection[Any], path: Path, *, progress: Progress = _ignore) -> ImportResult:
    """Load the dump at ``path`` into the mirror that ``conn`` (autocommit) is connected to."""
    if not conn.autocommit:
        raise DumpError("the MusicBrainz import needs an autocommit connection: it commits table by table")
    conn.execute("SET client_encoding = 'UTF8'")
    _lock(conn)
    try:
        with open_dump(path) as dump:
            result = ImportResult(dump.header)
            _check_timestamp(conn, dump.header, path)
            staged = _prepare_staging(conn, dump.header)
            for table in dump.tables():
                if table.name in staged:
                    result.rows[table.name] = staged[table.name]
                    result.resumed.append(table.name)
                    count = staged[table.name]
                    progress(TableProgress(table.name, table.size, table.size, count, True, True))
                    continue
                result.rows[table.name] = _load_table(conn, dump.header, table, progress)
                staged[table.name] = result.rows[table.name]
            for name in tables.TABLES:
                if name not in staged:  # MusicBrainz leaves empty tables out of a dump
                    result.rows[name] = _load_empty(conn, dump.header, name)
            started = time.monotonic()
            result.summary_rows = _build_summary(conn, progress)
            result.summary_seconds = time.monotonic() - started
            _swap(conn, dump.header, str(path))
            return result
    finally:
        if not conn.closed and not conn.broken:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [_LOCK_KEY])


def _lock(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [_LOCK_KEY]).fetchone()
    if row is None or not row[0]:
        raise DumpError("another MusicBrainz import is running on this database")


def _check_timestamp(conn: psycopg.Connection[Any], header: DumpHeader, path: Path) -> None:
    try:
        conn.execute("SELECT %s::timestamptz", [header.timestamp])
    except psycopg.DataError as exc:
        raise DumpError(f"{path}: TIMESTAMP: not a time: {header.timestamp[:60]!r}") from exc


def _prepare_staging(conn: psycopg.Connection[Any], header: DumpHeader) -> dict[str, int]:
    """The tables already staged from this same dump; forgets those of any other dump."""
    loaded = sql.Identifier(STAGING, "loaded_table")
    rows = conn.execute(sql.SQL("SELECT table_name, dump_key, row_count FROM {}").format(loaded)).fetchall()
    if all(key == header.key for _, key, _ in rows):
        return {name: count for name, _, count in rows}
    with conn.transaction():
        for name in tables.TABLES:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(STAGING, name)))
        conn.execute(sql.SQL("DELETE FROM {}").format(loaded))
    return {}


def _load_table(
    conn: psycopg.Connection[Any], header: DumpHeader, table: DumpTable, progress: Progress
) -> int:
    layout = tables.layout(table.name, header.schema_sequence)
    target = sql.Identifier(STAGING, table.name)
    rows = done = 0
    ends_with_newline = True
    with conn.transaction():
        _create_staging_table(conn, table.name, layout)
        progress(TableProgress(table.name, 0, table.size, 0))
        try:
            with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(target)) as copy:
                for chunk in read_chunks(table):
                    copy.write(chunk)
                    rows += chunk.count(b"\n")
                    done += len(chunk)
                    ends_with_newline = chunk.endswith(b"\n")
                    progress(TableProgress(table.name, done, table.size, rows))
        except DumpError as exc:
            raise DumpError(f"{exc} after line {rows}") from exc
        except psycopg.Error as exc:
            raise DumpError(_copy_failure(table.label, exc)) from exc
        rows += 0 if ends_with_newline else 1
        _fit_layout(conn, table.name, layout)
        _copy_indexes_and_grants(conn, table.name)
        # Fresh statistics, or the planner guesses and lookups scan whole tables after a swap.
        conn.execute(sql.SQL("ANALYZE {}").format(target))
        _record(conn, header, table.name, rows)
    progress(TableProgress(table.name, done, table.size, rows, finished=True))
    return rows


def _build_summary(conn: psycopg.Connection[Any], progress: Progress) -> int:
    """The per-recording summaries of the staged tables, staged in turn (rebuilt by every run)."""
    progress(TableProgress(summary.TABLE, 0, 0, 0))
    with conn.transaction():
        rows = summary.build(conn, tables.SCHEMA, STAGING)
        _copy_indexes_and_grants(conn, summary.TABLE)
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(STAGING, summary.TABLE)))
    progress(TableProgress(summary.TABLE, 0, 0, rows, finished=True))
    return rows


def _load_empty(conn: psycopg.Connection[Any], header: DumpHeader, name: str) -> int:
    with conn.transaction():
        _create_staging_table(conn, name, tables.Layout())
        _copy_indexes_and_grants(conn, name)
        _record(conn, header, name, 0)
    return 0


def _copy_failure(label: str, exc: psycopg.Error) -> str:
    """PostgreSQL's complaint about a file, with the line its context names."""
    message = exc.diag.message_primary or str(exc).strip().splitlines()[0]
    line = _CONTEXT_LINE.search(exc.diag.context or "")
    where = f", line {line[1]}" if line else ""
    return f"{label}{where}: {message}"


def _create_staging_table(conn: psycopg.Connection[Any], name: str, layout: tables.Layout) -> None:
    """A table shaped like the dump's file: the mirror's columns, adjusted for older dumps."""
    columns = conn.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_attribute AS a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""",
        [f"{tables.SCHEMA}.{name}"],
    ).fetchall()
    definitions = []
    for column, type_name, not_null in columns:
        if column in layout.missing:
            continue
        null = sql.SQL(" NOT NULL") if not_null else sql.SQL("")
        definitions.append(sql.SQL("{} {}{}").format(sql.Identifier(column), sql.SQL(type_name), null))
        for extra in layout.extra:
            if extra.after == column:
                extra_type = sql.SQL(extra.sql_type)
                definitions.append(sql.SQL("{} {}").format(sql.Identifier(extra.name), extra_type))
    target = sql.Identifier(STAGING, name)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(definitions)))


def _fit_layout(conn: psycopg.Connection[Any], name: str, layout: tables.Layout) -> None:
    """Bring an older dump's table to the mirror's columns (missing ones are always trailing)."""
    target = sql.Identifier(STAGING, name)
    for extra in layout.extra:
        conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(target, sql.Identifier(extra.name)))
    if name == "medium" and "gid" in layout.missing:
        # What MusicBrainz's schema change 30 did: a version 3 UUID of 'medium' || id.
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN gid uuid").format(target))
        conn.execute(
            sql.SQL(
                """UPDATE {} SET gid = (
                SELECT encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 48),
                    8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid
                FROM (SELECT decode(md5(decode(%s, 'hex') || convert_to('medium' || id, 'UTF8')), 'hex')
                    AS h) AS digest)"""
            ).format(target),
            [tables.MEDIUM_GID_NAMESPACE],
        )
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN gid SET NOT NULL").format(target))


def _copy_indexes_and_grants(conn: psycopg.Connection[Any], name: str) -> None:
    """The live table's constraints and indexes (same names), owner and grants, built after the load."""
    live = f"{tables.SCHEMA}.{name}"
    target = sql.Identifier(STAGING, name)
    constraints = conn.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'x') ORDER BY conname""",
        [live],
    ).fetchall()
    for constraint, definition in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                target, sql.Identifier(constraint), sql.SQL(definition)
            )
        )
    indexes = conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index AS i
        WHERE i.indrelid = %s::regclass
            AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
        ORDER BY 1""",
        [live],
    ).fetchall()
    for index, definition in indexes:
        on_live = f" ON {tables.SCHEMA}.{name} "
        if on_live not in definition:
            raise DumpError(f"cannot copy index {index} of {live}: unexpected definition {definition}")
        conn.execute(definition.replace(on_live, f" ON {STAGING}.{name} ", 1).encode())
    acl = conn.execute(
        """SELECT pg_get_userbyid(c.relowner), coalesce(g.grantee, -1) = 0,
            pg_get_userbyid(g.grantee), g.privilege_type
        FROM pg_class AS c LEFT JOIN LATERAL aclexplode(c.relacl) AS g ON g.grantee <> c.relowner
        WHERE c.oid = %s::regclass""",
        [live],
    ).fetchall()
    conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(target, sql.Identifier(acl[0][0])))
    for _, public, grantee, privilege in acl:
        if privilege is None:
            continue
        role = sql.SQL("PUBLIC") if public else sql.Identifier(grantee)
        conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(privilege), target, role))


def _record(conn: psycopg.Connection[Any], header: DumpHeader, name: str, rows: int) -> None:
    conn.execute(
        sql.SQL("INSERT INTO {} (table_name, dump_key, row_count) VALUES (%s, %s, %s)").format(
            sql.Identifier(STAGING, "loaded_table")
        ),
        [name, header.key, rows],
    )


def _swap(conn: psycopg.Connection[Any], header: DumpHeader, source: str) -> None:
    """Replace every live table by its staged copy, all in one transaction."""
    with conn.transaction():
        for name in (*tables.TABLES, summary.TABLE):
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(tables.SCHEMA, name)))
            conn.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    sql.Identifier(STAGING, name), sql.Identifier(tables.SCHEMA)
                )
            )
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(STAGING, "loaded_table")))
        conn.execute(
            """INSERT INTO musicbrainz.mirror_dump
                (schema_sequence, replication_sequence, dump_timestamp, source)
            VALUES (%s, %s, %s::timestamptz, %s)
            ON CONFLICT (id) DO UPDATE SET schema_sequence = EXCLUDED.schema_sequence,
                replication_sequence = EXCLUDED.replication_sequence,
                dump_timestamp = EXCLUDED.dump_timestamp, source = EXCLUDED.source, imported_at = now()""",
            [header.schema_sequence, header.replication_sequence, header.timestamp, source],
        )
