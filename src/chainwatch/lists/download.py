"""Download the official list files from their publishers' addresses.

Each :class:`Source` names a feed, its format and the official URLs of its file(s). A download
streams each file to a temporary file in the destination directory (size-limited, with a
timeout, SHA-256 computed on the way, ``Content-Length`` checked), and only when *every* file
of the source arrived complete are they renamed into place (``os.replace``, atomic on one
file system). A failed, truncated or interrupted download therefore leaves the previous good
files exactly as they were. Conditional requests (``If-None-Match`` / ``If-Modified-Since``)
use the ETag and Last-Modified kept in a ``<file>.meta.json`` sidecar; a 304 keeps the file.

``base_url`` replaces scheme, host and port of every official URL and keeps its path, so tests
(and mirrors) can serve the same layout locally, e.g. ``http://127.0.0.1:8123`` serves
``/ofac/downloads/sdn.csv``.

Official addresses (verify against the publishers when they move):

* trade.gov CSL: https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv
  (and ``consolidated.json``)
* OFAC SDN: https://www.treasury.gov/ofac/downloads/sdn.csv, alt.csv, add.csv; non-SDN
  consolidated: https://www.treasury.gov/ofac/downloads/consolidated/cons_prim.csv, ...
* UN: https://scsanctions.un.org/resources/xml/en/consolidated.xml
* BIS Denied Persons List: https://www.bis.doc.gov/dpl/dpl.txt
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chainwatch.model.errors import ChainwatchError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
USER_AGENT = "chainwatch-list-update/0.1 (+https://github.com/chainwatch)"
_CHUNK = 1 << 16


class DownloadError(ChainwatchError):
    """A source could not be downloaded completely; nothing was replaced."""

    def __init__(self, message: str, *, url: str, source: str = "") -> None:
        self.url = url
        self.source = source
        prefix = f"source {source}: " if source else ""
        super().__init__(f"{prefix}{url}: {message}")


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file of a source: its official URL and the local file name to keep it under."""

    url: str
    filename: str


@dataclass(frozen=True, slots=True)
class Source:
    """A list that `lists update` downloads: feed name, adapter format, official files.

    The first file is what :func:`chainwatch.lists.parse_feed` is given (for OFAC, the
    primary file; its alt/add siblings sit next to it).
    """

    name: str
    format: str
    files: tuple[RemoteFile, ...]
    default: bool = True  # part of a plain `lists update`

    @property
    def primary(self) -> str:
        return self.files[0].filename


_OFAC = "https://www.treasury.gov/ofac/downloads/"
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
        Source(
            "ofac-sdn",
            "ofac",
            tuple(RemoteFile(_OFAC + f, f) for f in ("sdn.csv", "alt.csv", "add.csv")),
        ),
        Source(
            "ofac-cons",
            "ofac",
            tuple(
                RemoteFile(_OFAC + "consolidated/" + f, f)
                for f in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv")
            ),
        ),
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


@dataclass(frozen=True, slots=True)
class SourceResult:
    """A source's files in place after a successful download."""

    source: Source
    directory: Path
    files: tuple[FileResult, ...]

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


def fetch_to_temp(
    url: str,
    directory: Path,
    *,
    previous: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str = "",
) -> tuple[Path | None, FileResult, dict[str, str]]:
    """Stream `url` into a temporary file in `directory`.

    Returns (temp path or None when the server said 304, result, response metadata). The
    caller renames the temp file into place or deletes it. Raises DownloadError on HTTP
    errors, timeouts, oversize or truncated bodies; no temp file is left behind then.
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
        raise DownloadError(f"HTTP {exc.code} {exc.reason}", url=url, source=source) from None
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot connect: {reason}", url=url, source=source) from None

    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=directory)
    temp = Path(name)
    digest = hashlib.sha256()
    size = 0
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
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (TimeoutError, OSError, http.client.HTTPException) as exc:
                    raise DownloadError(
                        f"connection failed after {size} bytes: {exc}", url=url, source=source
                    ) from None
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadError(
                        f"body exceeds the limit of {max_bytes} bytes", url=url, source=source
                    )
                digest.update(chunk)
                out.write(chunk)
            if expected_size is not None and size != expected_size:
                raise DownloadError(
                    f"truncated: got {size} of {expected_size} bytes", url=url, source=source
                )
            if size == 0:
                raise DownloadError("empty body", url=url, source=source)
            out.flush()
            os.fsync(out.fileno())
        info = {
            "url": url,
            "sha256": digest.hexdigest(),
            "etag": response.headers.get("ETag") or "",
            "last_modified": response.headers.get("Last-Modified") or "",
        }
        return temp, FileResult(url, temp, digest.hexdigest(), size), info
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def download_source(
    source: Source,
    directory: Path,
    *,
    base_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SourceResult:
    """Download every file of `source` into `directory`; all files or none are replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path | None, RemoteFile, FileResult, dict[str, str]]] = []
    try:
        for remote in source.files:
            target = directory / remote.filename
            temp, result, info = fetch_to_temp(
                resolve_url(remote.url, base_url),
                directory,
                previous=target,
                timeout_s=timeout_s,
                max_bytes=max_bytes,
                source=source.name,
            )
            staged.append((temp, remote, result, info))
    except BaseException:
        for temp, *_ in staged:
            if temp is not None:
                temp.unlink(missing_ok=True)
        raise
    results: list[FileResult] = []
    for temp, remote, result, info in staged:
        target = directory / remote.filename
        if temp is None:
            results.append(result)
            continue
        os.replace(temp, target)
        meta_temp = _meta_path(target).with_suffix(".tmp")
        meta_temp.write_text(json.dumps(info, indent=1), encoding="utf-8")
        os.replace(meta_temp, _meta_path(target))
        results.append(
            FileResult(result.url, target, result.sha256, result.size_bytes, result.not_modified)
        )
    return SourceResult(source, directory, tuple(results))


def update_sources(
    directory: Path,
    names: Iterable[str] | None = None,
    *,
    base_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
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
            )
        except DownloadError as exc:
            results[name] = exc
    return results
