"""The MusicBrainz tables the mirror holds, and how older dumps' column lists differ.

The mirror's tables have the columns of MusicBrainz schema sequence 31 (the order of
``admin/sql/CreateTables.sql``). Dumps of the neighbouring sequences carry the same
tables with a few columns more or less; these are the only differences that touch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SCHEMA: Final = "musicbrainz"

# In the order the import loads them when reading a directory (an archive sets its own order).
TABLES: Final = (
    "replication_control",
    "artist",
    "artist_credit",
    "artist_credit_name",
    "iso_3166_1",
    "medium_format",
    "release_group_primary_type",
    "release_group_secondary_type",
    "release_group",
    "release_group_secondary_type_join",
    "release",
    "release_country",
    "release_unknown_country",
    "medium",
    "recording",
    "recording_gid_redirect",
    "isrc",
    "track",
)

# 27 gave artist_credit its gid, 30 gave medium a gid, 31 dropped isrc.source; 28, 29 and 32
# (indexes only) left these tables alone. Older dumps lack artist_credit.gid, which a lookup
# does not need but the mirror's NOT NULL column does; newer ones are unknown.
OLDEST_SEQUENCE: Final = 27
NEWEST_SEQUENCE: Final = 32

# MusicBrainz's own namespace for the medium gids schema change 30 derived from medium ids.
MEDIUM_GID_NAMESPACE: Final = "6ba7b8119dad11d180b400c04fd430c8"


@dataclass(frozen=True)
class ExtraColumn:
    """A column an older dump has and the mirror does not: dropped after loading."""

    name: str
    sql_type: str
    after: str


@dataclass(frozen=True)
class Layout:
    """How one dump file's columns differ from the mirror table's."""

    extra: tuple[ExtraColumn, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def same(self) -> bool:
        return not self.extra and not self.missing


def supported(sequence: int) -> bool:
    return OLDEST_SEQUENCE <= sequence <= NEWEST_SEQUENCE


def layout(table: str, sequence: int) -> Layout:
    """The difference between ``table``'s file in a dump of ``sequence`` and the mirror's table."""
    if table == "medium" and sequence < 30:
        return Layout(missing=("gid",))
    if table == "isrc" and sequence < 31:
        return Layout(extra=(ExtraColumn("source", "smallint", after="isrc"),))
    return Layout()
