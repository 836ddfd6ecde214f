"""Constraints reject bad rows with the right SQLSTATE, and foreign keys delete as documented."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from acoustid_pg.cluster import Cluster

CHECK, UNIQUE, FOREIGN_KEY, NOT_NULL = "23514", "23505", "23503", "23502"

BASE_ROWS = {
    "track": "INSERT INTO track DEFAULT VALUES RETURNING id",
    "other_track": "INSERT INTO track DEFAULT VALUES RETURNING id",
    "fingerprint": "INSERT INTO fingerprint (track_id, fingerprint, length)"
    " VALUES (%(track)s, '{1,2,3}', 30) RETURNING id",
    "gid": "SELECT gid FROM track WHERE id = %(track)s",
    "mbid_link": "INSERT INTO track_mbid (track_id, mbid) VALUES (%(track)s, %(mbid)s) RETURNING id",
    "meta": "INSERT INTO meta (track) VALUES ('title') RETURNING id",
    "meta_link": "INSERT INTO track_meta (track_id, meta_id) VALUES (%(track)s, %(meta)s) RETURNING id",
    "puid_link": "INSERT INTO track_puid (track_id, puid) VALUES (%(track)s, %(mbid)s) RETURNING id",
    "foreignid": "INSERT INTO foreignid (vendor_id, name) VALUES (1, 'x') RETURNING id",
    "foreignid_link": "INSERT INTO track_foreignid (track_id, foreignid_id)"
    " VALUES (%(track)s, %(foreignid)s) RETURNING id",
    "source": "INSERT INTO source (application_id, account_id, version) VALUES (1, 1, 'v') RETURNING id",
    "provenance": "INSERT INTO fingerprint_source (fingerprint_id, submission_id)"
    " VALUES (%(fingerprint)s, 77) RETURNING id",
    "account": "INSERT INTO account (name, apikey_hash, mbuser)"
    " VALUES ('a', sha256('key1'), 'mb1') RETURNING id",
    "application": "INSERT INTO application (name, apikey_hash)"
    " VALUES ('app', sha256('appkey1')) RETURNING id",
    "stats": "INSERT INTO stats (name, value, date) VALUES ('lookup.count', 1, '2025-01-01') RETURNING id",
    "top": "INSERT INTO stats_top_accounts (account_id, count) VALUES (%(account)s, 5) RETURNING id",
    "submission": "INSERT INTO submission (fingerprint, length) VALUES ('{1}', 10) RETURNING id",
    "pending": "INSERT INTO pending_submission (submission_id) VALUES (%(submission)s) RETURNING id",
    "result": "INSERT INTO submission_result (submission_id) VALUES (%(submission)s) RETURNING id",
}  # fmt: skip

BAD_ROWS = [
    # fingerprint database
    ("INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%(track)s, '{1}', 0)", CHECK),
    ("INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%(track)s, '{1}', -5)", CHECK),
    (
        "INSERT INTO fingerprint (track_id, fingerprint, length, bitrate) VALUES (%(track)s, '{1}', 9, -128)",
        CHECK,
    ),
    (
        "INSERT INTO fingerprint (track_id, fingerprint, length, bitrate) VALUES (%(track)s, '{1}', 9, 0)",
        CHECK,
    ),
    ("INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%(track)s, '{}', 9)", CHECK),
    ("INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%(track)s, NULL, 9)", NOT_NULL),
    ("INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (-1, '{1}', 9)", FOREIGN_KEY),
    ("UPDATE fingerprint SET submission_count = -1", CHECK),
    ("UPDATE track_mbid SET submission_count = -1", CHECK),
    ("UPDATE track_meta SET submission_count = -1", CHECK),
    ("UPDATE track_puid SET submission_count = -1", CHECK),
    ("UPDATE track_foreignid SET submission_count = -1", CHECK),
    ("UPDATE track SET new_id = id WHERE id = %(track)s", CHECK),
    ("INSERT INTO track (gid) VALUES (%(gid)s)", UNIQUE),
    ("INSERT INTO track_mbid (track_id, mbid) VALUES (%(track)s, %(mbid)s)", UNIQUE),
    ("INSERT INTO track_meta (track_id, meta_id) VALUES (%(track)s, %(meta)s)", UNIQUE),
    ("INSERT INTO track_puid (track_id, puid) VALUES (%(track)s, %(mbid)s)", UNIQUE),
    ("INSERT INTO track_foreignid (track_id, foreignid_id) VALUES (%(track)s, %(foreignid)s)", UNIQUE),
    ("INSERT INTO fingerprint_source (fingerprint_id, submission_id) VALUES (%(fingerprint)s, 77)", UNIQUE),
    ("INSERT INTO format (name) VALUES ('mp3')", UNIQUE),
    ("INSERT INTO foreignid_vendor (name) VALUES ('spotify')", UNIQUE),
    ("INSERT INTO foreignid (vendor_id, name) VALUES (1, 'x')", UNIQUE),
    ("INSERT INTO source (application_id, account_id, version) VALUES (1, 1, 'v')", UNIQUE),
    ("INSERT INTO track_mbid (track_id, mbid) VALUES (-1, %(mbid)s)", FOREIGN_KEY),
    ("INSERT INTO fingerprint_changelog (fingerprint_id, op, query) VALUES (1, 'upsert', '{}')", CHECK),
    # app database
    ("INSERT INTO account (name, apikey_hash) VALUES ('b', sha256('key1'))", UNIQUE),
    ("INSERT INTO account (name, apikey_hash, mbuser) VALUES ('b', sha256('key2'), 'mb1')", UNIQUE),
    ("INSERT INTO account (name, apikey_hash) VALUES ('b', 'key2')", CHECK),  # not a SHA-256
    ("INSERT INTO account (name, apikey_hash) VALUES ('b', NULL)", NOT_NULL),
    ("UPDATE account SET submission_count = -1", CHECK),
    ("INSERT INTO application (name, apikey_hash) VALUES ('b', sha256('appkey1'))", UNIQUE),
    ("INSERT INTO application (name, apikey_hash, rate_limit) VALUES ('b', sha256('appkey2'), 0)", CHECK),
    ("INSERT INTO application (name, apikey_hash) VALUES ('b', decode(md5('k'), 'hex'))", CHECK),
    ("INSERT INTO stats (name, value, date) VALUES ('lookup.count', 2, '2025-01-01')", UNIQUE),
    (
        "INSERT INTO stats_lookups (hour, application_id, count_hits) VALUES (now(), %(application)s, -1)",
        CHECK,
    ),
    (
        "INSERT INTO stats_lookups (hour, application_id, count_misses) VALUES (now(), %(application)s, -1)",
        CHECK,
    ),
    (
        "INSERT INTO stats_user_agents (date, application_id, user_agent, ip, count)"
        " VALUES (now(), %(application)s, 'ua', '127.0.0.1', -1)",
        CHECK,
    ),
    ("INSERT INTO stats_top_accounts (account_id, count) VALUES (%(account)s, 1)", UNIQUE),
    ("UPDATE stats_top_accounts SET count = -1", CHECK),
    ("INSERT INTO account_openid (openid, account_id) VALUES ('o', -1)", FOREIGN_KEY),
    # ingest database
    ("INSERT INTO submission (fingerprint, length) VALUES ('{1}', 0)", CHECK),
    ("INSERT INTO submission (fingerprint, length, bitrate) VALUES ('{1}', 10, -1)", CHECK),
    ("INSERT INTO pending_submission (submission_id) VALUES (%(submission)s)", UNIQUE),
    ("INSERT INTO submission_result (submission_id) VALUES (%(submission)s)", UNIQUE),
    ("INSERT INTO pending_submission (submission_id) VALUES (-1)", FOREIGN_KEY),
    ("INSERT INTO submission_result (submission_id, submission_created) VALUES (-1, now())", FOREIGN_KEY),
]


@pytest.fixture(scope="module")
def base(cluster: Cluster, schema_template: str) -> Iterator[tuple[psycopg.Connection, dict[str, object]]]:
    """One database with a row of each kind, shared by the bad-row tests (each fails and changes nothing)."""
    with psycopg.connect(cluster.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE constraints_base TEMPLATE {schema_template}")
    with psycopg.connect(cluster.conninfo("constraints_base"), autocommit=True) as conn:
        values: dict[str, object] = {"mbid": uuid.uuid4()}
        for name, statement in BASE_ROWS.items():
            row = conn.execute(statement, values).fetchone()
            assert row is not None
            values[name] = row[0]
        yield conn, values


@pytest.mark.parametrize(("statement", "sqlstate"), BAD_ROWS)
def test_bad_rows_are_rejected(
    base: tuple[psycopg.Connection, dict[str, object]], statement: str, sqlstate: str
) -> None:
    conn, values = base
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, values)
    assert caught.value.sqlstate == sqlstate, caught.value


def test_a_full_length_fingerprint_fits_every_index(schema_conn: psycopg.Connection) -> None:
    """120 s of audio is about 950 items (3.8 kB): too big for a btree INCLUDE column."""
    track = schema_conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0]
    items = list(range(-475_000_000, 475_000_000, 1_000_000))
    assert len(items) == 950
    schema_conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 120)", [track, items]
    )
    assert schema_conn.execute("SELECT count(*) FROM fingerprint").fetchone() == (1,)


def test_delete_rules(schema_conn: psycopg.Connection) -> None:
    conn = schema_conn

    def one(query: str, *params: object) -> object:
        row = conn.execute(query, params or None).fetchone()
        assert row is not None
        return row[0]

    track = one("INSERT INTO track DEFAULT VALUES RETURNING id")
    mp3 = one("SELECT id FROM format WHERE name = 'mp3'")
    fingerprint = one(
        "INSERT INTO fingerprint (track_id, fingerprint, length, format_id)"
        " VALUES (%s, '{1}', 9, %s) RETURNING id",
        track,
        mp3,
    )
    source = one("INSERT INTO source (application_id, account_id) VALUES (1, 1) RETURNING id")
    conn.execute(
        "INSERT INTO fingerprint_source (fingerprint_id, source_id) VALUES (%s, %s)", [fingerprint, source]
    )
    link = one("INSERT INTO track_mbid (track_id, mbid) VALUES (%s, gen_random_uuid()) RETURNING id", track)
    conn.execute("INSERT INTO track_mbid_source (track_mbid_id, source_id) VALUES (%s, %s)", [link, source])

    conn.execute("DELETE FROM format WHERE id = %s", [mp3])  # optional link: SET NULL
    assert one("SELECT format_id FROM fingerprint WHERE id = %s", fingerprint) is None
    conn.execute("DELETE FROM source WHERE id = %s", [source])  # provenance stays, without its source
    assert one("SELECT count(*) FROM fingerprint_source WHERE source_id IS NULL") == 1
    conn.execute("DELETE FROM track WHERE id = %s", [track])  # owned rows: CASCADE
    for table in ("fingerprint", "fingerprint_source", "track_mbid", "track_mbid_source"):
        assert one(f"SELECT count(*) FROM {table}") == 0, table

    account = one("INSERT INTO account (name, apikey_hash) VALUES ('a', sha256('k')) RETURNING id")
    application = one(
        "INSERT INTO application (name, apikey_hash, account_id) VALUES ('a', sha256('k'), %s) RETURNING id",
        account,
    )
    conn.execute("INSERT INTO account_openid (openid, account_id) VALUES ('o', %s)", [account])
    conn.execute("INSERT INTO stats_top_accounts (account_id, count) VALUES (%s, 3)", [account])
    conn.execute("DELETE FROM account WHERE id = %s", [account])
    assert one("SELECT account_id FROM application WHERE id = %s", application) is None
    assert one("SELECT count(*) FROM account_openid") == 0
    assert one("SELECT count(*) FROM stats_top_accounts") == 0

    submission = one("INSERT INTO submission (fingerprint, length) VALUES ('{1}', 10) RETURNING id")
    conn.execute("INSERT INTO pending_submission (submission_id) VALUES (%s)", [submission])
    conn.execute("INSERT INTO submission_result (submission_id) VALUES (%s)", [submission])
    conn.execute("DELETE FROM submission WHERE id = %s", [submission])
    assert one("SELECT count(*) FROM pending_submission") == 0
    assert one("SELECT count(*) FROM submission_result") == 0
