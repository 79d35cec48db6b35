"""SQL of the ``state`` table: small named values of the store (settings and markers).

What the monitor last screened against, the audit chain's head, fingerprints of fetched files.
Every function takes the caller's connection: a value written here commits with the caller's
other writes.
"""

from __future__ import annotations

import sqlalchemy as sa

from chainwatch.store.schema import state

KEY_LENGTH = 100


def get(conn: sa.Connection, key: str) -> str | None:
    found = conn.execute(sa.select(state.c.value).where(state.c.key == key[:KEY_LENGTH])).scalar()
    return str(found) if found is not None else None


def put(conn: sa.Connection, key: str, value: str) -> None:
    """Set `key` (an update, else an insert)."""
    if not conn.execute(
        state.update().where(state.c.key == key[:KEY_LENGTH]).values(value=value)
    ).rowcount:
        conn.execute(state.insert().values(key=key[:KEY_LENGTH], value=value))


def delete(conn: sa.Connection, key: str) -> None:
    conn.execute(state.delete().where(state.c.key == key[:KEY_LENGTH]))
