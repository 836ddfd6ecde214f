"""``acoustid-pg import``: JSON lines and CSV, bad rows, and resuming after a
kill without skipping or repeating a chunk."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import fingerprint
from acoustid_pg.cluster import Cluster

CLI = [sys.executable, "-m", "acoustid_pg.cli"]
NAMES = ["--app-db", "imp_app", "--fingerprint-db", "imp_fp", "--ingest-db", "imp_ingest"]


def walk(rng: random.Random, length: int) -> list[int]:
    x, items = rng.getrandbits(32), []
    for _ in range(length):
        x ^= 1 << rng.randrange(32)
        items.append(x - 2**32 if x >= 2**31 else x)
    return items


def write_jsonl(path: Path, rows: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with path.open("w") as out:
        for n in range(rows):
            row = {
                "fingerprint": walk(rng, 120),
                "length": 30 + n % 5,
                "track_gid": str(uuid.UUID(int=seed * 10**6 + n // 3)),
            }
            out.write(json.dumps(row) + "\n")
    return path


@pytest.fixture
def env(cluster: Cluster, tmp_path: Path) -> Iterator[dict[str, str]]:
    environment = {**cluster.env(), "XDG_STATE_HOME": str(tmp_path / "state")}
    assert subprocess.run([*CLI, "init", *NAMES], env=environment, capture_output=True).returncode == 0
    with psycopg.connect(cluster.conninfo("imp_fp"), autocommit=True) as conn:
        conn.execute("TRUNCATE fingerprint, track CASCADE")
    yield environment


def count(cluster: Cluster, table: str = "fingerprint") -> int:
    with psycopg.connect(cluster.conninfo("imp_fp")) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else -1


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "import", *args, *NAMES], env=env, capture_output=True, text=True, timeout=300
    )


def test_jsonl_and_csv_import_once(cluster: Cluster, env: dict[str, str], tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "prints.jsonl", 900)
    first = run(env, str(data), "--chunk", "250")
    assert first.returncode == 0, first.stderr
    assert "900 rows imported" in first.stdout and "900/900" in first.stderr
    assert count(cluster) == 900 and count(cluster, "track") == 300
    again = run(env, str(data))
    assert again.returncode == 0 and count(cluster) == 900  # nothing repeated

    rng = random.Random(9)
    csv_file = tmp_path / "prints.csv"
    lines = ["fingerprint,length,bitrate"]
    lines += [f"{fingerprint.encode_fingerprint(walk(rng, 100))},60,192" for _ in range(40)]
    lines += ['"{1,2,3,4}",61,']
    csv_file.write_text("\n".join(lines) + "\n")
    loaded = run(env, str(csv_file))
    assert loaded.returncode == 0, loaded.stderr
    assert count(cluster) == 941


def test_a_bad_row_stops_after_the_committed_chunks(
    cluster: Cluster, env: dict[str, str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "prints.jsonl", 600)
    lines = data.read_text().splitlines()
    lines[449] = json.dumps({"fingerprint": [1, 2], "length": 0})
    data.write_text("\n".join(lines) + "\n")
    failed = run(env, str(data), "--chunk", "200")
    assert failed.returncode == 1
    assert "line 450" in failed.stderr and "Traceback" not in failed.stderr
    assert count(cluster) == 400  # the two chunks before the bad one
    lines[449] = json.dumps({"fingerprint": [1, 2], "length": 3})
    data.write_text("\n".join(lines) + "\n")
    fixed = run(env, str(data), "--chunk", "200")
    assert fixed.returncode == 0, fixed.stderr
    assert count(cluster) == 600


def test_a_first_load_rebuilds_the_lookup_indexes_even_when_it_fails(
    cluster: Cluster, env: dict[str, str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "prints.jsonl", 300)
    lines = data.read_text().splitlines()
    lines[250] = json.dumps({"fingerprint": [1, 2], "length": 0})
    data.write_text("\n".join(lines) + "\n")
    indexes = "SELECT count(*) FROM pg_indexes WHERE indexname = any(%s)"
    names = ["fingerprint_query_idx", "fingerprint_lookup_idx", "fingerprint_data_simhash_idx"]
    failed = run(env, str(data), "--chunk", "100", "--rebuild-indexes")
    assert failed.returncode == 1 and "line 251" in failed.stderr
    with psycopg.connect(cluster.conninfo("imp_fp")) as conn:
        assert conn.execute(indexes, [names]).fetchone() == (3,)
    assert count(cluster) == 200
    lines[250] = json.dumps({"fingerprint": [1, 2], "length": 3})
    data.write_text("\n".join(lines) + "\n")
    fixed = run(env, str(data), "--chunk", "100", "--rebuild-indexes")
    assert fixed.returncode == 0, fixed.stderr
    assert count(cluster) == 300 and count(cluster, "fingerprint_data") == 300
    with psycopg.connect(cluster.conninfo("imp_fp")) as conn:
        assert conn.execute(indexes, [names]).fetchone() == (3,)


def test_a_killed_import_resumes_without_gaps_or_repeats(
    cluster: Cluster, env: dict[str, str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "prints.jsonl", 4000, seed=2)
    for threshold in (700, 1900, 3100):
        process = subprocess.Popen(
            [*CLI, "import", str(data), "--chunk", "100", *NAMES], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while count(cluster) < threshold and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert threshold <= count(cluster) < 4000, "the import was not killed midway"
    resumed = run(env, str(data), "--chunk", "100")
    assert resumed.returncode == 0, resumed.stderr
    assert count(cluster) == 4000
    with psycopg.connect(cluster.conninfo("imp_fp")) as conn:
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT fingerprint FROM fingerprint"
            " GROUP BY fingerprint HAVING count(*) > 1) AS repeated"
        ).fetchone()
    assert duplicates == (0,)


def test_a_chunk_left_pending_is_settled_by_asking_the_server(
    cluster: Cluster, env: dict[str, str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "prints.jsonl", 300, seed=3)
    state = tmp_path / "state.json"
    assert run(env, str(data), "--chunk", "100", "--state", str(state)).returncode == 0
    with psycopg.connect(cluster.conninfo("imp_fp")) as conn:
        committed = conn.execute("SELECT txid_current()::text").fetchone()[0]  # type: ignore[index]
        conn.commit()
        aborted = conn.execute("SELECT txid_current()::text").fetchone()[0]  # type: ignore[index]
        conn.rollback()
    # as if killed after the last chunk committed but before the position was saved
    state.write_text(json.dumps({"position": 200, "pending_xid": committed, "pending_position": 300}))
    assert run(env, str(data), "--state", str(state)).returncode == 0
    assert count(cluster) == 300
    # as if killed before that chunk committed: it is loaded again, once
    with psycopg.connect(cluster.conninfo("imp_fp"), autocommit=True) as conn:
        conn.execute(
            "DELETE FROM fingerprint WHERE id IN (SELECT id FROM fingerprint ORDER BY id DESC LIMIT 100)"
        )
    state.write_text(json.dumps({"position": 200, "pending_xid": aborted, "pending_position": 300}))
    assert run(env, str(data), "--state", str(state)).returncode == 0
    assert count(cluster) == 300
    state.write_text("{not json")
    damaged = run(env, str(data), "--state", str(state))
    assert damaged.returncode == 1 and "damaged" in damaged.stderr
