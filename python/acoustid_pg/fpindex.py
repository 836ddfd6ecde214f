"""The ``fpindex`` JetStream stream: each fingerprint's search terms for indexes on other hosts.

Subject ``fpindex.changes.<fingerprint_id>``, one message kept per subject
(``max_msgs_per_subject=1``), so the stream holds every fingerprint's latest state and a new
index reads it whole, then follows what comes next. A message is JSON::

    {"op": "insert" | "update" | "delete", "id": 123, "change": 456,
     "query": [..query terms..], "simhash": -123456 | null}

``change`` is the ``fingerprint_changelog`` id the message is current to; ``query`` the terms
after the change (before it, for a delete); ``simhash`` the fingerprint's simhash
(``acoustid_simhash``) when published, null for a delete or a fingerprint already gone.
``acoustid-pg publish-changes`` publishes the changelog (``acoustid_pg.changelog_publisher``),
``acoustid-pg backfill fpindex`` every existing fingerprint, for a new stream.

``read_search_terms(js)`` is the consumer example: the set of search terms the stream stands
for, which must equal the database's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from .changelog import SearchTerms
from .nats_bridge import JetStream

STREAM: Final = "fpindex"
SUBJECT_PREFIX: Final = "fpindex.changes"
OPS: Final = ("insert", "update", "delete")


def subject(fingerprint_id: int) -> str:
    return f"{SUBJECT_PREFIX}.{fingerprint_id}"


def ensure_stream(js: JetStream) -> None:
    """The stream, created with one message per subject if missing (an existing one is kept as is)."""
    js.ensure_stream(STREAM, [f"{SUBJECT_PREFIX}.*"], max_msgs_per_subject=1)


@dataclass(frozen=True)
class FingerprintMessage:
    op: str
    fingerprint_id: int
    change_id: int
    query: SearchTerms
    simhash: int | None

    def encode(self) -> bytes:
        body = {
            "op": self.op,
            "id": self.fingerprint_id,
            "change": self.change_id,
            "query": list(self.query),
            "simhash": self.simhash,
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> FingerprintMessage:
        """ValueError for anything but a message as described in the module doc."""
        body: Any = json.loads(data)
        if not isinstance(body, dict) or body.get("op") not in OPS:
            raise ValueError(f"not an fpindex message: {data[:80]!r}")
        query, simhash = body.get("query"), body.get("simhash")
        if not isinstance(query, list) or not all(type(term) is int for term in query):
            raise ValueError(f"fpindex message without a list of query terms: {data[:80]!r}")
        if simhash is not None and type(simhash) is not int:
            raise ValueError(f"fpindex message with a bad simhash: {data[:80]!r}")
        if type(body.get("id")) is not int or type(body.get("change")) is not int:
            raise ValueError(f"fpindex message without ids: {data[:80]!r}")
        return cls(body["op"], body["id"], body["change"], tuple(query), simhash)


def read_search_terms(js: JetStream) -> dict[int, SearchTerms]:
    """Every fingerprint's search terms as the stream has them (its last message per subject;
    a fingerprint whose last message is a delete is absent)."""
    terms: dict[int, SearchTerms] = {}
    for stored in js.last_per_subject(STREAM, f"{SUBJECT_PREFIX}.*"):
        message = FingerprintMessage.decode(stored.data)
        if message.op == "delete":
            terms.pop(message.fingerprint_id, None)
        else:
            terms[message.fingerprint_id] = message.query
    return terms
