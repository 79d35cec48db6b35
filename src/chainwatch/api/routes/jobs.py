"""Background jobs (batches, refreshes, resilience runs): status, progress, result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chainwatch.api.deps import VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import JobIdParam, Svc
from chainwatch.api.responses import Job
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.service import NotFound

router = APIRouter(prefix="/api/v1", tags=["screening"])


@router.get("/jobs/{job_id}", response_model=Job, responses=responses(NotFound))
def job(job_id: JobIdParam, svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """Status and progress of a background job; its result when done."""
    found = svc.jobs.job(job_id)
    if found is None:
        raise NotFound(f"no job {job_id}")
    return found
