"""chainwatch's own exchange form, ``entries-json``: ``{"feed", "published", "entries": [...]}``.

The entries are in :func:`chainwatch.model.lists.entry_to_dict` form (what the store keeps), so
a snapshot exported from one store loads unchanged into another; a bare JSON list of entries is
read too. Registered in :mod:`chainwatch.lists.registry` like the official formats; a file is
taken for one when its name is ``entries*.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from chainwatch.model.errors import InputError
from chainwatch.model.lists import ParsedFeed, entry_from_dict

FORMAT = "entries-json"


def looks_like(name: str) -> bool:
    """Is a file of this (lower-case) name an entries file?"""
    return name.startswith("entries") and name.endswith(".json")


def parse(path: Path, feed: str | None = None) -> ParsedFeed:
    """All entries of the file, or an :class:`InputError` naming the file and the entry (row,
    counted from 1) that is not a chainwatch entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not a chainwatch entries file: {exc}", file=str(path)) from exc
    raw = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise InputError(
            "not a chainwatch entries file: expected a list of entries",
            file=str(path),
            field="entries",
        )
    entries = []
    for row, item in enumerate(raw, start=1):
        try:
            entries.append(entry_from_dict(item))
        except (ValueError, KeyError, TypeError, AttributeError, AssertionError) as exc:
            raise InputError(
                f"not a chainwatch entries file: {type(exc).__name__}: {exc}",
                file=str(path),
                row=row,
            ) from exc
    name = feed or (data.get("feed") if isinstance(data, dict) else None) or path.stem
    published = str(data.get("published", "")) if isinstance(data, dict) else ""
    return ParsedFeed(str(name), FORMAT, str(path), tuple(entries), published)
