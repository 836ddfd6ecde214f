"""Backup and restore: ``pg_dumpall --globals-only`` (the roles) and ``pg_dump -Fc`` of each of the
three databases, restored with ``pg_restore`` into a fresh cluster, answer every lookup the same,
keep their API keys and changelog, and go on importing with sequences that continue."""

from __future__ import annotations

import subprocess
from pathlib import Path

from acoustid_pg.cluster import Cluster, pg_bindir
from acoustid_pg.settings import DEFAULT_NAMES
from tests.support.driver import assert_exactly_once, new_submitter
from tests.support.management import Deployment, scalar
from tests.support.own_cluster import connect_deployment, own_cluster, own_deployment
from tests.support.reliability import assert_nothing_half_written, duration, queue, recording

TABLE_COUNTS = """SELECT c.relname, (xpath('/row/n/text()',
        query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), FALSE, TRUE, '')))[1]::text::bigint
    FROM pg_class AS c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
    ORDER BY 1"""


def run(cluster: Cluster, *args: str) -> str:
    """A client program of the server's installation, against ``cluster``."""
    result = subprocess.run(
        [str(pg_bindir() / args[0]), *args[1:]], env=cluster.env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def back_up(cluster: Cluster, into: Path) -> None:
    run(cluster, "pg_dumpall", "--globals-only", "--file", str(into / "globals.sql"))
    for name in DEFAULT_NAMES.values():
        run(cluster, "pg_dump", "--format=custom", "--file", str(into / f"{name}.dump"), name)


def restore(cluster: Cluster, source: Path) -> None:
    # The roles exist once per cluster; postgres itself already does, so that line may fail.
    run(cluster, "psql", "--quiet", "--dbname", "postgres", "--file", str(source / "globals.sql"))
    for name in DEFAULT_NAMES.values():
        run(
            cluster,
            "pg_restore",
            "--exit-on-error",
            "--create",
            "--dbname",
            "postgres",
            str(source / f"{name}.dump"),
        )


def counts(deployment: Deployment) -> dict[str, list[tuple[str, int]]]:
    return {db: deployment.db(db).execute(TABLE_COUNTS).fetchall() for db in DEFAULT_NAMES}


def populate(deployment: Deployment) -> tuple[set[int], set[int]]:
    """Imported tracks with every kind of link, a merge, a disabled link, statistics; and a
    few submissions still pending. Returns the imported and the pending submission ids."""
    client = deployment.client
    submitter = new_submitter(deployment)
    imported = queue(deployment, submitter, 1, 40, copies=2)
    while client.process_submissions(50):
        pass
    gids = [row[0] for row in deployment.fp.execute("SELECT gid FROM track ORDER BY id LIMIT 3").fetchall()]
    client.tracks.merge(gids[0], [gids[1]])
    mbid = scalar(deployment.fp, "SELECT mbid FROM track_mbid WHERE track_id = 3")
    client.tracks.disable_mbid(gids[2], mbid, account_id=submitter.account_id, note="wrong recording")
    client.stats.record_lookup(submitter.application_id, hit=True)
    client.maintenance.refresh_track_stats()
    waiting = queue(deployment, submitter, 100, 5)
    return imported, waiting


def test_dump_and_restore_into_a_fresh_cluster(tmp_path: Path) -> None:
    with own_deployment() as original:
        imported, waiting = populate(original)
        key = original.client.accounts.create_application("backup", account_id=1).apikey
        queries = [(recording(n), duration(n)) for n in (1, 2, 3, 5, 8, 13, 21, 34, 100, 500)]
        answers = [original.client.lookup(q, d, include_meta=True) for q, d in queries]
        with original.client.changelog.snapshot() as snapshot:
            copy = dict(snapshot.terms())
        cursor = snapshot.cursor
        before = counts(original)
        sequences = {
            db: original.db(db)
            .execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
            .fetchall()
            for db in DEFAULT_NAMES
        }
        back_up(original.cluster, tmp_path)

    with own_cluster() as fresh:
        restore(fresh, tmp_path)
        restored = connect_deployment(fresh)
        try:
            client = restored.client
            assert counts(restored) == before
            assert [client.lookup(q, d, include_meta=True) for q, d in queries] == answers
            assert sum(1 for found in answers if found) >= 8  # the comparison was not of empty answers
            assert client.accounts.validate_application_key(key).name == "backup"
            for db, values in sequences.items():
                assert (
                    restored.db(db)
                    .execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
                    .fetchall()
                    == values
                )

            # Importing goes on: the queued submissions, then new ones, with ids after the old ones.
            submitter = new_submitter(restored)
            later = queue(restored, submitter, 200, 5)
            assert min(later) > max(imported | waiting)
            old_tracks = scalar(restored.fp, "SELECT max(id) FROM track")
            while client.process_submissions(50):
                pass
            assert_exactly_once(restored, imported | waiting | later)
            assert_nothing_half_written(restored)
            assert (
                scalar(restored.fp, "SELECT min(id) FROM track WHERE id > %s", [old_tracks]) == old_tracks + 1
            )
            found = client.lookup(recording(200), duration(200))
            assert found and [m.mbid.int for m in found[0].mbids] == [200]

            # A consumer's copy taken before the backup keeps syncing against the restored log.
            client.changelog.sync_search_terms(copy, cursor)
            truth = restored.fp.execute(
                "SELECT id, acoustid_extract_query(fingerprint) FROM fingerprint"
            ).fetchall()
            assert copy == {fingerprint_id: tuple(terms) for fingerprint_id, terms in truth}
        finally:
            restored.close()
