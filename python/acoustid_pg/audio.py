"""Fingerprinting audio files with Chromaprint's ``fpcalc``."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError
from .fingerprint import encode_fingerprint

# Debian's fpcalc 1.5.1 exits with 3 after printing a valid fingerprint when
# ffmpeg reports the end of the file as a decoding error.
FPCALC_EOF_STATUS = 3
FPCALC_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class AudioFingerprint:
    """What fpcalc computed for one file."""

    path: Path
    duration: int
    items: list[int]

    @property
    def compressed(self) -> str:
        """The compressed string, byte for byte what plain ``fpcalc`` prints."""
        return encode_fingerprint(self.items)


def fpcalc_path() -> str:
    path = shutil.which("fpcalc")
    if path is None:
        raise AudioError("fpcalc not found: install Chromaprint's tools (Debian: libchromaprint-tools)")
    return path


def _parse(output: str) -> tuple[int | None, list[int] | None]:
    duration: int | None = None
    items: list[int] | None = None
    for line in output.splitlines():
        name, _, value = line.partition("=")
        if name == "DURATION":
            duration = int(float(value))
        elif name == "FINGERPRINT":
            items = [int(item) for item in value.split(",")] if value else []
    return duration, items


def fingerprint_file(path: str | Path, length: int | None = None) -> AudioFingerprint:
    """Run fpcalc once on one file (it stops after the first of several).

    ``length`` is how many seconds of audio to fingerprint (fpcalc's -length;
    120 by default).
    """
    file = Path(path)
    if not file.is_file():
        raise AudioError(f"{file}: no such file")
    args = [fpcalc_path(), "-raw", "-signed"]
    if length is not None:
        args += ["-length", str(length)]
    try:
        result = subprocess.run(
            [*args, str(file)], capture_output=True, text=True, timeout=FPCALC_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"{file}: fpcalc did not finish in {FPCALC_TIMEOUT_SECONDS} s") from exc
    duration, items = _parse(result.stdout)
    printed = duration is not None and items is not None
    if result.returncode not in (0, FPCALC_EOF_STATUS) or not printed:
        message = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        raise AudioError(f"{file}: not an audio file fpcalc can read ({message[0]})")
    assert duration is not None and items is not None
    if not items:
        raise AudioError(f"{file}: fpcalc found no audio to fingerprint")
    return AudioFingerprint(path=file, duration=duration, items=items)
