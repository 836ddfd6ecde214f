"""The calibrated synthetic generator and the statistics it is fitted with (bench/calibration.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from bench import audio_corpus
from bench.fingerprint_stats import measure
from bench.scaling import parse_sizes

from acoustid_pg import fingerprint, synthetic

LOOKUP_MIN_SCORE = 0.4  # acoustid_lookup_min_score()


@pytest.fixture(scope="module")
def model() -> synthetic.CalibratedModel:
    return synthetic.CalibratedModel(seed=3)


def test_a_calibrated_fingerprint_is_the_same_for_the_same_seed_and_int4(
    model: synthetic.CalibratedModel,
) -> None:
    first = model.fingerprint(random.Random(5), 950)
    again = synthetic.CalibratedModel(seed=3).fingerprint(random.Random(5), 950)
    other = model.fingerprint(random.Random(6), 950)
    assert list(first) == list(again)
    assert list(first) != list(other)
    assert len(first) == 950
    assert all(-(1 << 31) <= item < 1 << 31 for item in first)


def test_calibrated_fingerprints_share_query_terms_where_random_walks_do_not(
    model: synthetic.CalibratedModel,
) -> None:
    calibrated = [list(model.fingerprint(random.Random(n), 200)) for n in range(2000)]
    walks = [synthetic.walk(random.Random(n), 200) for n in range(2000)]
    assert measure(walks).distinct_ratio > 0.999
    shared = measure(calibrated)
    assert shared.distinct_ratio < 0.99
    assert shared.posting_max >= 10


def test_calibrated_neighbours_differ_as_the_fitted_histogram_says(model: synthetic.CalibratedModel) -> None:
    figures = measure([list(model.fingerprint(random.Random(n), 950)) for n in range(300)])
    steps = sum(k * p for k, p in enumerate(synthetic.STEP_FLIPS)) / sum(synthetic.STEP_FLIPS)
    # Steps within a sound, plus a new sound (about 16 flips) at the jump rate and at the
    # vocabulary's run boundaries.
    assert steps < figures.flips_mean < steps + 1.5
    assert figures.flips_zero == pytest.approx(synthetic.STEP_FLIPS[0], abs=0.02)
    busiest = max(range(32), key=lambda b: synthetic.FLIP_RATE[b])
    calmest = min(range(32), key=lambda b: synthetic.FLIP_RATE[b])
    assert figures.bit_flip_rate[busiest] > 3 * figures.bit_flip_rate[calmest]


def test_a_noisy_copy_of_a_calibrated_fingerprint_matches_it_and_a_stranger_does_not(
    model: synthetic.CalibratedModel,
) -> None:
    rng = random.Random(9)
    for n in range(20):
        stored = list(model.fingerprint(random.Random(1000 + n), 950))
        stranger = list(model.fingerprint(random.Random(5000 + n), 950))
        query = synthetic.noisy_query(rng, stored)
        assert fingerprint.compare2(stored, query, 80) > LOOKUP_MIN_SCORE
        assert fingerprint.compare2(stored, stranger, 80) < LOOKUP_MIN_SCORE


def test_the_audio_corpus_gives_one_fpcalc_fingerprint_a_clip_of_every_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACOUSTID_BENCH_DATA", str(tmp_path))
    monkeypatch.setattr(audio_corpus, "BATCH", 7)
    records = audio_corpus.load(7, progress=False)
    assert [record["kind"] for record in records] == list(audio_corpus.KINDS)
    prints = audio_corpus.fingerprints(records)
    assert all(len(items) >= 120 for items in prints)
    assert len({tuple(items[:20]) for items in prints}) == 7
    assert audio_corpus.load(7, progress=False) == records  # read back from the cache
    assert (tmp_path / audio_corpus.CORPUS_FILE).read_text().count("\n") == 7


def test_scaling_sizes_are_read_with_their_suffixes_and_must_grow() -> None:
    assert parse_sizes(["100k", "300K", "1M", "3000000"]) == [100_000, 300_000, 1_000_000, 3_000_000]
    with pytest.raises(ValueError, match="must grow"):
        parse_sizes(["1M", "100k"])
    with pytest.raises(ValueError, match="not a number"):
        parse_sizes(["lots"])
