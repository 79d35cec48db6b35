"""The single entry point for list files: format detection, parsing, the bundled snapshot.

``parse_feed(path)`` picks the adapter (by content first, then by file name), runs it and
returns one :class:`~chainwatch.model.lists.ParsedFeed`; any problem is an
:class:`~chainwatch.model.errors.InputError` naming file, row and field, and nothing partial is
ever returned. Feed names are stable: ``csl``, ``ofac-sdn``, ``ofac-cons``,
``ofac-sdn-advanced``, ``ofac-cons-advanced``, ``un``, ``bis-dpl``, ``eu``, ``uk``, ``au``,
``opensanctions``, ``custom:<mapping stem>`` and, for chainwatch's own ``entries-json``, the
name in the file.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from chainwatch.lists import (
    au,
    bis_dpl,
    csl,
    custom,
    entries_json,
    eu,
    ofac,
    ofac_xml,
    opensanctions,
    uk,
    un,
)
from chainwatch.lists.reading import is_gzip, logical_name, peek_bytes
from chainwatch.model.errors import InputError
from chainwatch.model.lists import ParsedFeed

#: Adapter names accepted by ``parse_feed(format=...)`` and what each reads.
FORMATS: dict[str, str] = {
    "csl": "trade.gov Consolidated Screening List, consolidated.csv or consolidated.json",
    "ofac": "OFAC SDN (sdn/alt/add/sdn_comments.csv) or non-SDN (cons_prim/cons_alt/cons_add/"
    "cons_comments.csv) CSV files",
    "ofac-xml": "OFAC Sanctions List Service advanced XML (SDN_ADVANCED.XML, CONS_ADVANCED.XML)",
    "un": "UN Security Council consolidated list XML",
    "eu-fsf": "EU consolidated financial sanctions list, FSF XML 1.1",
    "uk-sl": "UK Sanctions List (FCDO), CSV",
    "au-dfat": "Australian DFAT Consolidated List, XLSX (regulation8_consolidated.xlsx)",
    "bis-dpl": "BIS Denied Persons List, tab-separated dpl.txt",
    "opensanctions": "OpenSanctions targets.simple.csv or FollowTheMoney JSON lines",
    "custom": "CSV, JSON or XLSX with a TOML mapping file (--mapping)",
    entries_json.FORMAT: "chainwatch's own entries JSON (entries*.json), as a store exports it",
}

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MAPPINGS_DIR = DATA_DIR / "mappings"
BUNDLED_DIR = DATA_DIR / "bundled"

_CSL_HEADER = re.compile(rb"^\W*_id,source,entity_number", re.IGNORECASE)
_OFAC_ROW = re.compile(rb"^\d+,\"")
_OS_HEADER = re.compile(rb"^\W*\"?id\"?,\"?schema\"?,\"?name\"?")
_DPL_HEADER = re.compile(rb"^\W*\"?Name\"?\t.*FR_Citation", re.IGNORECASE)
_UK_HEADER = re.compile(rb"^(?:\W*Report Date:[^\n]*\n)?[^\n]*\bUnique ID\b[^\n]*\bName 6\b", re.I)
# The first element of an XML file, after the declaration, comments and processing instructions.
_XML_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_XML_ROOTS = {b"CONSOLIDATED_LIST": "un", b"export": "eu-fsf", b"Sanctions": "ofac-xml"}
_DATE_IN_NAME = (
    re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4}-\d{2})(?![\d-])"),
    re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)"),
)


def _decoded_head(path: Path) -> bytes:
    head = peek_bytes(path, 4096)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and head[1] == 0):
        try:
            encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le"
            return head.decode(encoding, "ignore").encode("utf-8")
        except UnicodeError:
            return head
    return head.removeprefix(b"\xef\xbb\xbf")


def detect_format(path: Path) -> str:
    """The adapter for a file or directory: by content where it is telling, else by name."""
    if path.is_dir():
        names = {logical_name(p).lower() for p in path.iterdir()}
        if names & {"sdn.csv", "cons_prim.csv"}:
            return "ofac"
        raise InputError("cannot detect the list format of this directory", file=str(path))
    if not path.exists():
        raise InputError("file not found", file=str(path))
    name = logical_name(path).lower()
    head = _decoded_head(path).lstrip()
    if entries_json.looks_like(name):
        return entries_json.FORMAT
    if head.startswith(b"<"):
        root = _XML_ROOT.search(re.sub(rb"<!--.*?-->", b"", head, flags=re.S))
        return _XML_ROOTS.get(root.group(1), "un") if root else "un"
    if _UK_HEADER.match(head):
        return "uk-sl"
    if _CSL_HEADER.match(head):
        return "csl"
    if _DPL_HEADER.match(head):
        return "bis-dpl"
    if _OS_HEADER.match(head):
        return "opensanctions"
    if _OFAC_ROW.match(head):
        return "ofac"
    if head.startswith((b"{", b"[")):
        if b'"results"' in head[:200] or name.startswith("consolidated"):
            return "csl"
        if b'"schema"' in head and b'"properties"' in head:
            return "opensanctions"
        return "custom"
    # Content was not telling (empty, truncated, wrongly encoded): fall back to the name, so
    # that the adapter can report what is wrong with the file.
    if name.endswith(".xml"):
        if "advanced" in name:
            return "ofac-xml"
        if "eu" in name or "fsf" in name or "sanctionslist" in name:
            return "eu-fsf"
        return "un"
    if "uk-sanctions-list" in name or "uk_sanctions_list" in name:
        return "uk-sl"
    if "consolidated" in name and name.endswith((".csv", ".json")):
        return "csl"
    if re.search(r"(^|[^a-z])(sdn|cons_prim|cons_alt|cons_add|alt|add)[^/]*\.csv$", name):
        return "ofac"
    if "dpl" in name and name.endswith((".txt", ".tsv")):
        return "bis-dpl"
    if "targets.simple" in name or "opensanctions" in name or name.endswith(".ftm.json"):
        return "opensanctions"
    if name.endswith(".xlsx") and ("regulation8" in name or "dfat" in name):
        return "au-dfat"
    if name.endswith((".xlsx", ".json")) or bundled_mapping(path) is not None:
        return "custom"
    if not head:
        raise InputError("file is empty", file=str(path), row=1)
    raise InputError(
        "cannot detect the list format: pass format= (one of " + ", ".join(FORMATS) + ")",
        file=str(path),
    )


def bundled_mapping(path: Path) -> Path | None:
    """The shipped mapping for a file of the 2026-07 US extract (``bis_entity_list.json``)."""
    stem = Path(logical_name(path)).stem
    candidate = MAPPINGS_DIR / f"{stem}.toml"
    return candidate if candidate.is_file() else None


def _published_from_name(path: Path) -> str:
    for part in (path.name, path.parent.name):
        for pattern in _DATE_IN_NAME:
            match = pattern.search(part)
            if match:
                return match.group(1)
    return ""


def _is_metadata(path: Path) -> bool:
    head = _decoded_head(path)
    return b'"lists"' in head[:400] and b'"generated"' in head[:400]


def parse_feed(
    path: Path,
    format: str | None = None,
    mapping: Path | None = None,
    feed: str | None = None,
) -> ParsedFeed:
    """Parse one list file (or OFAC directory) into a feed; all-or-nothing.

    `format` is one of :data:`FORMATS` (detected when None; a `mapping` implies ``custom``);
    `mapping` is the TOML mapping of a custom list (a shipped one is found by file stem);
    `feed` overrides the feed name.
    """
    path = Path(path)
    if format is None:
        format = "custom" if mapping is not None else detect_format(path)
    if format not in FORMATS:
        raise InputError(
            f"unknown format {format!r}: expected one of {', '.join(FORMATS)}", field="format"
        )
    if format == "ofac":
        result = ofac.parse(path, feed=feed)
    elif path.is_dir():
        raise InputError(f"expected a file for format {format!r}, got a directory", file=str(path))
    elif format == "csl":
        result = csl.parse(path, feed=feed)
    elif format == "un":
        result = un.parse(path, feed=feed)
    elif format == "ofac-xml":
        result = ofac_xml.parse(path, feed=feed)
    elif format == "eu-fsf":
        result = eu.parse(path, feed=feed)
    elif format == "uk-sl":
        result = uk.parse(path, feed=feed)
    elif format == "au-dfat":
        result = au.parse(path, feed=feed)
    elif format == "bis-dpl":
        result = bis_dpl.parse(path, feed=feed)
    elif format == "opensanctions":
        result = opensanctions.parse(path, feed=feed)
    elif format == entries_json.FORMAT:
        result = entries_json.parse(path, feed=feed)
    else:
        mapping = mapping or bundled_mapping(path)
        if mapping is None:
            if path.exists() and _is_metadata(path):
                raise InputError(
                    "this is list metadata (the extract's lists.json), not a list: "
                    "its names and URLs are already in the shipped mappings",
                    file=str(path),
                )
            raise InputError("a custom list needs a mapping file", file=str(path), field="mapping")
        result = custom.parse(path, Path(mapping), feed=feed)
    if not result.published:
        result = dataclasses.replace(result, published=_published_from_name(path))
    seen: set[str] = set()
    for entry in result.entries:
        if entry.entry_id in seen:  # adapters allocate unique ids; this guards the contract
            raise InputError(f"duplicate entry id {entry.entry_id}", file=str(path))
        seen.add(entry.entry_id)
    return result


def bundled_feeds() -> list[tuple[Path, str, Path | None]]:
    """The bundled public-domain snapshot as (file, format, mapping) triples, in load order:
    the trade.gov CSL of 2022-04 and the 2026-07 US list extract (US government data)."""
    feeds: list[tuple[Path, str, Path | None]] = []
    if not BUNDLED_DIR.is_dir():
        return feeds
    for path in sorted(BUNDLED_DIR.iterdir()):
        if not path.is_file() or not is_gzip(path):
            continue
        name = logical_name(path)
        if name.startswith("consolidated"):
            feeds.append((path, "csl", None))
        elif name.endswith(".json"):
            mapping = bundled_mapping(path)
            if mapping is not None:
                feeds.append((path, "custom", mapping))
    return feeds
