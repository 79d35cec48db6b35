"""The append-only, hash-chained audit log.

Each record stores ``hash = sha256(prev_hash + canonical_json(record))`` where the record is
``{seq, at, actor, action, target, detail}`` serialised with sorted keys and no spaces, and
``prev_hash`` is the previous record's hash (64 zeros for the first). Sequence numbers are
contiguous from 1 and unique, so two writers can never fork the chain: the loser of a race
gets a unique-key error and retries on the new head. The head (last seq and hash) is also kept
in the ``state`` table in the same transaction.

``verify`` recomputes the chain: an altered record breaks its own hash, a deleted record
leaves a gap in the sequence (or a prev_hash that does not match), and a deleted tail no
longer matches the recorded head. Someone able to rewrite the whole table *and* the head can
forge a consistent chain; publish the head hash (``chainwatch audit verify`` prints it)
somewhere they cannot write, and pass it back with ``--expect-head``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from chainwatch.store.schema import audit_log, state

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
_LOCK = threading.Lock()
T = TypeVar("T")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _chain_race(exc: sa.exc.IntegrityError) -> bool:
    """A unique-key error on the chain itself (next seq or the head row), not on the
    caller's own writes."""
    message = str(exc.orig)
    return "audit_log" in message or "state" in message


def canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    head: str  # hash of the last record (GENESIS when empty)
    first_bad: int | None = None  # seq of the first bad record
    reason: str = ""


class AuditLog:
    """Append and verify the audit chain on a store engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def append(
        self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> int:
        """Append one record in a transaction of its own; returns its sequence number."""
        return self.in_transaction(lambda conn: self.append_in(conn, actor, action, target, detail))

    def in_transaction(self, work: Callable[[sa.Connection], T]) -> T:
        """Run `work(conn)` in one transaction that may append audit records (with
        :meth:`append_in`), retried when another writer took the next sequence number first or
        the database was busy. `work` must be safe to run again (it sees a fresh transaction)."""
        last_error: Exception | None = None
        for attempt in range(50):
            try:
                with _LOCK, self.engine.begin() as conn:
                    return work(conn)
            except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
                if isinstance(exc, sa.exc.IntegrityError) and not _chain_race(exc):
                    raise
                # another process appended first (unique seq) or the database was busy
                last_error = exc
                time.sleep(0.005 * (attempt + 1))
        raise RuntimeError(f"could not append to the audit log: {type(last_error).__name__}")

    @staticmethod
    def append_in(
        conn: sa.Connection,
        actor: str,
        action: str,
        target: str = "",
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one record inside the caller's transaction (it commits with the caller's
        other writes, or not at all)."""
        head = conn.execute(
            sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq = 1 if head is None else int(head.seq) + 1
        prev = GENESIS if head is None else str(head.hash)
        record = {
            "seq": seq,
            "at": now_iso(),
            "actor": actor[:100],
            "action": action[:60],
            "target": target[:300],
            "detail": canonical(detail or {}),
        }
        digest = record_hash(prev, record)
        conn.execute(audit_log.insert().values(**record, prev_hash=prev, hash=digest))
        head_value = f"{seq}:{digest}"
        if not conn.execute(
            state.update().where(state.c.key == HEAD_KEY).values(value=head_value)
        ).rowcount:
            conn.execute(state.insert().values(key=HEAD_KEY, value=head_value))
        return seq

    def records(
        self, after: int = 0, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        query = sa.select(audit_log).where(audit_log.c.seq > after)
        query = query.order_by(audit_log.c.seq.desc() if newest_first else audit_log.c.seq)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).mappings().all()
        out = []
        for row in rows:
            item = dict(row)
            with contextlib.suppress(ValueError):
                item["detail"] = json.loads(item["detail"])
            out.append(item)
        return out

    def _iter_all(self) -> Iterator[Any]:
        with self.engine.connect() as conn:
            yield from conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).yield_per(2000)

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Recompute the chain; name the first record that is altered, missing or out of place."""
        prev = GENESIS
        expected_seq = 1
        count = 0
        for row in self._iter_all():
            record = {
                "seq": row.seq,
                "at": row.at,
                "actor": row.actor,
                "action": row.action,
                "target": row.target,
                "detail": row.detail,
            }
            if row.seq != expected_seq:
                return VerifyResult(
                    False,
                    count,
                    prev,
                    expected_seq,
                    f"record {expected_seq} is missing (next record found is {row.seq})",
                )
            if row.prev_hash != prev:
                return VerifyResult(
                    False,
                    count,
                    prev,
                    row.seq,
                    f"record {row.seq} does not link to record {row.seq - 1} (prev_hash differs)",
                )
            if record_hash(prev, record) != row.hash:
                return VerifyResult(
                    False,
                    count,
                    prev,
                    row.seq,
                    f"record {row.seq} was altered (its content does not match its hash)",
                )
            prev = row.hash
            expected_seq += 1
            count += 1
        with self.engine.connect() as conn:
            head = conn.execute(sa.select(state.c.value).where(state.c.key == HEAD_KEY)).scalar()
        if head is not None:
            head_seq, _, head_hash = str(head).partition(":")
            if int(head_seq) != count or head_hash != prev:
                return VerifyResult(
                    False,
                    count,
                    prev,
                    count + 1 if int(head_seq) > count else int(head_seq),
                    f"the recorded head is record {head_seq} ({head_hash[:12]}) but the log "
                    f"ends at record {count} ({prev[:12]}): records were deleted or altered",
                )
        elif count:
            return VerifyResult(False, count, prev, 1, "the recorded head of the log is missing")
        if expect_head is not None and expect_head not in (prev, f"{count}:{prev}"):
            return VerifyResult(
                False, count, prev, None, f"the log's head {prev} is not the expected head"
            )
        return VerifyResult(True, count, prev)
