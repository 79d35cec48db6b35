"""SQL of the case queue and of decisions (the caller owns the transaction).

Reads return frozen dataclasses; writes take a connection, so a decision, its case event and
its audit record commit together (see ``chainwatch.workflows.cases.CaseService.decide``).

A decision is a compare-and-set on the case's ``version``: ``UPDATE cases SET ..., version =
version + 1 WHERE id = :id AND version = :seen``. When another reviewer (or a list change)
moved the case on since the form was loaded, no row matches and the decision is refused — the
optimistic concurrency control of Kung & Robinson (1981), "On optimistic methods for
concurrency control", ACM TODS 6(2): validate at write time against what was read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from chainwatch.store.schema import case_events, cases, counterparties

SORTS = {
    "newest": (cases.c.id.desc(),),
    "oldest": (cases.c.id.asc(),),
    "score": (cases.c.score.desc(), cases.c.id.desc()),
    "score_asc": (cases.c.score.asc(), cases.c.id.desc()),
    "name": (counterparties.c.name.asc(), cases.c.id.asc()),
    "updated": (cases.c.updated_at.desc(), cases.c.id.desc()),
}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue shows. Empty strings and None mean "any"."""

    status: str = ""
    source: str = ""  # list code, e.g. EL, SDN
    score_min: float | None = None
    score_max: float | None = None
    reviewer: str = ""  # the assignee, or who decided
    date_from: str = ""  # ISO date, on created_at
    date_to: str = ""
    batch: str = ""  # job id of the upload
    search: str = ""  # counterparty name, listed name or entry id (substring)
    counterparty_id: int | None = None
    sort: str = "newest"


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    counterparty_id: int
    counterparty: str
    country: str
    batch: str
    entry_id: str
    source: str
    listed_name: str
    matched_name: str
    score: float
    status: str
    reviewer: str
    assignee: str
    decided_at: str
    created_at: str
    updated_at: str
    version: int
    pending_status: str
    entry_changed: bool  # reopened or changed since review: the case shows old and new

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class QueueGroup:
    """One counterparty's cases in the queue (grouped view)."""

    counterparty_id: int
    counterparty: str
    country: str
    cases: int
    open: int
    max_score: float
    sources: tuple[str, ...]
    first_case: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(f: QueueFilter) -> list[Any]:
    where: list[Any] = []
    if f.status:
        where.append(cases.c.status == f.status)
    if f.source:
        where.append(cases.c.source == f.source)
    if f.score_min is not None:
        where.append(cases.c.score >= f.score_min)
    if f.score_max is not None:
        where.append(cases.c.score <= f.score_max)
    if f.reviewer:
        if f.reviewer == "-":  # unassigned
            where.append(cases.c.assignee == "")
        else:
            where.append(sa.or_(cases.c.assignee == f.reviewer, cases.c.reviewer == f.reviewer))
    if f.date_from:
        where.append(cases.c.created_at >= f.date_from)
    if f.date_to:
        where.append(cases.c.created_at < f.date_to + "\uffff")
    if f.batch:
        where.append(counterparties.c.batch == f.batch)
    if f.counterparty_id is not None:
        where.append(cases.c.counterparty_id == f.counterparty_id)
    if f.search:
        pattern = _like(f.search.lower())
        where.append(
            sa.or_(
                sa.func.lower(counterparties.c.name).like(pattern, escape="\\"),
                sa.func.lower(cases.c.listed_name).like(pattern, escape="\\"),
                sa.func.lower(cases.c.entry_id).like(pattern, escape="\\"),
            )
        )
    return where


_COLUMNS = (
    cases.c.id,
    cases.c.counterparty_id,
    counterparties.c.name.label("counterparty"),
    counterparties.c.country,
    counterparties.c.batch,
    cases.c.entry_id,
    cases.c.source,
    cases.c.listed_name,
    cases.c.matched_name,
    cases.c.score,
    cases.c.status,
    cases.c.reviewer,
    cases.c.assignee,
    cases.c.decided_at,
    cases.c.created_at,
    cases.c.updated_at,
    cases.c.version,
    cases.c.pending_status,
    (cases.c.changes != "{}").label("entry_changed"),
)


