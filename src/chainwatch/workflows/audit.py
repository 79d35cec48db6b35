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
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from chainwatch.store import audit as audit_store
from chainwatch.store.engine import Connection, Engine

GENESIS = "0" * 64
HEAD_KEY = audit_store.HEAD_KEY
T = TypeVar("T")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(
        self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> int:
        """Append one record in a transaction of its own; returns its sequence number."""
        return self.in_transaction(lambda conn: self.append_in(conn, actor, action, target, detail))

    def in_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` in one transaction that may append audit records (with
        :meth:`append_in`), retried when another writer took the next sequence number first or
        the database was busy. `work` must be safe to run again (it sees a fresh transaction)."""
        return audit_store.retrying(self.engine, work)

    @staticmethod
    def append_in(
        conn: Connection,
        actor: str,
        action: str,
        target: str = "",
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one record inside the caller's transaction (it commits with the caller's
        other writes, or not at all)."""
        head = audit_store.last(conn)
        seq = 1 if head is None else head[0] + 1
        prev = GENESIS if head is None else head[1]
        record: dict[str, Any] = {
            "seq": seq,
            "at": now_iso(),
            "actor": actor[:100],
            "action": action[:60],
            "target": target[:300],
            "detail": canonical(detail or {}),
        }
        digest = record_hash(prev, record)
        audit_store.insert(conn, audit_store.AuditRow(**record, prev_hash=prev, hash=digest))
        return seq

    def records(
        self, after: int = 0, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = audit_store.records(conn, after, limit, newest_first)
        out = []
        for row in rows:
            item: dict[str, Any] = dataclasses.asdict(row)
            with contextlib.suppress(ValueError):
                item["detail"] = json.loads(row.detail)
            out.append(item)
        return out

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Recompute the chain; name the first record that is altered, missing or out of place."""
        with self.engine.connect() as conn:
            rows = audit_store.iter_all(conn)
            result = self._walk(rows, expect_head, conn)
        return result

    @staticmethod
    def _walk(
        rows: Iterator[audit_store.AuditRow], expect_head: str | None, conn: Connection
    ) -> VerifyResult:
        prev = GENESIS
        expected_seq = 1
        count = 0
        for row in rows:
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
        head = audit_store.recorded_head(conn)
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
