"""Seeded synthetic fingerprints for benchmarks and checks.

A track is a random walk of 32-bit items in which each item flips 0 to 6 random
bits of the one before (neighbouring Chromaprint items are similarly
correlated); a query for a known track drops its first 0 to 10 items and flips
each bit with probability 0.03 (re-encoding noise); an unknown query is a
fresh walk.
"""

from __future__ import annotations

import random

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
