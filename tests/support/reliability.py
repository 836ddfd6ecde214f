"""Helpers for the reliability tests: realistic submissions, and checks that nothing is half-written."""

from __future__ import annotations

import random
import uuid

from acoustid_pg.bulk import FingerprintRow
from acoustid_pg.submission import Submission
from tests.support.driver import Submitter, count_mismatches, flip, walk
from tests.support.management import Deployment, scalar


def recording(n: int, length: int = 300) -> list[int]:
    """The items of synthetic recording ``n`` (the same n always gives the same items)."""
    return walk(random.Random(n), length)


def duration(n: int) -> int:
    return 60 + (n * 7) % 200


def stored_gid(n: int) -> uuid.UUID:
    """The track gid of bulk-loaded recording ``n``."""
    return uuid.UUID(int=(1 << 64) + n)


def stored_rows(count: int) -> list[FingerprintRow]:
    """Recordings 0..count-1 as bulk-load rows, one track each."""
    return [FingerprintRow(recording(n), duration(n), stored_gid(n)) for n in range(count)]


def submissions(submitter: Submitter, first: int, count: int, *, copies: int = 1) -> list[Submission]:
    """``copies`` versions (an exact one, then re-encodings) of recordings first..first+count-1,
    each with an MBID, a PUID, metadata and a foreign id, so every link table gets a row."""
    rng = random.Random(first)
    made = []
    for n in range(first, first + count):
        for copy in range(copies):
            made.append(
                Submission.create(
                    flip(rng, recording(n), 0.02 * copy), duration(n),
                    account_id=submitter.account_id, application_id=submitter.application_id,
                    mbids=[uuid.UUID(int=n)], puid=uuid.UUID(int=10**6 + n),
                    meta={"track": f"Recording {n}", "artist": "Reliability", "year": 2000 + n % 20},
                    foreignid=f"discogs:{n}", format="flac", bitrate=320,
                )
            )  # fmt: skip
    return made


def queue(
    deployment: Deployment, submitter: Submitter, first: int, count: int, *, copies: int = 1
) -> set[int]:
    """Submit them in one transaction; the submission ids."""
    return set(deployment.client.submit_many(submissions(submitter, first, count, copies=copies)))


# Each query lists rows that a half-written import would leave; all must come back empty.
ORPHANS = {
    "live track without a fingerprint": """SELECT t.id FROM track AS t WHERE t.new_id IS NULL
        AND NOT EXISTS (SELECT FROM fingerprint AS f WHERE f.track_id = t.id)""",
    "fingerprint without provenance": """SELECT f.id FROM fingerprint AS f
        WHERE f.id > %(bulk_loaded)s
            AND NOT EXISTS (SELECT FROM fingerprint_source AS s WHERE s.fingerprint_id = f.id)""",
    "fingerprint not in the changelog": """SELECT f.id FROM fingerprint AS f
        WHERE NOT EXISTS (SELECT FROM fingerprint_changelog AS c WHERE c.fingerprint_id = f.id)""",
    "changelog insert of a fingerprint that does not exist": """SELECT c.fingerprint_id
        FROM fingerprint_changelog AS c WHERE c.op = 'insert' AND NOT EXISTS
            (SELECT FROM fingerprint AS f WHERE f.id = c.fingerprint_id)
            AND NOT EXISTS (SELECT FROM fingerprint_changelog AS d
                WHERE d.fingerprint_id = c.fingerprint_id AND d.op = 'delete')""",
    "mbid link without provenance": """SELECT l.id FROM track_mbid AS l
        WHERE NOT EXISTS (SELECT FROM track_mbid_source AS s WHERE s.track_mbid_id = l.id)""",
    "puid link without provenance": """SELECT l.id FROM track_puid AS l
        WHERE NOT EXISTS (SELECT FROM track_puid_source AS s WHERE s.track_puid_id = l.id)""",
    "meta link without provenance": """SELECT l.id FROM track_meta AS l
        WHERE NOT EXISTS (SELECT FROM track_meta_source AS s WHERE s.track_meta_id = l.id)""",
    "foreign id link without provenance": """SELECT l.id FROM track_foreignid AS l
        WHERE NOT EXISTS (SELECT FROM track_foreignid_source AS s WHERE s.track_foreignid_id = l.id)""",
    "link on a merged track": """SELECT l.id FROM track_mbid AS l JOIN track AS t ON t.id = l.track_id
        WHERE t.new_id IS NOT NULL""",
    "meta linked to no track": """SELECT m.id FROM meta AS m
        WHERE NOT EXISTS (SELECT FROM track_meta AS l WHERE l.meta_id = m.id)""",
    "foreign id linked to no track": """SELECT i.id FROM foreignid AS i
        WHERE NOT EXISTS (SELECT FROM track_foreignid AS l WHERE l.foreignid_id = i.id)""",
    "provenance of a submission that has no fingerprint_source row": """SELECT s.submission_id
        FROM track_mbid_source AS s WHERE s.submission_id IS NOT NULL AND NOT EXISTS
            (SELECT FROM fingerprint_source AS f WHERE f.submission_id = s.submission_id)""",
}


def assert_nothing_half_written(deployment: Deployment, *, bulk_loaded: int = 0) -> None:
    """Every import is whole or absent: no orphan, counts equal provenance rows, and the
    ingest side agrees (each submission either pending or handled with one result).
    Fingerprints 1..bulk_loaded came from bulk_load, without provenance."""
    fp, ingest = deployment.fp, deployment.ingest
    found = {
        what: fp.execute(query, {"bulk_loaded": bulk_loaded}).fetchall() for what, query in ORPHANS.items()
    }
    assert {what: rows for what, rows in found.items() if rows} == {}
    assert count_mismatches(fp) == []
    states = ingest.execute(
        """SELECT s.id, s.handled, r.id IS NOT NULL, p.id IS NOT NULL FROM submission AS s
        LEFT JOIN submission_result AS r ON r.submission_id = s.id
        LEFT JOIN pending_submission AS p ON p.submission_id = s.id"""
    ).fetchall()
    torn = [row for row in states if row[1:] not in ((True, True, False), (False, False, True))]
    assert torn == []
    recorded = dict(
        ingest.execute(
            "SELECT submission_id, fingerprint_id FROM submission_result WHERE skip_reason IS NULL"
        ).fetchall()
    )
    sources = dict(fp.execute("SELECT submission_id, fingerprint_id FROM fingerprint_source").fetchall())
    # Imported in the fingerprint database but not yet recorded is allowed (a retry finishes it);
    # recorded but missing there is not.
    assert {s: f for s, f in recorded.items() if sources.get(s) != f} == {}


def pending(deployment: Deployment) -> int:
    return int(scalar(deployment.ingest, "SELECT count(*) FROM pending_submission"))
