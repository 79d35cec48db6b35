"""The lists: status and freshness, snapshots, diffs, loading a file, refreshing."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from chainwatch.api.deps import ADMIN, VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import Svc
from chainwatch.api.responses import (
    JobAccepted,
    ListsDiff,
    ListsStatus,
    RefreshReport,
    Snapshot,
)
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.lists import diff_snapshots
from chainwatch.workflows.service import (
    NotConfigured,
    load_list_file,
    start_refresh,
    status_payload,
)

router = APIRouter(prefix="/api/v1", tags=["lists"])
LIST_FORMATS = ("csl", "ofac", "un", "bis-dpl", "opensanctions", "custom", "entries-json")


@router.get("/lists/status", response_model=ListsStatus, responses=responses())
def lists_status(svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """The active snapshot (feeds, counts, hash), its freshness and the recent loads."""
    return status_payload(svc.store, svc.live)


@router.get("/lists/snapshots", response_model=list[Snapshot], responses=responses())
def lists_snapshots(svc: Svc, who: Principal = VIEWER) -> list[Snapshot]:
    """Every snapshot, oldest first."""
    active = svc.store.active()
    return [
        Snapshot(
            id=s.id,
            content_hash=s.content_hash,
            created_at=s.created_at,
            entry_count=s.entry_count,
            feeds=[f.feed for f in s.feeds],
            active=active is not None and active.id == s.id,
        )
        for s in svc.store.snapshots()
    ]


@router.get("/lists/diff", response_model=ListsDiff, responses=responses(ChainwatchError))
def lists_diff(
    svc: Svc,
    old: Annotated[str, Query(min_length=1, max_length=64, pattern="^[0-9a-f]+$|^active$")],
    new: Annotated[
        str, Query(min_length=1, max_length=64, pattern="^[0-9a-f]+$|^active$")
    ] = "active",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    who: Principal = VIEWER,
) -> dict[str, Any]:
    """Entries added, removed and changed between two snapshots (id, hash prefix, 'active')."""
    return diff_snapshots(svc.store, old, new).as_dict(limit)


@router.post("/lists/load", response_model=RefreshReport, responses=responses(ChainwatchError))
def lists_load(
    svc: Svc,
    file: Annotated[UploadFile, File(description="A list file in an official format.")],
    format: Annotated[str, Form(pattern="^(" + "|".join(LIST_FORMATS) + ")$")],
    who: Principal = ADMIN,
) -> dict[str, Any]:
    """Load one list file into a new snapshot, then re-screen the affected counterparties."""
    original = Path(file.filename or "list").name
    suffix = Path(original).suffix.lower()[:10]
    if suffix and not re.match(r"^\.[a-z0-9]+$", suffix):
        suffix = ""
    with tempfile.TemporaryDirectory(prefix="chainwatch-list-") as directory:
        path = Path(directory) / f"list{suffix}"
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        return load_list_file(svc.refresher, svc.live, path, format, who.name, original)


@router.post(
    "/lists/refresh",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(NotConfigured),
)
def lists_refresh(svc: Svc, who: Principal = ADMIN) -> JobAccepted:
    """Run the configured refresh now, in the background; follow the job."""
    job_id = start_refresh(svc.jobs, svc.refresher, svc.live, svc.fetcher, who.name)
    return JobAccepted(job_id=job_id, status="queued", status_url=f"/api/v1/jobs/{job_id}")
