"""Downloads against a local threaded http.server on 127.0.0.1 serving the fixture files in
the official URL layout (there is no internet here)."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import ClassVar

import pytest

from chainwatch.lists import parse_feed
from chainwatch.lists.download import (
    SOURCES,
    DownloadError,
    SourceResult,
    download_source,
    resolve_url,
    update_sources,
)
from conftest import FIXTURES

LISTS = FIXTURES / "lists"


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Bureau of Industry and Security</title></head>"
    b"<body><h1>Denied Persons List</h1><p>The list has moved. Name\tStreet_Address</p>"
    b"</body></html>\n"
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; paths listed in `truncate` announce more bytes than they send; `html`
    paths answer a web page (200, text/html); `fail_first[path]` answers that many 503s
    first, `reset_first[path]` drops that many connections first; `types[path]` overrides
    the Content-Type."""

    truncate: ClassVar[set[str]] = set()
    html: ClassVar[set[str]] = set()
    fail_first: ClassVar[dict[str, int]] = {}
    reset_first: ClassVar[dict[str, int]] = {}
    types: ClassVar[dict[str, str]] = {}
    requests: ClassVar[list[str]] = []
    retry_after = ""
    etag = '"v1"'

    def log_message(self, format: str, *args: object) -> None:  # silence test output
        pass

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        for served, kind in self.types.items():
            if str(path).endswith(served.rsplit("/", 1)[-1]):
                return kind
        return super().guess_type(path)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.reset_first.get(self.path, 0) > 0:
            self.reset_first[self.path] -= 1
            self.connection.shutdown(socket.SHUT_RDWR)  # no answer at all: a reset
            self.close_connection = True
            return
        if self.fail_first.get(self.path, 0) > 0:
            self.fail_first[self.path] -= 1
            self.send_response(503, "Service Unavailable")
            if self.retry_after:
                self.send_header("Retry-After", self.retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path in self.html:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(HTML_PAGE)))
            self.end_headers()
            self.wfile.write(HTML_PAGE)
            return
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        if self.path in self.truncate:
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 100))
            self.send_header("ETag", self.etag)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def end_headers(self) -> None:
        if self.command == "GET" and not any(h.startswith(b"ETag") for h in self._headers_buffer):
            self.send_header("ETag", self.etag)
        super().end_headers()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, type[_Handler]]]:
    """(base URL, document root, handler class) with the fixtures at their official paths."""
    root = tmp_path / "www"
    sls = root / "api" / "PublicationPreview" / "exports"
    sls.mkdir(parents=True)
    for name in ("SDN.CSV", "ALT.CSV", "ADD.CSV", "SDN_COMMENTS.CSV"):
        shutil.copy(LISTS / "ofac" / "sls" / name, sls / name)
    for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv"):
        shutil.copy(LISTS / "ofac" / "cons" / name, sls / name.upper())
    (sls / "CONS_COMMENTS.CSV").write_bytes(b"\x1a")  # no overflow: only the EOF byte
    shutil.copy(LISTS / "ofac" / "advanced" / "SDN_ADVANCED.XML", sls / "SDN_ADVANCED.XML")
    # no non-SDN advanced fixture: the SDN one stands in for the download tests
    shutil.copy(LISTS / "ofac" / "advanced" / "SDN_ADVANCED.XML", sls / "CONS_ADVANCED.XML")
    eu = root / "fsd" / "fsf" / "public" / "files" / "xmlFullSanctionsList_1_1"
    eu.mkdir(parents=True)
    shutil.copy(LISTS / "eu" / "eu-fsf-sample.xml", eu / "content")
    (root / "docs").mkdir()
    shutil.copy(
        LISTS / "uk" / "UK-Sanctions-List-sample.csv", root / "docs" / "UK-Sanctions-List.csv"
    )
    dfat = root / "sites" / "default" / "files"
    dfat.mkdir(parents=True)
    shutil.copy(
        LISTS / "au" / "regulation8_consolidated-sample.xlsx",
        dfat / "regulation8_consolidated.xlsx",
    )
    csl = root / "downloadable_consolidated_screening_list" / "v1"
    csl.mkdir(parents=True)
    shutil.copy(LISTS / "csl" / "consolidated-sample.csv", csl / "consolidated.csv")
    shutil.copy(LISTS / "csl" / "consolidated-sample.json", csl / "consolidated.json")
    un = root / "resources" / "xml" / "en"
    un.mkdir(parents=True)
    shutil.copy(LISTS / "un" / "consolidated-sample.xml", un / "consolidated.xml")
    (root / "dpl").mkdir()
    shutil.copy(LISTS / "bis" / "dpl-sample.txt", root / "dpl" / "dpl.txt")

    handler = type(
        "Handler",
        (_Handler,),
        {
            "truncate": set(),
            "html": set(),
            "fail_first": {},
            "reset_first": {},
            "types": {"/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content": "text/xml"},
            "requests": [],
        },
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, handler
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_sources_point_at_official_addresses() -> None:
    assert SOURCES["csl"].files[0].url.startswith("https://data.trade.gov/")
    sls = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
    assert [(f.url, f.filename) for f in SOURCES["ofac-sdn"].files] == [
        (sls + "SDN.CSV", "sdn.csv"),
        (sls + "ALT.CSV", "alt.csv"),
        (sls + "ADD.CSV", "add.csv"),
        (sls + "SDN_COMMENTS.CSV", "sdn_comments.csv"),
    ]
    assert [f.url for f in SOURCES["ofac-cons"].files] == [
        sls + n for n in ("CONS_PRIM.CSV", "CONS_ALT.CSV", "CONS_ADD.CSV", "CONS_COMMENTS.CSV")
    ]
    assert SOURCES["ofac-sdn-advanced"].files[0].url == sls + "SDN_ADVANCED.XML"
    assert SOURCES["eu"].files[0].url == (
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
        "?token=dG9rZW4tMjAxNw"
    )
    assert SOURCES["au"].files[0].url == (
        "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx"
    )
    assert SOURCES["uk"].files[0].url == (
        "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
    )
    assert SOURCES["un"].files[0].url == (
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    )
    assert resolve_url(SOURCES["un"].files[0].url, "http://127.0.0.1:9") == (
        "http://127.0.0.1:9/resources/xml/en/consolidated.xml"
    )


def test_update_every_source_then_parse(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    dest = tmp_path / "lists"
    results = update_sources(dest, base_url=base, timeout_s=5, backoff_s=0)
    assert set(results) == {"csl", "ofac-sdn", "ofac-cons", "un", "bis-dpl"}
    for name, result in results.items():
        assert not isinstance(result, DownloadError), result
        feed = parse_feed(result.primary_path, SOURCES[name].format)
        assert feed.entries
        assert all(len(f.sha256) == 64 and f.size_bytes > 0 for f in result.files)
    sdn = results["ofac-sdn"]
    assert not isinstance(sdn, DownloadError)
    assert parse_feed(sdn.primary_path).feed == "ofac-sdn"
    assert (dest / "ofac-sdn" / "alt.csv").read_bytes() == (LISTS / "ofac/sls/ALT.CSV").read_bytes()
    # the comments file arrived and its overflow is joined to the Remarks it continues
    assert sdn.parsed is not None and [f.path.name for f in sdn.files][-1] == "sdn_comments.csv"
    malkevich = next(e for e in sdn.parsed.entries if e.entry_id == "SDN:26235")
    assert malkevich.remarks.endswith("National ID No. 781005202108; Linked To: USA REALLY.")
    assert parse_feed(sdn.primary_path).entries == sdn.parsed.entries
    json_result = download_source(SOURCES["csl-json"], dest / "csl-json", base_url=base)
    assert len(parse_feed(json_result.primary_path).entries) == 11
    # the optional sources: OFAC advanced XML, EU FSF XML, UK Sanctions List CSV
    optional = update_sources(
        dest, ["ofac-sdn-advanced", "eu", "uk", "au"], base_url=base, timeout_s=5, backoff_s=0
    )
    counts = {
        n: len(r.parsed.entries)
        for n, r in optional.items()
        if isinstance(r, SourceResult) and r.parsed
    }
    assert counts == {"ofac-sdn-advanced": 5, "eu": 3, "uk": 4, "au": 3}, optional


def test_conditional_request_keeps_file(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    left = tmp_path / ".staging-killed"  # what a download killed two days ago left behind
    left.mkdir()
    (left / "sdn.csv").write_bytes(b"partial")
    os.utime(left, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    running = tmp_path / ".staging-running"  # another download, running now
    running.mkdir()
    first = download_source(SOURCES["un"], tmp_path, base_url=base)
    assert first.changed
    second = download_source(SOURCES["un"], tmp_path, base_url=base)
    assert not second.changed
    assert second.files[0].sha256 == first.files[0].sha256
    assert not left.exists() and running.exists()


def test_404_leaves_previous_files(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, root, handler = server
    dest = tmp_path / "ofac-sdn"
    download_source(SOURCES["ofac-sdn"], dest, base_url=base)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    sls = root / "api" / "PublicationPreview" / "exports"
    (sls / "ADD.CSV").unlink()
    (sls / "SDN.CSV").write_bytes(b'1,"CHANGED",-0- \n')
    handler.etag = '"v2"'  # the publisher changed the files
    with pytest.raises(DownloadError, match="404"):
        download_source(SOURCES["ofac-sdn"], dest, base_url=base)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before


def test_truncated_body_leaves_previous_file(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, _root, handler = server
    dest = tmp_path / "bis-dpl"
    download_source(SOURCES["bis-dpl"], dest, base_url=base)
    good = (dest / "dpl.txt").read_bytes()
    handler.truncate.add("/dpl/dpl.txt")
    handler.etag = '"v2"'
    with pytest.raises(DownloadError, match=r"truncated|connection") as info:
        download_source(SOURCES["bis-dpl"], dest, base_url=base, timeout_s=5, backoff_s=0)
    assert "after 4 attempts" in str(info.value)  # a cut body is retried, then refused
    assert (dest / "dpl.txt").read_bytes() == good
    assert sorted(p.name for p in dest.iterdir()) == ["dpl.txt", "dpl.txt.meta.json"]


def test_size_limit_and_unreachable(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    dest = tmp_path / "un"
    with pytest.raises(DownloadError, match="limit"):
        download_source(SOURCES["un"], dest, base_url=base, max_bytes=100)
    assert list(dest.iterdir()) == []
    waits: list[float] = []
    results = update_sources(
        tmp_path, ["un"], base_url="http://127.0.0.1:9", timeout_s=2, sleep=waits.append
    )
    assert waits == []  # a refused connection is not retried
    assert isinstance(results["un"], DownloadError)
    assert not (dest / "un-consolidated.xml").exists()


def test_html_answer_is_refused_and_the_saved_file_kept(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    """The reported BIS case: dpl.txt answers a web page. Refused by content type with a
    clear message (not "column 'Name' missing"), and the saved file is untouched."""
    base, _root, handler = server
    dest = tmp_path / "bis-dpl"
    download_source(SOURCES["bis-dpl"], dest, base_url=base)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    handler.html.add("/dpl/dpl.txt")
    with pytest.raises(DownloadError) as info:
        download_source(SOURCES["bis-dpl"], dest, base_url=base, backoff_s=0)
    message = str(info.value)
    assert "HTML page" in message and "text/html" in message and "kept" in message
    assert "bis-dpl" in message and "/dpl/dpl.txt" in message
    assert "column" not in message
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before  # no staging left
    # The same page labelled text/plain is still refused, by its first bytes.
    handler.html.clear()
    (_root / "dpl" / "dpl.txt").write_bytes(HTML_PAGE)
    handler.etag = '"v2"'
    with pytest.raises(DownloadError, match="HTML page"):
        download_source(SOURCES["bis-dpl"], dest, base_url=base, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before


def test_wrong_content_type_and_unparsable_body_are_refused(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, root, handler = server
    dest = tmp_path / "un"
    download_source(SOURCES["un"], dest, base_url=base)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    handler.etag = '"v2"'
    handler.types["/resources/xml/en/consolidated.xml"] = "image/png"
    with pytest.raises(DownloadError, match=r"unexpected Content-Type 'image/png'"):
        download_source(SOURCES["un"], dest, base_url=base, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    # Right type, wrong content: the parse check names the file, row and field.
    handler.types.clear()
    (root / "resources" / "xml" / "en" / "consolidated.xml").write_bytes(
        b'<?xml version="1.0"?>\n<error><message>quota exceeded</message></error>\n'
    )
    with pytest.raises(DownloadError) as info:
        download_source(SOURCES["un"], dest, base_url=base, backoff_s=0)
    assert "not a valid un list (un-consolidated.xml, row 2" in str(info.value)
    assert "root element is <error>" in str(info.value)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    # A file that is itself cut short (the server sends all it has, Content-Length agrees):
    # only the parse check can tell, and it does.
    good = (LISTS / "un" / "consolidated-sample.xml").read_bytes()
    (root / "resources" / "xml" / "en" / "consolidated.xml").write_bytes(good[: len(good) // 2])
    with pytest.raises(DownloadError, match=r"un-consolidated\.xml, row \d+, field .*truncated"):
        download_source(SOURCES["un"], dest, base_url=base, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before


def test_one_bad_file_of_a_trio_replaces_none(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    """SDN.CSV and ALT.CSV change, ADD.CSV now names an entry that is not in SDN.CSV: the
    parse check of the staged trio fails, and all four saved files stay as they were."""
    base, root, handler = server
    dest = tmp_path / "ofac-sdn"
    download_source(SOURCES["ofac-sdn"], dest, base_url=base)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    sls = root / "api" / "PublicationPreview" / "exports"
    (sls / "ADD.CSV").write_bytes(b'99999,1,"Street",-0- ,"Cuba",-0- \n')
    handler.etag = '"v2"'
    with pytest.raises(DownloadError, match=r"add\.csv, row 1, field 'ent_num'"):
        download_source(SOURCES["ofac-sdn"], dest, base_url=base, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before


def test_503_then_success_is_retried_with_back_off(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, _root, handler = server
    handler.fail_first["/dpl/dpl.txt"] = 2
    waits: list[float] = []
    result = download_source(
        SOURCES["bis-dpl"], tmp_path, base_url=base, backoff_s=1.5, sleep=waits.append
    )
    assert waits == [1.5, 3.0]  # exponential back-off, not slept for real in a test
    assert result.files[0].attempts == 3
    assert handler.requests.count("/dpl/dpl.txt") == 3
    assert result.parsed is not None and len(result.parsed.entries) > 0
    assert (tmp_path / "dpl.txt").read_bytes() == (LISTS / "bis" / "dpl-sample.txt").read_bytes()


def test_connection_reset_then_success_and_giving_up(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, _root, handler = server
    path = "/api/PublicationPreview/exports/ALT.CSV"
    handler.reset_first[path] = 1
    waits: list[float] = []
    result = download_source(
        SOURCES["ofac-sdn"], tmp_path, base_url=base, backoff_s=0.5, sleep=waits.append
    )
    assert waits == [0.5] and [f.attempts for f in result.files] == [1, 2, 1, 1]
    # A source down for longer than the retries: refused, nothing replaced.
    handler.etag = '"v2"'
    handler.fail_first["/dpl/dpl.txt"] = 10
    waits.clear()
    with pytest.raises(DownloadError, match=r"HTTP 503.*after 3 attempts"):
        download_source(
            SOURCES["bis-dpl"],
            tmp_path / "dpl",
            base_url=base,
            retries=2,
            backoff_s=1,
            sleep=waits.append,
        )
    assert waits == [1, 2]
    assert list((tmp_path / "dpl").iterdir()) == []
    # A 404 is not transient: no retry.
    handler.fail_first.clear()
    handler.requests.clear()
    with pytest.raises(DownloadError, match="404"):
        download_source(SOURCES["csl"], tmp_path / "x", base_url=base + "/missing", backoff_s=0)
    assert len(handler.requests) == 1


def _served_path(url: str) -> str:
    parts = urllib.parse.urlsplit(resolve_url(url, "http://127.0.0.1:1"))
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_refuses_html_and_truncation_and_retries_503(
    name: str, server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    """Acceptance 1 for each download: an HTML answer, a truncated answer and a 503 followed
    by success, on the source's first file; a refused download keeps the saved files."""
    base, _root, handler = server
    source = SOURCES[name]
    dest = tmp_path / name
    first = download_source(source, dest, base_url=base, backoff_s=0)
    assert first.parsed is not None and first.parsed.entries
    saved = {p.name: p.read_bytes() for p in dest.iterdir()}
    served = _served_path(source.files[0].url)
    handler.etag = '"v2"'  # the publisher "changed" the files: no 304 from now on
    handler.html.add(served)
    with pytest.raises(DownloadError, match="HTML page"):
        download_source(source, dest, base_url=base, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == saved
    handler.html.clear()
    handler.truncate.add(served)
    with pytest.raises(DownloadError, match=r"truncated|connection failed"):
        download_source(source, dest, base_url=base, retries=1, backoff_s=0)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == saved
    handler.truncate.clear()
    handler.fail_first[served] = 1
    handler.retry_after = "7"
    waits: list[float] = []
    again = download_source(source, dest, base_url=base, backoff_s=0.25, sleep=waits.append)
    assert waits == [7.0]  # the server's Retry-After, longer than the back-off, is honoured
    assert again.files[0].attempts == 2 and again.changed
    assert again.parsed is not None and len(again.parsed.entries) == len(first.parsed.entries)
