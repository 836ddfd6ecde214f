"""Hypothesis strategies for fingerprints of every awkward shape."""

from __future__ import annotations

from hypothesis import strategies as st

SILENCE = 627964279
INT4 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def _walk(seed: int, length: int) -> list[int]:
    """A Chromaprint-like walk: each item flips a few bits of the one before."""
    state, x, out = seed | 1, seed & 0xFFFFFFFF, []
    for _ in range(length):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        for shift in range((state >> 60) % 7):
            x ^= 1 << ((state >> (shift * 5)) % 32)
        out.append(x - 2**32 if x >= 2**31 else x)
    return out


walks = st.builds(_walk, st.integers(0, 2**32), st.integers(0, 1200))
random_items = st.lists(INT4, max_size=300)
low_diversity = st.lists(st.sampled_from([0, 1 << 18, 5 << 18, -1, -(1 << 18), 2147221504, 7]), max_size=400)
silence_heavy = st.lists(st.one_of(st.just(SILENCE), INT4), max_size=300)
tiny = st.lists(INT4, max_size=3)
fingerprints = st.one_of(walks, random_items, low_diversity, silence_heavy, tiny)


@st.composite
def fingerprint_pairs(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """Two fingerprints: either unrelated, or the second a trimmed, noisy copy."""
    a = draw(fingerprints)
    if draw(st.booleans()) or not a:
        return a, draw(fingerprints)
    start = draw(st.integers(0, min(len(a), 12)))
    b = list(a[start:])
    for index in draw(st.lists(st.integers(0, max(len(b) - 1, 0)), max_size=40)):
        if b:
            flipped = (b[index] ^ (1 << draw(st.integers(0, 31)))) & 0xFFFFFFFF
            b[index] = flipped - 2**32 if flipped >= 2**31 else flipped
    return a, b


maxoffsets = st.one_of(st.sampled_from([0, 80, -1, 1, 2**31 - 1, -(2**31)]), st.integers(-200, 200))
