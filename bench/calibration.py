"""Data that does not flatter: the synthetic generators against fpcalc output of synthesized
audio, then lookups and storage on the calibrated generator's data.

``python -m bench calibration [sizes]`` (100k unless told) measures CORPUS fpcalc fingerprints
(bench/audio_corpus.py, made once and cached), as many of the spec's random walks and of the
calibrated model (acoustid_pg.synthetic), each cut to the corpus's length so that every
figure compares like with like, and prints the table; then loads a database of that many
calibrated fingerprints and prints lookups and where the bytes go (issue 13's storage
target: table plus lookup indexes at most 5 kB a fingerprint on this data).
"""

from __future__ import annotations

import random
import statistics

from acoustid_pg import synthetic
from acoustid_pg.cluster import Cluster

from . import audio_corpus, bulk, data, library, lookup, scaling
from .fingerprint_stats import Figures, measure
from .report import load_average, print_table

CORPUS = 10_000
SIZES = [100_000]


def main(cluster: Cluster, sizes: list[int] | None = None) -> None:
    statistics_table()
    library.use_generator("calibrated")
    try:
        for size in sizes or SIZES:
            on_calibrated_data(cluster, size)
    finally:
        library.use_generator("walk")


def statistics_table() -> None:
    before = load_average()
    real = audio_corpus.fingerprints(audio_corpus.load(CORPUS))
    length = round(statistics.median(len(fp) for fp in real))
    walks = [data.walk(random.Random(n), length) for n in range(CORPUS)]
    calibrated = synthetic.calibrated(CORPUS, length=length)
    figures = {"fpcalc": measure(real), "random walk": measure(walks), "calibrated": measure(calibrated)}
    print_table(
        f"Calibration: {CORPUS:,} fingerprints of {length} items each way"
        f" (load average {before} before, {load_average()} after)",
        ["figure", *figures],
        rows(list(figures.values())),
    )
    fpcalc = figures["fpcalc"]
    fitted = max(abs(a - b) for a, b in zip(fpcalc.bit_one_rate, synthetic.ONE_RATE))
    flips = max(abs(a - b) for a, b in zip(fpcalc.bit_flip_rate, synthetic.FLIP_RATE))
    print(
        f"model constants against this corpus: P(bit = 1) within {fitted:.3f},"
        f" P(bit flips) within {flips:.3f}"
    )


def rows(all_figures: list[Figures]) -> list[list[str]]:
    def line(label: str, value: object) -> list[str]:
        return [label, *(value(f) if callable(value) else "" for f in all_figures)]

    table = [
        line("query terms a fingerprint", lambda f: f"{f.terms_total / f.fingerprints:.1f}"),
        line("distinct terms / all terms", lambda f: f"{f.distinct_ratio:.4f}"),
    ]
    for bucket in all_figures[0].posting_share:
        table.append(line(f"terms in {bucket} fingerprints", lambda f, b=bucket: f"{f.posting_share[b]:.2%}"))
    table += [
        line("postings in lists of 10+", lambda f: f"{f.postings_in_long_lists:.2%}"),
        line("longest posting list", lambda f: f"{f.posting_max:,}"),
        line("entropy per bit, mean / min (of 1)",
             lambda f: f"{f.bit_entropy_mean:.3f} / {f.bit_entropy_min:.3f}"),
        line("entropy per byte, lanes 0-3 (of 8)", lambda f: " ".join(f"{e:.2f}" for e in f.byte_entropy)),
        line("bits flipped between neighbours, mean", lambda f: f"{f.flips_mean:.2f}"),
        line("neighbours equal", lambda f: f"{f.flips_zero:.1%}"),
        line("neighbours 10+ bits apart", lambda f: f"{sum(f.flips_histogram[10:]):.2%}"),
        line("items a fingerprint", lambda f: f"{f.items_mean:.0f}"),
    ]  # fmt: skip
    return table


def on_calibrated_data(cluster: Cluster, size: int) -> None:
    before = load_average()
    lib = library.build(cluster, size, prefix="calib")
    sample = lookup.queries(lib.size)
    with lib.client(min_size=1, max_size=2) as client:
        times, found, false_positives = lookup.one_client(client, sample)
    known = sum(1 for *_, gid in sample if gid is not None)
    with lib.connect() as conn:
        pages = scaling.lookup_pages(conn, sample[: scaling.BUFFER_SAMPLE])
        conn.execute("VACUUM ANALYZE fingerprint")
        sizes = lookup.storage(conn)
    total = sizes["total"] / lib.size
    parts = ", ".join(f"{n} {v / lib.size:,.0f}" for n, v in sizes.items() if n != "total")
    gin = lib.index_seconds.get("fingerprint_query_idx")
    print_table(
        f"Calibrated data, {lib.size:,} fingerprints (load average {before} before, {load_average()} after)",
        ["figure", "value", "detail"],
        [
            ["lookup p50 / p99, one client", f"{lookup.ms(times, 0.5)} / {lookup.ms(times, 0.99)} ms",
             f"{len(times):,} lookups"],
            ["recall / false positives", f"{found / known:.1%} / {false_positives}",
             f"of {known} / {len(sample) - known}"],
            ["buffer pages a lookup touches (median)", f"{statistics.median(pages):,.0f}",
             f"max {max(pages):,}"],
            ["table plus lookup indexes", f"{total:,.0f} bytes/fp",
             f"target 5,000; {parts}"],
            ["query-term GIN build", f"{lib.size * 120 / gin:,.0f} keys/s" if gin else "", ""],
        ],
    )  # fmt: skip
    bulk.print_storage(lib)
