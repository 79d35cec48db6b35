"""Opening a store: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.store.schema import metadata


def default_sqlite_url() -> str:
    """A SQLite file in the user's data directory (created when missing)."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("chainwatch", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'chainwatch.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> sa.Engine:
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
    import chainwatch.store.service  # noqa: F401  (the service's tables on the same metadata)

    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
    except sa.exc.OperationalError as exc:
        safe = parsed.render_as_string(hide_password=True)
        raise ChainwatchError(f"cannot open the store at {safe}: {exc.orig}") from exc
    return engine
