"""Importing a dump into the mirror: the values, old schema sequences, swaps, failures, resumes."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from acoustid_pg.cluster import Cluster
from acoustid_pg.musicbrainz import mirror_read, tables
from acoustid_pg.musicbrainz.dump import DumpError
from acoustid_pg.musicbrainz.mirror_import import TableProgress, import_dump
from tests.support.musicbrainz_sample import ESCAPED, ESCAPED_TITLE, MOON, SAMPLE, write_sample


def count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM musicbrainz.{table}").fetchone()
    assert row is not None
    return int(row[0])


def counts(conn: psycopg.Connection) -> dict[str, int]:
    return {table: count(conn, table) for table in tables.TABLES}


def expected_counts() -> dict[str, int]:
    return {table: len(SAMPLE[table]) for table in tables.TABLES}


@pytest.mark.parametrize("directory", [False, True], ids=["archive", "directory"])
def test_import_loads_every_value(mirror_conn: psycopg.Connection, tmp_path: Path, directory: bool) -> None:
    path = write_sample(tmp_path / ("dump" if directory else "mbdump.tar.bz2"), directory=directory)
    result = import_dump(mirror_conn, path)
    assert result.rows == expected_counts()
    assert counts(mirror_conn) == expected_counts()
    escaped = mirror_conn.execute(
        "SELECT name, length, comment FROM musicbrainz.recording WHERE gid = %s", [ESCAPED]
    ).fetchone()
    assert escaped == (ESCAPED_TITLE, None, "tab\there")
    moon = mirror_conn.execute(
        "SELECT id, name, length, video FROM musicbrainz.recording WHERE gid = %s", [MOON]
    ).fetchone()
    assert moon == (11935814, "Moon", 367000, False)
    names = mirror_conn.execute(
        """SELECT name, join_phrase FROM musicbrainz.artist_credit_name
        WHERE artist_credit = 1 ORDER BY position"""
    ).fetchall()
    assert names == [("Alva Noto", " & "), ("Ryuichi Sakamoto", "")]
    dump = mirror_conn.execute(
        "SELECT schema_sequence, replication_sequence, dump_timestamp::text FROM musicbrainz.mirror_dump"
    ).fetchone()
    assert dump == (31, 160000, "2026-07-25 00:00:49.813585+00")
    staged = mirror_conn.execute("SELECT count(*) FROM musicbrainz_import.loaded_table").fetchone()
    assert staged == (0,)


def test_swapped_tables_keep_indexes_owner_and_grants(
    mirror_conn: psycopg.Connection, tmp_path: Path
) -> None:
    def shape() -> list[tuple[str, ...]]:
        return mirror_conn.execute(
            """SELECT c.relname, pg_get_userbyid(c.relowner),
                coalesce(c.relacl::text, ''),
                coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; '
                    ORDER BY i.indexrelid::regclass::text)
                    FROM pg_index AS i WHERE i.indrelid = c.oid), '')
            FROM pg_class AS c WHERE c.relnamespace = 'musicbrainz'::regnamespace AND c.relkind = 'r'
            ORDER BY c.relname"""
        ).fetchall()

    before = shape()
    import_dump(mirror_conn, write_sample(tmp_path / "mbdump.tar.bz2"))
    assert shape() == before
    assert any("recording_idx_gid" in row[3] for row in before)
    assert any(row[0] == "acoustid_recording_summary" and "(gid)" in row[3] for row in before)
    readable = mirror_conn.execute(
        "SELECT has_table_privilege('acoustid_reader', 'musicbrainz.track', 'SELECT')"
    ).fetchone()
    assert readable == (True,)


def test_summaries_are_read_only_where_an_import_built_them(
    mirror_conn: psycopg.Connection, tmp_path: Path
) -> None:
    assert mirror_read.has_summaries(mirror_conn)  # empty: the first import builds both
    import_dump(mirror_conn, write_sample(tmp_path / "mbdump.tar.bz2"))
    assert mirror_read.has_summaries(mirror_conn)
    # A mirror migrated from before the summaries: its tables hold a dump, its summaries nothing.
    mirror_conn.execute("TRUNCATE musicbrainz.acoustid_recording_summary")
    assert not mirror_read.has_summaries(mirror_conn)
    mirror_conn.execute("DROP TABLE musicbrainz.acoustid_recording_summary")  # a MusicBrainz database
    assert not mirror_read.has_summaries(mirror_conn)


@pytest.mark.parametrize("sequence", [27, 29, 30])
def test_older_schema_sequences_load(mirror_conn: psycopg.Connection, tmp_path: Path, sequence: int) -> None:
    import_dump(mirror_conn, write_sample(tmp_path / "mbdump.tar.bz2", schema_sequence=sequence))
    assert counts(mirror_conn) == expected_counts()
    isrcs = mirror_conn.execute("SELECT isrc FROM musicbrainz.isrc ORDER BY isrc").fetchall()
    assert isrcs == [("DEA620900101",), ("GBAAA0900001",)]
    gids = dict(mirror_conn.execute("SELECT id, gid FROM musicbrainz.medium").fetchall())
    if sequence < 30:  # derived as MusicBrainz's schema change 30 did
        namespace = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
        assert gids == {n: uuid.uuid3(namespace, f"medium{n}") for n in gids}
    else:
        assert gids[3] == uuid.UUID("e4e4e4e4-0000-4000-8000-000000000003")


def test_reimport_replaces_without_an_empty_moment(
    cluster: Cluster, mirror_dbname: str, mirror_conn: psycopg.Connection, tmp_path: Path
) -> None:
    import_dump(mirror_conn, write_sample(tmp_path / "old.tar.bz2"))
    newer = dict(SAMPLE)
    newer["recording"] = [
        *SAMPLE["recording"],
        {"id": 4, "gid": str(uuid.uuid4()), "name": "New", "artist_credit": 2},
    ]
    seen: list[tuple[int, int]] = []
    with psycopg.connect(cluster.conninfo(mirror_dbname), autocommit=True) as reader:

        def watch(progress: TableProgress) -> None:
            seen.append((count(reader, "recording"), count(reader, "acoustid_recording_summary")))

        import_dump(
            mirror_conn,
            write_sample(tmp_path / "new.tar.bz2", timestamp="2026-08-01 00:00:00+00", tables=newer),
            progress=watch,
        )
        assert count(reader, "recording") == 4
        # The summaries were rebuilt from the new dump and swapped in with its tables.
        assert count(reader, "acoustid_recording_summary") == 4
        new = reader.execute(
            "SELECT name FROM musicbrainz.acoustid_recording_summary WHERE gid = %s",
            [newer["recording"][-1]["gid"]],
        ).fetchone()
        assert new == ("New",)
    # The old mirror, whole with its summaries, until the swap (also while they were built).
    assert seen and set(seen) == {(3, 3)}


@pytest.mark.parametrize(
    ("table", "data", "message"),
    [
        ("recording", b"1\tabc\n", r"mbdump/recording, line 1: .*uuid"),
        (
            "artist",
            b"9\t6edc70bb-c340-4ae6-bdd4-d5fb0c7411de\tOK\tOK\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\t0\t"
            b"\\N\tf\t\\N\t\\N\n10\t6edc70bb-c340-4ae6-bdd4-d5fb0c7411de\n",
            r"mbdump/artist, line 2: missing data for column",
        ),
        (
            "iso_3166_1",
            b"1\tGB\n2\tDE\textra\n",
            r"mbdump/iso_3166_1, line 2: extra data after last expected column",
        ),
        (
            "iso_3166_1",
            b"1\tGB\n2\t\xff\xfe\n",
            r"mbdump/iso_3166_1, line 2: invalid byte sequence for encoding",
        ),
    ],
    ids=["bad-value", "too-few-columns", "too-many-columns", "not-utf8"],
)
def test_bad_file_is_named_and_the_old_mirror_stays(
    mirror_conn: psycopg.Connection, tmp_path: Path, table: str, data: bytes, message: str
) -> None:
    import_dump(mirror_conn, write_sample(tmp_path / "old.tar.bz2"))
    bad = write_sample(tmp_path / "bad.tar.bz2", timestamp="2026-08-01 00:00:00+00", replace={table: data})
    with pytest.raises(DumpError, match=message):
        import_dump(mirror_conn, bad)
    assert counts(mirror_conn) == expected_counts()
    assert count(mirror_conn, "acoustid_recording_summary") == 3  # the old summaries stay too
    dump = mirror_conn.execute("SELECT dump_timestamp::text FROM musicbrainz.mirror_dump").fetchone()
    assert dump == ("2026-07-25 00:00:49.813585+00",)


def test_truncated_archive_is_named(mirror_conn: psycopg.Connection, tmp_path: Path) -> None:
    import_dump(mirror_conn, write_sample(tmp_path / "old.tar.bz2"))
    many = dict(SAMPLE)  # large enough that the cut falls inside a table, not in the header
    many["recording"] = [
        {"id": n, "gid": str(uuid.UUID(int=n * 7919)), "name": f"r{n}", "artist_credit": 1}
        for n in range(4, 30000)
    ]
    whole = write_sample(
        tmp_path / "whole.tar.bz2", timestamp="2026-08-01 00:00:00+00", tables=many
    ).read_bytes()
    cut = tmp_path / "cut.tar.bz2"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(DumpError, match=r"cut\.tar\.bz2.*truncated or corrupt archive"):
        import_dump(mirror_conn, cut)
    assert counts(mirror_conn) == expected_counts()


def test_interrupted_import_resumes_after_the_staged_tables(
    mirror_conn: psycopg.Connection, tmp_path: Path
) -> None:
    broken = write_sample(tmp_path / "broken", directory=True, replace={"track": b"not a track\n"})
    with pytest.raises(DumpError, match="mbdump/track, line 1"):
        import_dump(mirror_conn, broken)
    assert counts(mirror_conn) == dict.fromkeys(tables.TABLES, 0)
    staged = mirror_conn.execute("SELECT table_name FROM musicbrainz_import.loaded_table").fetchall()
    assert {name for (name,) in staged} == set(tables.TABLES) - {"track"}
    # The same dump, repaired: only the track table is loaded again.
    fixed = write_sample(tmp_path / "broken", directory=True)
    result = import_dump(mirror_conn, fixed)
    assert sorted(result.resumed) == sorted(set(tables.TABLES) - {"track"})
    assert counts(mirror_conn) == expected_counts()


def test_a_different_dump_restarts_the_staging(mirror_conn: psycopg.Connection, tmp_path: Path) -> None:
    broken = write_sample(tmp_path / "broken.tar.bz2", replace={"track": b"not a track\n"})
    with pytest.raises(DumpError):
        import_dump(mirror_conn, broken)
    other = write_sample(tmp_path / "other.tar.bz2", timestamp="2026-08-01 00:00:00+00")
    result = import_dump(mirror_conn, other)
    assert result.resumed == []
    assert counts(mirror_conn) == expected_counts()


def test_missing_tables_are_empty_and_a_second_importer_is_refused(
    cluster: Cluster, mirror_dbname: str, mirror_conn: psycopg.Connection, tmp_path: Path
) -> None:
    partial = {t: rows for t, rows in SAMPLE.items() if t not in ("isrc", "release_unknown_country")}
    import_dump(mirror_conn, write_sample(tmp_path / "partial.tar.bz2", tables=partial))
    assert count(mirror_conn, "isrc") == 0
    assert count(mirror_conn, "recording") == 3
    with psycopg.connect(cluster.conninfo(mirror_dbname), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('acoustid_pg.musicbrainz_import'))")
        with pytest.raises(DumpError, match="another MusicBrainz import is running"):
            import_dump(mirror_conn, tmp_path / "partial.tar.bz2")
