"""Downloads against a local threaded http.server on 127.0.0.1 serving the fixture files in
the official URL layout (there is no internet here)."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import ClassVar

import pytest

from chainwatch.lists import parse_feed
from chainwatch.lists.download import (
    SOURCES,
    DownloadError,
    download_source,
    resolve_url,
    update_sources,
)
from conftest import FIXTURES

LISTS = FIXTURES / "lists"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; paths listed in `truncate` announce more bytes than they send."""

    truncate: ClassVar[set[str]] = set()
    etag = '"v1"'

    def log_message(self, format: str, *args: object) -> None:  # silence test output
        pass

    def do_GET(self) -> None:
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
    ofac = root / "ofac" / "downloads"
    (ofac / "consolidated").mkdir(parents=True)
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        shutil.copy(LISTS / "ofac" / "sdn" / name, ofac / name)
    for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv"):
        shutil.copy(LISTS / "ofac" / "cons" / name, ofac / "consolidated" / name)
    csl = root / "downloadable_consolidated_screening_list" / "v1"
    csl.mkdir(parents=True)
    shutil.copy(LISTS / "csl" / "consolidated-sample.csv", csl / "consolidated.csv")
    shutil.copy(LISTS / "csl" / "consolidated-sample.json", csl / "consolidated.json")
    un = root / "resources" / "xml" / "en"
    un.mkdir(parents=True)
    shutil.copy(LISTS / "un" / "consolidated-sample.xml", un / "consolidated.xml")
    (root / "dpl").mkdir()
    shutil.copy(LISTS / "bis" / "dpl-sample.txt", root / "dpl" / "dpl.txt")

    handler = type("Handler", (_Handler,), {"truncate": set()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, handler
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_sources_point_at_official_addresses() -> None:
    assert SOURCES["csl"].files[0].url.startswith("https://data.trade.gov/")
    assert [f.url for f in SOURCES["ofac-sdn"].files] == [
        "https://www.treasury.gov/ofac/downloads/sdn.csv",
        "https://www.treasury.gov/ofac/downloads/alt.csv",
        "https://www.treasury.gov/ofac/downloads/add.csv",
    ]
    assert SOURCES["ofac-cons"].files[0].url.endswith("/ofac/downloads/consolidated/cons_prim.csv")
    assert SOURCES["un"].files[0].url == (
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    )
    assert resolve_url(SOURCES["un"].files[0].url, "http://127.0.0.1:9") == (
        "http://127.0.0.1:9/resources/xml/en/consolidated.xml"
    )


def test_update_every_source_then_parse(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    dest = tmp_path / "lists"
    results = update_sources(dest, base_url=base, timeout_s=5)
    assert set(results) == {"csl", "ofac-sdn", "ofac-cons", "un", "bis-dpl"}
    for name, result in results.items():
        assert not isinstance(result, DownloadError), result
        feed = parse_feed(result.primary_path, SOURCES[name].format)
        assert feed.entries
        assert all(len(f.sha256) == 64 and f.size_bytes > 0 for f in result.files)
    sdn = results["ofac-sdn"]
    assert not isinstance(sdn, DownloadError)
    assert parse_feed(sdn.primary_path).feed == "ofac-sdn"
    assert (dest / "ofac-sdn" / "alt.csv").read_bytes() == (LISTS / "ofac/sdn/alt.csv").read_bytes()
    json_result = download_source(SOURCES["csl-json"], dest / "csl-json", base_url=base)
    assert len(parse_feed(json_result.primary_path).entries) == 11


def test_conditional_request_keeps_file(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    first = download_source(SOURCES["un"], tmp_path, base_url=base)
    assert first.changed
    second = download_source(SOURCES["un"], tmp_path, base_url=base)
    assert not second.changed
    assert second.files[0].sha256 == first.files[0].sha256


def test_404_leaves_previous_files(
    server: tuple[str, Path, type[_Handler]], tmp_path: Path
) -> None:
    base, root, handler = server
    dest = tmp_path / "ofac-sdn"
    download_source(SOURCES["ofac-sdn"], dest, base_url=base)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    (root / "ofac" / "downloads" / "add.csv").unlink()
    (root / "ofac" / "downloads" / "sdn.csv").write_bytes(b'1,"CHANGED",-0- \n')
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
    with pytest.raises(DownloadError, match=r"truncated|connection"):
        download_source(SOURCES["bis-dpl"], dest, base_url=base, timeout_s=5)
    assert (dest / "dpl.txt").read_bytes() == good
    assert sorted(p.name for p in dest.iterdir()) == ["dpl.txt", "dpl.txt.meta.json"]


def test_size_limit_and_unreachable(server: tuple[str, Path, type], tmp_path: Path) -> None:
    base, _root, _handler = server
    dest = tmp_path / "un"
    with pytest.raises(DownloadError, match="limit"):
        download_source(SOURCES["un"], dest, base_url=base, max_bytes=100)
    assert list(dest.iterdir()) == []
    results = update_sources(tmp_path, ["un"], base_url="http://127.0.0.1:9", timeout_s=2)
    assert isinstance(results["un"], DownloadError)
    assert not (dest / "un-consolidated.xml").exists()
