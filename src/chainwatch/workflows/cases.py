"""Stored counterparties and the review workflow of their hits.

Every hit at or above the threshold on a stored counterparty is a *case*, one per
(counterparty, list entry): ``open`` until an analyst decides ``true_match``,
``false_positive`` or ``escalated``, with reviewer, time and reason. The case keeps the list
entry as it was (its canonical JSON and sha256), so:

* a false positive is not raised again for the same counterparty and entry while the entry's
  hash stays the same;
* when the entry changes, a false positive reopens, and the case shows which fields changed
  (old and new values); other cases record the change as an event.

Every change is a case event (the case's history); decisions and reopenings are also written
to the audit log.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import jellyfish

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, entry_to_dict
from chainwatch.model.screening import Match, Query
from chainwatch.store import cases as cases_store
from chainwatch.store.cases import (
    CaseRecord,
    QueueFilter,
    QueueGroup,
    QueueRow,
    case_row,
    case_sources,
    compare_and_set,
    queue_groups,
    queue_ids,
    queue_rows,
    queue_total,
)
from chainwatch.store.counterparties import (
    affected_ids,
    counterparty,
    counterparty_page,
    counterparty_queries,
    insert_counterparties,
    replace_tokens,
)
from chainwatch.store.engine import Connection, Engine
from chainwatch.store.lists import entry_json
from chainwatch.text.normalize import name_forms
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.screening import match_to_dict

DECISIONS = ("true_match", "false_positive", "escalated")
STATUSES = ("open", *DECISIONS)
MAX_REASON = 2000
# Hits kept per counterparty, the same for an added party, an upload and a re-screening, so a
# refresh never opens cases an upload would not have (or the reverse).
HIT_LIMIT = 10


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def name_tokens(name: str) -> set[str]:
    """Keys under which a name is found when a list change may concern it.

    The tokens of every normalised form, adjacent tokens joined ("hik vision" -> "hikvision")
    and the Metaphone key of each alphabetic token (prefixed ``~``), so that a list change
    re-screens a counterparty spelled differently but alike, as the matcher would find it.
    """
    keys: set[str] = set()
    for form in name_forms(name):
        tokens = form.tokens
        keys.update(t[:200] for t in tokens)
        keys.update((a + b)[:200] for a, b in itertools.pairwise(tokens))
        for token in tokens:
            if token.isalpha() and len(token) >= 3:
                keys.add("~" + jellyfish.metaphone(token)[:199])
    return keys


def entry_tokens(entry: ListEntry) -> set[str]:
    keys: set[str] = set()
    for name in entry.all_names:
        keys |= name_tokens(name)
    return keys


def entry_hash(entry: ListEntry) -> str:
    return hashlib.sha256(entry_json(entry).encode("utf-8")).hexdigest()


def field_changes(old_body: str, new: ListEntry) -> dict[str, dict[str, object]]:
    """Fields of an entry that differ between the stored body and `new`: {field: {old, new}}."""
    try:
        old = json.loads(old_body)
    except ValueError:
        old = {}
    now = entry_to_dict(new)
    return {k: {"old": old.get(k), "new": v} for k, v in now.items() if old.get(k) != v}


def identity_hash(party: Query) -> str:
    """sha256 of what makes two stored counterparties the same party: the name (whitespace
    and case folded), country, address and sorted identifiers."""
    parts = [
        " ".join(party.name.split()).casefold(),
        party.country.strip().casefold(),
        " ".join(party.address.split()).casefold(),
        *sorted(i.strip().casefold() for i in party.identifiers),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class CaseService:
    """Counterparties, cases and their history on a store engine."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    # -- counterparties ------------------------------------------------------------------------

    def add_counterparties(
        self,
        parties: Sequence[Query],
        origin: str,
        references: Sequence[str] | None = None,
        batch: str = "",
    ) -> list[int]:
        """Store parties (with their lookup tokens); returns their ids, in order. A party
        whose identity (name, country, address, identifiers) is already stored is not stored
        again: its id is returned (one counterparty per identity, so a re-upload or a party
        added twice does not double its cases)."""
        with self.engine.begin() as conn:
            return insert_counterparties(
                conn,
                [(p, identity_hash(p)) for p in parties],
                origin=origin,
                references=references,
                batch=batch,
                created=now_iso(),
                tokens=name_tokens,
            )

    def refresh_tokens(self) -> int:
        """Recompute every counterparty's lookup tokens (after the normalisation changed, with
        the algorithm version); one transaction. Returns the number of counterparties."""
        with self.engine.begin() as conn:
            return replace_tokens(conn, name_tokens)

    def counterparty(self, counterparty_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return counterparty(conn, counterparty_id).as_dict()

    def counterparties(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [c.as_dict() for c in counterparty_page(conn, limit, offset)]

    def queries(self, ids: Iterable[int] | None = None) -> list[tuple[int, Query]]:
        """(id, query) of the given counterparties, or of all of them."""
        with self.engine.connect() as conn:
            return counterparty_queries(conn, ids)

    def affected(self, tokens: Iterable[str], entry_ids: Iterable[str] = ()) -> set[int]:
        """Counterparties sharing a lookup token with `tokens`, or with a case on `entry_ids`."""
        with self.engine.connect() as conn:
            return affected_ids(conn, tokens, entry_ids)

    # -- cases ---------------------------------------------------------------------------------

    def record_hits(
        self,
        counterparty_id: int,
        matches: Sequence[Match],
        entries: Mapping[str, ListEntry],
        actor: str = "screening",
    ) -> list[int]:
        """Open a case for each new hit; reopen a false positive whose entry changed.

        Returns the ids of the cases opened or reopened (what a reviewer must look at now).
        """
        raised: list[int] = []
        for match in matches:
            entry = entries.get(match.entry_id)
            if entry is None:
                continue
            body = entry_json(entry)
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
            match_json = json.dumps(match_to_dict(match), ensure_ascii=False)

            hit = cases_store.Hit(
                entry_id=match.entry_id,
                source=match.source,
                listed_name=match.listed_name,
                matched_name=match.matched_name,
                score=match.score,
                entry_hash=digest,
                entry_body=body,
                match=match_json,
                snapshot=match.snapshot,
                algorithm=match.algorithm,
            )

            def work(
                conn: Connection, hit: cases_store.Hit = hit, entry: ListEntry = entry
            ) -> int | None:
                stamp = now_iso()
                existing = cases_store.case_for(conn, counterparty_id, hit.entry_id)
                if existing is None:
                    case_id = cases_store.open_case(conn, counterparty_id, hit, stamp)
                    cases_store.add_event(
                        conn,
                        case_id,
                        stamp,
                        actor,
                        "opened",
                        "open",
                        "",
                        {"score": hit.score, "snapshot": hit.snapshot},
                    )
                    return case_id
                if existing.entry_hash == hit.entry_hash:
                    return None  # same entry as already reviewed or queued: not raised again
                changes = field_changes(existing.entry_body, entry)
                reopen = existing.status == "false_positive"
                status = "open" if reopen else existing.status
                cases_store.update_hit(
                    conn,
                    existing.id,
                    hit,
                    status,
                    json.dumps(changes, ensure_ascii=False, default=str),
                    stamp,
                )
                cases_store.add_event(
                    conn,
                    existing.id,
                    stamp,
                    actor,
                    "reopened" if reopen else "entry_changed",
                    status,
                    "",
                    {"changes": changes},
                )
                if not reopen:
                    return None
                self.audit.append_in(  # in the reopening's own transaction
                    conn,
                    actor,
                    "case.reopened",
                    f"case:{existing.id}",
                    {"entry_id": hit.entry_id, "changed_fields": sorted(changes)},
                )
                return existing.id

            raised_id = self.audit.in_transaction(work)
            if raised_id is not None:
                raised.append(raised_id)
        return raised

    def decide(
        self,
        case_id: int,
        status: str,
        reason: str,
        actor: str,
        version: int,
        *,
        four_eyes: bool = False,
    ) -> dict[str, Any]:
        """Record a reviewer's decision on a case, made on the case at `version`.

        The decision, its case event and its audit record are written in one transaction. A
        case that changed since `version` (another decision, a list change) is not touched:
        :class:`StaleDecision` carries what changed. With `four_eyes`, clearing a true match
        (deciding anything else on it) needs two reviewers: the first decision is recorded as a
        request (``pending_status``), and a second, different analyst deciding the same
        confirms it.
        """
        if status not in DECISIONS:
            raise ChainwatchError(f"decision must be one of {', '.join(DECISIONS)}")
        reason = reason.strip()
        if not reason:
            raise ChainwatchError("a decision needs a reason")
        if len(reason) > MAX_REASON:
            raise ChainwatchError(f"reason longer than {MAX_REASON} characters")

        def work(conn: Connection) -> None:
            row = case_row(conn, case_id)
            if row is None:
                raise CaseNotFound(f"no case {case_id}")
            if row.version != version:
                raise StaleDecision(case_id, version, _case_state(row))
            stamp = now_iso()
            clearing = four_eyes and row.status == "true_match" and status != "true_match"
            if clearing and not (row.pending_status == status and row.pending_by != actor):
                if row.pending_status == status and row.pending_by == actor:
                    raise SecondReviewerNeeded(
                        f"case {case_id}: you asked to clear this true match; another analyst "
                        "must confirm it (four-eyes)"
                    )
                values: dict[str, Any] = {
                    "pending_status": status,
                    "pending_by": actor,
                    "pending_reason": reason,
                    "updated_at": stamp,
                }
                action, audit_action = "clear_requested", "case.clear_requested"
                event_status = row.status
            else:
                values = {
                    "status": status,
                    "reviewer": actor,
                    "reason": reason,
                    "decided_at": stamp,
                    "decided_entry_hash": row.entry_hash,
                    "changes": "{}",
                    "pending_status": "",
                    "pending_by": "",
                    "pending_reason": "",
                    "updated_at": stamp,
                }
                action, audit_action = "decided", "case.decided"
                event_status = status
            if not compare_and_set(conn, case_id, version, values):
                current = case_row(conn, case_id)
                raise StaleDecision(case_id, version, _case_state(current))
            detail: dict[str, Any] = {"previous": row.status}
            if action == "decided" and row.pending_status:
                detail["confirms_request_of"] = row.pending_by
            cases_store.add_event(conn, case_id, stamp, actor, action, event_status, reason, detail)
            self.audit.append_in(
                conn,
                actor,
                audit_action,
                f"case:{case_id}",
                {
                    "status": status,
                    "previous": row.status,
                    "reason": reason,
                    "counterparty_id": row.counterparty_id,
                    "entry_id": row.entry_id,
                    "entry_hash": row.entry_hash,
                    **(
                        {"confirms_request_of": row.pending_by}
                        if "confirms_request_of" in detail
                        else {}
                    ),
                },
            )

        self.audit.in_transaction(work)
        return self.case(case_id)

    def assign(self, case_ids: Sequence[int], assignee: str, actor: str) -> int:
        """Assign cases to a reviewer ('' unassigns); bumps their versions; audited."""
        ids = sorted(set(case_ids))

        def work(conn: Connection) -> int:
            changed = cases_store.assign(conn, ids, assignee)
            self.audit.append_in(
                conn,
                actor,
                "case.assigned",
                f"cases:{len(ids)}",
                {"assignee": assignee, "cases": ids[:1000]},
            )
            return changed

        return self.audit.in_transaction(work)

    def cases(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The newest cases (of one status); see :meth:`queue` for filters and counts."""
        if status is not None and status not in STATUSES:
            raise ChainwatchError(f"status must be one of {', '.join(STATUSES)}")
        return [r.as_dict() for r in self.queue(QueueFilter(status=status or ""), limit, offset)[1]]

    def queue(
        self, filters: QueueFilter, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[QueueRow]]:
        """(total matching, one page of rows) of the filtered, sorted queue."""
        with self.engine.connect() as conn:
            return queue_total(conn, filters), queue_rows(conn, filters, limit, offset)

    def queue_groups(
        self, filters: QueueFilter, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[QueueGroup]]:
        with self.engine.connect() as conn:
            return queue_groups(conn, filters, limit, offset)

    def case_ids_for(self, pairs: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """Case ids of (counterparty id, entry id) pairs (those that have a case)."""
        with self.engine.connect() as conn:
            return cases_store.case_ids_for(conn, pairs)

    def sources(self) -> list[str]:
        """List codes that have cases (for the queue's list filter)."""
        with self.engine.connect() as conn:
            return case_sources(conn)

    def queue_ids(self, filters: QueueFilter, limit: int = 10_000) -> list[int]:
        with self.engine.connect() as conn:
            return queue_ids(conn, filters, limit)

    def next_case(self, filters: QueueFilter, after: int) -> int | None:
        """The first open case of the queue other than `after` (where to go after deciding)."""
        open_filter = QueueFilter(**{**_as_kwargs(filters), "status": "open"})
        with self.engine.connect() as conn:
            for case_id in queue_ids(conn, open_filter, 2):
                if case_id != after:
                    return case_id
        return None

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            found = cases_store.status_counts(conn)
        counts = dict.fromkeys(STATUSES, 0)
        counts.update(found)
        return counts

    def case(self, case_id: int) -> dict[str, Any]:
        """A case with its explained hit, the counterparty, what changed, and its history."""
        with self.engine.connect() as conn:
            row = case_row(conn, case_id)
            if row is None:
                raise CaseNotFound(f"no case {case_id}")
            history = cases_store.events(conn, case_id)
        item = row.as_dict()
        item["match"] = json.loads(item["match"])
        item["entry"] = json.loads(item.pop("entry_body"))
        item["changes"] = json.loads(item["changes"] or "{}")
        item["counterparty"] = self.counterparty(int(item["counterparty_id"]))
        item["history"] = [{**e.as_dict(), "detail": json.loads(e.detail or "{}")} for e in history]
        return item


class CaseNotFound(ChainwatchError):
    """No case with that id."""


class StaleDecision(ChainwatchError):
    """The case changed since the decision's form was loaded (HTTP 409)."""

    def __init__(self, case_id: int, seen_version: int, current: dict[str, Any]) -> None:
        super().__init__(
            f"case {case_id} changed since you opened it (version {seen_version}, now "
            f"{current.get('version')}): it is {current.get('status')}"
            + (f", decided by {current['reviewer']}" if current.get("reviewer") else "")
            + "; review the change and decide again"
        )
        self.case_id = case_id
        self.seen_version = seen_version
        self.current = current


class SecondReviewerNeeded(ChainwatchError):
    """Four-eyes: the same analyst cannot both request and confirm clearing a true match."""


def _case_state(row: CaseRecord | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "status": row.status,
        "version": row.version,
        "reviewer": row.reviewer,
        "reason": row.reason,
        "decided_at": row.decided_at,
        "pending_status": row.pending_status,
        "pending_by": row.pending_by,
        "changes": json.loads(row.changes or "{}"),
    }


def _as_kwargs(filters: QueueFilter) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}
