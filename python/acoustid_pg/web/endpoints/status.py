"""``/v2/submission_status``: ``pending``, ``imported`` (with the track that holds it now),
and two states AcoustID never reports: ``skipped`` (with the worker's ``reason``) instead
of "pending" forever, and ``unknown`` for ids that name no submission. A client that only
knows pending/imported stops polling on either and never sees a ``result`` it cannot use.
"""

from __future__ import annotations

from typing import Any, Final

from ...submission_status import IMPORTED, SKIPPED
from ..app import Call
from .keys import backend, client, rate_limit

MAX_IDS: Final = 1000
MAX_ID: Final = 2**31 - 1


async def submission_status(call: Call) -> dict[str, Any]:
    app = await client(call)
    ids = []
    for value in call.params.getall("id")[:MAX_IDS]:
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID:
            ids.append(int(text))  # anything else is dropped silently, as AcoustID does
    await rate_limit(call, app)
    statuses = await call.service.run(backend(call).submission_statuses, ids) if ids else []
    answers = []
    for status in statuses:
        answer: dict[str, Any] = {"id": status.id, "status": status.status}
        if status.status == IMPORTED:
            answer["result"] = {"id": str(status.track_gid)}
        elif status.status == SKIPPED:
            answer["reason"] = status.reason
        answers.append(answer)
    return {"submissions": answers}
