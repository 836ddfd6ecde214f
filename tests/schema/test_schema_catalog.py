"""The schema of record as the catalogs see it, in three databases made by ``acoustid-pg init``.

Every expectation here is read from pg_catalog, never from the SQL files: tables
per database, columns and types, indexes, constraints, foreign-key delete rules,
triggers, extensions, ownership, roles and seed rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from acoustid_pg.cli import main
from acoustid_pg.cluster import Cluster

NAMES = {"app": "catalog_app", "fingerprint": "catalog_fingerprint", "ingest": "catalog_ingest"}

INT = "integer"
TSTZ = "timestamp with time zone"


def vc(n: int) -> str:
    return f"character varying({n})"


COLUMNS: dict[str, dict[str, dict[str, str]]] = {
    "app": {
        "account": {
            "id": INT, "name": vc(255), "apikey": vc(40), "mbuser": vc(64), "created": TSTZ,
            "lastlogin": TSTZ, "submission_count": INT, "application_id": INT,
            "application_version": vc(255), "created_from": "inet", "is_admin": "boolean",
        },
        "application": {
            "id": INT, "name": vc(255), "version": vc(255), "apikey": vc(40), "created": TSTZ,
            "active": "boolean", "account_id": INT, "email": vc(255), "website": vc(1000),
            "rate_limit": INT,
        },
        "account_openid": {"openid": vc(255), "account_id": INT},
        "account_google": {"google_user_id": vc(255), "account_id": INT},
        "stats": {"id": INT, "name": vc(255), "value": "bigint", "date": "date"},
        "stats_lookups": {
            "id": INT, "hour": TSTZ, "application_id": INT, "count_hits": INT, "count_misses": INT,
        },
        "stats_user_agents": {
            "id": INT, "date": "date", "application_id": INT, "user_agent": vc(1000), "ip": "inet",
            "count": INT,
        },
        "stats_top_accounts": {"id": INT, "account_id": INT, "count": INT},
    },
    "fingerprint": {
        "track": {"id": INT, "gid": "uuid", "created": TSTZ, "new_id": INT, "disabled": "boolean"},
        "fingerprint": {
            "id": INT, "track_id": INT, "fingerprint": "integer[]", "length": "smallint",
            "bitrate": "smallint", "format_id": INT, "created": TSTZ, "submission_count": INT,
        },
        "fingerprint_data": {"fingerprint_id": INT, "fingerprint": "bytea", "simhash": "cube"},
        "track_mbid": {
            "id": INT, "track_id": INT, "mbid": "uuid", "created": TSTZ, "submission_count": INT,
            "disabled": "boolean",
        },
        "meta": {
            "id": INT, "track": vc(255), "artist": vc(255), "album": vc(255), "album_artist": vc(255),
            "track_no": INT, "disc_no": INT, "year": INT,
        },
        "track_meta": {"id": INT, "track_id": INT, "meta_id": INT, "created": TSTZ, "submission_count": INT},
        "format": {"id": INT, "name": vc(20)},
        "source": {"id": INT, "application_id": INT, "account_id": INT, "version": vc(255)},
        "foreignid_vendor": {"id": INT, "name": vc(255)},
        "foreignid": {"id": INT, "vendor_id": INT, "name": vc(255)},
        "track_foreignid": {
            "id": INT, "track_id": INT, "foreignid_id": INT, "created": TSTZ, "submission_count": INT,
        },
        "track_puid": {"id": INT, "track_id": INT, "puid": "uuid", "created": TSTZ, "submission_count": INT},
        "fingerprint_source": {
            "id": INT, "fingerprint_id": INT, "source_id": INT, "submission_id": INT, "created": TSTZ,
        },
        "track_mbid_source": {
            "id": INT, "track_mbid_id": INT, "source_id": INT, "submission_id": INT, "created": TSTZ,
        },
        "track_mbid_change": {
            "id": INT, "track_mbid_id": INT, "account_id": INT, "disabled": "boolean", "created": TSTZ,
            "note": "text",
        },
        "track_meta_source": {
            "id": INT, "track_meta_id": INT, "source_id": INT, "submission_id": INT, "created": TSTZ,
        },
        "track_puid_source": {
            "id": INT, "track_puid_id": INT, "source_id": INT, "submission_id": INT, "created": TSTZ,
        },
        "track_foreignid_source": {
            "id": INT, "track_foreignid_id": INT, "source_id": INT, "submission_id": INT, "created": TSTZ,
        },
        "fingerprint_changelog": {
            "id": "bigint", "fingerprint_id": INT, "op": "text", "query": "integer[]", "created": TSTZ,
        },
    },
    "ingest": {
        "submission": {
            "id": INT, "fingerprint": "integer[]", "length": "smallint", "bitrate": "smallint",
            "format_id": INT, "created": TSTZ, "source_id": INT, "mbid": "uuid", "handled": "boolean",
            "meta_id": INT, "handled_at": TSTZ, "account_id": INT, "application_id": INT,
            "application_version": vc(255), "puid": "uuid", "foreignid": "text", "meta": "jsonb",
        },
        "submission_result": {
            "id": INT, "submission_id": INT, "submission_created": TSTZ, "track_id": INT,
            "fingerprint_id": INT, "skip_reason": "text", "created": TSTZ,
        },
        "pending_submission": {"id": INT, "submission_id": INT, "submission_created": TSTZ, "created": TSTZ},
    },
}  # fmt: skip

# Every index the seed and the spec name, per database.
INDEXES = {
    "app": """account_pkey account_apikey_key account_mbuser_key application_pkey
        application_apikey_key account_openid_pkey account_google_pkey stats_pkey stats_name_date_key
        stats_lookups_pkey stats_lookups_hour_application_id_key stats_user_agents_pkey
        stats_user_agents_date_application_id_user_agent_ip_key stats_top_accounts_pkey
        stats_top_accounts_account_id_key""",
    "fingerprint": """track_pkey track_gid_key track_new_id_idx fingerprint_pkey fingerprint_track_id_idx
        fingerprint_length_idx fingerprint_lookup_idx fingerprint_query_idx
        fingerprint_data_pkey fingerprint_data_simhash_idx track_mbid_pkey track_mbid_track_id_mbid_key
        track_mbid_mbid_idx meta_pkey track_meta_pkey track_meta_track_id_meta_id_key format_pkey
        format_name_key source_pkey source_application_id_account_id_version_key foreignid_vendor_pkey
        foreignid_vendor_name_key foreignid_pkey foreignid_vendor_id_name_key track_foreignid_pkey
        track_foreignid_track_id_foreignid_id_key track_puid_pkey track_puid_track_id_puid_key
        track_puid_puid_idx fingerprint_source_submission_id_key fingerprint_changelog_pkey
        track_stats_track_id_idx""",
    "ingest": """submission_pkey submission_handled_idx submission_unhandled_idx submission_result_pkey
        submission_result_submission_id_key pending_submission_pkey pending_submission_submission_id_key""",
}

# (table, referencing column) -> (referenced table, ON DELETE rule: c = CASCADE, n = SET NULL)
FOREIGN_KEYS = {
    "app": {
        ("account", "application_id"): ("application", "n"),
        ("application", "account_id"): ("account", "n"),
        ("account_openid", "account_id"): ("account", "c"),
        ("account_google", "account_id"): ("account", "c"),
        ("stats_lookups", "application_id"): ("application", "c"),
        ("stats_user_agents", "application_id"): ("application", "c"),
        ("stats_top_accounts", "account_id"): ("account", "c"),
    },
    "fingerprint": {
        ("track", "new_id"): ("track", "n"),
        ("fingerprint", "track_id"): ("track", "c"),
        ("fingerprint", "format_id"): ("format", "n"),
        ("fingerprint_data", "fingerprint_id"): ("fingerprint", "c"),
        ("foreignid", "vendor_id"): ("foreignid_vendor", "c"),
        ("track_mbid", "track_id"): ("track", "c"),
        ("track_meta", "track_id"): ("track", "c"),
        ("track_meta", "meta_id"): ("meta", "c"),
        ("track_puid", "track_id"): ("track", "c"),
        ("track_foreignid", "track_id"): ("track", "c"),
        ("track_foreignid", "foreignid_id"): ("foreignid", "c"),
        ("fingerprint_source", "fingerprint_id"): ("fingerprint", "c"),
        ("fingerprint_source", "source_id"): ("source", "n"),
        ("track_mbid_source", "track_mbid_id"): ("track_mbid", "c"),
        ("track_mbid_source", "source_id"): ("source", "n"),
        ("track_mbid_change", "track_mbid_id"): ("track_mbid", "c"),
        ("track_meta_source", "track_meta_id"): ("track_meta", "c"),
        ("track_meta_source", "source_id"): ("source", "n"),
        ("track_puid_source", "track_puid_id"): ("track_puid", "c"),
        ("track_puid_source", "source_id"): ("source", "n"),
        ("track_foreignid_source", "track_foreignid_id"): ("track_foreignid", "c"),
        ("track_foreignid_source", "source_id"): ("source", "n"),
    },
    "ingest": {
        ("submission_result", "submission_id,submission_created"): ("submission", "c"),
        ("pending_submission", "submission_id,submission_created"): ("submission", "c"),
    },
}

# Columns that point into another database: no foreign key, a comment saying where.
CROSS_DATABASE = {
    "app": [],
    "fingerprint": [
        ("source", "application_id"), ("source", "account_id"), ("track_mbid_change", "account_id"),
        ("fingerprint_source", "submission_id"), ("track_mbid_source", "submission_id"),
        ("track_meta_source", "submission_id"), ("track_puid_source", "submission_id"),
        ("track_foreignid_source", "submission_id"),
    ],
    "ingest": [
        ("submission", "format_id"), ("submission", "source_id"), ("submission", "meta_id"),
        ("submission", "account_id"), ("submission", "application_id"),
        ("submission_result", "track_id"), ("submission_result", "fingerprint_id"),
    ],
}  # fmt: skip

CHECKS = {
    "app": {"account": ["submission_count >= 0"], "stats_lookups": ["count_hits >= 0", "count_misses >= 0"]},
    "fingerprint": {
        "track": ["new_id <> id"],
        "fingerprint": ["length > 0", "bitrate > 0", "submission_count >= 0", "cardinality(fingerprint) > 0"],
        "track_mbid": ["submission_count >= 0"],
        "track_meta": ["submission_count >= 0"],
        "track_puid": ["submission_count >= 0"],
        "track_foreignid": ["submission_count >= 0"],
    },
    "ingest": {"submission": ["length > 0", "bitrate > 0"]},
}

TRIGGERS = {
    "app": set(),
    "fingerprint": {
        ("fingerprint_source", "update_fingerprint_submission_count"),
        ("track_mbid_source", "update_track_mbid_submission_count"),
        ("track_meta_source", "update_track_meta_submission_count"),
        ("track_puid_source", "update_track_puid_submission_count"),
        ("track_foreignid_source", "update_track_foreignid_submission_count"),
        ("track", "resolve_track_merge"),
        ("track", "propagate_track_merge"),
        ("fingerprint", "log_fingerprint_insert"),
        ("fingerprint", "log_fingerprint_delete"),
        ("fingerprint", "log_fingerprint_update"),
        ("fingerprint", "fill_fingerprint_data"),
        ("fingerprint", "fill_fingerprint_data_on_update"),
    },
    "ingest": {
        ("submission_result", "fill_submission_result_created"),
        ("pending_submission", "fill_pending_submission_created"),
    },
}

EXTENSIONS = {
    "app": {"pgcrypto"},
    "fingerprint": {"intarray", "cube", "acoustid", "acoustid_cube"},
    "ingest": set(),
}


@pytest.fixture(scope="module")
def databases(cluster: Cluster) -> Iterator[dict[str, psycopg.Connection]]:
    status = main(
        ["init", "--host", str(cluster.socket_dir), "--port", "5432", "--user", "postgres"]
        + [arg for database, name in NAMES.items() for arg in (f"--{database}-db", name)]
    )
    assert status == 0
    connections = {
        database: psycopg.connect(cluster.conninfo(name), autocommit=True) for database, name in NAMES.items()
    }
    yield connections
    for connection in connections.values():
        connection.close()


def rows(conn: psycopg.Connection, query: str, *params: object) -> list[tuple]:
    return conn.execute(query, params or None).fetchall()


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_each_database_has_exactly_its_tables(
    databases: dict[str, psycopg.Connection], database: str
) -> None:
    tables = rows(
        databases[database],
        """SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            AND NOT c.relispartition AND c.relname NOT LIKE 'schema_version_%'""",
    )
    assert {name for (name,) in tables} == set(COLUMNS[database])


def test_thirty_tables_in_all() -> None:
    assert [len(COLUMNS[d]) for d in ("app", "fingerprint", "ingest")] == [8, 19, 3]


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_columns_and_types(databases: dict[str, psycopg.Connection], database: str) -> None:
    found: dict[str, dict[str, str]] = {}
    for table, column, type_name in rows(
        databases[database],
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped""",
    ):
        found.setdefault(table, {})[column] = type_name
    for table, columns in COLUMNS[database].items():
        assert found[table] == columns, table


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_index_names(databases: dict[str, psycopg.Connection], database: str) -> None:
    found = {name for (name,) in rows(databases[database], "SELECT indexname FROM pg_indexes")}
    missing = set(INDEXES[database].split()) - found
    assert not missing


