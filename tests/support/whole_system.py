"""The whole system as real processes, for the fault test and its bench (``python -m bench
faults``): PostgreSQL on a cluster of its own, redis-server, nats-server (JetStream), two
``acoustid-pg worker --nats`` processes and ``acoustid-pg serve --workers 2 --redis --nats``;
each can be killed and started again while ``fault_load.Load`` keeps clients busy.

Faults are injected one at a time: kill, stay down ``down`` seconds, start again, wait
until a lookup and a submit have succeeded after the restart, then ``settle`` seconds of
steady load. Every answer is attributed to the fault whose kill came last before it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from acoustid_pg.cluster import Cluster
from acoustid_pg.nats_server import NatsServer, free_port
from acoustid_pg.redis_server import RedisServer
from acoustid_pg.web.ratelimit import SPAN
from tests.support.driver import REPO, count_mismatches, worker_command
from tests.support.fault_load import LOOKUP, OK, SUBMIT, Answer, Load, burst
from tests.support.management import Deployment
from tests.support.own_cluster import DURABLE, connect_deployment, init_deployment, wait_until
from tests.support.reliability import assert_nothing_half_written, stored_rows

FAULTS: Final = ("redis-server", "nats-server", "worker", "web service", "PostgreSQL")
LOW_RATE: Final = 0.25  # requests/s of the probe application: 5 in the limiter's 20 s
BURST: Final = 12
START_TIMEOUT: Final = 60.0


@dataclass(frozen=True)
class Plan:
    rounds: int = 2  # each fault this many times
    down: float = 1.5  # seconds a killed server stays down
    # PostgreSQL's outages, round after round: a short one, which requests wait out (the pools
    # wait up to 10 s for a connection), and one longer than that, answered with 503 code 13.
    postgres_down: tuple[float, ...] = (1.5, 12.0)
    settle: float = 1.5  # seconds of steady load after each recovery
    stored: int = 300  # bulk-loaded recordings the lookups find
    lookups: int = 3  # lookup client threads
    submitters: int = 2  # submit client threads
    pause: float = 0.0  # seconds a client waits between two requests


@dataclass
class Fault:
    name: str
    round: int
    killed: float
    restarted: float = 0.0  # when the restart began
    up: float = 0.0  # when the restart returned
    probes: dict[str, list[str]] = field(default_factory=dict)  # the rate limiter's bursts


@dataclass
class Run:
    """What a fault run saw: the faults, every answer, and the ids the service accepted."""

    faults: list[Fault]
    load: Load

    def window(self, fault: Fault) -> tuple[float, float]:
        """From the kill until the next fault's kill (or the end of the load)."""
        later = [f.killed for f in self.faults if f.killed > fault.killed]
        return fault.killed, min(later, default=self.load.stopped)

    def during(self, fault: Fault) -> list[Answer]:
        start, end = self.window(fault)
        return [a for a in self.load.answers if start <= a.at < end]

    def errors(self, fault: Fault) -> Counter[str]:
        return Counter(f"{a.kind}: {a.outcome}" for a in self.during(fault) if a.outcome != OK)

    def steady_errors(self) -> Counter[str]:
        first = min((f.killed for f in self.faults), default=self.load.stopped)
        before = [a for a in self.load.answers if a.at < first]
        return Counter(f"{a.kind}: {a.outcome}" for a in before if a.outcome != OK)

    def slowest(self, fault: Fault) -> float:
        return max((a.seconds for a in self.during(fault)), default=0.0)

    def recovery(self, fault: Fault, kind: str) -> float | None:
        """Seconds from the start of the restart to the first ``ok`` of ``kind`` after it."""
        after = [
            a.at for a in self.during(fault) if a.kind == kind and a.outcome == OK and a.at >= fault.restarted
        ]
        return min(after) - fault.restarted if after else None

    def accepted_ids(self) -> list[int]:
        accepted = [a for a in self.load.answers if a.kind == SUBMIT and a.outcome == OK]
        return [i for a in accepted for i in a.submission_ids]

    def rate(self, kind: str | None = None) -> float:
        """``ok`` answers per second over the whole run (faults included)."""
        ok = [a for a in self.load.answers if a.outcome == OK and (kind is None or a.kind == kind)]
        return len(ok) / max(self.load.stopped - self.load.started, 1e-9)

    def outcomes(self) -> Counter[str]:
        return Counter(a.outcome for a in self.load.answers)


