"""SQL of background jobs (the runner is ``chainwatch.workflows.jobs``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from chainwatch.store.schema import jobs

ACTIVE = ("queued", "running")


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    kind: str
    status: str  # queued, running, done, failed
    total: int
    done: int
    message: str
    result: str  # JSON
    created_by: str
    created_at: str
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def insert(
    conn: sa.Connection, job_id: str, kind: str, total: int, actor: str, result: str, stamp: str
) -> None:
    """A queued job."""
    conn.execute(
        jobs.insert().values(
            id=job_id,
            kind=kind,
            status="queued",
            total=total,
            done=0,
            message="",
            result=result,
            created_by=actor,
            created_at=stamp,
            updated_at=stamp,
        )
    )


def update(conn: sa.Connection, job_id: str, values: dict[str, Any]) -> None:
    """Set columns of a job (`result` as a JSON-able value)."""
    if "result" in values:
        values = {**values, "result": json.dumps(values["result"], ensure_ascii=False, default=str)}
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(**values))


def get(conn: sa.Connection, job_id: str) -> JobRecord | None:
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first()
    return None if row is None else JobRecord(**dict(row))


def unfinished(conn: sa.Connection) -> list[tuple[str, str]]:
    """(id, result JSON) of every queued or running job."""
    rows = conn.execute(sa.select(jobs.c.id, jobs.c.result).where(jobs.c.status.in_(ACTIVE)))
    return [(str(i), str(r or "")) for i, r in rows]
