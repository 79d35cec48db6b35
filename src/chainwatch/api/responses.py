"""Response bodies of the JSON API (what /docs and /openapi.json declare).

Documents whose inner shape belongs to another module (a case's list entry, a job's result, an
analysis' tables) are typed at the top level and left open below it (``extra="allow"`` keeps
fields these models do not name, so nothing a client reads today is dropped).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):
    """A document with the fields below and possibly more."""

    model_config = ConfigDict(extra="allow")


class Me(BaseModel):
    name: str
    role: str
    via: str


class JobAccepted(BaseModel):
    job_id: str
    status: str
    status_url: str


class BatchAccepted(JobAccepted):
    total: int


class Job(BaseModel):
    id: str
    kind: str
    status: str  # queued, running, done, failed
    total: int
    done: int
    progress: float
    message: str
    result: dict[str, Any]
    created_by: str
    created_at: str
    updated_at: str


class Snapshot(BaseModel):
    id: int
    content_hash: str
    created_at: str
    entry_count: int
    feeds: list[str]
    active: bool


class ListsStatus(Open):
    active: dict[str, Any] | None
    recent_loads: list[dict[str, Any]]
    last_load_failed: bool


class RefreshReport(Open):
    status: str
    snapshot: str
    previous: str
    added: int
    removed: int
    changed: int
    rescreened: int
    new_cases: list[int]
    message: str


class Alert(BaseModel):
    id: int
    at: str
    level: str
    message: str
    acknowledged: bool


class Notification(BaseModel):
    id: int
    at: str
    kind: str
    message: str
    payload: dict[str, Any]
    delivered: str


class AuditRecord(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    target: str
    detail: Any  # the JSON detail (text when it is not JSON)
    prev_hash: str
    hash: str


class AuditVerify(BaseModel):
    ok: bool
    records: int
    head: str
    first_bad: int | None
    reason: str


class User(BaseModel):
    username: str
    role: str
    disabled: bool
    created_at: str


class ApiKey(BaseModel):
    key_id: str
    name: str
    role: str
    created_by: str
    created_at: str
    revoked: bool


class NewApiKey(BaseModel):
    key_id: str
    key: str  # shown this once
    name: str
    role: str
    created_at: str


class ResultInfo(BaseModel):
    kind: str
    name: str
    created_at: str
    created_by: str


class ResultDocument(ResultInfo):
    document: dict[str, Any]


class NetworkStored(BaseModel):
    name: str
    summary: dict[str, Any]


class Exposure(Open):
    pass


class CounterpartyAdded(BaseModel):
    counterparty_id: int
    cases_opened: list[int]
    hits: list[dict[str, Any]]
    stale: bool
    warning: str


class CaseQueue(Open):
    counts: dict[str, int]
    total: int
    offset: int


class Case(Open):
    id: int
    counterparty_id: int
    entry_id: str
    status: str
    version: int
    match: dict[str, Any]
    entry: dict[str, Any]
    changes: dict[str, Any]
    counterparty: dict[str, Any]
    history: list[dict[str, Any]]


class BulkDecision(BaseModel):
    decided: list[int]
    refused: dict[int, str]


class Assigned(BaseModel):
    assigned: int


class ListsDiff(Open):
    old: Any
    new: Any
    counts: dict[str, int]
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]


class Counterparty(BaseModel):
    id: int
    name: str
    country: str
    address: str
    identifiers: list[str]
    reference: str
    origin: str
    created_at: str
    batch: str
    identity: str
