"""The spec's synthetic fingerprints for the benchmarks (see acoustid_pg.synthetic)."""

from __future__ import annotations

from acoustid_pg.synthetic import TRACK_ITEMS, noisy_query, pairs, to_int4, walk

__all__ = ["TRACK_ITEMS", "noisy_query", "pairs", "to_int4", "walk"]
