"""The command line's progress bar: one line on stderr, redrawn in place on a terminal and
written as a line per update (at most two a second) elsewhere."""

from __future__ import annotations

import sys
import time

WIDTH = 30


class ProgressBar:
    """Rows done of all, the rate since the first update (a resumed job starts part way) and
    the time left. Call it with (done, total); ``close()`` ends the line."""

    def __init__(self, name: str, quiet: bool) -> None:
        self.name = name
        self.quiet = quiet
        self.started = time.monotonic()
        self.first: int | None = None
        self.last_shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = done
        if self.quiet or (now - self.last_shown < 0.5 and done < total):
            return
        self.last_shown = now
        rate = (done - self.first) / max(now - self.started, 1e-6)
        share = min(done / total, 1.0) if total else 1.0
        left = (total - done) / rate if rate > 0 and total > done else 0.0
        filled = int(WIDTH * share)
        line = (
            f"{self.name} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,} rows "
            f"{share:.0%} {rate:,.0f} rows/s ETA {int(left) // 60}:{int(left) % 60:02d}"
        )
        if sys.stderr.isatty():
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if not self.quiet and sys.stderr.isatty():
            print(file=sys.stderr)
