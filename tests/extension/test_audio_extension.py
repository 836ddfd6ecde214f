"""Real audio through the extension: sox / espeak-ng sounds, fingerprinted by fpcalc."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from acoustid_pg import audio, samples
from acoustid_pg.errors import AudioError

SOUNDS = [("melody", 1), ("melody", 2), ("speech", 1), ("speech", 2), ("noise", 1)]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    folder = tmp_path_factory.mktemp("audio")
    return {
        (kind, seed): samples.synthesize(kind, seed, 12, folder / f"{kind}{seed}.wav")
        for kind, seed in SOUNDS
    }


def fpcalc_line(path: Path, *flags: str) -> str:
    result = subprocess.run(["fpcalc", *flags, str(path)], capture_output=True, text=True)
    assert result.returncode in (0, audio.FPCALC_EOF_STATUS), result.stderr
    return next(
        line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("FINGERPRINT=")
    )


def test_codec_reproduces_fpcalc(conn: psycopg.Connection, recordings: dict[tuple[str, int], Path]) -> None:
    for path in recordings.values():
        compressed = fpcalc_line(path)
        raw = [int(x) for x in fpcalc_line(path, "-raw", "-signed").split(",")]
        row = conn.execute(
            "SELECT acoustid_decode_fingerprint(%s),"
            " acoustid_encode_fingerprint(acoustid_decode_fingerprint(%s)),"
            " acoustid_fingerprint_algorithm(%s)",
            (compressed, compressed, compressed),
        ).fetchone()
        assert row is not None
        assert row[0] == raw
        assert row[1] == compressed
        assert row[2] == 1


@pytest.mark.parametrize("variant", samples.VARIANTS)
def test_variants_score_high(
    conn: psycopg.Connection, recordings: dict[tuple[str, int], Path], tmp_path: Path, variant: str
) -> None:
    for (kind, seed), path in recordings.items():
        suffix = ".mp3" if variant == "mp3" else ".wav"
        altered = samples.make_variant(path, variant, tmp_path / f"{kind}{seed}-{variant}{suffix}")
        original, copy = audio.fingerprint_file(path), audio.fingerprint_file(altered)
        row = conn.execute(
            "SELECT acoustid_compare2(%s::int4[], %s::int4[], 80)", (original.items, copy.items)
        ).fetchone()
        assert row is not None
        assert row[0] > 0.9, f"{kind} {seed} {variant}: {row[0]}"


def test_different_sounds_score_zero(
    conn: psycopg.Connection, recordings: dict[tuple[str, int], Path]
) -> None:
    prints = {name: audio.fingerprint_file(path).items for name, path in recordings.items()}
    names = sorted(prints)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            row = conn.execute(
                "SELECT acoustid_compare2(%s::int4[], %s::int4[], 80)", (prints[first], prints[second])
            ).fetchone()
            assert row is not None
            assert row[0] == 0.0, f"{first} vs {second}: {row[0]}"


def test_fpcalc_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file"):
        audio.fingerprint_file(tmp_path / "missing.wav")
    text = tmp_path / "notes.txt"
    text.write_text("not audio at all\n" * 100)
    with pytest.raises(AudioError, match="not an audio file"):
        audio.fingerprint_file(text)
