"""The statistics the calibration compares: how fingerprints share query terms, how much each
bit and byte of an item varies, how many bits flip between neighbouring items.

Pure functions over lists of raw items (signed or unsigned 32-bit), so the same code measures
fpcalc output and every generator.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from acoustid_pg.fingerprint import extract_query

POSTING_BUCKETS = ((1, 1), (2, 9), (10, 99), (100, 1 << 62))


@dataclass(frozen=True)
class Figures:
    fingerprints: int
    items_mean: float
    terms_total: int
    terms_distinct: int
    posting_share: dict[str, float]  # distinct terms whose posting list length is in a bucket
    postings_in_long_lists: float  # share of all postings in lists of 10 or more
    posting_max: int
    bit_entropy_mean: float  # bits of 1 per bit position, averaged over the 32
    bit_entropy_min: float
    byte_entropy: list[float]  # bits of 8, per byte lane, least significant first
    flips_mean: float
    flips_zero: float  # share of neighbours that are the same item
    flips_histogram: list[float]  # share of neighbours with k flipped bits, k = 0..32
    bit_flip_rate: list[float]  # per bit position: share of neighbours where it flips
    bit_one_rate: list[float]  # per bit position: share of items where it is 1

    @property
    def distinct_ratio(self) -> float:
        return self.terms_distinct / self.terms_total if self.terms_total else 0.0


def _entropy(counts: Sequence[int]) -> float:
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def measure(fingerprints: Sequence[Sequence[int]]) -> Figures:
    postings: Counter[int] = Counter()
    lanes = [Counter[int]() for _ in range(4)]
    flips = [0] * 33
    bit_flips = [0] * 32
    items_total = 0
    for fp in fingerprints:
        postings.update(extract_query(fp))
        unsigned = [x & 0xFFFFFFFF for x in fp]
        items_total += len(unsigned)
        for shift, lane in zip((0, 8, 16, 24), lanes):
            lane.update((x >> shift) & 0xFF for x in unsigned)
        for a, b in zip(unsigned, unsigned[1:]):
            d = a ^ b
            flips[d.bit_count()] += 1
            while d:
                low = d & -d
                bit_flips[low.bit_length() - 1] += 1
                d ^= low
    lengths = Counter(postings.values())
    distinct = len(postings)
    total = sum(postings.values())
    shares = {
        (f"{lo}" if lo == hi else f"{lo}+" if hi > 1 << 40 else f"{lo}-{hi}"): sum(
            n for length, n in lengths.items() if lo <= length <= hi
        )
        / max(distinct, 1)
        for lo, hi in POSTING_BUCKETS
    }
    ones = []
    for bit in range(32):
        lane, within = lanes[bit // 8], bit % 8
        ones.append(sum(n for value, n in lane.items() if value >> within & 1) / max(items_total, 1))
    bit_entropy = [_entropy([round(p * 1e9), round((1 - p) * 1e9)]) for p in ones]
    pairs = sum(flips)
    return Figures(
        fingerprints=len(fingerprints),
        items_mean=items_total / max(len(fingerprints), 1),
        terms_total=total,
        terms_distinct=distinct,
        posting_share=shares,
        postings_in_long_lists=sum(length * n for length, n in lengths.items() if length >= 10)
        / max(total, 1),
        posting_max=max(postings.values(), default=0),
        bit_entropy_mean=statistics.mean(bit_entropy),
        bit_entropy_min=min(bit_entropy),
        byte_entropy=[_entropy(list(lane.values())) for lane in lanes],
        flips_mean=sum(k * n for k, n in enumerate(flips)) / max(pairs, 1),
        flips_zero=flips[0] / max(pairs, 1),
        flips_histogram=[n / max(pairs, 1) for n in flips],
        bit_flip_rate=[n / max(pairs, 1) for n in bit_flips],
        bit_one_rate=ones,
    )
