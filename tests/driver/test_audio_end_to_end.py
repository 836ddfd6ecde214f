"""Real audio end to end: generated recordings submitted, imported by the worker, then identified
from altered copies (resampled, mp3, quieter, trimmed, noisy) through fpcalc and the driver."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from acoustid_pg import audio, samples
from acoustid_pg.audio import AudioFingerprint
from tests.support.driver import assert_exactly_once, new_submitter, run_worker
from tests.support.management import Deployment, scalar

SECONDS = 30
PIECES = [(kind, seed) for kind in samples.KINDS for seed in (21, 22, 23, 24)]  # a dozen
# Seeded, so these are fixed sounds. Band-passed white noise around the same centre sounds
# the same whatever the seed (noise31 scores 0.5 against noise22, both near 2.5 kHz), so the
# unrelated noise is pink noise around 1.2 kHz.
UNRELATED = [("melody", 31), ("speech", 31), ("noise", 33)]


@dataclass(frozen=True)
class Piece:
    name: str
    mbid: uuid.UUID
    original: AudioFingerprint
    variants: dict[str, AudioFingerprint]


def make_piece(folder: Path, kind: str, seed: int, with_variants: bool) -> Piece:
    name = f"{kind}{seed}"
    source = samples.synthesize(kind, seed, SECONDS, folder / f"{name}.wav")
    variants = {}
    for variant in samples.VARIANTS if with_variants else ():
        suffix = ".mp3" if variant == "mp3" else ".wav"
        altered = samples.make_variant(source, variant, folder / f"{name}-{variant}{suffix}")
        variants[variant] = audio.fingerprint_file(altered)
    return Piece(name, uuid.uuid5(uuid.NAMESPACE_URL, name), audio.fingerprint_file(source), variants)


@pytest.fixture(scope="module")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Piece]]:
    folder = tmp_path_factory.mktemp("end_to_end")
    with ThreadPoolExecutor(max_workers=4) as pool:
        known = pool.map(lambda p: make_piece(folder, *p, with_variants=True), PIECES)
        unknown = pool.map(lambda p: make_piece(folder, *p, with_variants=False), UNRELATED)
        return {"known": list(known), "unknown": list(unknown)}


@pytest.fixture(scope="module")
def library(module_deployment: Deployment, pieces: dict[str, list[Piece]]) -> dict[str, uuid.UUID]:
    """The dozen pieces submitted (as fpcalc's compressed strings) and imported by a worker
    process; returns each piece's track gid."""
    submitter = new_submitter(module_deployment)
    ids = []
    for piece in pieces["known"]:
        ids += module_deployment.client.submit(
            piece.original.compressed, piece.original.duration, mbids=[piece.mbid],
            meta={"track": piece.name, "artist": "acoustid-pg tests"}, format="wav",
            account_id=submitter.account_id, application_id=submitter.application_id,
        )  # fmt: skip
    run_worker(module_deployment)
    assert_exactly_once(module_deployment, set(ids))
    results = module_deployment.ingest.execute(
        "SELECT track_id FROM submission_result ORDER BY submission_id"
    )
    tracks = [row[0] for row in results.fetchall()]
    assert len(set(tracks)) == len(PIECES)  # a track each: none of them was taken for another
    gids = dict(module_deployment.fp.execute("SELECT id, gid FROM track").fetchall())
    return {piece.name: gids[track] for piece, track in zip(pieces["known"], tracks)}


@pytest.mark.parametrize("variant", samples.VARIANTS)
def test_each_altered_copy_finds_its_own_track_first(
    module_deployment: Deployment, pieces: dict[str, list[Piece]], library: dict[str, uuid.UUID], variant: str
) -> None:
    for piece in pieces["known"]:
        altered = piece.variants[variant]
        matches = module_deployment.client.lookup(altered.items, altered.duration)
        assert matches, f"{piece.name} {variant}: no match"
        best = matches[0]
        assert best.track_gid == library[piece.name], f"{piece.name} {variant}: {matches}"
        assert best.score > 0.5
        assert [m.mbid for m in best.mbids] == [piece.mbid]


def test_audio_files_are_looked_up_through_fpcalc(
    module_deployment: Deployment, pieces: dict[str, list[Piece]], library: dict[str, uuid.UUID]
) -> None:
    for piece in pieces["known"][::4]:  # one of each kind
        (match, *_) = module_deployment.client.lookup(piece.variants["trimmed"].path, include_meta=True)
        assert match.track_gid == library[piece.name]
        assert [m.track for m in match.meta] == [piece.name]


def test_unrelated_audio_finds_nothing(
    module_deployment: Deployment, pieces: dict[str, list[Piece]], library: dict[str, uuid.UUID]
) -> None:
    for piece in pieces["unknown"]:
        assert module_deployment.client.lookup(piece.original.items, piece.original.duration) == []


def test_a_resubmitted_file_joins_its_track_and_bumps_the_counts(
    module_deployment: Deployment, pieces: dict[str, list[Piece]], library: dict[str, uuid.UUID]
) -> None:
    piece, fp = pieces["known"][0], module_deployment.fp
    client = module_deployment.client
    submitter = new_submitter(module_deployment)
    track = scalar(fp, "SELECT id FROM track WHERE gid = %s", [library[piece.name]])
    before = scalar(fp, "SELECT submission_count FROM fingerprint WHERE track_id = %s", [track])
    again = client.submit(
        piece.original.items, piece.original.duration, mbids=[piece.mbid],
        account_id=submitter.account_id, application_id=submitter.application_id,
    )  # fmt: skip
    mp3 = piece.variants["mp3"]
    other = client.submit(
        mp3.items, mp3.duration, mbids=[piece.mbid],
        account_id=submitter.account_id, application_id=submitter.application_id,
    )  # fmt: skip
    results = {r.submission_id: r for r in client.process_submissions(10)}
    assert results[again[0]].action == "matched_fingerprint"
    assert results[other[0]].track_gid == library[piece.name]
    counts = fp.execute(
        "SELECT sum(submission_count) FROM fingerprint WHERE track_id = %s", [track]
    ).fetchone()
    assert counts == (before + 2,)
    link = fp.execute("SELECT submission_count FROM track_mbid WHERE track_id = %s", [track]).fetchone()
    assert link == (3,)
    assert scalar(fp, "SELECT count(*) FROM track") == len(PIECES)
