"""Download the official list files from their publishers' addresses, safely.

Each :class:`Source` names a feed, its format and the official URLs of its file(s). A download
streams every file of the source into a staging directory inside the destination (size-limited,
with a timeout, SHA-256 computed on the way, ``Content-Length`` checked), then checks that what
arrived is the expected format *before anything is replaced*:

1. the ``Content-Type`` must be one the format can come as (an HTML page, which is what a
   publisher's error or maintenance page or a captive portal serves, is refused whatever
   it is labelled, by its first bytes too);
2. the staged files are parsed completely by the source's adapter (a parse check): a file that
   does not parse is refused with the adapter's error (file, row, field).

Only when every file of the source arrived complete and parsed are they renamed into place
(``os.replace``, atomic on one file system); a refused, failed, truncated or interrupted
download leaves the previous good files exactly as they were. The parsed feed is returned
(``SourceResult.parsed``) so the caller does not parse the files twice.

Transient failures (HTTP 408, 425, 429, 500, 502, 503, 504, a reset or dropped connection, a
timeout, a body cut short; not a refused connection or an unknown host) are retried with
exponential back-off (``backoff_s`` x 1, 2, 4 ...; a ``Retry-After`` header of at most
:data:`MAX_RETRY_AFTER_S` seconds is honoured). Conditional
requests (``If-None-Match`` / ``If-Modified-Since``) use the ETag and Last-Modified kept in a
``<file>.meta.json`` sidecar; a 304 keeps the file.

``base_url`` replaces scheme, host and port of every official URL and keeps its path, so tests
(and mirrors) can serve the same layout locally, e.g. ``http://127.0.0.1:8123`` serves
``/api/PublicationPreview/exports/SDN.CSV``.

Official addresses (verify against the publishers when they move; see docs/lists.md):

* trade.gov CSL: https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv
  (and ``consolidated.json``)
* OFAC, Sanctions List Service (SLS); the treasury.gov ``/ofac/downloads/`` paths only work
  through a redirect now:
  https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/<FILE> with
  ``SDN.CSV``, ``ALT.CSV``, ``ADD.CSV``, ``SDN_COMMENTS.CSV`` (remarks overflowing
  ``SDN.CSV``), ``SDN_ADVANCED.XML``; non-SDN: ``CONS_PRIM.CSV``, ``CONS_ALT.CSV``,
  ``CONS_ADD.CSV``, ``CONS_COMMENTS.CSV``, ``CONS_ADVANCED.XML``
* UN: https://scsanctions.un.org/resources/xml/en/consolidated.xml
* BIS Denied Persons List: https://www.bis.doc.gov/dpl/dpl.txt
* EU consolidated financial sanctions list (Financial Sanctions Files, FSF), XML 1.1:
  https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw
  (the token is the public one the FSF page itself links with)
* UK Sanctions List (FCDO; the single UK list since OFSI's Consolidated List closed on
  28 January 2026): https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv
* Australia, DFAT Consolidated List:
  https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import json
import os
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainwatch.model.errors import ChainwatchError, InputError

if TYPE_CHECKING:
    from chainwatch.model.lists import ParsedFeed

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_BYTES = 400 * 1024 * 1024  # SDN_ADVANCED.XML is over 100 MB
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 2.0
MAX_RETRY_AFTER_S = 120.0
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "chainwatch-list-update/0.1 (+https://github.com/chainwatch)"
_CHUNK = 1 << 16

#: Content types a file of each kind may be served as. ``application/octet-stream`` (and an
#: absent header) is accepted for all: publishers label downloads that way.
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})
CONTENT_TYPES: dict[str, frozenset[str]] = {
    "csv": frozenset(
        {
            "text/csv",
            "text/plain",
            "application/csv",
            "text/comma-separated-values",
            "application/vnd.ms-excel",
            "text/x-csv",
        }
    ),
    "txt": frozenset({"text/plain", "text/tab-separated-values", "text/csv"}),
    "xml": frozenset({"application/xml", "text/xml", "text/plain"}),
    "json": frozenset({"application/json", "text/json", "text/plain"}),
    "xlsx": frozenset(
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"}
    ),
}
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body")


class DownloadError(ChainwatchError):
    """A source could not be downloaded completely; nothing was replaced."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        source: str = "",
        transient: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        self.url = url
        self.retry_after_s = retry_after_s
        self.source = source
        self.transient = transient
        prefix = f"source {source}: " if source else ""
        super().__init__(f"{prefix}{url}: {message}")


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file of a source: its official URL and the local file name to keep it under.

    `kind` (csv, txt, xml, json) says which content types the file may be served as."""

    url: str
    filename: str
    kind: str = ""

    @property
    def content_kind(self) -> str:
        return self.kind or Path(self.filename).suffix.lstrip(".").lower()


@dataclass(frozen=True, slots=True)
class Source:
    """A list that `lists update` downloads: feed name, adapter format, official files.

    The first file is what :func:`chainwatch.lists.parse_feed` is given (for OFAC, the
    primary file; its alt/add/comments siblings sit next to it).
    """

    name: str
    format: str
    files: tuple[RemoteFile, ...]
    default: bool = True  # part of a plain `lists update`

    @property
    def primary(self) -> str:
        return self.files[0].filename


SLS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
EU_FSF_XML = (
    "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
    "?token=dG9rZW4tMjAxNw"
)
UK_SANCTIONS_LIST_CSV = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
AU_DFAT_XLSX = "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx"


def _sls(*names: str) -> tuple[RemoteFile, ...]:
    """SLS files, kept locally under their lower-case legacy names (sdn.csv, alt.csv ...)."""
    return tuple(RemoteFile(SLS + name, name.lower()) for name in names)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "csl",
            "csl",
            (
                RemoteFile(
                    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"
                    "consolidated.csv",
                    "consolidated.csv",
                ),
            ),
        ),
        Source(
            "csl-json",
            "csl",
            (
                RemoteFile(
                    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"
                    "consolidated.json",
                    "consolidated.json",
                ),
            ),
            default=False,
        ),
        Source("ofac-sdn", "ofac", _sls("SDN.CSV", "ALT.CSV", "ADD.CSV", "SDN_COMMENTS.CSV")),
        Source(
            "ofac-cons",
            "ofac",
            _sls("CONS_PRIM.CSV", "CONS_ALT.CSV", "CONS_ADD.CSV", "CONS_COMMENTS.CSV"),
        ),
        Source("ofac-sdn-advanced", "ofac-xml", _sls("SDN_ADVANCED.XML"), default=False),
        Source("ofac-cons-advanced", "ofac-xml", _sls("CONS_ADVANCED.XML"), default=False),
        Source(
            "un",
            "un",
            (
                RemoteFile(
                    "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
                    "un-consolidated.xml",
                ),
            ),
        ),
        Source(
            "bis-dpl", "bis-dpl", (RemoteFile("https://www.bis.doc.gov/dpl/dpl.txt", "dpl.txt"),)
        ),
        Source("eu", "eu-fsf", (RemoteFile(EU_FSF_XML, "eu-fsf.xml"),), default=False),
        Source(
            "uk",
            "uk-sl",
            (RemoteFile(UK_SANCTIONS_LIST_CSV, "UK-Sanctions-List.csv"),),
            default=False,
        ),
        Source(
            "au",
            "au-dfat",
            (RemoteFile(AU_DFAT_XLSX, "regulation8_consolidated.xlsx"),),
            default=False,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class FileResult:
    """One downloaded (or unchanged) file."""

    url: str
    path: Path
    sha256: str
    size_bytes: int
    not_modified: bool = False
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class SourceResult:
    """A source's files in place after a successful download, and the feed they parse to
    (None when nothing changed)."""

    source: Source
    directory: Path
    files: tuple[FileResult, ...]
    parsed: ParsedFeed | None = None

    @property
    def primary_path(self) -> Path:
        return self.directory / self.source.primary

    @property
    def changed(self) -> bool:
        return any(not f.not_modified for f in self.files)


def resolve_url(url: str, base_url: str | None) -> str:
    """The official `url`, or the same path under `base_url` (scheme, host, port replaced)."""
    if not base_url:
        return url
    official = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(base_url)
    path = base.path.rstrip("/") + official.path
    return urllib.parse.urlunsplit((base.scheme, base.netloc, path, official.query, ""))


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _read_meta(path: Path) -> dict[str, str]:
    try:
        data = json.loads(_meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_content(url: str, content_type: str, head: bytes, kind: str, *, source: str = "") -> None:
    """Refuse a body that is not the expected kind of file: an HTML page (by type or by its
    first bytes) or a content type the kind is never served as."""
    media = content_type.split(";", 1)[0].strip().lower()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if media in _HTML_TYPES or start.startswith(_HTML_START):
        raise DownloadError(
            f"the server answered with an HTML page (Content-Type {media or 'absent'}), not "
            f"the {kind.upper()} list file: the publisher may have moved it or be down; the "
            "saved file was kept",
            url=url,
            source=source,
        )
    allowed = CONTENT_TYPES.get(kind)
    if allowed is not None and media not in allowed | _GENERIC_TYPES:
        raise DownloadError(
            f"unexpected Content-Type {media!r} for a {kind.upper()} file "
            f"(expected one of {', '.join(sorted(allowed))}); the saved file was kept",
            url=url,
            source=source,
        )


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(when.timestamp() - time.time(), 0.0)
    return None


def fetch_to_temp(
    url: str,
    directory: Path,
    *,
    previous: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str = "",
    kind: str = "",
) -> tuple[Path | None, FileResult, dict[str, str]]:
    """Stream `url` into a temporary file in `directory` (one attempt).

    Returns (temp path or None when the server said 304, result, response metadata). The
    caller renames the temp file into place or deletes it. Raises DownloadError on HTTP
    errors, timeouts, oversize, truncated or wrong-format bodies (``transient`` set for those
    worth retrying); no temp file is left behind then.
    """
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    meta = _read_meta(previous) if previous is not None and previous.exists() else {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and previous is not None and previous.exists():
            result = FileResult(
                url,
                previous,
                meta.get("sha256") or _sha256(previous),
                previous.stat().st_size,
                True,
            )
            return None, result, meta
        raise DownloadError(
            f"HTTP {exc.code} {exc.reason}",
            url=url,
            source=source,
            transient=exc.code in TRANSIENT_STATUS,
            retry_after_s=_retry_after_s(exc.headers.get("Retry-After") if exc.headers else None),
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        # A refused connection or an unknown host is a wrong address or a host that is not
        # there, not a hiccup: not retried. Resets, drops and timeouts are.
        permanent = isinstance(reason, ConnectionRefusedError | socket.gaierror)
        raise DownloadError(
            f"cannot connect: {reason}", url=url, source=source, transient=not permanent
        ) from None

    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=directory)
    temp = Path(name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with response, os.fdopen(fd, "wb") as out:
            expected = response.headers.get("Content-Length")
            expected_size = int(expected) if expected and expected.isdigit() else None
            if expected_size is not None and expected_size > max_bytes:
                raise DownloadError(
                    f"file of {expected_size} bytes exceeds the limit of {max_bytes}",
                    url=url,
                    source=source,
                )
            content_type = response.headers.get("Content-Type") or ""
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (TimeoutError, OSError, http.client.HTTPException) as exc:
                    raise DownloadError(
                        f"connection failed after {size} bytes: {exc}",
                        url=url,
                        source=source,
                        transient=True,
                    ) from None
                if not chunk:
                    break
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                    if len(head) >= 512 or size == 0:
                        check_content(url, content_type, head, kind, source=source)
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadError(
                        f"body exceeds the limit of {max_bytes} bytes", url=url, source=source
                    )
                digest.update(chunk)
                out.write(chunk)
            if expected_size is not None and size != expected_size:
                raise DownloadError(
                    f"truncated: got {size} of {expected_size} bytes",
                    url=url,
                    source=source,
                    transient=True,
                )
            if size == 0:
                raise DownloadError("empty body", url=url, source=source)
            check_content(url, content_type, head, kind, source=source)
            out.flush()
            os.fsync(out.fileno())
        info = {
            "url": url,
            "sha256": digest.hexdigest(),
            "etag": response.headers.get("ETag") or "",
            "last_modified": response.headers.get("Last-Modified") or "",
            "content_type": content_type,
        }
        return temp, FileResult(url, temp, digest.hexdigest(), size), info
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def fetch_with_retries(
    url: str,
    directory: Path,
    *,
    previous: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str = "",
    kind: str = "",
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Path | None, FileResult, dict[str, str]]:
    """:func:`fetch_to_temp`, retried up to `retries` times on a transient failure, waiting
    ``backoff_s * 2**attempt`` seconds (or the server's ``Retry-After``, at most
    :data:`MAX_RETRY_AFTER_S`) between attempts. The last error is raised, saying how many
    attempts were made."""
    attempt = 0
    while True:
        try:
            temp, result, info = fetch_to_temp(
                url,
                directory,
                previous=previous,
                timeout_s=timeout_s,
                max_bytes=max_bytes,
                source=source,
                kind=kind,
            )
        except DownloadError as exc:
            if not exc.transient or attempt >= retries:
                if attempt:
                    exc.args = (f"{exc.args[0]} (after {attempt + 1} attempts)",)
                raise
            wait = backoff_s * (2**attempt)
            if exc.retry_after_s is not None:
                wait = max(wait, min(exc.retry_after_s, MAX_RETRY_AFTER_S))
            attempt += 1
            sleep(wait)
            continue
        if attempt:
            result = FileResult(
                result.url,
                result.path,
                result.sha256,
                result.size_bytes,
                result.not_modified,
                attempt + 1,
            )
        return temp, result, info


def _parse_check(source: Source, staging: Path, url: str) -> ParsedFeed:
    """Parse the staged files with the source's adapter; refuse them when they do not parse."""
    from chainwatch.lists.registry import parse_feed

    try:
        parsed = parse_feed(staging / source.primary, source.format, feed=source.name)
    except InputError as exc:
        where = ", ".join(
            part
            for part in (
                f"row {exc.row}" if exc.row is not None else "",
                f"field {exc.field!r}" if exc.field else "",
            )
            if part
        )
        file = Path(exc.file).name if exc.file else source.primary
        raise DownloadError(
            f"the downloaded file is not a valid {source.format} list ({file}"
            f"{', ' + where if where else ''}: {exc.reason}); the saved file was kept",
            url=url,
            source=source.name,
        ) from None
    if not parsed.entries:
        raise DownloadError(
            "the downloaded file holds no entries; the saved file was kept",
            url=url,
            source=source.name,
        )
    return parsed


