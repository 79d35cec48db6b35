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
import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, entry_to_dict
from chainwatch.model.screening import Match, Query
from chainwatch.store.lists import entry_json
from chainwatch.store.service import case_events, cases, counterparties, counterparty_tokens
from chainwatch.text.normalize import name_forms
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.screening import match_to_dict

DECISIONS = ("true_match", "false_positive", "escalated")
STATUSES = ("open", *DECISIONS)
MAX_REASON = 2000


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


def _insert_tokens(conn: sa.Connection, counterparty_id: int, name: str) -> None:
    """Store the lookup tokens of one counterparty's name (see :func:`name_tokens`)."""
    tokens = name_tokens(name)
    if tokens:
        conn.execute(
            counterparty_tokens.insert(),
            [{"counterparty_id": counterparty_id, "token": t} for t in sorted(tokens)],
        )


def _query_of(row: Any) -> Query:
    return Query(
        name=row.name,
        country=row.country,
        address=row.address,
        identifiers=tuple(json.loads(row.identifiers or "[]")),
    )


class CaseService:
    """Counterparties, cases and their history on a store engine."""

    def __init__(self, engine: sa.Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    # -- counterparties ------------------------------------------------------------------------

    def add_counterparties(
        self, parties: Sequence[Query], origin: str, references: Sequence[str] | None = None
    ) -> list[int]:
        """Store parties (with their lookup tokens); returns their ids, in order."""
        ids: list[int] = []
        created = now_iso()
        with self.engine.begin() as conn:
            for position, party in enumerate(parties):
                new_id = conn.execute(
                    counterparties.insert().values(
                        name=party.name,
                        country=party.country,
                        address=party.address,
                        identifiers=json.dumps(list(party.identifiers)),
                        reference=(references[position] if references else "")[:200],
                        origin=origin[:300],
                        created_at=created,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                _insert_tokens(conn, int(new_id), party.name)
                ids.append(int(new_id))
        return ids

    def refresh_tokens(self) -> int:
        """Recompute every counterparty's lookup tokens (after the normalisation changed, with
        the algorithm version); one transaction. Returns the number of counterparties."""
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(counterparties.c.id, counterparties.c.name)).all()
            conn.execute(counterparty_tokens.delete())
            for row in rows:
                _insert_tokens(conn, row.id, row.name)
        return len(rows)

    def counterparty(self, counterparty_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(counterparties).where(counterparties.c.id == counterparty_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            raise ChainwatchError(f"no counterparty {counterparty_id}")
        item = dict(row)
        item["identifiers"] = json.loads(item["identifiers"] or "[]")
        return item

    def counterparties(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(counterparties).order_by(counterparties.c.id).limit(limit).offset(offset)
            ).mappings()
            out = [dict(r) for r in rows]
        for item in out:
            item["identifiers"] = json.loads(item["identifiers"] or "[]")
        return out

    def queries(self, ids: Iterable[int] | None = None) -> list[tuple[int, Query]]:
        """(id, query) of the given counterparties, or of all of them."""
        out: list[tuple[int, Query]] = []
        with self.engine.connect() as conn:
            if ids is None:
                rows = conn.execute(sa.select(counterparties).order_by(counterparties.c.id))
                return [(row.id, _query_of(row)) for row in rows]
            wanted = sorted(set(ids))
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(counterparties).where(
                        counterparties.c.id.in_(wanted[start : start + 500])
                    )
                )
                out.extend((row.id, _query_of(row)) for row in rows)
        return sorted(out, key=lambda item: item[0])

    def affected(self, tokens: Iterable[str], entry_ids: Iterable[str] = ()) -> set[int]:
        """Counterparties sharing a lookup token with `tokens`, or with a case on `entry_ids`."""
        found: set[int] = set()
        token_list = sorted(set(tokens))
        entry_list = sorted(set(entry_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(token_list), 500):
                found.update(
                    conn.execute(
                        sa.select(counterparty_tokens.c.counterparty_id)
                        .where(counterparty_tokens.c.token.in_(token_list[start : start + 500]))
                        .distinct()
                    ).scalars()
                )
            for start in range(0, len(entry_list), 500):
                found.update(
                    conn.execute(
                        sa.select(cases.c.counterparty_id)
                        .where(cases.c.entry_id.in_(entry_list[start : start + 500]))
                        .distinct()
                    ).scalars()
                )
        return found

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
            stamp = now_iso()
            with self.engine.begin() as conn:
                existing = conn.execute(
                    sa.select(cases).where(
                        cases.c.counterparty_id == counterparty_id,
                        cases.c.entry_id == match.entry_id,
                    )
                ).first()
                if existing is None:
                    case_id = conn.execute(
                        cases.insert().values(
                            counterparty_id=counterparty_id,
                            entry_id=match.entry_id,
                            source=match.source,
                            listed_name=match.listed_name,
                            matched_name=match.matched_name,
                            score=match.score,
                            status="open",
                            entry_hash=digest,
                            entry_body=body,
                            match=match_json,
                            changes="{}",
                            snapshot=match.snapshot,
                            algorithm=match.algorithm,
                            reviewer="",
                            reason="",
                            decided_at="",
                            decided_entry_hash="",
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    ).inserted_primary_key[0]  # type: ignore[index]
                    self._event(
                        conn,
                        int(case_id),
                        actor,
                        "opened",
                        "open",
                        "",
                        {"score": match.score, "snapshot": match.snapshot},
                    )
                    raised.append(int(case_id))
                    continue
                if existing.entry_hash == digest:
                    continue  # same entry as already reviewed or queued: not raised again
                changes = field_changes(existing.entry_body, entry)
                reopen = existing.status == "false_positive"
                status = "open" if reopen else existing.status
                conn.execute(
                    cases.update()
                    .where(cases.c.id == existing.id)
                    .values(
                        status=status,
                        entry_hash=digest,
                        entry_body=body,
                        match=match_json,
                        score=match.score,
                        listed_name=match.listed_name,
                        matched_name=match.matched_name,
                        snapshot=match.snapshot,
                        changes=json.dumps(changes, ensure_ascii=False, default=str),
                        updated_at=stamp,
                    )
                )
                self._event(
                    conn,
                    existing.id,
                    actor,
                    "reopened" if reopen else "entry_changed",
                    status,
                    "",
                    {"changes": changes},
                )
            if reopen:
                self.audit.append(
                    actor,
                    "case.reopened",
                    f"case:{existing.id}",
                    {"entry_id": match.entry_id, "changed_fields": sorted(changes)},
                )
                raised.append(int(existing.id))
        return raised

    @staticmethod
    def _event(
        conn: sa.Connection,
        case_id: int,
        actor: str,
        action: str,
        status: str,
        reason: str,
        detail: dict[str, Any],
    ) -> None:
        conn.execute(
            case_events.insert().values(
                case_id=case_id,
                at=now_iso(),
                actor=actor,
                action=action,
                status=status,
                reason=reason,
                detail=json.dumps(detail, ensure_ascii=False, default=str),
            )
        )

    def decide(self, case_id: int, status: str, reason: str, actor: str) -> dict[str, Any]:
        """Record a reviewer's decision on a case."""
        if status not in DECISIONS:
            raise ChainwatchError(f"decision must be one of {', '.join(DECISIONS)}")
        reason = reason.strip()
        if not reason:
            raise ChainwatchError("a decision needs a reason")
        if len(reason) > MAX_REASON:
            raise ChainwatchError(f"reason longer than {MAX_REASON} characters")
        stamp = now_iso()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
            if row is None:
                raise CaseNotFound(f"no case {case_id}")
            conn.execute(
                cases.update()
                .where(cases.c.id == case_id)
                .values(
                    status=status,
                    reviewer=actor,
                    reason=reason,
                    decided_at=stamp,
                    decided_entry_hash=row.entry_hash,
                    changes="{}",
                    updated_at=stamp,
                )
            )
            self._event(conn, case_id, actor, "decided", status, reason, {"previous": row.status})
        self.audit.append(
            actor,
            "case.decided",
            f"case:{case_id}",
            {
                "status": status,
                "previous": row.status,
                "reason": reason,
                "counterparty_id": row.counterparty_id,
                "entry_id": row.entry_id,
                "entry_hash": row.entry_hash,
            },
        )
        return self.case(case_id)

    def cases(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        if status is not None and status not in STATUSES:
            raise ChainwatchError(f"status must be one of {', '.join(STATUSES)}")
        query = (
            sa.select(
                cases.c.id,
                cases.c.counterparty_id,
                counterparties.c.name.label("counterparty"),
                cases.c.entry_id,
                cases.c.source,
                cases.c.listed_name,
                cases.c.matched_name,
                cases.c.score,
                cases.c.status,
                cases.c.reviewer,
                cases.c.decided_at,
                cases.c.created_at,
                cases.c.updated_at,
                cases.c.changes,
            )
            .join(counterparties, counterparties.c.id == cases.c.counterparty_id)
            .order_by(cases.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if status is not None:
            query = query.where(cases.c.status == status)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            row["changes"] = json.loads(row["changes"] or "{}")
        return rows

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status)
            ).all()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({str(s): int(n) for s, n in rows})
        return counts

    def case(self, case_id: int) -> dict[str, Any]:
        """A case with its explained hit, the counterparty, what changed, and its history."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().first()
            if row is None:
                raise CaseNotFound(f"no case {case_id}")
            events = (
                conn.execute(
                    sa.select(case_events)
                    .where(case_events.c.case_id == case_id)
                    .order_by(case_events.c.id)
                )
                .mappings()
                .all()
            )
        item = dict(row)
        item["match"] = json.loads(item["match"])
        item["entry"] = json.loads(item.pop("entry_body"))
        item["changes"] = json.loads(item["changes"] or "{}")
        item["counterparty"] = self.counterparty(int(item["counterparty_id"]))
        item["history"] = [{**dict(e), "detail": json.loads(e["detail"] or "{}")} for e in events]
        return item


class CaseNotFound(ChainwatchError):
    """No case with that id."""
