"""A cluster of a test's own, for tests that stop, crash, copy or replicate a server.

``own_deployment()`` starts a throwaway cluster, runs ``acoustid-pg init`` on it (the three
databases under their default names) and yields a Deployment; everything is stopped and
removed afterwards. Durable commits (``synchronous_commit = on``): a crash test must not
lose what a commit acknowledged. ``fsync = off`` stays, since the OS itself never crashes here.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable, Iterator

import acoustid_pg
from acoustid_pg import cli
from acoustid_pg.cluster import Cluster
from acoustid_pg.settings import DEFAULT_NAMES
from tests.support.management import Deployment, server_conninfo

DURABLE = {"synchronous_commit": "on"}


def init_deployment(cluster: Cluster, *, max_size: int = 8) -> Deployment:
    """``acoustid-pg init`` against ``cluster``, and a Deployment with a client of its three databases."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = cli.main(["init", "--dsn", server_conninfo(cluster)])
    assert status == 0, output.getvalue()
    return connect_deployment(cluster, max_size=max_size)


def connect_deployment(cluster: Cluster, *, max_size: int = 8) -> Deployment:
    """A Deployment of an initialized cluster (default database names)."""
    client = acoustid_pg.connect(server_conninfo(cluster), max_size=max_size)
    return Deployment(cluster, dict(DEFAULT_NAMES), client)


@contextlib.contextmanager
def own_cluster(**settings: str) -> Iterator[Cluster]:
    cluster = Cluster.temporary(**{**DURABLE, **settings})
    try:
        yield cluster.start()
    finally:
        cluster.stop("immediate")


@contextlib.contextmanager
def own_deployment(**settings: str) -> Iterator[Deployment]:
    with own_cluster(**settings) as cluster:
        deployment = init_deployment(cluster)
        try:
            yield deployment
        finally:
            deployment.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``condition`` until it holds; fail the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
