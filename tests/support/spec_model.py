"""A plain-Python model of the fingerprint functions, written from the spec.

It is slow and literal on purpose (16-bit positions, a 16,383-key walk, float4
rounding at every place the reference stores a float4): tests check that the C
core gives exactly these answers.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

SILENCE = 627964279
KEYS = 1 << 14


def f32(x: float) -> float:
    """Round a double to the nearest float4, as a C assignment to float does."""
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def key(item: int) -> int:
    return (item & 0xFFFFFFFF) >> 18


def popcount(x: int) -> int:
    return bin(x & 0xFFFFFFFF).count("1")


def compare(a: Sequence[int], b: Sequence[int]) -> float:
    if not a or not b:
        return 0.0
    counts: dict[int, int] = {}
    for i, x in enumerate(a):
        for j in range(max(0, i - 120), min(len(b), i + 120)):
            if popcount(x ^ b[j]) <= 2:
                counts[i - j] = counts.get(i - j, 0) + 1
    top = max(counts.values(), default=0)
    return f32(f32(top) / f32(min(len(a), len(b))))


def compare2(a: Sequence[int], b: Sequence[int], maxoffset: int = 0) -> float:
    if not a or not b:
        return 0.0
    apos = [0] * KEYS
    bpos = [0] * KEYS
    for i, x in enumerate(a):
        apos[key(x)] = i & 0xFFFF
    for i, x in enumerate(b):
        bpos[key(x)] = i & 0xFFFF
    votes: dict[int, int] = {}
    topcount, topoffset = 0, 0
    for k in range(KEYS - 1):  # key 16383 is never walked
        if apos[k] and bpos[k]:
            d = apos[k] - bpos[k]
            if maxoffset == 0 or -maxoffset <= d <= maxoffset:
                votes[d] = votes.get(d, 0) + 1
                if votes[d] > topcount:
                    topcount, topoffset = votes[d], d
    if topcount == 0:
        return 0.0
    minsize = min(len(a), len(b)) & ~1
    if topoffset < 0:
        b = b[-topoffset:]
    else:
        a = a[topoffset:]
    size = min(len(a), len(b)) // 2
    if size == 0 or minsize == 0:
        return 0.0
    stale = apos[KEYS // 2 - 1] >= 256  # high byte of key 8191's 16-bit position
    akeys = {key(x) for x in a}
    auniq = len(akeys) - (1 if stale and KEYS - 1 in akeys else 0)
    bkeys = {key(x) for x in b}
    a_had_last = KEYS - 1 in akeys
    buniq = len(bkeys) - (1 if KEYS - 1 in bkeys and (stale or a_had_last) else 0)
    diversity = f32(
        min(
            min(1.0, f32(f32(auniq + 10) / f32(len(a))) + 0.5),
            min(1.0, f32(f32(buniq + 10) / f32(len(b))) + 0.5),
        )
    )
    if topcount < max(auniq, buniq) * 0.02:
        return 0.0
    biterror = sum(popcount(a[i] ^ b[i]) for i in range(2 * size))
    score = f32((size * 2.0 / minsize) * (1.0 - 2.0 * f32(biterror) / (64 * size)))
    score = max(score, 0.0)
    if diversity < 1.0:
        score = f32(math.pow(score, 8.0 - 7.0 * diversity))
    return score


def compare3(a: Sequence[int], b: Sequence[int], maxoffset: int = -1) -> float:
    if not a or not b:
        return 0.0
    counts: dict[int, int] = {}
    for i, x in enumerate(a):
        lo, hi = (max(0, i - maxoffset), min(len(b), i + maxoffset)) if maxoffset > -1 else (0, len(b))
        for j in range(lo, hi):
            e = popcount(x ^ b[j])
            if e < 16:
                counts[i - j] = counts.get(i - j, 0) + 16 - e
    top = max(counts.values(), default=0)
    return f32(f32(top) / (16.0 * min(len(a), len(b))))


def extract_query(fp: Sequence[int]) -> list[int]:
    clean = sum(1 for x in fp if x != SILENCE)
    if clean == 0:
        return []
    terms: list[int] = []
    for x in fp[max(0, min(clean - 120, 80)) :]:
        if len(terms) == 120:
            break
        term = x & ~0xF  # keeps the sign: Python ints are unbounded
        if x != SILENCE and term not in terms:
            terms.append(term)
    return terms


def simhash(fp: Sequence[int]) -> int:
    bits = sum(1 << j for j in range(32) if sum((x >> j) & 1 for x in fp) > len(fp) // 2)
    return bits - (1 << 32) if bits >= 1 << 31 else bits