def index_definition(conn: psycopg.Connection, name: str) -> str:
    return rows(conn, "SELECT pg_get_indexdef(%s::regclass)", name)[0][0]


def test_index_definitions(databases: dict[str, psycopg.Connection]) -> None:
    fp, ingest = databases["fingerprint"], databases["ingest"]
    # The seed's all-items GIN is opt-in (acoustid-pg index create legacy-overlap).
    assert not rows(fp, "SELECT 1 FROM pg_class WHERE relname = 'fingerprint_fingerprint_idx'")
    assert "USING gin (acoustid_extract_query(fingerprint) gin__int_ops)" in index_definition(
        fp, "fingerprint_query_idx"
    )
    assert "USING gist (simhash)" in index_definition(fp, "fingerprint_data_simhash_idx")
    assert "(length, track_id) INCLUDE (id)" in index_definition(fp, "fingerprint_lookup_idx")
    assert "UNIQUE INDEX" in index_definition(fp, "fingerprint_source_submission_id_key")
    assert "(track_id)" in index_definition(fp, "track_stats_track_id_idx")
    assert "UNIQUE INDEX" in index_definition(fp, "track_stats_track_id_idx")
    assert index_definition(ingest, "submission_handled_idx").endswith("(handled) WHERE (handled = false)")
    assert index_definition(ingest, "submission_unhandled_idx").endswith("(created) WHERE (handled = false)")
    assert "(id, created)" in index_definition(ingest, "submission_pkey")


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_check_constraints(databases: dict[str, psycopg.Connection], database: str) -> None:
    found: dict[str, list[str]] = {}
    for table, definition in rows(
        databases[database],
        """SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE contype = 'c' AND connamespace = 'public'::regnamespace""",
    ):
        found.setdefault(table, []).append(definition)
    for table, expressions in CHECKS[database].items():
        for expression in expressions:
            assert any(expression in definition for definition in found.get(table, [])), (table, expression)


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_foreign_keys_and_delete_rules(databases: dict[str, psycopg.Connection], database: str) -> None:
    found = {
        (table, columns): (referenced, rule)
        for table, columns, referenced, rule in rows(
            databases[database],
            """SELECT c.conrelid::regclass::text,
                (SELECT string_agg(attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                    JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n),
                c.confrelid::regclass::text, c.confdeltype::text
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND c.conparentid = 0""",
        )
    }
    assert found == FOREIGN_KEYS[database]


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_cross_database_columns_say_where_they_point(
    databases: dict[str, psycopg.Connection], database: str
) -> None:
    for table, column in CROSS_DATABASE[database]:
        comment = rows(
            databases[database],
            """SELECT col_description(%s::regclass, attnum) FROM pg_attribute
            WHERE attrelid = %s::regclass AND attname = %s""",
            table,
            table,
            column,
        )[0][0]
        assert comment is not None and "another database" in comment, (table, column)
        assert comment.startswith("acoustid_"), (table, column)


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_triggers(databases: dict[str, psycopg.Connection], database: str) -> None:
    found = rows(
        databases[database],
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    )
    assert set(found) == TRIGGERS[database]


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_extensions(databases: dict[str, psycopg.Connection], database: str) -> None:
    found = {name for (name,) in rows(databases[database], "SELECT extname FROM pg_extension")}
    assert found - {"plpgsql"} == EXTENSIONS[database]


