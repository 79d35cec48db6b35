"""Batch uploads: a file of counterparties screened in the background."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from chainwatch.api.deps import ANALYST
from chainwatch.api.errors import responses
from chainwatch.api.params import Svc
from chainwatch.api.responses import BatchAccepted
from chainwatch.api.uploads import read_saved, save_upload
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.live import NoActiveSnapshot
from chainwatch.workflows.service import submit_batch
from chainwatch.workflows.table_rows import TooManyRows

router = APIRouter(prefix="/api/v1", tags=["screening"])


@router.post(
    "/batches",
    status_code=202,
    response_model=BatchAccepted,
    responses=responses(ChainwatchError, NoActiveSnapshot, TooManyRows),
)
def upload_batch(
    svc: Svc,
    file: Annotated[UploadFile, File(description="Counterparties: CSV, XLSX or Parquet.")],
    column: Annotated[str | None, Form(max_length=100)] = None,
    who: Principal = ANALYST,
) -> BatchAccepted:
    """Store a file of counterparties, screen them in the background, open cases for hits.

    Follow the job at `status_url` until `status` is `done` (or `failed`).
    """
    with tempfile.TemporaryDirectory(prefix="chainwatch-upload-") as directory:
        path, original = save_upload(svc, file, Path(directory))
        parties, references = read_saved(svc, path, original, {"name": column})
    svc.live.snapshot()  # fails now (409) rather than in the job when nothing is loaded
    job_id = submit_batch(
        svc.jobs,
        svc.audit,
        svc.live,
        svc.cases,
        parties,
        references,
        file.filename,
        who.name,
        svc.settings.threshold,
    )
    return BatchAccepted(
        job_id=job_id, status="queued", total=len(parties), status_url=f"/api/v1/jobs/{job_id}"
    )
