"""Steady HTTP load on a running web service for the whole-system fault test: lookup and
submit clients on threads, each answer classified, timed and kept.

Lookups ask for stored recordings (the answer must name the stored track) and for
recordings never stored (the answer must be empty); submits send re-encodings of stored
recordings and new ones, as compressed fingerprints (what fpcalc prints), and keep the
submission ids of every ``ok`` answer. A new connection per request, as pyacoustid makes.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import requests

from acoustid_pg.fingerprint import encode_fingerprint
from tests.support.driver import flip
from tests.support.reliability import duration, recording, stored_gid

LOOKUP: Final = "lookup"
SUBMIT: Final = "submit"
OK: Final = "ok"
UNAVAILABLE: Final = "HTTP 503 error 13"
RATE_LIMITED: Final = "HTTP 429 error 14"
REFUSED: Final = "connection refused"
DROPPED: Final = "connection dropped"  # the service died with the request in flight
TIMEOUT: Final = "timeout"
WRONG: Final = "wrong answer"
REQUEST_TIMEOUT: Final = 30.0  # seconds: longer means the service hangs
NEW_FROM: Final = 10**6  # new recordings the submitters send start here
MISSING_FROM: Final = 10**7  # and recordings from here on are never stored nor submitted


@dataclass(frozen=True)
class Answer:
    at: float  # time.monotonic() when the answer (or the failure) came
    seconds: float  # how long the request took
    kind: str
    outcome: str
    submission_ids: tuple[int, ...] = ()


def outcome_of(response: requests.Response) -> tuple[str, dict[str, Any]]:
    """``ok``, ``HTTP <status> error <code>`` for an AcoustID error envelope, or what else it was."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} not an AcoustID body", {}
    if not isinstance(body, dict) or body.get("status") not in ("ok", "error"):
        return f"HTTP {response.status_code} not an AcoustID body", {}
    if body["status"] == "ok":
        return (OK if response.status_code == 200 else f"HTTP {response.status_code} ok"), body
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return f"HTTP {response.status_code} error {code}", body


def post(url: str, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """One request on a connection of its own; connection failures are outcomes too."""
    try:
        response = requests.post(url, data=form, timeout=REQUEST_TIMEOUT, headers={"Connection": "close"})
    except requests.Timeout:
        return TIMEOUT, {}
    except requests.ConnectionError as exc:
        return (REFUSED if _refused(exc) else DROPPED), {}
    return outcome_of(response)


def _refused(exc: BaseException, depth: int = 0) -> bool:
    """Whether a ConnectionRefusedError is behind ``exc`` (requests wraps urllib3, which wraps it)."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    if depth > 6:
        return False
    inner = [exc.__cause__, exc.__context__, getattr(exc, "reason", None), *exc.args]
    return any(isinstance(e, BaseException) and _refused(e, depth + 1) for e in inner)


class Load:
    """``lookups`` + ``submitters`` client threads against ``base_url`` until ``stop()``;
    ``answers`` holds everything they heard, in order."""

    def __init__(
        self,
        base_url: str,
        *,
        client_key: str,
        user_key: str,
        stored: int,
        lookups: int,
        submitters: int,
        pause: float = 0.0,
    ) -> None:
        self.base_url = base_url
        self.client_key = client_key
        self.user_key = user_key
        self.stored = stored
        self.pause = pause
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        lookup: Callable[[random.Random], Answer] = self.lookup
        submit: Callable[[random.Random], Answer] = self.submit
        clients = [lookup] * lookups + [submit] * submitters
        self._threads = [
            threading.Thread(target=self._run, args=(client, n), name=f"load-{n}", daemon=True)
            for n, client in enumerate(clients)
        ]
        self.started = self.stopped = 0.0

    def start(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 10)
        self.stopped = time.monotonic()
        assert not any(thread.is_alive() for thread in self._threads), "a client thread hangs"

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.at >= moment]

    def _run(self, client: Callable[[random.Random], Answer], seed: int) -> None:
        rng = random.Random(seed)
        while not self._stopping.is_set():
            answer = client(rng)
            with self._lock:
                self.answers.append(answer)
            if answer.outcome != OK:
                time.sleep(0.05)  # a client that is refused does not spin
            elif self.pause:
                time.sleep(self.pause)

    def lookup(self, rng: random.Random) -> Answer:
        stored = rng.random() < 0.7
        n = rng.randrange(self.stored) if stored else MISSING_FROM + rng.randrange(10**6)
        form = {"client": self.client_key, "duration": str(duration(n)), "meta": "recordings"}
        form["fingerprint"] = encode_fingerprint(flip(rng, recording(n), 0.01) if stored else recording(n))
        started = time.monotonic()
        outcome, body = post(f"{self.base_url}/v2/lookup", form)
        if outcome == OK:
            found = {result.get("id") for result in body.get("results", [])}
            if stored and str(stored_gid(n)) not in found:
                outcome = f"{WRONG}: a stored recording not found"
            elif not stored and found:
                outcome = f"{WRONG}: a recording never stored found"
        now = time.monotonic()
        return Answer(now, now - started, LOOKUP, outcome)

    def submit(self, rng: random.Random) -> Answer:
        # Half re-encodings of stored recordings (they join their track), half new recordings.
        n = rng.randrange(self.stored) if rng.random() < 0.5 else NEW_FROM + rng.randrange(10**6)
        form = {
            "client": self.client_key,
            "user": self.user_key,
            "duration": str(duration(n)),
            "fingerprint": encode_fingerprint(flip(rng, recording(n), 0.02)),
            "mbid": str(uuid.UUID(int=n)),
            "track": f"Recording {n}",
        }
        started = time.monotonic()
        outcome, body = post(f"{self.base_url}/v2/submit", form)
        ids: tuple[int, ...] = ()
        if outcome == OK:
            ids = tuple(int(s["id"]) for s in body.get("submissions", []))
            if len(ids) != 1:
                outcome = f"{WRONG}: {len(ids)} ids for one submission"
        now = time.monotonic()
        return Answer(now, now - started, SUBMIT, outcome, ids)


def burst(base_url: str, client_key: str, count: int) -> list[str]:
    """``count`` track-id lookups of one application at once (quick ones: the limiter's probe)."""
    form = {"client": client_key, "trackid": str(uuid.UUID(int=1))}
    return [post(f"{base_url}/v2/lookup", form)[0] for _ in range(count)]
