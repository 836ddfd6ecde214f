"""``python -m tests.fuzz [--seconds N] [target ...]``: each target (params, http, dump; all
by default) under atheris for N seconds (``FUZZ_SECONDS``, default 25), starting from its
committed corpus in ``tests/fuzz/corpus/<target>/``.

New inputs the fuzzer finds go to a scratch copy (``build/fuzz/<target>/``), so a run does
not add thousands of files to the tree; an input that breaks the property (or runs out of
time or memory) is written into the committed corpus directory, where the replay test
(``test_fuzz_corpus.py``) fails on it until it is fixed. ``--keep`` merges into the committed
corpus only the inputs that reach coverage it does not (libFuzzer's ``-merge=1``).
Exits non-zero if any target failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
CORPUS: Final = Path(__file__).resolve().parent / "corpus"
SCRATCH: Final = ROOT / "build" / "fuzz"
CHILD: Final = Path(__file__).resolve().parent / "child.py"
TARGETS: Final = ("params", "http", "dump")
# libFuzzer's limits: input size, seconds per input, memory (a dump bomb must stay below it).
MAX_LEN: Final = {"params": 8192, "http": 16384, "dump": 32768}
PER_INPUT_SECONDS: Final = 30
RSS_LIMIT_MB: Final = 1024
STAT: Final = re.compile(r"^stat::(\w+):\s+(\d+)", re.MULTILINE)


@contextlib.contextmanager
def environment(target: str) -> Iterator[dict[str, str]]:
    """The child's environment: for ``http``, a cluster this process starts and stops."""
    env = {
        **os.environ,
        "ACOUSTID_FUZZ_TARGET": target,
        # The child is run as a script (by its #! line): this interpreter first, the tree importable.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if target != "http":
        yield env
        return
    from tests.fuzz.http_world import databases

    with databases() as spec:
        yield {**env, "ACOUSTID_FUZZ_DATABASES": json.dumps(spec)}


def child(*libfuzzer: str) -> list[str]:
    return [str(CHILD), *libfuzzer]


def run(target: str, seconds: int, keep: bool) -> bool:
    committed = CORPUS / target
    work = SCRATCH / target
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = SCRATCH / f"{target}.log"
    args = child(
        f"-max_total_time={seconds}",
        f"-max_len={MAX_LEN[target]}",
        f"-timeout={PER_INPUT_SECONDS}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-artifact_prefix={committed}/",
        "-print_final_stats=1",
        str(work),
        str(committed),
    )
    started = time.monotonic()
    with environment(target) as env, log.open("w") as out:
        result = subprocess.run(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
        if keep and result.returncode == 0:
            # Only the inputs that reach coverage the committed corpus does not: a handful.
            merge = child("-merge=1", f"-max_len={MAX_LEN[target]}", str(committed), str(work))
            subprocess.run(merge, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=True)
    elapsed = time.monotonic() - started
    text = log.read_text(errors="replace")
    stats: dict[str, Any] = {name: int(value) for name, value in STAT.findall(text)}
    executed = stats.get("number_of_executed_units", 0)
    print(
        f"fuzz {target}: {executed} inputs in {seconds} s of fuzzing "
        f"({stats.get('average_exec_per_sec', 0)}/s), {stats.get('new_units_added', 0)} new, "
        f"peak {stats.get('peak_rss_mb', 0)} MB, {elapsed:.0f} s in all",
        flush=True,
    )
    if result.returncode != 0:
        print("\n".join(text.splitlines()[-60:]), file=sys.stderr)
        print(
            f"fuzz {target}: FAILED (exit {result.returncode}); the input is in {committed}/", file=sys.stderr
        )
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "25")))
    parser.add_argument(
        "--keep", action="store_true", help="add the inputs that found new coverage to the committed corpus"
    )
    parser.add_argument(
        "targets", nargs="*", metavar="target", help=f"any of {', '.join(TARGETS)} (default: all)"
    )
    options = parser.parse_args()
    unknown = sorted(set(options.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}: choose from {', '.join(TARGETS)}")
    targets = options.targets or TARGETS
    failed = [target for target in targets if not run(target, options.seconds, options.keep)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
