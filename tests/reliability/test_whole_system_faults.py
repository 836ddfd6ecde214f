"""The whole system under faults, with real processes only: PostgreSQL on a cluster of its
own, redis-server, nats-server, two ``worker --nats`` processes and ``serve --workers 2``
under steady lookup and submit load from client threads over HTTP. redis-server,
nats-server, a worker and the web service are SIGKILLed and PostgreSQL stopped with
``pg_ctl stop -m immediate``, each twice, and all started again (see
tests/support/whole_system.py; ``python -m bench faults`` is the longer run).

Afterwards: every submission the service answered ``ok`` for is imported exactly once;
no answer was a 500 or anything but an AcoustID body (503 with code 13 while PostgreSQL is
down, connections refused or dropped while the web service restarts); the rate limiter
let everything through while Redis was away and refused again once it was back.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from acoustid_pg.nats_bridge import JetStream
from acoustid_pg.submission_feed import STREAM
from tests.support.fault_load import DROPPED, OK, RATE_LIMITED, REFUSED, UNAVAILABLE
from tests.support.own_cluster import connect_deployment
from tests.support.whole_system import (
    BURST,
    FAULTS,
    TABLE_HEADER,
    Plan,
    Run,
    assert_imported_once,
    drained,
    fault_table,
    limit_in_window,
    run_faults,
    running_system,
    summary,
)

PLAN = Plan()
# What a client may hear during each fault besides ok (its window runs from the kill to the
# next fault's kill, so it includes the recovery and the steady load after it).
EXPECTED = {
    "redis-server": set(),
    "nats-server": set(),
    "worker": set(),
    "web service": {REFUSED, DROPPED},
    "PostgreSQL": {UNAVAILABLE},
}


def assert_answers_as_expected(run: Run) -> None:
    outcomes = run.outcomes()
    assert set(outcomes) <= {OK, UNAVAILABLE, REFUSED, DROPPED}, outcomes  # no 500, timeout, wrong answer
    assert run.steady_errors() == Counter()
    for fault in run.faults:
        unexpected = {
            what for what in run.errors(fault) if what.split(": ", 1)[1] not in EXPECTED[fault.name]
        }
        assert unexpected == set(), (fault.name, fault.round, run.errors(fault))
    # The faults did bite: 503s while PostgreSQL was down, refusals while the service restarted.
    bitten = Counter(what.split(": ", 1)[1] for f in run.faults for what in run.errors(f).elements())
    assert bitten[UNAVAILABLE] > 0 and bitten[REFUSED] > 0, bitten


def assert_rate_limiter_failed_open_and_recovered(run: Run) -> None:
    allowed_in_window = limit_in_window()
    for fault in (f for f in run.faults if f.name == "redis-server"):
        assert fault.probes["redis down"] == [OK] * BURST  # over the limit, let through
        back = fault.probes["redis back"]
        assert set(back) <= {OK, RATE_LIMITED}, back
        # One request may pass unchecked if it meets a connection Redis's restart broke.
        assert BURST - allowed_in_window - 1 <= back.count(RATE_LIMITED) <= BURST - allowed_in_window, back


def test_the_whole_system_under_faults(tmp_path: Path) -> None:
    with running_system(tmp_path / "system", PLAN) as system:
        run = run_faults(system, PLAN)
        alive = system.alive()
        drained(system)
        with JetStream.connect(system.nats.url) as js:  # serve --nats announced the submits
            announced = int(js.stream_state(STREAM)["state"]["last_seq"])
        logs = {log.name: log.read_text(errors="replace") for log in system.workdir.glob("*.log")}
        deployment = connect_deployment(system.cluster, max_size=1)
        try:
            assert_imported_once(deployment, run.accepted_ids(), PLAN.stored)
        finally:
            deployment.close()
    print("\n" + summary(run))
    for row in [TABLE_HEADER, *fault_table(run)]:
        print(" | ".join(row))
    assert alive == dict.fromkeys(alive, True)  # nothing died on its own
    assert {name for name, text in logs.items() if "Traceback" in text} == set()  # no crash, no 500
    assert [f.name for f in run.faults] == list(FAULTS) * PLAN.rounds
    assert len(run.accepted_ids()) > 50
    # Submits are announced one message each, except while NATS is away (then the sweep imports).
    assert len(run.accepted_ids()) / 2 < announced <= len(run.accepted_ids()) + 20
    assert_answers_as_expected(run)
    assert_rate_limiter_failed_open_and_recovered(run)
