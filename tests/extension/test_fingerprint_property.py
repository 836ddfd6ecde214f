"""SQL and Python run one C core: property tests that they agree bit for bit,
and that both agree with the plain-Python model of the spec."""

from __future__ import annotations

import struct

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acoustid_pg import fingerprint
from tests.support import spec_model
from tests.support.strategies import fingerprint_pairs, fingerprints, maxoffsets

PROPERTY = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def bits(x: float) -> bytes:
    """A float4's bit pattern (SQL's text output round-trips through float4)."""
    return struct.pack("<f", x)


@pytest.fixture(scope="module")
def sql(cluster: object) -> psycopg.Connection:
    from acoustid_pg.cluster import Cluster

    assert isinstance(cluster, Cluster)
    with psycopg.connect(cluster.conninfo("acoustid_template"), autocommit=True) as conn:
        yield conn


@PROPERTY
@given(pair=fingerprint_pairs(), maxoffset=maxoffsets)
def test_compare2_sql_python_and_model_agree(
    sql: psycopg.Connection, pair: tuple[list[int], list[int]], maxoffset: int
) -> None:
    a, b = pair
    row = sql.execute("SELECT acoustid_compare2(%s::int4[], %s::int4[], %s)", (a, b, maxoffset)).fetchone()
    assert row is not None
    python = fingerprint.compare2(a, b, maxoffset)
    assert bits(row[0]) == bits(python)
    assert bits(python) == bits(spec_model.compare2(a, b, maxoffset))


@PROPERTY
@given(pair=fingerprint_pairs(), maxoffset=st.integers(-1, 150))
def test_compare_and_compare3_agree(
    sql: psycopg.Connection, pair: tuple[list[int], list[int]], maxoffset: int
) -> None:
    a, b = pair[0][:250], pair[1][:250]
    row = sql.execute(
        "SELECT acoustid_compare(%s::int4[], %s::int4[]), acoustid_compare3(%s::int4[], %s::int4[], %s)",
        (a, b, a, b, maxoffset),
    ).fetchone()
    assert row is not None
    assert bits(row[0]) == bits(fingerprint.compare(a, b)) == bits(spec_model.compare(a, b))
    assert (
        bits(row[1])
        == bits(fingerprint.compare3(a, b, maxoffset))
        == bits(spec_model.compare3(a, b, maxoffset))
    )


@PROPERTY
@given(fp=fingerprints, algorithm=st.integers(0, 255))
def test_single_fingerprint_functions_agree(sql: psycopg.Connection, fp: list[int], algorithm: int) -> None:
    row = sql.execute(
        """SELECT acoustid_extract_query(%(fp)s::int4[]), acoustid_simhash(%(fp)s::int4[]),
                  acoustid_encode_fingerprint(%(fp)s::int4[], %(alg)s),
                  acoustid_simhash_cube(%(fp)s::int4[])::text""",
        {"fp": fp, "alg": algorithm},
    ).fetchone()
    assert row is not None
    query, simhash, encoded, cube = row
    assert query == fingerprint.extract_query(fp) == spec_model.extract_query(fp)
    assert simhash == fingerprint.simhash(fp) == spec_model.simhash(fp)
    assert encoded == fingerprint.encode_fingerprint(fp, algorithm)
    assert fingerprint.decode_fingerprint(encoded) == fp
    assert fingerprint.fingerprint_algorithm(encoded) == algorithm
    assert cube == "(" + ", ".join(str(int(c)) for c in fingerprint.simhash_cube(fp)) + ")"


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@PROPERTY
@given(text=st.one_of(st.text(alphabet=ALPHABET, max_size=80), st.text(max_size=20)))
def test_decoder_errors_agree(sql: psycopg.Connection, text: str) -> None:
    """Any text: both sides decode it to the same items or both refuse it."""
    if "\x00" in text:
        return  # PostgreSQL text cannot hold NUL
    try:
        python: list[int] | None = fingerprint.decode_fingerprint(text)
    except fingerprint.FingerprintError:
        python = None
    try:
        row = sql.execute("SELECT acoustid_decode_fingerprint(%s)", (text,)).fetchone()
        assert row is not None
        in_sql = row[0]
    except psycopg.errors.InvalidTextRepresentation:
        in_sql = None
    assert in_sql == python
