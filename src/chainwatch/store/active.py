"""The active snapshot of a SQLite store, read with the standard library's ``sqlite3``.

A cold ``chainwatch screen NAME`` needs only the active snapshot's content hash to open the
index artifact (:mod:`chainwatch.screening.v3_artifact`); importing SQLAlchemy to read it
costs more than the whole screen. :func:`active_snapshot_hash` reads the same rows as
:meth:`chainwatch.store.lists.ListStore.active` with one read-only query, and answers None for
anything else (a server database, an unusual URL, a store without the tables), so that the
caller takes the ordinary way through :class:`~chainwatch.store.lists.ListStore`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

ACTIVE_KEY = "active_snapshot"  # the row of table `state` that names the active snapshot

_QUERY = (
    "SELECT s.content_hash FROM state AS st JOIN snapshots AS s "
    "ON s.id = CAST(st.value AS INTEGER) WHERE st.key = ?"
)


def default_sqlite_url() -> str:
    """A SQLite file in the user's data directory (created when missing)."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("chainwatch", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'chainwatch.db'}"


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL; None for any other URL (a server, memory, a
    URL with options or escapes: those go through SQLAlchemy)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or any(c in url for c in "?%#"):
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:":
        return None
    return Path(path)


def active_snapshot_hash(url: str) -> str | None:
    """The content hash of the active snapshot of the SQLite store at `url`, or None (no
    such file, no active snapshot, not a SQLite URL, any error)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as conn:
            row = conn.execute(_QUERY, (ACTIVE_KEY,)).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None