@pytest.mark.parametrize("database", ["app", "fingerprint", "ingest"])
def test_admin_owns_every_object(databases: dict[str, psycopg.Connection], database: str) -> None:
    """Tables, sequences, views, partitions and functions of ours, not the extensions' or the runner's."""
    owners = rows(
        databases[database],
        """SELECT DISTINCT pg_get_userbyid(owner) FROM (
            SELECT c.relowner AS owner, c.oid, 'pg_class'::regclass AS catalog FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                AND c.relname NOT LIKE 'schema_version_%'
            UNION ALL
            SELECT p.proowner, p.oid, 'pg_proc'::regclass FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
        ) AS o
        WHERE NOT EXISTS (
            SELECT FROM pg_depend d WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype = 'e'
        )""",
    )
    assert owners == [("acoustid_admin",)]


def test_roles_are_group_roles(databases: dict[str, psycopg.Connection]) -> None:
    found = rows(
        databases["app"],
        "SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE 'acoustid\\_%' ORDER BY 1",
    )
    assert found == [
        ("acoustid_admin", False, False),
        ("acoustid_reader", False, False),
        ("acoustid_writer", False, False),
    ]


def test_seed_rows(databases: dict[str, psycopg.Connection]) -> None:
    fp = databases["fingerprint"]
    formats = {name for (name,) in rows(fp, "SELECT name FROM format")}
    vendors = {name for (name,) in rows(fp, "SELECT name FROM foreignid_vendor")}
    assert formats == {"mp3", "flac", "ogg", "m4a", "wma", "ape", "wav"}
    assert vendors == {"musicbrainz", "musicip", "discogs", "spotify"}


def test_submission_is_partitioned_by_month_with_a_default(databases: dict[str, psycopg.Connection]) -> None:
    ingest = databases["ingest"]
    assert rows(ingest, "SELECT pg_get_partkeydef('submission'::regclass)") == [("RANGE (created)",)]
    partitions = {
        name: bound
        for name, bound in rows(
            ingest,
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'submission'::regclass""",
        )
    }
    assert partitions.pop("submission_default") == "DEFAULT"
    # init made this month and the next three
    assert len(partitions) == 4
    assert all(name.startswith("submission_20") for name in partitions)


def test_track_stats_is_a_materialized_view(databases: dict[str, psycopg.Connection]) -> None:
    found = rows(databases["fingerprint"], "SELECT relkind::text FROM pg_class WHERE relname = 'track_stats'")
    assert found == [("m",)]


def test_version_tables(databases: dict[str, psycopg.Connection]) -> None:
    for database, conn in databases.items():
        versions = rows(conn, f"SELECT version FROM schema_version_{database} ORDER BY version")
        assert versions and versions[0] == (1,)
        assert [v for (v,) in versions] == list(range(1, len(versions) + 1))
