"""A corpus of real Chromaprint fingerprints: fpcalc output of audio synthesized here.

The calibration (bench/calibration.py) measures these against the synthetic generator. Each
clip is one of seven kinds of material so that the fingerprints are not trivially alike:
held tones, chord progressions, melodies, filtered noise, speech (espeak-ng), rhythms and
mixtures of two of those. Clips are 18 s at 11,025 Hz (Chromaprint resamples to that rate
anyway): about 124 items, enough for all 120 query terms (a print that short gives its terms
from its first items), and half the work of 30-s clips. A batch of clips is fingerprinted by
one fpcalc run over their concatenation with ``-chunk 18``, which restarts the fingerprinter
at every chunk (the same items as one run per file), so a clip costs its synthesis and
little else.

The corpus is cached as one JSON line per clip under ``bench/.data/`` (or
``$ACOUSTID_BENCH_DATA``), never committed; a clip already there is not made again.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from acoustid_pg.audio import fpcalc_path

KINDS = ("tones", "chords", "melody", "noise", "speech", "rhythm", "mixture")
RATE = 11025
CLIP_SECONDS = 18
CLIP_SAMPLES = CLIP_SECONDS * RATE
# Cut or pad to the clip (sample counts are at the rate of the effects chain: resample first).
EXACT = ["trim", "0", f"{CLIP_SAMPLES}s", "pad", "0", f"{CLIP_SAMPLES}s", "trim", "0", f"{CLIP_SAMPLES}s"]
BATCH = 40  # clips a fpcalc run
CORPUS_FILE = "fpcalc-corpus-18s.jsonl"
WORKERS = 3  # two cores, and a third batch to fill the waits on process start-up
WAVES = ("sine", "square", "triangle", "sawtooth", "trapezium", "exp")  # pluck needs 44.1 kHz
WORDS = [
    "river", "mountain", "quiet", "signal", "copper", "lantern", "orbit", "meadow", "thunder",
    "violet", "harbor", "pencil", "garden", "rocket", "silver", "window", "canyon", "marble",
    "echo", "falcon", "winter", "velvet", "island", "compass", "ember", "one", "two", "three",
    "seven", "forty", "hello", "goodbye", "morning", "evening", "always", "never", "maybe",
]  # fmt: skip


def data_dir() -> Path:
    return Path(os.environ.get("ACOUSTID_BENCH_DATA", Path(__file__).parent / ".data"))


def _sox(*args: str) -> None:
    result = subprocess.run(["sox", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"sox {' '.join(args[:6])}...: {result.stderr.strip()}")


def _note(rng: random.Random) -> float:
    return 55 * 2 ** (rng.randrange(60) / 12)


def _lengths(rng: random.Random, low: float, high: float) -> list[int]:
    """Note lengths in samples, drawn in [low, high] s, the last cut so they add up to a clip."""
    lengths: list[int] = []
    left = CLIP_SAMPLES
    while left > 0:
        lengths.append(min(left, round(rng.uniform(low, high) * RATE)))
        left -= lengths[-1]
    return lengths


def _synth(out: Path, chains: list[list[str]], channels: int = 1) -> None:
    joined = [word for n, chain in enumerate(chains) for word in [":"] * bool(n) + chain]
    _sox("-r", str(RATE), "-n", "-r", str(RATE), "-c", str(channels), str(out), *joined)


def _tones(rng: random.Random, out: Path) -> None:
    chains = []
    for length in _lengths(rng, 0.6, 4.0):
        wave = rng.choice(WAVES)
        start, end = _note(rng), _note(rng)
        glide = f"{start:.1f}-{end:.1f}" if rng.random() < 0.3 else f"{start:.1f}"
        chains.append(["synth", f"{length}s", wave, glide])
    _synth(out, chains)


def _chords(rng: random.Random, out: Path) -> None:
    wave = rng.choice(WAVES)
    chains = []
    for length in _lengths(rng, 0.4, 2.5):
        root = rng.randrange(40)
        shape = rng.choice([(0, 4, 7), (0, 3, 7), (0, 5, 9), (0, 4, 10), (0, 3, 6)])
        chain = ["synth", f"{length}s"]
        for step in shape:
            chain += [wave, f"{55 * 2 ** ((root + step) / 12):.1f}"]
        chains.append(chain)
    three = out.with_suffix(".3.wav")
    _synth(three, chains, channels=3)
    _sox(str(three), "-c", "1", str(out))
    three.unlink()


def _melody(rng: random.Random, out: Path) -> None:
    wave = rng.choice(WAVES)
    base = rng.randrange(24)
    _synth(out, [
        ["synth", f"{length}s", wave, f"{110 * 2 ** ((base + rng.randrange(24)) / 12):.1f}"]
        for length in _lengths(rng, 0.1, 0.5)
    ])  # fmt: skip


def _noise(rng: random.Random, out: Path) -> None:
    centre = rng.randrange(150, 4000)
    _sox("-R", "-r", str(RATE), "-n", "-r", str(RATE), "-c", "1", str(out),
         "synth", f"{CLIP_SAMPLES}s", rng.choice(["pinknoise", "brownnoise", "whitenoise"]),
         "band", str(centre), str(max(20, centre // rng.randrange(2, 8))),
         "tremolo", f"{rng.uniform(0.2, 8):.2f}", str(rng.randrange(20, 95)))  # fmt: skip


def _speech(rng: random.Random, out: Path) -> None:
    words = " ".join(rng.choice(WORDS) for _ in range(CLIP_SECONDS * 4))
    raw = out.with_suffix(".raw.wav")
    voice = rng.choice(["en", "en-us", "de", "fr", "es", "it"]) + rng.choice(["", "+f2", "+m3", "+f4"])
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rng.randrange(120, 200)), "-p", str(rng.randrange(10, 90)),
         "-w", str(raw), words], capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng: {result.stderr.strip()}")
    _sox(str(raw), "-r", str(RATE), "-c", "1", str(out), "rate", str(RATE), *EXACT)
    raw.unlink()


def _rhythm(rng: random.Random, out: Path) -> None:
    beat = round(RATE * 60 / rng.randrange(70, 180))
    chains = []
    for _ in range(rng.choice([4, 6, 8])):
        hit = round(rng.uniform(0.03, 0.2) * RATE) % (beat * 4 // 5) + 100
        sound = rng.choice(["whitenoise", "pinknoise", "exp", "sine", "square"])
        fade = ["fade", "0", f"{hit}s", f"{hit * 9 // 10}s"]
        chains.append(["synth", f"{hit}s", sound, f"{_note(rng):.1f}", *fade, "pad", "0", f"{beat - hit}s"])
    bar = out.with_suffix(".bar.wav")
    _synth(bar, chains)
    _sox(str(bar), str(out), "repeat", str(CLIP_SAMPLES // (beat * len(chains)) + 1), *EXACT)
    bar.unlink()


MAKERS = {
    "tones": _tones, "chords": _chords, "melody": _melody, "noise": _noise,
    "speech": _speech, "rhythm": _rhythm,
}  # fmt: skip


def _mixture(rng: random.Random, out: Path) -> None:
    first, second = rng.sample(sorted(MAKERS), 2)
    parts = [out.with_suffix(".a.wav"), out.with_suffix(".b.wav")]
    MAKERS[first](rng, parts[0])
    MAKERS[second](rng, parts[1])
    _sox("-m", "-v", f"{rng.uniform(0.3, 0.8):.2f}", str(parts[0]),
         "-v", f"{rng.uniform(0.3, 0.8):.2f}", str(parts[1]), str(out), *EXACT)  # fmt: skip
    for part in parts:
        part.unlink()


def kind_of(n: int) -> str:
    return KINDS[n % len(KINDS)]


def make_clip(n: int, out: Path) -> Path:
    """Synthesize clip n (seeded by n): exactly CLIP_SECONDS of mono audio at RATE."""
    rng = random.Random(f"clip:{n}")
    kind = kind_of(n)
    (_mixture if kind == "mixture" else MAKERS[kind])(rng, out)
    return out


def _parse_chunks(output: str) -> list[list[int]]:
    return [
        [int(item) for item in line.removeprefix("FINGERPRINT=").split(",") if item]
        for line in output.splitlines()
        if line.startswith("FINGERPRINT=")
    ]


def batch(first: int, count: int, workdir: Path) -> list[dict[str, object]]:
    """Clips first..first+count-1, fingerprinted by one fpcalc run over their concatenation."""
    folder = workdir / f"batch{first}"
    folder.mkdir()
    clips = [make_clip(n, folder / f"clip{n}.wav") for n in range(first, first + count)]
    joined = folder / "joined.wav"
    _sox(*map(str, clips), str(joined))
    result = subprocess.run(
        [fpcalc_path(), "-raw", "-signed", "-length", "0", "-chunk", str(CLIP_SECONDS), str(joined)],
        capture_output=True, text=True,
    )  # fmt: skip
    chunks = [chunk for chunk in _parse_chunks(result.stdout) if chunk][:count]
    shutil.rmtree(folder)
    if len(chunks) != count:
        raise RuntimeError(
            f"fpcalc gave {len(chunks)} fingerprints for {count} clips: {result.stderr[-200:]}"
        )
    return [{"n": first + k, "kind": kind_of(first + k), "items": items} for k, items in enumerate(chunks)]


def load(count: int, progress: bool = True) -> list[dict[str, object]]:
    """The first ``count`` clips, making (in parallel) and caching those not cached yet."""
    path = data_dir() / CORPUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    have: dict[int, dict[str, object]] = {}
    if path.exists():
        with path.open() as lines:
            for line in lines:
                with contextlib.suppress(ValueError):  # a line cut short by an interrupted run
                    record = json.loads(line)
                    have[int(record["n"])] = record
    starts = sorted({n - n % BATCH for n in range(count) if n not in have})
    if starts:
        shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
        with (
            tempfile.TemporaryDirectory(dir=shm) as work,
            path.open("a") as sink,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            made = pool.map(lambda first: batch(first, BATCH, Path(work)), starts)
            for done, records in enumerate(made, 1):
                for record in records:
                    sink.write(json.dumps(record) + "\n")
                    have[int(str(record["n"]))] = record
                sink.flush()
                if progress and done % 10 == 0:
                    print(
                        f"  fpcalc corpus: {done * BATCH:,} of {len(starts) * BATCH:,} clips made", flush=True
                    )
    return [have[n] for n in range(count)]


def fingerprints(records: Sequence[dict[str, object]]) -> list[list[int]]:
    return [list(record["items"]) for record in records]  # type: ignore[call-overload]
