"""The tour: from nothing to identified audio, step by step.

Uses the configured server, or starts the embedded one; makes fresh demo
databases (acoustid_demo_app, _fingerprint, _ingest); synthesizes sounds (sox,
espeak-ng) and fingerprints them (fpcalc); submits them with MBIDs and
metadata; runs the import; then looks up altered copies and unknown audio.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import audio, deploy, samples
from .api import AcoustID
from .settings import ALL_DATABASES, DATABASES, Settings

DEMO_NAMES = {database: f"acoustid_demo_{database}" for database in ALL_DATABASES}
SOUNDS = [("melody", 1), ("melody", 2), ("speech", 1), ("speech", 2), ("noise", 1), ("noise", 2)]
SECONDS = 30
MBID_NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")  # the URL namespace of RFC 4122

Report = Callable[[str], None]


def mbid_for(kind: str, seed: int) -> uuid.UUID:
    """A stable made-up MusicBrainz id per sample."""
    return uuid.uuid5(MBID_NAMESPACE, f"acoustid-pg-demo/{kind}/{seed}")


class Steps:
    """Prints each step with its running time."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        self.report(f"==> [{time.perf_counter() - self.started:5.1f} s] {message}")


def fresh_databases(settings: Settings, report: Report) -> None:
    deploy.drop_databases(settings)
    deploy.initialize(settings, report=lambda line: report(f"    {line}"))


def fingerprint_samples(workdir: Path) -> dict[tuple[str, int], audio.AudioFingerprint]:
    def make(sound: tuple[str, int]) -> audio.AudioFingerprint:
        kind, seed = sound
        return audio.fingerprint_file(samples.synthesize(kind, seed, SECONDS, workdir / f"{kind}-{seed}.wav"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(SOUNDS, pool.map(make, SOUNDS)))


def run_demo(settings: Settings, workdir: Path, report: Report = print) -> int:
    """Run the tour; returns how many answers were wrong (0 is success)."""
    step = Steps(report)
    step(f"preparing fresh demo databases: {', '.join(settings.dbname(d) for d in DATABASES)}")
    fresh_databases(settings, report)

    step(
        f"synthesizing {len(SOUNDS)} sounds of {SECONDS} s with sox and espeak-ng, fingerprinting with fpcalc"
    )
    prints = fingerprint_samples(workdir)
    for (kind, seed), printed in prints.items():
        report(f"    {kind} #{seed}: {len(printed.items)} items  {printed.compressed[:32]}...")

    with AcoustID(settings, min_size=1, max_size=2) as client:
        step("submitting them with MBIDs and metadata")
        account = client.accounts.create_account("demo listener")
        application = client.accounts.create_application("acoustid-pg demo", account_id=account.id)
        for (kind, seed), printed in prints.items():
            ids = client.submit(
                printed.items,
                printed.duration,
                account_id=account.id,
                application_id=application.id,
                mbids=[mbid_for(kind, seed)],
                meta={"track": f"{kind.title()} #{seed}", "artist": "acoustid-pg demo"},
                format="wav",
            )
            report(f"    {kind} #{seed}: submission {ids[0]}")

        step("running the import worker")
        while results := client.process_submissions(50):
            for result in results:
                report(f"    submission {result.submission_id}: {result.action.replace('_', ' ')}")

        step("identifying altered copies (re-encoded, resampled, trimmed, quieter, noisy)")
        misses = 0
        report(f"    {'query':<28} {'found':<14} {'score':>6}  MBID")
        for n, ((kind, seed), _) in enumerate(prints.items()):
            variant = samples.VARIANTS[n % len(samples.VARIANTS)]
            suffix = ".mp3" if variant == "mp3" else ".wav"
            source = workdir / f"{kind}-{seed}.wav"
            altered = samples.make_variant(source, variant, workdir / f"{kind}-{seed}-{variant}{suffix}")
            matches = client.lookup(altered, include_meta=True)
            best = matches[0] if matches else None
            title = best.meta[0].track if best and best.meta else "(nothing)"
            right = best is not None and any(m.mbid == mbid_for(kind, seed) for m in best.mbids)
            misses += 0 if right else 1
            score = f"{best.score:.3f}" if best else "-"
            verdict = "right" if right else "WRONG"
            report(f"    {f'{kind} #{seed}, {variant}':<28} {title!s:<14} {score:>6}  {verdict}")

        step("looking up audio nobody submitted")
        stranger = audio.fingerprint_file(samples.synthesize("speech", 77, SECONDS, workdir / "stranger.wav"))
        found = client.lookup(stranger.items, stranger.duration)
        report(
            f"    unknown speech: {'no match, as it should be' if not found else f'{len(found)} matches!'}"
        )

    verdict = "not matched" if not found else "WRONGLY matched"
    step(f"done: {len(SOUNDS) - misses} of {len(SOUNDS)} altered copies identified; unknown audio {verdict}")
    names = " ".join(f"--{d}-db {settings.dbname(d)}" for d in DATABASES)
    report(f"    the demo databases stay for you to explore, e.g.: acoustid-pg lookup FILE {names}")
    return misses + (1 if found else 0)
