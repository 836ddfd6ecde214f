"""A two-minute tour: identify altered audio with the acoustid extension.

Starts a throwaway PostgreSQL cluster, fingerprints generated audio with
fpcalc, stores the fingerprints, then identifies altered copies (re-encoded,
trimmed, noisy) through the extract_query GIN index and acoustid_compare2.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psycopg

from . import audio, samples
from .cluster import Cluster
from .errors import AcoustidError

SOUNDS = [("melody", 1), ("speech", 1), ("noise", 1), ("melody", 2)]
QUERIES = [("melody", 1, "mp3"), ("speech", 1, "trimmed"), ("noise", 1, "noisy"), ("melody", 2, "resampled")]
SECONDS = 20

SCHEMA = """
CREATE TABLE track (
    id serial PRIMARY KEY, name text NOT NULL, fingerprint int4[] NOT NULL, length int NOT NULL
);
CREATE INDEX track_query_idx ON track USING gin (acoustid_extract_query(fingerprint) gin__int_ops);
"""

LOOKUP = """
SELECT name, acoustid_compare2(fingerprint, %(q)s::int4[], 80) AS score
FROM track
WHERE acoustid_extract_query(fingerprint) && acoustid_extract_query(%(q)s::int4[])
  AND abs(length - %(len)s) <= 7
ORDER BY score DESC
LIMIT 1
"""


def step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.perf_counter()


def run(workdir: Path) -> None:
    started = step("starting a throwaway PostgreSQL cluster")
    with Cluster.temporary() as cluster, psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION acoustid CASCADE")
        conn.execute(SCHEMA)
        print(f"    PostgreSQL {conn.info.server_version // 10000} at {cluster.socket_dir}")

        step(f"synthesizing and fingerprinting {len(SOUNDS)} sounds of {SECONDS} s (sox, espeak-ng, fpcalc)")
        for kind, seed in SOUNDS:
            path = samples.synthesize(kind, seed, SECONDS, workdir / f"{kind}-{seed}.wav")
            fp = audio.fingerprint_file(path)
            conn.execute(
                "INSERT INTO track (name, fingerprint, length) VALUES (%s, %s, %s)",
                (f"{kind} #{seed}", fp.items, fp.duration),
            )
            print(f"    stored {kind} #{seed}: {len(fp.items)} items, {fp.compressed[:24]}...")

        step("identifying altered copies")
        print(f"    {'query':<28} {'best match':<12} {'score':>6}")
        for kind, seed, variant in QUERIES:
            source = workdir / f"{kind}-{seed}.wav"
            suffix = ".mp3" if variant == "mp3" else ".wav"
            altered = samples.make_variant(source, variant, workdir / f"{kind}-{seed}-{variant}{suffix}")
            query = audio.fingerprint_file(altered)
            row = conn.execute(LOOKUP, {"q": query.items, "len": query.duration}).fetchone()
            match, score = (row[0], f"{row[1]:.3f}") if row else ("(none)", "-")
            label = f"{kind} #{seed}, {variant}"
            print(f"    {label:<28} {match:<12} {score:>6}")

        unknown = audio.fingerprint_file(samples.synthesize("speech", 99, SECONDS, workdir / "unknown.wav"))
        row = conn.execute(LOOKUP, {"q": unknown.items, "len": unknown.duration}).fetchone()
        verdict = "no match, as it should be" if row is None or row[1] <= 0.4 else f"matched {row[0]}!"
        print(f"    {'unknown speech':<28} {verdict}")
    print(f"==> done in {time.perf_counter() - started:.1f} s; the cluster was removed")


def main() -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="acoustid-demo-") as workdir:
            run(Path(workdir))
    except (AcoustidError, psycopg.Error) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
