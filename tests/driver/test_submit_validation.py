"""Bad submissions: a typed exception naming the field and the problem, and nothing written."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from acoustid_pg.api import AcoustID
from acoustid_pg.errors import AcoustidError, InvalidArgumentError, NotFoundError
from acoustid_pg.submission import Submission
from tests.support.driver import Submitter, new_submitter, walk
from tests.support.management import Deployment, scalar

GOOD: dict[str, Any] = {
    "fingerprint": walk(random.Random(1), 200),
    "duration": 120,
    "mbids": [uuid.UUID(int=1)],
}

BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"fingerprint": []}, "fingerprint", "must not be empty"),
    ({"fingerprint": [1, "2"]}, "fingerprint", "item 1 is str, not an integer"),
    ({"fingerprint": [1, None]}, "fingerprint", "item 1 is NoneType, not an integer"),
    ({"fingerprint": [True, 2]}, "fingerprint", "item 0 is bool"),
    ({"fingerprint": [2**31]}, "fingerprint", "out of the int4 range"),
    ({"fingerprint": [-(2**31) - 1]}, "fingerprint", "out of the int4 range"),
    ({"fingerprint": [[1, 2]]}, "fingerprint", "item 0 is list"),
    ({"fingerprint": b"AQAA"}, "fingerprint", "expected a sequence of int4 items, got bytes"),
    ({"fingerprint": 42}, "fingerprint", "got int"),
    ({"fingerprint": "not base64!"}, "fingerprint", "outside the URL-safe base64 alphabet"),
    ({"fingerprint": "AQ"}, "fingerprint", "invalid compressed fingerprint"),
    ({"fingerprint": "AQAAAw"}, "fingerprint", "invalid compressed fingerprint"),
    ({"fingerprint": "AQAAAA"}, "fingerprint", "holds no items"),
    ({"duration": 0}, "duration", "between 1 and 32767"),
    ({"duration": 32768}, "duration", "between 1 and 32767"),
    ({"duration": -5}, "duration", "between 1 and 32767"),
    ({"duration": "30"}, "duration", "expected an integer, got str"),
    ({"duration": 30.5}, "duration", "expected an integer, got float"),
    ({"duration": True}, "duration", "got bool"),
    ({"duration": None}, "duration", "got NoneType"),
    ({"bitrate": 0}, "bitrate", "between 1 and 32767"),
    ({"bitrate": -128}, "bitrate", "between 1 and 32767"),
    ({"bitrate": 40000}, "bitrate", "between 1 and 32767"),
    ({"bitrate": "128"}, "bitrate", "expected an integer"),
    ({"mbids": ["not-a-uuid"]}, "mbids[0]", "is not a valid UUID"),
    ({"mbids": [uuid.UUID(int=1), 5]}, "mbids[1]", "expected a UUID, got int"),
    ({"mbids": 5}, "mbids", "expected a sequence of UUIDs"),
    ({"mbids": ["6f1c8c5e-0000-0000-0000-00000000000"]}, "mbids[0]", "is not a valid UUID"),
    ({"puid": "xyz"}, "puid", "is not a valid UUID"),
    ({"foreignid": "nocolon"}, "foreignid", "expected vendor:id"),
    ({"foreignid": "discogs:"}, "foreignid", "expected vendor:id"),
    ({"foreignid": ":123"}, "foreignid", "vendor ''"),
    ({"foreignid": "Disc ogs:1"}, "foreignid", "lower-case letters"),
    ({"foreignid": "discogs: 1"}, "foreignid", "no edge spaces"),
    ({"foreignid": "discogs:" + "x" * 256}, "foreignid", "1 to 255 printable characters"),
    ({"foreignid": 5}, "foreignid", "expected a string"),
    ({"format": "MP 3"}, "format", "is not a format name"),
    ({"format": ""}, "format", "must not be empty"),
    ({"format": "x" * 21}, "format", "at most 20 characters"),
    ({"format": 3}, "format", "expected a string"),
    ({"meta": {"title": "x"}}, "meta", "unknown field 'title'"),
    ({"meta": {"track": 5}}, "meta.track", "expected a string"),
    ({"meta": {"year": "2001"}}, "meta.year", "expected an integer"),
    ({"meta": {"track_no": 0}}, "meta.track_no", "between 1 and"),
    ({"meta": {"track": "x" * 256}}, "meta.track", "at most 255 characters"),
    ({"meta": [("track", "x")]}, "meta", "expected a mapping"),
    ({"application_version": "v" * 256}, "application_version", "at most 255 characters"),
    ({"account_id": 0}, "account_id", "between 1 and"),
    ({"application_id": "1"}, "application_id", "expected an integer"),
    ({"mbids": [], "meta": {"track": None}}, "mbids", "needs at least one MBID, a PUID or metadata"),
]


def submit(client: AcoustID, submitter: Submitter, **changes: Any) -> list[int]:
    fields = {
        **GOOD,
        "account_id": submitter.account_id,
        "application_id": submitter.application_id,
        **changes,
    }
    return client.submit(fields.pop("fingerprint"), fields.pop("duration"), **fields)


def assert_nothing_written(deployment: Deployment) -> None:
    assert scalar(deployment.ingest, "SELECT count(*) FROM submission") == 0
    assert scalar(deployment.ingest, "SELECT count(*) FROM pending_submission") == 0
    assert scalar(deployment.fp, "SELECT count(*) FROM format") == 7  # the seeded ones


@pytest.mark.parametrize(
    ("changes", "field", "problem"), BAD, ids=[f"{f}-{n}" for n, (_, f, _) in enumerate(BAD)]
)
def test_bad_field(
    deployment: Deployment,
    client: AcoustID,
    submitter: Submitter,
    changes: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        submit(client, submitter, **{"format": "newformat", **changes})
    assert raised.value.field == field
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"{field}: ")
    assert isinstance(raised.value, AcoustidError) and isinstance(raised.value, ValueError)
    assert_nothing_written(deployment)


def test_unknown_or_inactive_submitters(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    inactive = new_submitter(deployment, active=False)
    cases = [
        ({"account_id": 999_999}, NotFoundError, "account_id", "no account 999999"),
        ({"application_id": 999_999}, NotFoundError, "application_id", "no application 999999"),
        ({"application_id": inactive.application_id}, InvalidArgumentError, "application_id", "is inactive"),
    ]
    for changes, kind, field, problem in cases:
        with pytest.raises(kind) as raised:
            submit(client, submitter, **changes, format="newformat")
        assert raised.value.field == field and problem in raised.value.problem
    assert_nothing_written(deployment)


def test_one_bad_submission_stops_the_whole_batch(
    deployment: Deployment, client: AcoustID, submitter: Submitter
) -> None:
    who = {"account_id": submitter.account_id, "application_id": submitter.application_id}
    good = Submission.create(GOOD["fingerprint"], 120, mbids=GOOD["mbids"], **who)
    stranger = Submission.create(
        GOOD["fingerprint"], 120, mbids=GOOD["mbids"], account_id=999_999, application_id=1
    )
    with pytest.raises(NotFoundError):
        client.submit_many([good, stranger])
    with pytest.raises(InvalidArgumentError, match=r"submissions\[1\]: expected a Submission"):
        client.submit_many([good, {"fingerprint": [1]}])
    assert_nothing_written(deployment)


def test_duplicate_mbids_count_once(client: AcoustID, submitter: Submitter) -> None:
    mbid = uuid.UUID(int=7)
    assert len(submit(client, submitter, mbids=[mbid, str(mbid), mbid])) == 1