class System:
    """The processes, started by ``start()`` and stopped by ``stop()`` (whatever state they are in)."""

    def __init__(self, workdir: Path, plan: Plan) -> None:
        self.workdir = workdir
        self.plan = plan
        self.cluster = Cluster.temporary(**DURABLE)
        self.redis = RedisServer(base_dir=workdir / "redis", persistent=False)
        self.nats = NatsServer(base_dir=workdir / "nats", persistent=False)
        self.port = free_port()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.web: subprocess.Popen[str] | None = None
        self.client_key = self.user_key = ""
        self.low_key = ""
        self._logs: list[IO[bytes]] = []
        self.deployment: Deployment | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- starting and stopping ---

    def start(self) -> System:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cluster.start()
        deployment = init_deployment(self.cluster)
        try:
            deployment.client.bulk_load(stored_rows(self.plan.stored))
            accounts = deployment.client.accounts
            account = accounts.create_account("fault test")
            load_app = accounts.create_application("load", account_id=account.id, version="1")
            low_app = accounts.create_application("probe", account_id=account.id, version="1")
            assert account.apikey and load_app.apikey and low_app.apikey
            self.user_key, self.client_key, self.low_key = account.apikey, load_app.apikey, low_app.apikey
            self._config(low_app.id)
        finally:
            deployment.close()  # its connections would not survive the PostgreSQL restarts
        self.deployment = deployment  # closed: kept for its cluster and database names
        self.redis.start()
        self.nats.start()
        self.workers = [self._start_worker(n) for n in range(2)]
        self.start_web()
        return self

    def _config(self, low_app_id: int | None) -> None:
        (self.workdir / "config.ini").write_text(
            "[database]\n[rate_limiter]\nglobal = 1000000\napplication = 1000000\nip = 1000000\n"
            f"application.{low_app_id} = {LOW_RATE}\n"
        )

    def _log(self, name: str) -> IO[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop())
        self._logs.append(log)
        return log

    def _database_args(self) -> list[str]:
        assert self.deployment is not None
        return worker_command(self.deployment)[1:]

    def _start_worker(self, n: int) -> subprocess.Popen[bytes]:
        assert self.deployment is not None
        command = worker_command(self.deployment, "-m", "acoustid_pg", "worker", "--nats", self.nats.url,
                                 "--poll", "2", "--ack-wait", "5", "--batch-size", "20")  # fmt: skip
        return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=self._log(f"worker{n}"))

    def start_web(self) -> None:
        config = str(self.workdir / "config.ini")
        command = [sys.executable, "-m", "acoustid_pg.cli", "serve", "--config", config,
                   *self._database_args(), "--port", str(self.port), "--workers", "2",
                   "--redis", self.redis.url, "--nats", self.nats.url]  # fmt: skip
        # A session of its own: the kill takes the serving processes it forked with it.
        web = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=self._log("web"), text=True,
                               start_new_session=True)  # fmt: skip
        assert web.stdout is not None
        line = web.stdout.readline()
        if not line.startswith("serving the AcoustID API"):
            _kill_group(web)
            raise AssertionError(f"serve did not start: {line!r} (log: {self.workdir / 'web.log'})")
        self.web = web

    def stop(self) -> None:
        """Everything down: clean stops where the process is alive, the cluster removed."""
        with contextlib.suppress(Exception):
            if self.web is not None and self.web.poll() is None:
                self.web.send_signal(signal.SIGTERM)
                self.web.wait(30)
        if self.web is not None:
            _kill_group(self.web)
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
        self.nats.stop()
        self.redis.stop()
        self.cluster.stop("immediate")
        for log in self._logs:
            log.close()

    # --- the faults: kill, then start again ---

    def kill(self, name: str) -> None:
        if name == "redis-server":
            os.kill(int((self.redis.base_dir / "redis.pid").read_text()), signal.SIGKILL)
            wait_until(lambda: not self.redis.running(), 10, "redis-server to die")
        elif name == "nats-server":
            self.nats.kill()
        elif name == "worker":
            self.workers[0].send_signal(signal.SIGKILL)
            self.workers[0].wait(10)
        elif name == "web service":
            assert self.web is not None
            _kill_group(self.web)
        elif name == "PostgreSQL":
            self.cluster.halt("immediate")
        else:
            raise ValueError(name)

    def restart(self, name: str) -> None:
        if name == "redis-server":
            self.redis.start()
        elif name == "nats-server":
            self.nats.start()
        elif name == "worker":
            self.workers[0] = self._start_worker(0)
        elif name == "web service":
            self.start_web()
        elif name == "PostgreSQL":
            self.cluster.start()
        else:
            raise ValueError(name)

    def alive(self) -> dict[str, bool]:
        """Whether each process we did not just kill is still running (none may die on its own)."""
        return {
            "web service": self.web is not None and self.web.poll() is None,
            **{f"worker {n}": w.poll() is None for n, w in enumerate(self.workers)},
            "redis-server": self.redis.running(),
            "nats-server": self.nats.running(),
            "PostgreSQL": self.cluster.running(),
        }

    def pending(self) -> int:
        deployment = connect_deployment(self.cluster, max_size=1)
        try:
            row = deployment.ingest.execute("SELECT count(*) FROM pending_submission").fetchone()
            return int(row[0]) if row else -1
        finally:
            deployment.close()


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def inject(system: System, load: Load, name: str, round: int, plan: Plan) -> Fault:
    """One fault: kill, ``down`` seconds, restart, until a lookup and a submit succeed again."""
    fault = Fault(name, round, killed=time.monotonic())
    system.kill(name)
    if name == "redis-server":  # while Redis is away the limiter lets everything through
        time.sleep(0.2)
        fault.probes["redis down"] = burst(system.url, system.low_key, BURST)
    down = plan.postgres_down[round % len(plan.postgres_down)] if name == "PostgreSQL" else plan.down
    time.sleep(max(0.0, down - (time.monotonic() - fault.killed)))
    fault.restarted = time.monotonic()
    system.restart(name)
    fault.up = time.monotonic()

    def served(kind: str) -> bool:
        return any(a.kind == kind and a.outcome == OK for a in load.since(fault.up))

    wait_until(lambda: served(LOOKUP) and served(SUBMIT), START_TIMEOUT, f"service after restarting {name}")
    if name == "redis-server":  # and once it is back, it refuses again
        time.sleep(1.5)  # past the pause the service takes after a Redis failure
        fault.probes["redis back"] = burst(system.url, system.low_key, BURST)
    time.sleep(plan.settle)
    return fault


