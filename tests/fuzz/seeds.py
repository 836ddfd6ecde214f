"""``python -m tests.fuzz.seeds``: (re)writes the hand-made seeds (``seed-*``) of each target's
corpus: well-formed requests to every endpoint and dumps in every form, each a short step
away from the edge cases, so the fuzzer starts deep instead of at "not HTTP"/"not a tar".
Inputs the fuzzer found are kept beside them under names that say what they hit."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import tempfile
from pathlib import Path
from typing import Final

from acoustid_pg.musicbrainz.dump_writer import DumpWriter, copy_line
from tests.fuzz.__main__ import CORPUS
from tests.support.musicbrainz_sample import SAMPLE, sequence_row, write_sample
from tests.support.web_fixtures import ENABLED_MBID, FP, LENGTH, TRACK_GIDS

FORM: Final = "Content-Type: application/x-www-form-urlencoded"
SMALL_TABLES: Final = ("artist", "recording", "isrc")


def http_seeds() -> dict[str, bytes]:
    lookup = f"client=app1key&duration={LENGTH}&fingerprint={FP}"
    submit = f"client=app1key&user=user1key&duration.0={LENGTH}&fingerprint.0={FP}"
    bomb = gzip.compress(b"client=app1key&" + b"a" * (2 << 20), mtime=0)
    requests = {
        "lookup-get": f"GET /v2/lookup?{lookup}&meta=recordings+releases\n\n",
        "lookup-post-xml": f"POST /v2/lookup?format=xml\n{FORM}\n\n{lookup}&meta=2",
        "lookup-jsonp-gzip": f"POST /v2/lookup\n{FORM}\nContent-Encoding: gzip\n\n{lookup}&format=jsonp"
        "&jsoncallback=cb.x",
        "lookup-batch": f"POST /v2/lookup\n{FORM}\n\nclient=app1key&batch=1&duration.0={LENGTH}"
        f"&fingerprint.0={FP}&trackid.1={TRACK_GIDS[0]}&trackid.2=nope&maxdurationdiff=30",
        "lookup-deflate-chunked": f"POST //v2//lookup/\n{FORM}\nContent-Encoding: deflate\n"
        f"X-Fuzz-Chunked: 1\n\n{lookup}",
        "submit": f"POST /v2/submit\n{FORM}\n\n{submit}&mbid.0={ENABLED_MBID}&bitrate.0=192&fileformat.0=MP3"
        "&track.0=T&artist.0=A&album.0=B&albumartist.0=C&trackno.0=1&discno.0=1&year.0=1999"
        "&puid.0=00000000-0000-0000-0000-000000000001&foreignid.0=vendor:1&clientversion=1.0",
        "submit-gzip": f"POST /v2/submit\nContent-Encoding: gzip\n\n{submit}&track.0=Name",
        "submission-status": "GET /v2/submission_status?client=app1key&id=1&id=2&id=x&id=99999999999\n\n",
        "list-by-mbid": f"GET /v2/track/list_by_mbid?mbid={ENABLED_MBID}&batch=1&disabled=1&mbid=bad\n\n",
        "list-by-puid": "GET /v2/track/list_by_puid?puid=00000000-0000-0000-0000-000000000001&format=xml\n\n",
        "fingerprint": "GET /v2/fingerprint?id=1&format=jsonp\n\n",
        "user-lookup": "POST /v2/user/lookup\n\nuser=user1key&format=xml",
        "create-anonymous": "POST /v2/user/create_anonymous\n\nclient=app1key&clientversion=x",
        "create-anonymous-xff": "POST /v2/user/create_anonymous\nX-Forwarded-For: junk, fe80::1%eth0\n\n"
        "client=app1key",
        "unknown-path": "GET /v3/nothing\n\n",
        "options": "OPTIONS /v2/lookup\n\n",
        "put": "PUT /v2/lookup\n\n",
        "text-plain-xff": f"POST /v2/lookup\nContent-Type: text/plain\nX-Forwarded-For: 1.2.3.4, ::1"
        f"\n\n{lookup}",
        "multipart": "POST /v2/lookup\nContent-Type: multipart/form-data; boundary=x\n\n--x--",
        "too-many-fields": "POST /v2/lookup\n\n" + "a&" * 1001,
        "corrupt-gzip": "POST /v2/lookup\nContent-Encoding: gzip!\n\n\x1f\x8bnot gzip",
    }
    seeds = {name: text.encode() for name, text in requests.items()}
    seeds["gzip-bomb"] = b"POST /v2/lookup\nContent-Encoding: gzip!\n\n" + bomb
    return seeds


def params_seeds() -> dict[str, bytes]:
    """``query\\nbody`` pairs over the same parameters."""
    return {
        name: request.split(b" ", 1)[1].partition(b"?")[2].partition(b"\n")[0]
        + b"\n"
        + request.partition(b"\n\n")[2]
        for name, request in http_seeds().items()
        if b"Content-Encoding" not in request
    }


def _tar(tables: tuple[str, ...] = SMALL_TABLES, sequence: int = 31) -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "mbdump.tar"
        with DumpWriter(path, schema_sequence=sequence, compress=False) as writer:
            for table in tables:
                writer.add_table(table, [sequence_row(table, row, sequence) for row in SAMPLE[table]])
        return path.read_bytes()


def _directory(sequence: str = "31", tables: tuple[str, ...] = SMALL_TABLES) -> bytes:
    sections = [b"--- SCHEMA_SEQUENCE\n" + sequence.encode(), b"--- TIMESTAMP\n2026-07-25 00:00:49+00"]
    sections.append(b"--- REPLICATION_SEQUENCE\n160000")
    for table in tables:
        rows = b"".join(copy_line(sequence_row(table, row, 31)) for row in SAMPLE[table])
        sections.append(f"--- mbdump/{table}\n".encode() + rows)
    return b"\n".join(sections)


def dump_seeds() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        sample = write_sample(Path(scratch) / "mbdump.tar.bz2").read_bytes()
    plain = _tar()
    pax = io.BytesIO()
    with tarfile.open(fileobj=pax, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("SCHEMA_SEQUENCE")
        info.pax_headers = {"comment": "x" * 600}
        data = b"31\n"
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return {
        "sample-bz2": sample,
        "tar": plain,
        "tar-gz": gzip.compress(plain, mtime=0),
        "tar-xz": lzma.compress(plain),
        "tar-bz2-small": bz2.compress(plain),
        "truncated-bz2": sample[: len(sample) // 2],
        "header-file-cut": plain[:520],  # inside TIMESTAMP's data: was tarfile's ReadError, not DumpError
        "old-sequence-27": _tar(("medium", "isrc"), sequence=27),
        "pax-header": pax.getvalue(),
        "directory": _directory(),
        "directory-bad-sequence": _directory("26"),
        "directory-no-header": b"--- mbdump/artist\n1\t2\n",
        "directory-bad-row": _directory() + b"\n--- mbdump/track\n1\tnot a row\n",
    }


def main() -> None:
    for target, seeds in (("http", http_seeds()), ("params", params_seeds()), ("dump", dump_seeds())):
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seed-*"):
            old.unlink()
        for name, data in seeds.items():
            (folder / f"seed-{name}").write_bytes(data)
        print(f"{target}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


if __name__ == "__main__":
    main()
