"""SQL of the audit chain (the hashing and verifying is ``chainwatch.workflows.audit``).

:func:`retrying` runs the caller's transaction again when another writer took the chain's next
sequence number first: the chain's unique keys (``audit_log.seq`` and the head row in
``state``) make two writers' records collide instead of forking the chain.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from chainwatch.store import state as state_store
from chainwatch.store.schema import audit_log

HEAD_KEY = "audit_head"
_LOCK = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    action: str
    target: str
    detail: str  # canonical JSON
    prev_hash: str
    hash: str


def _chain_race(exc: sa.exc.IntegrityError) -> bool:
    """A unique-key error on the chain itself (next seq or the head row), not on the
    caller's own writes."""
    message = str(exc.orig)
    return "audit_log" in message or "state" in message


def retrying(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """Run `work(conn)` in one transaction, again when another writer appended to the chain
    first or the database was busy. `work` must be safe to run again (it sees a fresh
    transaction); any other error rolls the whole transaction back and is raised."""
    last_error: Exception | None = None
    for attempt in range(50):
        try:
            with _LOCK, engine.begin() as conn:
                return work(conn)
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
            if isinstance(exc, sa.exc.IntegrityError) and not _chain_race(exc):
                raise
            last_error = exc
            time.sleep(0.005 * (attempt + 1))
    raise RuntimeError(f"could not append to the audit log: {type(last_error).__name__}")


def last(conn: sa.Connection) -> tuple[int, str] | None:
    """(seq, hash) of the newest record; None for an empty chain."""
    head = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    return None if head is None else (int(head.seq), str(head.hash))


def insert(conn: sa.Connection, row: AuditRow) -> None:
    """Append a record and move the recorded head to it, in the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )
    )
    state_store.put(conn, HEAD_KEY, f"{row.seq}:{row.hash}")


def recorded_head(conn: sa.Connection) -> str | None:
    """The head kept beside the chain ("seq:hash")."""
    return state_store.get(conn, HEAD_KEY)


def _row(row: sa.Row[tuple[object, ...]]) -> AuditRow:
    m = row._mapping
    return AuditRow(
        int(m["seq"]),
        str(m["at"]),
        str(m["actor"]),
        str(m["action"]),
        str(m["target"]),
        str(m["detail"]),
        str(m["prev_hash"]),
        str(m["hash"]),
    )


def records(conn: sa.Connection, after: int, limit: int, newest_first: bool) -> list[AuditRow]:
    query = sa.select(audit_log).where(audit_log.c.seq > after)
    query = query.order_by(audit_log.c.seq.desc() if newest_first else audit_log.c.seq)
    return [_row(r) for r in conn.execute(query.limit(limit))]


def iter_all(conn: sa.Connection) -> Iterator[AuditRow]:
    for row in conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).yield_per(2000):
        yield _row(row)
