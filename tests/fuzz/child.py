#!/usr/bin/env python3
"""One fuzz target under atheris, in a process of its own (libFuzzer ends the process when
its time is up): ``ACOUSTID_FUZZ_TARGET=params tests/fuzz/child.py [libFuzzer arguments]``.
The target comes from the environment and the file is executable because libFuzzer's
``-merge=1`` runs this very command line again in a process of its own.

Only the project's code (and the standard-library parsers it leans on) is instrumented for
coverage, and it is imported inside ``instrument_imports`` so the fuzzer sees its branches.
The ``http`` target finds its databases in ``ACOUSTID_FUZZ_DATABASES`` (JSON, set by the
runner, which owns the cluster).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final

import atheris

INSTRUMENTED: Final = {
    "params": ["acoustid_pg", "urllib.parse"],
    "http": ["acoustid_pg", "aiohttp", "urllib.parse"],
    "dump": ["acoustid_pg", "tarfile", "bz2", "gzip", "lzma"],
}

OPEN: list[AbstractContextManager[Any]] = []


def load(target: str) -> Callable[[bytes], None]:
    with atheris.instrument_imports(include=INSTRUMENTED[target]):
        if target == "params":
            from tests.fuzz import params_target

            return params_target.check
        if target == "dump":
            from tests.fuzz import dump_target

            return dump_target.check
        from tests.fuzz import http_world

    spec = json.loads(os.environ["ACOUSTID_FUZZ_DATABASES"])
    OPEN.append(http_world.serving(http_world.connect(spec)))  # held: libFuzzer ends the process
    return OPEN[-1].__enter__().check


def main() -> None:
    check = load(os.environ["ACOUSTID_FUZZ_TARGET"])
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
