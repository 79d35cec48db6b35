"""SQL of stored result documents (networks, exposure and resilience results)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from chainwatch.store.schema import results


@dataclass(frozen=True, slots=True)
class ResultInfo:
    kind: str
    name: str
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class ResultDocument:
    kind: str
    name: str
    created_at: str
    created_by: str
    document: str  # JSON


def put(conn: sa.Connection, kind: str, name: str, document: str, actor: str, stamp: str) -> None:
    """Store a document, replacing one of the same kind and name."""
    conn.execute(results.delete().where(results.c.kind == kind, results.c.name == name))
    conn.execute(
        results.insert().values(
            kind=kind, name=name, created_at=stamp, created_by=actor, document=document
        )
    )


def get(conn: sa.Connection, kind: str, name: str) -> ResultDocument | None:
    row = (
        conn.execute(sa.select(results).where(results.c.kind == kind, results.c.name == name))
        .mappings()
        .first()
    )
    return None if row is None else ResultDocument(**dict(row))


def listing(conn: sa.Connection, kind: str) -> list[ResultInfo]:
    """The stored results of one kind, newest first."""
    rows = conn.execute(
        sa.select(results.c.kind, results.c.name, results.c.created_at, results.c.created_by)
        .where(results.c.kind == kind)
        .order_by(results.c.created_at.desc(), results.c.name)
    ).mappings()
    return [ResultInfo(**dict(r)) for r in rows]
