"""AcoustID's own v2 test fixture (tests/__init__.py of acoustid-server) rebuilt in this
project's terms: the same keys, track gids, MBIDs and metadata; our own fingerprint."""

from __future__ import annotations

import random
from typing import Final

from acoustid_pg.fingerprint import encode_fingerprint
from acoustid_pg.synthetic import walk
from tests.support.management import Deployment, scalar

TRACK_GIDS: Final = (
    "eb31d1c3-950e-468b-9e36-e46fa75b1291",
    "92732e4b-97c6-4250-b237-1636384d466f",
    "30e66c45-f761-490a-b1bd-55763e8b59be",
    "014e973b-368e-42bf-b619-84cab14c4af6",
)
ENABLED_MBID: Final = "b81f83ee-4da4-11e0-9ed8-0025225356f3"
DISABLED_MBID: Final = "54b7b412-fc69-4fc7-8c96-17800eda3a98"
LENGTH: Final = 260
FP_ITEMS: Final = walk(random.Random(1), 2000)
FP: Final = encode_fingerprint(FP_ITEMS)


def load_fixture(deployment: Deployment) -> dict[str, int]:
    """Accounts user1key/user2key, applications app1key/app2key, four tracks, two MBID links
    (one disabled) and two metadata rows on track 1; returns the ids made."""
    app = deployment.app
    ids = {
        "user1": scalar(
            app, "INSERT INTO account (name, apikey_hash) VALUES ('User 1', sha256('user1key')) RETURNING id"
        ),
        "user2": scalar(
            app, "INSERT INTO account (name, apikey_hash) VALUES ('User 2', sha256('user2key')) RETURNING id"
        ),
    }
    for name, account in (("app1", "user1"), ("app2", "user2")):
        ids[name] = scalar(
            app,
            "INSERT INTO application (name, version, apikey_hash, account_id)"
            " VALUES (%s, '0.1', sha256(convert_to(%s, 'UTF8')), %s) RETURNING id",
            [f"App {name[-1]}", f"{name}key", ids[account]],
        )
    fp = deployment.fp
    for n, gid in enumerate(TRACK_GIDS, 1):
        ids[f"track{n}"] = scalar(fp, "INSERT INTO track (gid) VALUES (%s) RETURNING id", [gid])
    fp.execute(
        "INSERT INTO track_mbid (track_id, mbid, submission_count, disabled)"
        " VALUES (%s, %s, 1, false), (%s, %s, 1, true)",
        [ids["track1"], ENABLED_MBID, ids["track1"], DISABLED_MBID],
    )
    for n, count in ((1, 1), (2, 10)):
        meta = scalar(
            fp,
            "INSERT INTO meta (track, artist) VALUES (%s, 'Custom Artist') RETURNING id",
            [f"Custom Track {n}"],
        )
        fp.execute(
            "INSERT INTO track_meta (track_id, meta_id, submission_count) VALUES (%s, %s, %s)",
            [ids["track1"], meta, count],
        )
    return ids


def add_fingerprint(deployment: Deployment, track_id: int) -> int:
    return int(
        scalar(
            deployment.fp,
            "INSERT INTO fingerprint (length, fingerprint, track_id, submission_count) VALUES (%s, %s, %s, 1)"
            " RETURNING id",
            [LENGTH, FP_ITEMS, track_id],
        )
    )
