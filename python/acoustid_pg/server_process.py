"""What the private helper servers (``redis_server``, ``nats_server``) share: finding their
program, and waiting for them to answer."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable

from .errors import AcoustidError


def find_program(name: str, error: type[AcoustidError]) -> str:
    """``name`` on PATH, or in Debian's sbin/bin when PATH lacks them (as under sudo or cron)."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/usr/sbin/{name}") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise error(f"{name} is not installed (Debian/Ubuntu: apt-get install {name})")
    return found


def wait_until_ready(
    ready: Callable[[], bool], timeout: float, interval: float, failure: AcoustidError
) -> None:
    """Poll ``ready`` until it is true; raise ``failure`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise failure
        time.sleep(interval)
