"""SQL of stored counterparties and their lookup tokens (the caller owns the transaction).

One counterparty per identity: a party whose identity hash (see
``chainwatch.workflows.cases.identity_hash``) is already stored is not stored again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query
from chainwatch.store.schema import cases, counterparties, counterparty_tokens

Tokens = Callable[[str], set[str]]


def _insert_tokens(conn: sa.Connection, counterparty_id: int, name: str, tokens: Tokens) -> None:
    found = tokens(name)
    if found:
        conn.execute(
            counterparty_tokens.insert(),
            [{"counterparty_id": counterparty_id, "token": t} for t in sorted(found)],
        )


def query_of(row: Any) -> Query:
    return Query(
        name=row.name,
        country=row.country,
        address=row.address,
        identifiers=tuple(json.loads(row.identifiers or "[]")),
    )


def insert_counterparties(
    conn: sa.Connection,
    parties: Sequence[tuple[Query, str]],
    *,
    origin: str,
    references: Sequence[str] | None,
    batch: str,
    created: str,
    tokens: Tokens,
) -> list[int]:
    """Store (party, identity hash) pairs not stored yet; the ids of all, in order."""
    ids: list[int] = []
    seen: dict[str, int] = {}
    for position, (party, identity) in enumerate(parties):
        known = seen.get(identity)
        if known is None:
            known = conn.execute(
                sa.select(sa.func.min(counterparties.c.id)).where(
                    counterparties.c.identity == identity
                )
            ).scalar()
        if known is not None:
            ids.append(int(known))
            seen[identity] = int(known)
            continue
        new_id = conn.execute(
            counterparties.insert().values(
                name=party.name,
                country=party.country,
                address=party.address,
                identifiers=json.dumps(list(party.identifiers)),
                reference=(references[position] if references else "")[:200],
                origin=origin[:300],
                created_at=created,
                batch=batch[:40],
                identity=identity,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        _insert_tokens(conn, int(new_id), party.name, tokens)
        ids.append(int(new_id))
        seen[identity] = int(new_id)
    return ids


def replace_tokens(conn: sa.Connection, tokens: Tokens) -> int:
    """Recompute every counterparty's lookup tokens; the number of counterparties."""
    rows = conn.execute(sa.select(counterparties.c.id, counterparties.c.name)).all()
    conn.execute(counterparty_tokens.delete())
    for row in rows:
        _insert_tokens(conn, row.id, row.name, tokens)
    return len(rows)


@dataclass(frozen=True, slots=True)
class CounterpartyRecord:
    """A stored counterparty."""

    id: int
    name: str
    country: str
    address: str
    identifiers: tuple[str, ...]
    reference: str  # the caller's own id of the party
    origin: str  # upload / API / dashboard, and by whom
    created_at: str
    batch: str  # the job id of its upload ("" otherwise)
    identity: str  # sha256 of the identity (one counterparty per identity)

    def as_dict(self) -> dict[str, Any]:
        item = {name: getattr(self, name) for name in self.__slots__}
        item["identifiers"] = list(self.identifiers)
        return item


def _record(row: Any) -> CounterpartyRecord:
    return CounterpartyRecord(
        id=int(row.id),
        name=str(row.name),
        country=str(row.country),
        address=str(row.address),
        identifiers=tuple(json.loads(row.identifiers or "[]")),
        reference=str(row.reference),
        origin=str(row.origin),
        created_at=str(row.created_at),
        batch=str(row.batch),
        identity=str(row.identity),
    )


def counterparty(conn: sa.Connection, counterparty_id: int) -> CounterpartyRecord:
    row = conn.execute(
        sa.select(counterparties).where(counterparties.c.id == counterparty_id)
    ).first()
    if row is None:
        raise ChainwatchError(f"no counterparty {counterparty_id}")
    return _record(row)


def counterparty_page(conn: sa.Connection, limit: int, offset: int) -> list[CounterpartyRecord]:
    """Stored counterparties in the order they were added."""
    rows = conn.execute(
        sa.select(counterparties).order_by(counterparties.c.id).limit(limit).offset(offset)
    )
    return [_record(r) for r in rows]


def counterparty_queries(conn: sa.Connection, ids: Iterable[int] | None) -> list[tuple[int, Query]]:
    """(id, query) of the given counterparties (or all), by id."""
    if ids is None:
        rows = conn.execute(sa.select(counterparties).order_by(counterparties.c.id))
        return [(row.id, query_of(row)) for row in rows]
    out: list[tuple[int, Query]] = []
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            sa.select(counterparties).where(counterparties.c.id.in_(wanted[start : start + 500]))
        )
        out.extend((row.id, query_of(row)) for row in rows)
    return sorted(out, key=lambda item: item[0])


def affected_ids(conn: sa.Connection, tokens: Iterable[str], entry_ids: Iterable[str]) -> set[int]:
    """Counterparties sharing a lookup token with `tokens`, or with a case on `entry_ids`."""
    found: set[int] = set()
    token_list = sorted(set(tokens))
    entry_list = sorted(set(entry_ids))
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
