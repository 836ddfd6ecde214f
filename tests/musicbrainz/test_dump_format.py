"""The mirror's tables and the dump format: MusicBrainz's column order and COPY's escapes."""

from __future__ import annotations

import tarfile
from pathlib import Path

import psycopg
import pytest

from acoustid_pg.musicbrainz import tables
from acoustid_pg.musicbrainz.dump import DumpError, open_dump
from acoustid_pg.musicbrainz.dump_writer import COLUMNS, copy_line
from tests.support.musicbrainz_sample import write_sample

# Written out by hand from musicbrainz-server admin/sql/CreateTables.sql (schema sequence 31).
CREATE_TABLES_ORDER = {
    "recording": "id gid name artist_credit length comment edits_pending last_updated video",
    "artist_credit": "id name artist_count ref_count created edits_pending gid",
    "artist_credit_name": "artist_credit position artist name join_phrase",
    "artist": "id gid name sort_name begin_date_year begin_date_month begin_date_day end_date_year "
    "end_date_month end_date_day type area gender comment edits_pending last_updated ended "
    "begin_area end_area",
    "release": "id gid name artist_credit release_group status packaging language script barcode comment "
    "edits_pending quality last_updated",
    "release_group": "id gid name artist_credit type comment edits_pending last_updated",
    "release_group_primary_type": "id name parent child_order description gid",
    "release_group_secondary_type": "id name parent child_order description gid",
    "release_group_secondary_type_join": "release_group secondary_type created",
    "medium": "id release position format name edits_pending last_updated track_count gid",
    "medium_format": "id name parent child_order year has_discids description gid",
    "track": "id gid recording medium position number name artist_credit length edits_pending "
    "last_updated is_data_track",
    "release_country": "release country date_year date_month date_day",
    "release_unknown_country": "release date_year date_month date_day",
    "iso_3166_1": "area code",
    "isrc": "id recording isrc edits_pending created",
    "recording_gid_redirect": "gid new_id created",
    "replication_control": "id current_schema_sequence current_replication_sequence last_replication_date",
}


def test_mirror_tables_have_musicbrainz_column_order(mirror_conn: psycopg.Connection) -> None:
    assert set(CREATE_TABLES_ORDER) == set(tables.TABLES)
    for table, expected in CREATE_TABLES_ORDER.items():
        columns = mirror_conn.execute(
            """SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0
            AND NOT attisdropped ORDER BY attnum""",
            [f"musicbrainz.{table}"],
        ).fetchall()
        assert [c[0] for c in columns] == expected.split(), table
        assert [c for c, _ in COLUMNS[table]] == expected.split(), table


def test_copy_line_escapes_like_postgresql() -> None:
    line = copy_line([1, None, "tab\there", "new\nline", "back\\slash", "cr\r", True, False, "ünï"])
    assert line == "1\t\\N\ttab\\there\tnew\\nline\tback\\\\slash\tcr\\r\tt\tf\tünï\n".encode()


def test_archive_layout_is_musicbrainz_layout(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "mbdump.tar.bz2")
    with tarfile.open(path, "r:bz2") as archive:
        names = archive.getnames()
        assert archive.extractfile("SCHEMA_SEQUENCE").read() == b"31\n"  # type: ignore[union-attr]
    assert names[:5] == ["TIMESTAMP", "COPYING", "README", "REPLICATION_SEQUENCE", "SCHEMA_SEQUENCE"]
    assert all(name.startswith("mbdump/") for name in names[5:])
    assert "mbdump/track" in names


def test_header_is_read_from_archive_and_directory(tmp_path: Path) -> None:
    archive = write_sample(tmp_path / "mbdump.tar.bz2", schema_sequence=30)
    directory = write_sample(tmp_path / "dump", directory=True, schema_sequence=30)
    for path in (archive, directory, directory / "mbdump"):
        with open_dump(path) as dump:
            assert dump.header.schema_sequence == 30
            assert dump.header.timestamp == "2026-07-25 00:00:49.813585+00"
            assert dump.header.replication_sequence == 160000
            assert [t.name for t in dump.tables()] == list(tables.TABLES)


@pytest.mark.parametrize("sequence", [26, 33])
def test_unknown_schema_sequence_is_refused(tmp_path: Path, sequence: int) -> None:
    path = write_sample(tmp_path / "mbdump.tar.bz2", schema_sequence=sequence)
    with pytest.raises(DumpError, match=rf"schema sequence {sequence} is not supported.*27 to 32"):
        open_dump(path)


def test_not_a_dump_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as archive:
        archive.add(__file__, arcname="mbdump/recording")
    with pytest.raises(DumpError, match="not a MusicBrainz dump"):
        open_dump(path)
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(DumpError, match="not a tar archive, or a truncated one"):
        open_dump(tmp_path / "plain.txt")
    with pytest.raises(DumpError, match="no mbdump/ directory"):
        open_dump(tmp_path)
    with pytest.raises(DumpError, match="no such file"):
        open_dump(tmp_path / "absent.tar.bz2")
