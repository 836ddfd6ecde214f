"""track_stats: per-track counts, refreshed concurrently thanks to its unique index."""

from __future__ import annotations

import threading

import psycopg

from acoustid_pg.cluster import Cluster


def test_refresh_concurrently_gives_the_counts(cluster: Cluster, schema_dbname: str) -> None:
    with psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as conn:
        a, b = (conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0] for _ in range(2))
        fingerprints = [
            conn.execute(
                "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, '{1}', 9) RETURNING id",
                [track],
            ).fetchone()[0]
            for track in (a, a, b)
        ]
        for fingerprint, submissions in zip(fingerprints, (3, 2, 1)):
            conn.execute(
                "INSERT INTO fingerprint_source (fingerprint_id) SELECT %s FROM generate_series(1, %s)",
                [fingerprint, submissions],
            )
        conn.execute(
            "INSERT INTO track_mbid (track_id, mbid) SELECT %s, gen_random_uuid() FROM generate_series(1, 3)",
            [a],
        )
        assert conn.execute("SELECT count(*) FROM track_stats").fetchone() == (0,)

        # A reader keeps track_stats open in a transaction; a concurrent refresh does not wait for it.
        with psycopg.connect(cluster.conninfo(schema_dbname)) as reader:
            reader.execute("SELECT * FROM track_stats")
            refreshed = threading.Event()

            def refresh() -> None:
                with psycopg.connect(cluster.conninfo(schema_dbname), autocommit=True) as other:
                    other.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY track_stats")
                refreshed.set()

            thread = threading.Thread(target=refresh)
            thread.start()
            assert refreshed.wait(30)
            thread.join()
            reader.rollback()

        stats = conn.execute(
            "SELECT track_id, fingerprint_count, mbid_count, total_submissions FROM track_stats ORDER BY 1"
        ).fetchall()
        assert stats == [(a, 2, 3, 5), (b, 1, 0, 1)]
