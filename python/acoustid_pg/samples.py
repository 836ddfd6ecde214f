"""Synthetic sample audio (sox, espeak-ng) for the demo, tests and benchmarks.

Each sample is made from a seed, so the same seed always gives the same sound
and different seeds give sounds that do not fingerprint alike.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .errors import AudioError

KINDS = ("melody", "noise", "speech")
VARIANTS = ("resampled", "mp3", "volume", "trimmed", "noisy")
RATE = 44100

_WORDS = (
    "river",
    "mountain",
    "quiet",
    "signal",
    "copper",
    "lantern",
    "orbit",
    "meadow",
    "thunder",
    "violet",
    "harbor",
    "pencil",
    "garden",
    "rocket",
    "silver",
    "window",
    "canyon",
    "marble",
    "echo",
    "falcon",
    "winter",
    "velvet",
    "island",
    "compass",
    "ember",
)


def _run(args: Sequence[str]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise AudioError(f"{tool} not found: install it to make sample audio")
    result = subprocess.run(list(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise AudioError(f"{tool} failed: {result.stderr.strip()}")


def _melody(rng: random.Random, seconds: float, path: Path) -> None:
    instrument = rng.choice(["pluck", "sine", "square", "triangle"])
    effects: list[str] = []
    elapsed = 0.0
    while elapsed < seconds:
        note = rng.uniform(0.12, 0.45)
        freq = 110 * 2 ** (rng.randrange(36) / 12)
        if effects:
            effects.append(":")
        effects += ["synth", f"{note:.3f}", instrument, f"{freq:.2f}"]
        elapsed += note
    _run(["sox", "-n", "-r", str(RATE), "-c", "1", str(path), *effects])


def _noise(rng: random.Random, seconds: float, path: Path) -> None:
    color = rng.choice(["pinknoise", "brownnoise", "whitenoise"])
    centre = rng.randrange(300, 3000)
    _run([
        "sox", "-R", "-n", "-r", str(RATE), "-c", "1", str(path),
        "synth", f"{seconds}", color, "band", str(centre), str(centre // 3),
        "tremolo", f"{rng.uniform(0.5, 6):.2f}", str(rng.randrange(40, 90)),
    ])  # fmt: skip


def _speech(rng: random.Random, seconds: float, path: Path) -> None:
    words = [rng.choice(_WORDS) for _ in range(int(seconds * 3) + 5)]
    raw = path.with_suffix(".speech.wav")
    _run(["espeak-ng", "-s", str(rng.randrange(140, 190)), "-p", str(rng.randrange(20, 80)),
          "-w", str(raw), " ".join(words)])  # fmt: skip
    _run(["sox", str(raw), "-r", str(RATE), "-c", "1", str(path), "trim", "0", f"{seconds}"])
    raw.unlink()


def synthesize(kind: str, seed: int, seconds: float, path: Path) -> Path:
    """Write seconds of a seeded sound of the given kind to path (WAV)."""
    makers = {"melody": _melody, "noise": _noise, "speech": _speech}
    if kind not in makers:
        raise ValueError(f"unknown sample kind {kind!r}; choose one of {', '.join(KINDS)}")
    makers[kind](random.Random(f"{kind}:{seed}"), seconds, path)
    return path


def make_variant(source: Path, variant: str, path: Path) -> Path:
    """An altered copy of source: what a different rip or encoding would give."""
    if variant == "resampled":
        _run(["sox", str(source), "-r", "22050", str(path)])
    elif variant == "mp3":
        _run(["lame", "--quiet", "-b", "128", str(source), str(path)])
    elif variant == "volume":
        _run(["sox", str(source), str(path), "vol", "0.5"])
    elif variant == "trimmed":
        _run(["sox", str(source), str(path), "trim", "1"])
    elif variant == "noisy":
        noise = path.with_suffix(".noise.wav")
        _run(["sox", str(source), str(noise), "synth", "whitenoise", "vol", "0.02"])
        _run(["sox", "-m", str(source), str(noise), str(path)])
        noise.unlink()
    else:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return path
