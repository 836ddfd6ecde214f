"""A small MusicBrainz dump, hand-made, in the real format, with the cases lookups meet.

- Recording "Moon" (the mbdata sample's MBID) is on three releases: the album, its digital
  reissue, and both discs of a two-disc compilation; it has two ISRCs, and an old MBID that
  MusicBrainz redirects to it.
- Recording "Line\\nBreak\\tTab" (escapes in the file) has no length and is on no release.
- Recording "Landscape" is on the compilation only.
- The album has two release events (GB with a full date, DE with a year), the reissue an
  unknown-country event with year and month, the compilation none.
- ``MISSING_MBID`` is a well-formed MBID MusicBrainz does not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from acoustid_pg.musicbrainz.dump_writer import DumpWriter, full_row

MOON: Final = "7853bd8c-2141-4b4d-9f62-578bab214ab9"
MOON_OLD: Final = "0e3a9ef4-1b44-4c2c-a0b4-9cbdd1f1a1a1"  # merged into MOON
ESCAPED: Final = "22222222-2222-4222-8222-222222222222"
LANDSCAPE: Final = "33333333-3333-4333-8333-333333333333"
MISSING_MBID: Final = "ffffffff-ffff-4fff-8fff-ffffffffffff"
ESCAPED_TITLE: Final = "Line\nBreak\tTab \\ slash"

ALVA: Final = "6edc70bb-c340-4ae6-bdd4-d5fb0c7411de"
SAKAMOTO: Final = "fe8c2a0b-0b4b-4b3b-9b4b-0b4b4b3b9b4b"
VARIOUS: Final = "89ad4ac3-39f7-470e-963a-56509c546377"

RG_ALBUM: Final = "a1a1a1a1-0000-4000-8000-000000000001"
RG_COMPILATION: Final = "a1a1a1a1-0000-4000-8000-000000000002"
REL_ALBUM: Final = "7643ee96-fe19-4b76-aa9a-e8af7d0e9d73"
REL_REISSUE: Final = "b2b2b2b2-0000-4000-8000-000000000002"
REL_COMPILATION: Final = "b2b2b2b2-0000-4000-8000-000000000003"

TRACK_ALBUM: Final = "4e7da4ee-d2a4-379f-9619-699fe23124a2"
TRACK_REISSUE: Final = "c3c3c3c3-0000-4000-8000-000000000002"
TRACK_DISC1_LANDSCAPE: Final = "c3c3c3c3-0000-4000-8000-000000000003"
TRACK_DISC1_MOON_LIVE: Final = "c3c3c3c3-0000-4000-8000-000000000004"
TRACK_DISC2_LANDSCAPE: Final = "c3c3c3c3-0000-4000-8000-000000000005"
TRACK_DISC2_MOON: Final = "c3c3c3c3-0000-4000-8000-000000000006"

Row = Mapping[str, object]

SAMPLE: Final[dict[str, list[Row]]] = {
    "replication_control": [
        {"current_schema_sequence": 31, "current_replication_sequence": 160000,
         "last_replication_date": "2026-07-25 00:00:49+00"},
    ],
    "artist": [
        {"id": 1, "gid": ALVA, "name": "Alva Noto"},
        {"id": 2, "gid": SAKAMOTO, "name": "Ryuichi Sakamoto", "sort_name": "Sakamoto, Ryuichi"},
        {"id": 3, "gid": VARIOUS, "name": "Various Artists"},
    ],
    "artist_credit": [
        {"id": 1, "name": "Alva Noto & Ryuichi Sakamoto", "artist_count": 2,
         "gid": "d0d0d0d0-0000-4000-8000-000000000001"},
        {"id": 2, "name": "Alva Noto", "gid": "d0d0d0d0-0000-4000-8000-000000000002"},
        {"id": 3, "name": "Various Artists", "gid": "d0d0d0d0-0000-4000-8000-000000000003"},
    ],
    "artist_credit_name": [
        {"artist_credit": 1, "position": 0, "artist": 1, "name": "Alva Noto", "join_phrase": " & "},
        {"artist_credit": 1, "position": 1, "artist": 2, "name": "Ryuichi Sakamoto"},
        {"artist_credit": 2, "position": 0, "artist": 1, "name": "Alva Noto"},
        {"artist_credit": 3, "position": 0, "artist": 3, "name": "Various Artists"},
    ],
    "iso_3166_1": [{"area": 221, "code": "GB"}, {"area": 81, "code": "DE"}, {"area": 222, "code": "US"}],
    "medium_format": [
        {"id": 1, "name": "CD", "year": 1982, "has_discids": True,
         "gid": "9712d52a-4509-3d4b-a1a2-67c88c643e31"},
        {"id": 12, "name": "Digital Media", "gid": "907a28d9-b3b2-3ef6-89a8-7b18d91d4794"},
    ],
    "release_group_primary_type": [
        {"id": 1, "name": "Album", "gid": "f529b476-6e62-324f-b0aa-1f3e33d313fc"},
        {"id": 2, "name": "Single", "gid": "d6038452-8ee0-3f68-affc-2de9a1ede0b9"},
    ],
    "release_group_secondary_type": [
        {"id": 1, "name": "Compilation", "gid": "dd2a21e1-0c00-3729-a7a0-de60b84eb5d1"},
        {"id": 6, "name": "Live", "gid": "6fd474e2-6b58-3102-9d17-d6f7eb7da0a0"},
    ],
    "release_group": [
        {"id": 1, "gid": RG_ALBUM, "name": "XVI Reflections on Classical Music", "artist_credit": 1,
         "type": 1},
        {"id": 2, "gid": RG_COMPILATION, "name": "Two Discs \\ Live", "artist_credit": 3, "type": 1},
    ],
    "release_group_secondary_type_join": [
        {"release_group": 2, "secondary_type": 6},
        {"release_group": 2, "secondary_type": 1},
    ],
    "release": [
        {"id": 1, "gid": REL_ALBUM, "name": "XVI Reflections on Classical Music", "artist_credit": 1,
         "release_group": 1, "barcode": "4050538546521"},
        {"id": 2, "gid": REL_REISSUE, "name": "XVI Reflections on Classical Music", "artist_credit": 1,
         "release_group": 1, "comment": "digital reissue"},
        {"id": 3, "gid": REL_COMPILATION, "name": "Two Discs \\ Live", "artist_credit": 3,
         "release_group": 2},
    ],
    "release_country": [
        {"release": 1, "country": 221, "date_year": 2009, "date_month": 11, "date_day": 23},
        {"release": 1, "country": 81, "date_year": 2009},
    ],
    "release_unknown_country": [{"release": 2, "date_year": 2010, "date_month": 1}],
    "medium": [
        {"id": 1, "release": 1, "position": 1, "format": 1, "track_count": 16,
         "gid": "e4e4e4e4-0000-4000-8000-000000000001"},
        {"id": 2, "release": 2, "position": 1, "format": 12, "track_count": 16,
         "gid": "e4e4e4e4-0000-4000-8000-000000000002"},
        {"id": 3, "release": 3, "position": 1, "format": 1, "name": "Disc One", "track_count": 2,
         "gid": "e4e4e4e4-0000-4000-8000-000000000003"},
        {"id": 4, "release": 3, "position": 2, "format": None, "track_count": 2,
         "gid": "e4e4e4e4-0000-4000-8000-000000000004"},
    ],
    "recording": [
        {"id": 11935814, "gid": MOON, "name": "Moon", "artist_credit": 1, "length": 367000},
        {"id": 2, "gid": ESCAPED, "name": ESCAPED_TITLE, "artist_credit": 2, "length": None,
         "comment": "tab\there"},
        {"id": 3, "gid": LANDSCAPE, "name": "Landscape", "artist_credit": 2, "length": 200500},
    ],
    "recording_gid_redirect": [{"gid": MOON_OLD, "new_id": 11935814}],
    "isrc": [
        {"id": 1, "recording": 11935814, "isrc": "GBAAA0900001"},
        {"id": 2, "recording": 11935814, "isrc": "DEA620900101"},
    ],
    "track": [
        {"id": 10364139, "gid": TRACK_ALBUM, "recording": 11935814, "medium": 1, "position": 5,
         "name": "Moon", "artist_credit": 1, "length": 367000},
        {"id": 2, "gid": TRACK_REISSUE, "recording": 11935814, "medium": 2, "position": 5,
         "name": "Moon", "artist_credit": 1, "length": None},
        {"id": 3, "gid": TRACK_DISC1_LANDSCAPE, "recording": 3, "medium": 3, "position": 1,
         "name": "Landscape", "artist_credit": 2, "length": 200500},
        {"id": 4, "gid": TRACK_DISC1_MOON_LIVE, "recording": 11935814, "medium": 3, "position": 2,
         "name": "Moon (live)", "artist_credit": 1, "length": 370000},
        {"id": 5, "gid": TRACK_DISC2_LANDSCAPE, "recording": 3, "medium": 4, "position": 1,
         "number": "A1", "name": "Landscape (reprise)", "artist_credit": 2, "length": 100000},
        {"id": 6, "gid": TRACK_DISC2_MOON, "recording": 11935814, "medium": 4, "position": 2,
         "number": "A2", "name": "Moon", "artist_credit": 3, "length": 367000},
    ],
}  # fmt: skip


def sequence_row(table: str, row: Row, schema_sequence: int) -> Sequence[object]:
    """A row as a dump of an older schema sequence writes it."""
    values = full_row(table, row)
    if table == "medium" and schema_sequence < 30:
        values = values[:-1]  # no medium.gid before schema change 30
    if table == "isrc" and schema_sequence < 31:
        values.insert(3, None)  # isrc.source, dropped by schema change 31
    return values


def write_sample(
    path: Path,
    *,
    directory: bool = False,
    schema_sequence: int = 31,
    timestamp: str = "2026-07-25 00:00:49.813585+00",
    tables: Mapping[str, list[Row]] = SAMPLE,
    replace: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the sample dump; ``replace`` gives raw bytes for some tables' files (broken input)."""
    with DumpWriter(
        path, directory=directory, schema_sequence=schema_sequence, timestamp=timestamp
    ) as writer:
        for table, rows in tables.items():
            if replace and table in replace:
                writer.add_file(f"mbdump/{table}", replace[table])
                continue
            writer.add_table(table, [sequence_row(table, row, schema_sequence) for row in rows])
    return path
