"""The MusicBrainz mirror: import rows/s of a generated dump of a million recordings, and
the cost each ``meta`` level adds to a lookup (ten results with three MBIDs each).

The dump is written in MusicBrainz's real format (``mbdump.tar.bz2``, COPY text files in
CreateTables order). Its proportions, measured on the million-recording mirror: per
recording 1.74 tracks (one or two: every recording is on a release, none on many), 0.3
ISRCs; per medium 9.5 tracks; per release 1.1 media and one release event (four in five
with a country); 1.33 releases per release group; 1.25 artists per credit. MusicBrainz's
averages are close (about 1.4 tracks per recording, 10 per medium, 1.1 media per release),
but its spread is not: a popular recording is on dozens of releases, and lookups ask for
popular recordings more often, so real lookups read more releases than these. Ids and MBIDs
are derived from row numbers, so every run writes the same dump.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg

from acoustid_pg import migrate
from acoustid_pg.cluster import Cluster
from acoustid_pg.lookup import Mbid
from acoustid_pg.musicbrainz import mirror_read
from acoustid_pg.musicbrainz.dump_writer import DumpWriter, full_row
from acoustid_pg.musicbrainz.shapes import needs, parse_meta, result_metadata

from .report import load_average, print_table

RECORDINGS = 1_000_000
LOOKUPS = 300
RESULTS, MBIDS_PER_RESULT = 10, 3
META_LEVELS = (
    "recordings",
    "recordings releases",
    "recordings releasegroups releases tracks compress sources",
    "m2",
)
_KINDS = {
    "artist": 1,
    "credit": 2,
    "rg": 3,
    "release": 4,
    "medium": 5,
    "recording": 6,
    "track": 7,
    "redirect": 8,
}


def mbid(kind: str, n: int) -> str:
    """A stable MBID for row ``n`` of a kind (version 4 layout)."""
    return str(uuid.UUID(int=(_KINDS[kind] << 100) | (0x4 << 76) | (0x8 << 60) | n))


def _rows(table: str, rows: Iterator[Mapping[str, object]]) -> Iterator[list[object]]:
    for row in rows:
        yield full_row(table, row)


class Shape:
    """How many of each row a mirror of ``recordings`` recordings has."""

    def __init__(self, recordings: int) -> None:
        self.recordings = recordings
        self.artists = max(recordings // 10, 10)
        self.credits = max(recordings // 7, 10)
        self.release_groups = max(recordings // 8, 10)
        self.releases = max(recordings // 6, 10)


def write_dump(path: Path, recordings: int = RECORDINGS, seed: int = 5) -> dict[str, int]:
    """Write a generated dump; returns the rows per table."""
    shape = Shape(recordings)
    rng = random.Random(seed)
    written: dict[str, int] = {}
    with DumpWriter(path) as writer:

        def add(table: str, rows: Iterator[Mapping[str, object]]) -> None:
            written[table] = writer.add_table(table, _rows(table, rows))

        add("replication_control", iter([{"current_replication_sequence": 160000}]))
        add(
            "iso_3166_1",
            iter({"area": 100 + n, "code": f"{chr(65 + n // 26)}{chr(65 + n % 26)}"} for n in range(200)),
        )
        add("medium_format", iter([{"id": 1, "name": "CD", "gid": mbid("medium", 0)}]))
        add("release_group_primary_type", iter([{"id": 1, "name": "Album", "gid": mbid("rg", 0)}]))
        add("release_group_secondary_type", iter([{"id": 1, "name": "Compilation", "gid": mbid("rg", 1)}]))
        add(
            "artist",
            ({"id": n, "gid": mbid("artist", n), "name": f"Artist {n}"} for n in range(1, shape.artists + 1)),
        )
        add(
            "artist_credit",
            ({"id": n, "name": f"Credit {n}", "gid": mbid("credit", n)} for n in range(1, shape.credits + 1)),
        )

        def credit_names() -> Iterator[Mapping[str, object]]:
            for n in range(1, shape.credits + 1):
                first = 1 + n % shape.artists
                if n % 4 == 0:
                    yield {
                        "artist_credit": n,
                        "position": 0,
                        "artist": first,
                        "name": f"Artist {first}",
                        "join_phrase": " & ",
                    }
                    second = 1 + (n * 7) % shape.artists
                    yield {"artist_credit": n, "position": 1, "artist": second, "name": f"Artist {second}"}
                else:
                    yield {"artist_credit": n, "position": 0, "artist": first, "name": f"Artist {first}"}

        add("artist_credit_name", credit_names())
        add(
            "release_group",
            (
                {
                    "id": n,
                    "gid": mbid("rg", n + 10),
                    "name": f"Album {n}",
                    "artist_credit": 1 + n % shape.credits,
                    "type": 1,
                }
                for n in range(1, shape.release_groups + 1)
            ),
        )
        add(
            "release_group_secondary_type_join",
            ({"release_group": n, "secondary_type": 1} for n in range(1, shape.release_groups + 1, 10)),
        )
        add(
            "release",
            (
                {
                    "id": n,
                    "gid": mbid("release", n),
                    "name": f"Album {1 + n % shape.release_groups}",
                    "artist_credit": 1 + n % shape.credits,
                    "release_group": 1 + n % shape.release_groups,
                }
                for n in range(1, shape.releases + 1)
            ),
        )
        add(
            "release_country",
            (
                {
                    "release": n,
                    "country": 100 + n % 200,
                    "date_year": 1960 + n % 60,
                    "date_month": 1 + n % 12,
                    "date_day": 1 + n % 28,
                }
                for n in range(1, shape.releases + 1)
                if n % 5
            ),
        )
        add(
            "release_unknown_country",
            ({"release": n, "date_year": 1960 + n % 60} for n in range(1, shape.releases + 1) if n % 5 == 0),
        )
        # Media: every release one, one in ten a second one; tracks fill them with recordings.
        media: list[tuple[int, int]] = []  # (medium id, track count)

        def mediums() -> Iterator[Mapping[str, object]]:
            medium_id = 0
            track_budget = recordings * 3 // 2
            for release in range(1, shape.releases + 1):
                for position in (1, 2) if release % 10 == 0 else (1,):
                    medium_id += 1
                    count = max(1, rng.randint(1, 2 * track_budget // shape.releases))
                    media.append((medium_id, count))
                    yield {
                        "id": medium_id,
                        "release": release,
                        "position": position,
                        "format": 1,
                        "track_count": count,
                        "gid": mbid("medium", medium_id),
                    }

        add("medium", mediums())
        add(
            "recording",
            (
                {
                    "id": n,
                    "gid": mbid("recording", n),
                    "name": f"Recording {n}",
                    "artist_credit": 1 + n % shape.credits,
                    "length": 60000 + (n * 7919) % 540000,
                }
                for n in range(1, recordings + 1)
            ),
        )
        add(
            "recording_gid_redirect",
            (
                {"gid": mbid("redirect", n), "new_id": 1 + (n * 13) % recordings}
                for n in range(1, recordings // 20)
            ),
        )
        add(
            "isrc",
            (
                {"id": n, "recording": 1 + (n * 3) % recordings, "isrc": f"XX{n % 1000:03d}{n:07d}"[:12]}
                for n in range(1, recordings * 3 // 10)
            ),
        )

        def track_rows() -> Iterator[Mapping[str, object]]:
            track_id = 0
            for medium_id, count in media:
                for position in range(1, count + 1):
                    track_id += 1
                    recording = 1 + (track_id * 2654435761) % recordings
                    yield {
                        "id": track_id,
                        "gid": mbid("track", track_id),
                        "recording": recording,
                        "medium": medium_id,
                        "position": position,
                        "name": f"Recording {recording}",
                        "artist_credit": 1 + recording % shape.credits,
                        "length": 60000 + (recording * 7919) % 540000,
                    }

        add("track", track_rows())
    return written  # fmt: skip


def mirror_database(cluster: Cluster, name: str) -> str:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        migrate.upgrade(conn, "musicbrainz")
    return name


def main(cluster: Cluster) -> None:
    run(cluster, RECORDINGS)


def run(cluster: Cluster, recordings: int) -> None:
    with TemporaryDirectory(prefix="mbdump-") as scratch:
        path = Path(scratch) / "mbdump.tar.bz2"
        started = time.perf_counter()
        write_dump(path, recordings)
        generated = time.perf_counter() - started
        name = mirror_database(cluster, "bench_musicbrainz")
        load = load_average()
        imported = import_with_cli(cluster, path, name)
        archive = path.stat().st_size
    with psycopg.connect(cluster.conninfo(name), autocommit=True) as conn:
        size = _size(conn)
        meta_load = load_average()
        meta_rows = meta_costs(conn, recordings)
    rows = sum(count for _, count, _ in imported.tables)
    table_rows = [
        [table, f"{count:,}", f"{rate:,.0f}"]
        for table, count, rate in sorted(imported.tables, key=lambda item: -item[1])[:6]
    ]
    print_table(
        f"MusicBrainz dump import, `acoustid-pg musicbrainz import` ({recordings:,} recordings, {path.name} "
        f"{_mb(archive)}, generated in {generated:.0f} s; load {load})",
        ["table", "rows", "rows/s"],
        [
            *table_rows,
            ["all tables (with index builds and swap)", f"{rows:,}", f"{rows / imported.seconds:,.0f}"],
        ],
    )
    peak = imported.peak_rss_kib / 1024
    print(f"import: {imported.seconds:.1f} s, peak RSS of the import process {peak:,.0f} MiB; ", end="")
    print(f"mirror size on disk: {_mb(size)}")
    print_table(
        f"Added cost of meta per lookup ({RESULTS} results x {MBIDS_PER_RESULT} MBIDs, {LOOKUPS} lookups, "
        f"mirror read + JSON shaping; load {meta_load})",
        ["meta", "p50 ms", "p99 ms", "prewarmed p50", "p99"],
        meta_rows,
    )


@dataclass
class Imported:
    seconds: float
    peak_rss_kib: int
    tables: list[tuple[str, int, float]]  # table, rows, rows/s as its progress line says


_FINISHED_TABLE = re.compile(r"^(\w+)\s+\[#+\]\s+100%\s+([\d,]+) rows\s+([\d,]+)/s$")


def import_with_cli(cluster: Cluster, path: Path, name: str) -> Imported:
    """Run the import as a user does, in its own process: wait4 gives that process's own
    resource usage, so the peak RSS is the import's alone."""
    command = [sys.executable, "-m", "acoustid_pg.cli", "musicbrainz", "import", str(path)]
    log = path.with_suffix(".log")
    started = time.perf_counter()
    with log.open("w+") as errors:
        # Without a terminal the progress bar writes one line per table (and one every 5 s).
        child = subprocess.Popen(
            [*command, "--musicbrainz-db", name], env=cluster.env(), stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        errors.seek(0)
        lines = errors.read().splitlines()
    if child.returncode != 0:
        raise RuntimeError(f"the import failed: {lines[-1] if lines else child.returncode}")
    tables = []
    for line in lines:
        match = _FINISHED_TABLE.match(line)
        if match:
            tables.append((match[1], int(match[2].replace(",", "")), float(match[3].replace(",", ""))))
    return Imported(seconds, usage.ru_maxrss, tables)


def meta_costs(conn: psycopg.Connection[Any], recordings: int, seed: int = 3) -> list[list[str]]:
    """p50/p99 per meta level: first right after the import, then with the whole mirror in
    shared buffers (pg_prewarm), as a server with the RAM for it keeps it."""
    rng = random.Random(seed)
    requests = [
        [[Mbid(uuid.UUID(mbid("recording", rng.randint(1, recordings))), 1) for _ in range(MBIDS_PER_RESULT)]
         for _ in range(RESULTS)]
        for _ in range(LOOKUPS)
    ]  # fmt: skip
    cold = [_level_times(conn, meta, requests) for meta in META_LEVELS]
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    conn.execute(
        """SELECT pg_prewarm(c.oid) FROM pg_class AS c
        WHERE c.relnamespace = 'musicbrainz'::regnamespace AND c.relkind IN ('r', 'i')"""
    ).fetchall()
    warm = [_level_times(conn, meta, requests) for meta in META_LEVELS]
    return [[meta, *a, *b] for meta, a, b in zip(META_LEVELS, cold, warm)]


def _level_times(conn: psycopg.Connection[Any], meta: str, requests: list[list[list[Mbid]]]) -> list[str]:
    levels = parse_meta(meta)
    releases, groups, isrcs = needs(levels)
    times = []
    for results in requests:
        started = time.perf_counter()
        wanted = {link.mbid for links in results for link in links}
        data = mirror_read.read(conn, wanted, releases=releases, release_groups=groups, isrcs=isrcs)
        for links in results:
            result_metadata(levels, links, (), data)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return [f"{times[len(times) // 2]:.2f}", f"{times[int(len(times) * 0.99)]:.2f}"]


def _size(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c "
        "WHERE c.relnamespace = 'musicbrainz'::regnamespace AND c.relkind = 'r'"
    ).fetchone()
    return int(row[0]) if row and row[0] else 0


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"