STALE_STAGING_S = 24 * 3600.0


def _remove_stale_staging(directory: Path) -> None:
    """Staging folders a killed download left behind (a running one is younger than a day)."""
    cutoff = time.time() - STALE_STAGING_S
    for stale in directory.glob(".staging-*"):
        with contextlib.suppress(OSError):
            if stale.is_dir() and stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)


def download_source(
    source: Source,
    directory: Path,
    *,
    base_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
    check: bool = True,
) -> SourceResult:
    """Download every file of `source` into `directory`; all files or none are replaced, and
    only after the content check and (`check`) the parse check passed."""
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(directory)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
    try:
        staged: list[tuple[Path | None, RemoteFile, FileResult, dict[str, str]]] = []
        for remote in source.files:
            target = directory / remote.filename
            url = resolve_url(remote.url, base_url)
            temp, result, info = fetch_with_retries(
                url,
                staging,
                previous=target,
                timeout_s=timeout_s,
                max_bytes=max_bytes,
                source=source.name,
                kind=remote.content_kind,
                retries=retries,
                backoff_s=backoff_s,
                sleep=sleep,
            )
            if temp is not None:
                temp = temp.rename(staging / remote.filename)
            staged.append((temp, remote, result, info))
        changed = any(temp is not None for temp, *_ in staged)
        parsed: ParsedFeed | None = None
        if changed and check:
            for temp, remote, _result, _info in staged:
                if temp is None:  # unchanged sibling: the parse needs it next to the others
                    shutil.copy2(directory / remote.filename, staging / remote.filename)
            parsed = _parse_check(source, staging, resolve_url(source.files[0].url, base_url))
        results: list[FileResult] = []
        for temp, remote, result, info in staged:
            target = directory / remote.filename
            if temp is None:
                results.append(result)
                continue
            os.replace(temp, target)
            meta_temp = staging / (remote.filename + ".meta.json")
            meta_temp.write_text(json.dumps(info, indent=1), encoding="utf-8")
            os.replace(meta_temp, _meta_path(target))
            results.append(
                FileResult(
                    result.url,
                    target,
                    result.sha256,
                    result.size_bytes,
                    result.not_modified,
                    result.attempts,
                )
            )
        return SourceResult(source, directory, tuple(results), parsed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def update_sources(
    directory: Path,
    names: Iterable[str] | None = None,
    *,
    base_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, SourceResult | DownloadError]:
    """Download the named sources (default: every default source), each into
    ``directory/<source name>/``. One failing source does not stop the others; its entry in
    the result is the DownloadError and its previous files stay in place."""
    selected = list(names) if names is not None else [s.name for s in SOURCES.values() if s.default]
    results: dict[str, SourceResult | DownloadError] = {}
    for name in selected:
        if name not in SOURCES:
            raise DownloadError(f"unknown source {name!r}", url="", source=name)
        try:
            results[name] = download_source(
                SOURCES[name],
                directory / name,
                base_url=base_url,
                timeout_s=timeout_s,
                max_bytes=max_bytes,
                retries=retries,
                backoff_s=backoff_s,
                sleep=sleep,
            )
        except DownloadError as exc:
            results[name] = exc
    return results