def run_faults(system: System, plan: Plan, on_fault: Callable[[Fault], None] | None = None) -> Run:
    """The load from start to end, every fault ``plan.rounds`` times; then the backlog drained."""
    load = Load(system.url, client_key=system.client_key, user_key=system.user_key, stored=plan.stored,
                lookups=plan.lookups, submitters=plan.submitters, pause=plan.pause).start()  # fmt: skip
    faults: list[Fault] = []
    try:
        time.sleep(plan.settle)
        for round in range(plan.rounds):
            for name in FAULTS:
                faults.append(inject(system, load, name, round, plan))
                if on_fault is not None:
                    on_fault(faults[-1])
    finally:
        load.stop()
    return Run(faults, load)


def drained(system: System, timeout: float = 120.0) -> None:
    wait_until(lambda: system.pending() == 0, timeout, "the workers to import every pending submission", 0.5)


def limit_in_window() -> int:
    """How many requests the probe application may make in the limiter's 20 s."""
    return int(LOW_RATE * SPAN)


@contextlib.contextmanager
def running_system(workdir: Path, plan: Plan) -> Iterator[System]:
    system = System(workdir, plan)
    try:
        yield system.start()
    finally:
        system.stop()


def assert_imported_once(deployment: Deployment, accepted: list[int], bulk_loaded: int) -> int:
    """Each accepted id imported once (one result, one fingerprint_source row); no submission
    of any kind (those whose answer was lost included) imported twice or half. Returns how many
    submissions were committed without their ``ok`` reaching the client."""
    assert len(accepted) == len(set(accepted)), "the service gave one id to two submissions"
    ingest, fp = deployment.ingest, deployment.fp
    imported: dict[int, int] = dict(
        ingest.execute(
            "SELECT submission_id, fingerprint_id FROM submission_result WHERE skip_reason IS NULL"
        ).fetchall()
    )
    assert sorted(set(accepted) - imported.keys()) == []  # none lost, none skipped
    sources = fp.execute(
        "SELECT submission_id, count(*), min(fingerprint_id) FROM fingerprint_source GROUP BY 1"
    ).fetchall()
    assert [row for row in sources if row[1] != 1] == []  # none imported twice
    assert {s: f for s, _, f in sources} == imported  # the same fingerprint on both sides
    for table in ("track_mbid_source", "track_meta_source"):
        twice = fp.execute(f"SELECT submission_id FROM {table} GROUP BY 1 HAVING count(*) > 1").fetchall()
        assert twice == [], table
    handled = ingest.execute(
        "SELECT count(*) FILTER (WHERE NOT handled), count(*) FROM submission"
    ).fetchone()
    assert handled is not None and handled[0] == 0 and handled[1] >= len(accepted)
    assert count_mismatches(fp) == []
    assert_nothing_half_written(deployment, bulk_loaded=bulk_loaded)
    return int(handled[1]) - len(accepted)


TABLE_HEADER: Final = [
    "fault", "down s", "errors seen by clients", "first lookup s", "first submit s", "slowest answer s"
]  # fmt: skip


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f}"


def fault_table(run: Run) -> list[list[str]]:
    """One row per fault: how long it was down, the clients' errors by kind, and the seconds
    from the start of the restart to the first ok lookup and the first ok submit."""
    rows = []
    for fault in run.faults:
        errors = ", ".join(f"{count} {what}" for what, count in sorted(run.errors(fault).items())) or "none"
        rows.append([
            f"{fault.name} #{fault.round + 1}", f"{fault.restarted - fault.killed:.1f}", errors,
            _seconds(run.recovery(fault, LOOKUP)), _seconds(run.recovery(fault, SUBMIT)),
            f"{run.slowest(fault):.1f}",
        ])  # fmt: skip
    return rows


def summary(run: Run) -> str:
    seconds = run.load.stopped - run.load.started
    return (
        f"{len(run.load.answers):,} requests in {seconds:.0f} s: {run.rate():.1f} ok/s "
        f"({run.rate(LOOKUP):.1f} lookups/s, {run.rate(SUBMIT):.1f} submits/s), "
        f"{len(run.accepted_ids()):,} submissions accepted; outcomes {dict(run.outcomes())}"
    )
