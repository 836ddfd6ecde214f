"""Every input of the committed fuzz corpus (seeds, and what the fuzzers found) through the
same properties the fuzzers check, on every test run: a bug the fuzzer found stays fixed."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from acoustid_pg.musicbrainz.dump import DumpError, open_dump
from acoustid_pg.musicbrainz.mirror_import import import_dump
from tests.fuzz import dump_target, params_target
from tests.fuzz.__main__ import CORPUS, MAX_LEN, TARGETS
from tests.fuzz.http_target import Answer, HttpTarget, Request, check_answer
from tests.fuzz.http_world import serving
from tests.fuzz.verdict import PropertyBroken
from tests.support.management import Deployment
from tests.support.web_fixtures import add_fingerprint, load_fixture

LINE = re.compile(r"\bline \d+\b")
MAX_FILES = 200  # a corpus of seeds and minimized finds, not everything a run discovers


def corpus(target: str) -> list[Path]:
    return sorted((CORPUS / target).iterdir())


@pytest.mark.parametrize("target", TARGETS)
def test_corpus_is_small_and_fits_the_fuzzer(target: str) -> None:
    files = corpus(target)
    assert 0 < len(files) <= MAX_FILES
    assert all(path.stat().st_size <= MAX_LEN[target] for path in files)


@pytest.mark.parametrize("path", corpus("params"), ids=lambda path: path.name)
def test_params_corpus(path: Path) -> None:
    params_target.check(path.read_bytes())


@pytest.mark.parametrize("path", corpus("dump"), ids=lambda path: path.name)
def test_dump_corpus(path: Path) -> None:
    dump_target.check(path.read_bytes())


@pytest.fixture(scope="module")
def http(web_deployment: Deployment) -> Iterator[HttpTarget]:
    web_deployment.reset()
    ids = load_fixture(web_deployment)
    add_fingerprint(web_deployment, ids["track1"])
    with serving(web_deployment.client) as target:
        yield target


@pytest.mark.parametrize("path", corpus("http"), ids=lambda path: path.name)
def test_http_corpus(http: HttpTarget, path: Path) -> None:
    http.check(path.read_bytes())


def test_dump_corpus_imports_or_names_the_file(mirror_conn: psycopg.Connection) -> None:
    """The whole import (PostgreSQL's COPY checks the rows) on every dump of the corpus: rows,
    or a DumpError naming the dump, and the file and line when a row is wrong."""
    imported = refused_rows = 0
    for path in corpus("dump"):
        with tempfile.TemporaryDirectory(prefix="acoustid-fuzz-dump-") as scratch:
            dump = dump_target.materialize(path.read_bytes(), Path(scratch))
            try:
                import_dump(mirror_conn, dump)
                imported += 1
            except DumpError as exc:
                assert scratch in str(exc), f"{path.name}: {exc}"
                cause = exc.__cause__
                if isinstance(cause, psycopg.Error) and LINE.search(cause.diag.context or ""):
                    assert re.search(r"mbdump/\w+, line \d+: ", str(exc)), f"{path.name}: {exc}"
                    refused_rows += 1
    assert imported > 0  # the well-formed seeds do load
    assert refused_rows > 0  # and a bad row is named by file and line


def test_gzip_header_cut_in_its_extra_field_is_a_dump_error(tmp_path: Path) -> None:
    """Found by the fuzzer: tarfile's own gzip sniffing raised AttributeError on this."""
    path = tmp_path / "mbdump.tar.gz"
    path.write_bytes((CORPUS / "dump" / "found-gzip-fextra-cut").read_bytes())
    with pytest.raises(DumpError, match="not a tar archive"):
        open_dump(path)


def test_header_file_cut_mid_read_is_a_dump_error(tmp_path: Path) -> None:
    path = tmp_path / "mbdump.tar"
    path.write_bytes((CORPUS / "dump" / "seed-header-file-cut").read_bytes())
    with pytest.raises(DumpError, match="TIMESTAMP: truncated or corrupt archive"):
        open_dump(path)


def test_the_http_property_refuses_what_it_must() -> None:
    """The property could fail: a 500, an undocumented code, and a mismatched status are caught."""
    request = Request(b"GET", b"")
    json = {"content-type": "application/json"}
    for answer in (
        Answer(500, {}, b"boom"),
        Answer(400, json, b'{"status": "error", "error": {"code": 5}}'),
        Answer(400, json, b'{"status": "error", "error": {"code": 99}}'),
        Answer(200, json, b'{"status": "error", "error": {"code": 2}}'),
        Answer(413, json, b'{"status": "ok"}'),
        Answer(200, {"content-type": "text/plain"}, b"hello"),
    ):
        with pytest.raises(PropertyBroken):
            check_answer(request, answer)
    check_answer(request, Answer(413, json, b'{"status": "error", "error": {"code": 19}}'))
