"""Opening a store: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by URL.

The names workflows and the API use for a store handle and a transaction are defined here
(:data:`Engine`, :data:`Connection`), so neither imports SQLAlchemy: only ``chainwatch.store``
does (an import-linter contract in pyproject.toml holds that). The caller owns the
transaction: it opens one with ``engine.begin()`` and passes the connection to the store
functions of each aggregate, so writes of several aggregates (a decision and its audit record)
commit together or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.store.active import default_sqlite_url as default_sqlite_url
from chainwatch.store.schema import metadata

Engine = sa.Engine  # a store handle: ``with engine.begin() as conn`` is one transaction
Connection = sa.Connection  # an open transaction (or a read-only connection)
StoreError = sa.exc.SQLAlchemyError  # any database failure (the API answers 500, never its text)
StoreBusy = sa.exc.OperationalError  # the database is unreachable or locked (503)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for `url` with every table created. Errors name the URL (without password)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ChainwatchError(f"invalid database URL {url!r}: {exc}") from exc
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
    except sa.exc.OperationalError as exc:
        safe = parsed.render_as_string(hide_password=True)
        raise ChainwatchError(f"cannot open the store at {safe}: {exc.orig}") from exc
    return engine
