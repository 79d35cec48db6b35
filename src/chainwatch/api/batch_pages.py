"""Batch screening in the browser: upload, the column mapping preview, the job page (progress,
file, uploader, row counts, hits page by page with links to their cases) and its downloads."""

from __future__ import annotations

import json
import math
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainwatch.api.deps import ANALYST, VIEWER, Services, services
from chainwatch.api.pages import render
from chainwatch.api.uploads import read_saved, save_upload
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.counterparties import preview_counterparties
from chainwatch.workflows.exports import table_csv, table_xlsx
from chainwatch.workflows.service import submit_batch

router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services)]
JobId = Annotated[str, PathParam(max_length=64, pattern="^[0-9a-f]+$")]
STAGING = Path(tempfile.gettempdir()) / "chainwatch-staging"
STAGING_SECONDS = 3600
ROLES = ("name", "country", "address", "identifier")
HIT_COLUMNS = (
    "row",
    "query",
    "rank",
    "score",
    "source",
    "entry_id",
    "listed_name",
    "matched_name",
    "counterparty_id",
)


def _clean_staging() -> None:
    if not STAGING.exists():
        return
    for item in STAGING.iterdir():
        if item.stat().st_mtime < time.time() - STAGING_SECONDS:
            shutil.rmtree(item, ignore_errors=True)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, svc: Svc, who: Principal = ANALYST) -> HTMLResponse:
    return render(request, "upload.html", svc, who, error="", preview=None)


@router.post("/upload")
def upload(
    request: Request,
    svc: Svc,
    file: Annotated[UploadFile, File()],
    who: Principal = ANALYST,
) -> Response:
    """Keep the file for an hour and show its first rows with the column mapping to confirm."""
    _clean_staging()
    token = secrets.token_hex(16)
    directory = STAGING / token
    directory.mkdir(parents=True, mode=0o700)
    try:
        path, original = save_upload(svc, file, directory)
        preview = preview_counterparties(path, max_rows=svc.settings.batch_max_rows)
        svc.live.snapshot()
    except (HTTPException, ChainwatchError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        response = render(request, "upload.html", svc, who, error=message, preview=None)
        response.status_code = exc.status_code if isinstance(exc, HTTPException) else 400
        return response
    (directory / "meta.json").write_text(
        json.dumps({"file": original, "by": who.name, "path": path.name}), encoding="utf-8"
    )
    return render(
        request,
        "upload.html",
        svc,
        who,
        error="",
        preview=preview,
        token=token,
        filename=original,
        roles=ROLES,
    )


@router.post("/upload/confirm")
def confirm(
    request: Request,
    svc: Svc,
    token: Annotated[str, Form(pattern="^[0-9a-f]{32}$")],
    name: Annotated[str, Form(max_length=200)] = "",
    country: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    identifier: Annotated[str, Form(max_length=200)] = "",
    who: Principal = ANALYST,
) -> Response:
    """Screen the previewed file with the confirmed mapping, in the background."""
    directory = STAGING / token
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        response = render(
            request,
            "upload.html",
            svc,
            who,
            error="that upload has expired or was already screened: upload the file again",
            preview=None,
        )
        response.status_code = 410
        return response
    if meta.get("by") != who.name:
        raise HTTPException(403, "this upload belongs to another user")
    mapping: dict[str, str | None] = {
        "name": name,
        "country": country,
        "address": address,
        "identifier": identifier,
    }
    try:
        parties, references = read_saved(
            svc, directory / str(meta["path"]), str(meta["file"]), mapping
        )
        svc.live.snapshot()
    except (HTTPException, ChainwatchError) as exc:
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        response = render(request, "upload.html", svc, who, error=message, preview=None)
        response.status_code = exc.status_code if isinstance(exc, HTTPException) else 400
        return response
    shutil.rmtree(directory, ignore_errors=True)  # once read, the file is not kept
    job_id = submit_batch(
        svc.jobs,
        svc.audit,
        svc.live,
        svc.cases,
        parties,
        references,
        str(meta["file"]),
        who.name,
        svc.settings.threshold,
    )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _job(svc: Services, job_id: str) -> dict[str, Any]:
    job = svc.jobs.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job


def _hits(job: dict[str, Any], q: str, score_min: float | None) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = list(job["result"].get("hits") or [])
    if q:
        needle = q.casefold()
        hits = [
            h
            for h in hits
            if needle in str(h.get("query", "")).casefold()
            or needle in str(h.get("listed_name", "")).casefold()
        ]
    if score_min is not None:
        hits = [h for h in hits if float(h.get("score", 0)) >= score_min]
    return hits


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    svc: Svc,
    job_id: JobId,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    q: Annotated[str, Query(max_length=200)] = "",
    score_min: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    who: Principal = VIEWER,
) -> HTMLResponse:
    job = _job(svc, job_id)
    hits = _hits(job, q, score_min)
    per_page = 50
    pages = max(1, math.ceil(len(hits) / per_page))
    shown = hits[(page - 1) * per_page : page * per_page]
    case_ids = svc.cases.case_ids_for(
        [(int(h["counterparty_id"]), str(h["entry_id"])) for h in shown if "counterparty_id" in h]
    )
    for hit in shown:
        hit["case_id"] = case_ids.get(
            (int(hit.get("counterparty_id", 0)), str(hit.get("entry_id")))
        )
    return render(
        request,
        "job.html",
        svc,
        who,
        job=job,
        hits=shown,
        matching=len(hits),
        page=page,
        pages=pages,
        first=(page - 1) * per_page + 1 if hits else 0,
        last=min(page * per_page, len(hits)),
        q=q,
        score_min=score_min,
    )


@router.get("/jobs/{job_id}/hits.{fmt}")
def job_download(
    svc: Svc,
    job_id: JobId,
    fmt: Annotated[str, PathParam(pattern="^(csv|xlsx)$")],
    who: Principal = VIEWER,
) -> Response:
    """The job's hits as CSV or XLSX."""
    job = _job(svc, job_id)
    hits = list(job["result"].get("hits") or [])
    name = f"hits-{job_id[:12]}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        return Response(
            table_xlsx(HIT_COLUMNS, hits, "hits"),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=headers,
        )
    return Response(
        table_csv(HIT_COLUMNS, hits), media_type="text/csv; charset=utf-8", headers=headers
    )