def _joined() -> Any:
    return cases.join(counterparties, counterparties.c.id == cases.c.counterparty_id)


def queue_total(conn: sa.Connection, f: QueueFilter) -> int:
    query = sa.select(sa.func.count()).select_from(_joined()).where(*_conditions(f))
    return int(conn.execute(query).scalar() or 0)


def queue_rows(conn: sa.Connection, f: QueueFilter, limit: int, offset: int) -> list[QueueRow]:
    order = SORTS.get(f.sort, SORTS["newest"])
    query = (
        sa.select(*_COLUMNS)
        .select_from(_joined())
        .where(*_conditions(f))
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [
        QueueRow(**{**dict(r), "entry_changed": bool(r["entry_changed"])})
        for r in conn.execute(query).mappings()
    ]


def queue_ids(conn: sa.Connection, f: QueueFilter, limit: int) -> list[int]:
    order = SORTS.get(f.sort, SORTS["newest"])
    query = sa.select(cases.c.id).select_from(_joined()).where(*_conditions(f)).order_by(*order)
    return [int(i) for i in conn.execute(query.limit(limit)).scalars()]


def queue_groups(
    conn: sa.Connection, f: QueueFilter, limit: int, offset: int
) -> tuple[int, list[QueueGroup]]:
    """Counterparties with cases in the filtered queue, strongest hit first; and their count."""
    where = _conditions(f)
    grouped = (
        sa.select(
            cases.c.counterparty_id,
            sa.func.count().label("n"),
            sa.func.sum(sa.case((cases.c.status == "open", 1), else_=0)).label("n_open"),
            sa.func.max(cases.c.score).label("max_score"),
            sa.func.min(cases.c.id).label("first_case"),
        )
        .select_from(_joined())
        .where(*where)
        .group_by(cases.c.counterparty_id)
        .subquery()
    )
    total = int(conn.execute(sa.select(sa.func.count()).select_from(grouped)).scalar() or 0)
    rows = conn.execute(
        sa.select(grouped, counterparties.c.name, counterparties.c.country)
        .join(counterparties, counterparties.c.id == grouped.c.counterparty_id)
        .order_by(grouped.c.max_score.desc(), grouped.c.counterparty_id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [int(r.counterparty_id) for r in rows]
    sources: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for cp, source in conn.execute(
            sa.select(cases.c.counterparty_id, cases.c.source)
            .where(cases.c.counterparty_id.in_(ids))
            .distinct()
        ):
            sources[int(cp)].add(str(source))
    groups = [
        QueueGroup(
            counterparty_id=int(r.counterparty_id),
            counterparty=str(r.name),
            country=str(r.country),
            cases=int(r.n),
            open=int(r.n_open or 0),
            max_score=float(r.max_score),
            sources=tuple(sorted(sources[int(r.counterparty_id)])),
            first_case=int(r.first_case),
        )
        for r in rows
    ]
    return total, groups


def case_sources(conn: sa.Connection) -> list[str]:
    return sorted(str(s) for s in conn.execute(sa.select(cases.c.source).distinct()).scalars())


def compare_and_set(
    conn: sa.Connection, case_id: int, seen_version: int, values: dict[str, Any]
) -> bool:
    """Update a case only if it is still at `seen_version` (then bumps the version)."""
    result = conn.execute(
        cases.update()
        .where(cases.c.id == case_id, cases.c.version == seen_version)
        .values(**values, version=cases.c.version + 1)
    )
    return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A row of ``cases`` as stored (JSON columns still as text)."""

    id: int
    counterparty_id: int
    entry_id: str
    source: str
    listed_name: str
    matched_name: str
    score: float
    status: str
    entry_hash: str
    entry_body: str
    match: str
    changes: str
    snapshot: str
    algorithm: str
    reviewer: str
    reason: str
    decided_at: str
    decided_entry_hash: str
    created_at: str
    updated_at: str
    version: int
    assignee: str
    pending_status: str
    pending_by: str
    pending_reason: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


_CASE_FIELDS = tuple(f.name for f in fields(CaseRecord))


@dataclass(frozen=True, slots=True)
class CaseEvent:
    id: int
    case_id: int
    at: str
    actor: str
    action: str
    status: str
    reason: str
    detail: str  # JSON

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Hit:
    """What a screening hit writes into its case."""

    entry_id: str
    source: str
    listed_name: str
    matched_name: str
    score: float
    entry_hash: str
    entry_body: str
    match: str  # JSON of the explained hit
    snapshot: str
    algorithm: str


def _record(row: Any) -> CaseRecord:
    m = row._mapping
    return CaseRecord(**{name: m[name] for name in _CASE_FIELDS})


def case_row(conn: sa.Connection, case_id: int) -> CaseRecord | None:
    row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
    return None if row is None else _record(row)


def case_for(conn: sa.Connection, counterparty_id: int, entry_id: str) -> CaseRecord | None:
    """The case of a counterparty on a list entry (there is at most one)."""
    row = conn.execute(
        sa.select(cases).where(
            cases.c.counterparty_id == counterparty_id, cases.c.entry_id == entry_id
        )
    ).first()
    return None if row is None else _record(row)


def open_case(conn: sa.Connection, counterparty_id: int, hit: Hit, stamp: str) -> int:
    """Insert a new open case for a hit; its id."""
    inserted = conn.execute(
        cases.insert().values(
            counterparty_id=counterparty_id,
            entry_id=hit.entry_id,
            source=hit.source,
            listed_name=hit.listed_name,
            matched_name=hit.matched_name,
            score=hit.score,
            status="open",
            entry_hash=hit.entry_hash,
            entry_body=hit.entry_body,
            match=hit.match,
            changes="{}",
            snapshot=hit.snapshot,
            algorithm=hit.algorithm,
            reviewer="",
            reason="",
            decided_at="",
            decided_entry_hash="",
            created_at=stamp,
            updated_at=stamp,
        )
    )
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def update_hit(
    conn: sa.Connection, case_id: int, hit: Hit, status: str, changes: str, stamp: str
) -> None:
    """A case's entry changed: store the new entry and hit, the field diff and the status;
    bumps the version."""
    conn.execute(
        cases.update()
        .where(cases.c.id == case_id)
        .values(
            status=status,
            entry_hash=hit.entry_hash,
            entry_body=hit.entry_body,
            match=hit.match,
            score=hit.score,
            listed_name=hit.listed_name,
            matched_name=hit.matched_name,
            snapshot=hit.snapshot,
            changes=changes,
            updated_at=stamp,
            version=cases.c.version + 1,
        )
    )


def add_event(
    conn: sa.Connection,
    case_id: int,
    at: str,
    actor: str,
    action: str,
    status: str,
    reason: str,
    detail: dict[str, Any],
) -> None:
    conn.execute(
        case_events.insert().values(
            case_id=case_id,
            at=at,
            actor=actor,
            action=action,
            status=status,
            reason=reason,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def events(conn: sa.Connection, case_id: int) -> list[CaseEvent]:
    """A case's history, oldest first."""
    rows = conn.execute(
        sa.select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
    ).mappings()
    return [CaseEvent(**dict(r)) for r in rows]


def assign(conn: sa.Connection, case_ids: Sequence[int], assignee: str) -> int:
    """Set the assignee of cases (bumping their versions); how many changed."""
    ids = sorted(set(case_ids))
    changed = 0
    for start in range(0, len(ids), 500):
        changed += conn.execute(
            cases.update()
            .where(cases.c.id.in_(ids[start : start + 500]))
            .values(assignee=assignee[:100], version=cases.c.version + 1)
        ).rowcount
    return changed


def case_ids_for(
    conn: sa.Connection, pairs: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Case ids of (counterparty id, entry id) pairs (those that have a case)."""
    wanted = sorted(set(pairs))
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        rows = conn.execute(
            sa.select(cases.c.id, cases.c.counterparty_id, cases.c.entry_id).where(
                cases.c.counterparty_id.in_({c for c, _ in chunk}),
                cases.c.entry_id.in_({e for _, e in chunk}),
            )
        )
        for row in rows:
            key = (int(row.counterparty_id), str(row.entry_id))
            if key in set(chunk):
                found[key] = int(row.id)
    return found


def status_counts(conn: sa.Connection) -> dict[str, int]:
    """Cases per status (statuses without cases are left out)."""
    rows = conn.execute(sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status))
    return {str(s): int(n) for s, n in rows}
