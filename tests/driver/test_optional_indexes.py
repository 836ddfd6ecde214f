"""The legacy all-items GIN (fingerprint_fingerprint_idx) is opt-in: absent after migrating,
built concurrently under its seed name by db.indexes.create, and used by the legacy search."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.bulk import FingerprintRow
from acoustid_pg.errors import InvalidArgumentError
from tests.support.driver import walk
from tests.support.management import Deployment, scalar, server_conninfo

NAME = "fingerprint_fingerprint_idx"


def test_absent_by_default_then_built_used_and_dropped(deployment: Deployment, client: AcoustID) -> None:
    fp = deployment.fp
    rng = random.Random(3)
    prints = [walk(rng) for _ in range(20)]
    client.bulk_load(FingerprintRow(items, 100 + n) for n, items in enumerate(prints))
    assert client.indexes.state("legacy-overlap").exists is False
    assert scalar(fp, "SELECT to_regclass(%s) IS NULL", [NAME])

    state = client.indexes.create("legacy-overlap")
    assert (state.name, state.exists, state.valid) == (NAME, True, True) and state.bytes > 0
    definition = scalar(fp, "SELECT pg_get_indexdef(%s::regclass)", [NAME])
    assert "USING gin (fingerprint gin__int_ops)" in definition
    # The legacy search it serves now runs on it.
    fp.execute("SET enable_seqscan = off")
    plan = "\n".join(
        row[0]
        for row in fp.execute(
            "EXPLAIN SELECT id FROM fingerprint WHERE fingerprint && %s::int4[]", [prints[4][:50]]
        ).fetchall()
    )
    fp.execute("RESET enable_seqscan")
    assert NAME in plan
    assert client.indexes.create("legacy-overlap") == client.indexes.state("legacy-overlap")  # built once

    assert client.indexes.drop("legacy-overlap") is True
    assert scalar(fp, "SELECT to_regclass(%s) IS NULL", [NAME])
    assert client.indexes.drop("legacy-overlap") is False


def test_an_invalid_leftover_is_rebuilt(deployment: Deployment, client: AcoustID) -> None:
    fp = deployment.fp
    fp.execute(f"CREATE INDEX {NAME} ON fingerprint USING gin (fingerprint gin__int_ops)")
    # What a cancelled CREATE INDEX CONCURRENTLY leaves behind: an index marked invalid.
    fp.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [NAME])
    assert client.indexes.state("legacy-overlap").valid is False
    assert client.indexes.create("legacy-overlap").valid is True
    assert scalar(fp, "SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass", [NAME]) is True
    client.indexes.drop("legacy-overlap")


def test_unknown_kind_is_a_clear_error(client: AcoustID) -> None:
    with pytest.raises(InvalidArgumentError, match="unknown optional index 'everything'"):
        client.indexes.create("everything")


def test_command_line(deployment: Deployment) -> None:
    names = [arg for db, name in deployment.names.items() for arg in (f"--{db}-db", name)]
    cli = [sys.executable, "-m", "acoustid_pg.cli", "index"]
    dsn = ["--dsn", server_conninfo(deployment.cluster)]

    def run(*args: str) -> str:
        done = subprocess.run([*cli, *args, *dsn, *names], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "absent" in run("status", "legacy-overlap")
    assert f"legacy-overlap ({NAME}): valid" in run("create", "legacy-overlap")
    assert scalar(deployment.fp, "SELECT to_regclass(%s) IS NOT NULL", [NAME])
    assert "dropped" in run("drop", "legacy-overlap")
    assert scalar(deployment.fp, "SELECT to_regclass(%s) IS NULL", [NAME])
    # The lookup indexes a failed first load may leave missing: reported, then built.
    assert "lookup indexes missing: none" in run("status")
    deployment.fp.execute("DROP INDEX fingerprint_lookup_idx")
    assert "lookup indexes missing: fingerprint_lookup_idx" in run("status")
    assert "fingerprint_lookup_idx: built in" in run("restore")
    assert "lookup indexes missing: none" in run("status")
