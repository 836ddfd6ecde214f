"""Seeded synthetic fingerprints for benchmarks and checks.

A track is a random walk of 32-bit items in which each item flips 0 to 6 random
bits of the one before (neighbouring Chromaprint items are similarly
correlated); a query for a known track drops its first 0 to 10 items and flips
each bit with probability 0.03 (re-encoding noise); an unknown query is a
fresh walk.

``CalibratedModel`` is a second generator whose figures are fitted to fpcalc output of
synthesized audio (``python -m bench calibration`` prints both beside the real ones): items
whose bits are biased as Chromaprint's are, neighbours that differ by as many bits, in the
same bit positions, as often, and a vocabulary of common sounds (runs of items several
fingerprints share) so that query terms are shared across fingerprints as they are there.
The random walk above stays as it was, for comparison and for the spec's figures.
"""

from __future__ import annotations

import math
import random
from array import array
from itertools import accumulate
from operator import xor

TRACK_ITEMS = 950  # fpcalc's 120 s at about 8 items a second


def to_int4(x: int) -> int:
    return x - (1 << 32) if x >= 1 << 31 else x


def walk(rng: random.Random, length: int = TRACK_ITEMS) -> list[int]:
    x = rng.getrandbits(32)
    items = []
    for _ in range(length):
        for _ in range(rng.randrange(7)):
            x ^= 1 << rng.randrange(32)
        items.append(to_int4(x))
    return items


def noisy_query(rng: random.Random, track: list[int], flip_probability: float = 0.03) -> list[int]:
    out = []
    for item in track[rng.randrange(11) :]:
        x = item & 0xFFFFFFFF
        for bit in range(32):
            if rng.random() < flip_probability:
                x ^= 1 << bit
        out.append(to_int4(x))
    return out


def pairs(count: int, seed: int = 1) -> list[tuple[list[int], list[int]]]:
    """(stored, query) pairs: half known-track queries, half unknown."""
    rng = random.Random(seed)
    result = []
    for n in range(count):
        track = walk(rng)
        query = noisy_query(rng, track) if n % 2 == 0 else walk(rng)
        result.append((track, query))
    return result


# The calibrated model's parameters, fitted by bench/calibration.py on 10,000 fpcalc
# fingerprints of synthesized audio (bench/audio_corpus.py).
# P(bit is 1), bit 0 first.
ONE_RATE = (
    0.4422, 0.5959, 0.5237, 0.5219, 0.5321, 0.6022, 0.4683, 0.4142,
    0.5362, 0.3808, 0.3862, 0.4781, 0.6266, 0.6615, 0.4651, 0.5668,
    0.5393, 0.3983, 0.4922, 0.6186, 0.3854, 0.6733, 0.5605, 0.3859,
    0.4812, 0.4292, 0.5162, 0.423, 0.5238, 0.4564, 0.5513, 0.4914,
)  # fmt: skip
# P(bit flips between neighbouring items), bit 0 first.
FLIP_RATE = (
    0.144, 0.0983, 0.0603, 0.046, 0.2135, 0.1812, 0.1448, 0.0984,
    0.1606, 0.1165, 0.2036, 0.12, 0.2487, 0.2104, 0.1381, 0.0922,
    0.226, 0.1924, 0.0768, 0.0459, 0.1164, 0.0629, 0.1721, 0.1297,
    0.1487, 0.1085, 0.0493, 0.0336, 0.0511, 0.0385, 0.0447, 0.0307,
)  # fmt: skip
# Share of neighbours differing by k bits, k = 0..JUMP_FLIPS - 1 (a step within a sound).
STEP_FLIPS = (0.06398, 0.1043, 0.14513, 0.16316, 0.1593, 0.13639, 0.10073, 0.06394, 0.03524, 0.01693)
JUMP_FLIPS = 10  # more flips than this is a new sound: a fresh item, not a step
JUMP_RATE = 0.0109  # share of neighbours differing by JUMP_FLIPS bits or more
COMMON_SHARE = 0.55  # share of sounds taken from the common vocabulary
VOCABULARY = 40_000  # common sounds
ZIPF = 0.72  # the k-th common sound is used in proportion to 1 / k ** ZIPF
COMMON_RUN = 45  # mean items of a common sound
STEP_POOL = 1 << 18  # precomputed steps; a sound walks through a random window of them


class CalibratedModel:
    """Fingerprints with fpcalc's statistics; ``fingerprint(rng, length)`` is seeded by rng."""

    def __init__(self, seed: int = 1) -> None:
        rng = random.Random(f"calibrated:{seed}")
        bits = range(32)
        weights = [FLIP_RATE[b] for b in bits]
        counts = rng.choices(range(JUMP_FLIPS), weights=STEP_FLIPS, k=STEP_POOL)
        draws = iter(rng.choices([1 << b for b in bits], weights=weights, k=8 * STEP_POOL))
        steps = array("I", bytes(4 * STEP_POOL))
        for n, count in enumerate(counts):
            mask = 0
            while mask.bit_count() < count:  # count distinct bits, each as likely as it flips
                mask |= next(draws)
            steps[n] = mask
        self.steps = steps
        self.vocabulary = [
            self._walk(rng, self._item(rng), 1 + int(rng.expovariate(1 / COMMON_RUN)))
            for _ in range(VOCABULARY)
        ]
        self.cumulative = list(accumulate(1 / (k + 1) ** ZIPF for k in range(VOCABULARY)))

    @staticmethod
    def _item(rng: random.Random) -> int:
        return sum(1 << b for b, p in enumerate(ONE_RATE) if rng.random() < p)

    def _walk(self, rng: random.Random, first: int, length: int) -> array[int]:
        start = rng.randrange(STEP_POOL - length)
        return array("I", accumulate(self.steps[start : start + length - 1], xor, initial=first))

    def fingerprint(self, rng: random.Random, length: int = TRACK_ITEMS) -> array[int]:
        """``length`` items as signed int4 values."""
        out = array("I")
        # Walks last long enough that new sounds (walks and common ones) start at JUMP_RATE.
        walk_mean = max(1.0, (1 / JUMP_RATE - COMMON_SHARE * COMMON_RUN) / (1 - COMMON_SHARE))
        log_stay = math.log(1 - 1 / walk_mean)
        while len(out) < length:
            if rng.random() < COMMON_SHARE:
                out.extend(rng.choices(self.vocabulary, cum_weights=self.cumulative)[0])
            else:
                sound = 1 + int(math.log(1 - rng.random()) / log_stay)
                out.extend(self._walk(rng, self._item(rng), min(sound, length - len(out))))
        del out[length:]
        return array("i", out.tobytes())


def calibrated(count: int, seed: int = 1, length: int = TRACK_ITEMS) -> list[list[int]]:
    """``count`` fingerprints of the calibrated model (fingerprint n is seeded by seed and n)."""
    model = CalibratedModel(seed)
    return [list(model.fingerprint(random.Random(seed * 10_000_019 + n), length)) for n in range(count)]
