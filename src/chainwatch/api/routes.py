"""The JSON API, under /api/v1. Every route needs credentials; the role is in its dependency."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chainwatch.api.deps import ADMIN, ANALYST, VIEWER, Services, services
from chainwatch.api.schemas import (
    ExposureIn,
    KeyIn,
    Message,
    ResilienceIn,
    ResultIn,
    ScreenRequest,
    ScreenResponse,
    UserIn,
    UserPatch,
)
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query as ScreenQuery
from chainwatch.screening.algorithm import DEFAULT_ALGORITHM
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.batch_job import run_batch
from chainwatch.workflows.counterparties import TooManyRows, read_counterparties
from chainwatch.workflows.documents import RESULT_KINDS
from chainwatch.workflows.jobs import JobOutcome, Progress
from chainwatch.workflows.lists import diff_snapshots, snapshot_status
from chainwatch.workflows.refresh import ListSource, default_parser
from chainwatch.workflows.results import (
    ResilienceRequest,
    run_exposure_result,
    run_resilience_result,
    store_network,
)
from chainwatch.workflows.screening import match_to_dict

router = APIRouter(prefix="/api/v1")
Svc = Annotated[Services, Depends(services)]
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".parquet")
LIST_FORMATS = ("csl", "ofac", "un", "bis-dpl", "opensanctions", "custom", "entries-json")
IdParam = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
NameParam = Annotated[
    str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
]
KindParam = Annotated[str, PathParam(pattern="^(" + "|".join(RESULT_KINDS) + ")$")]
JobIdParam = Annotated[str, PathParam(min_length=1, max_length=64, pattern="^[0-9a-f]+$")]


def _safe_name(name: str, what: str = "name") -> str:
    if not SAFE_NAME.match(name) or ".." in name:
        raise HTTPException(
            400, f"invalid {what}: 1-100 letters, digits, '_', '-', '.'; no '..' or '/'"
        )
    return name


def status_payload(svc: Services) -> dict[str, Any]:
    payload = snapshot_status(svc.store, 10, full_paths=False)
    if payload["active"] is not None:
        payload["freshness"] = svc.live.freshness().as_dict()
    return payload


def screen_party(svc: Services, request: ScreenRequest) -> dict[str, Any]:
    query = ScreenQuery(
        name=request.name,
        country=request.country,
        address=request.address,
        identifiers=tuple(request.identifiers),
        lists=tuple(s.strip().upper() for s in request.lists if s.strip()),
    )
    matches, fresh = svc.live.screen(query, threshold=request.threshold, limit=request.limit)
    return {
        "query": request.model_dump(),
        "snapshot": fresh.snapshot,
        "algorithm": DEFAULT_ALGORITHM.name,
        "threshold": request.threshold,
        "stale": fresh.stale,
        "warning": fresh.warning,
        "freshness": fresh.as_dict(),
        "hits": [match_to_dict(m) for m in matches],
    }


# -- who am I ----------------------------------------------------------------------------------


@router.get("/me", tags=["auth"])
def me(who: Principal = VIEWER) -> dict[str, str]:
    """The caller's name, role and how they authenticated."""
    return {"name": who.name, "role": who.role.name, "via": who.via}


# -- screening ---------------------------------------------------------------------------------


@router.post("/screen", response_model=ScreenResponse, tags=["screening"])
async def screen(body: ScreenRequest, svc: Svc, who: Principal = VIEWER) -> Response:
    """Screen one party against the active snapshot; hits best first, each explained.

    Runs on the event loop (a screening takes well under a millisecond of CPU, less than a
    hop to the thread pool) and returns its JSON directly, without re-validating it.
    """
    if svc.live.needs_check():
        payload = await run_in_threadpool(screen_party, svc, body)
    else:
        payload = screen_party(svc, body)
    return Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
    )


def submit_batch(
    svc: Services,
    parties: list[ScreenQuery],
    references: list[str],
    filename: str | None,
    who: Principal,
) -> str:
    """Queue the screening of uploaded counterparties as a background job; its id."""
    shown = Path(filename or "file").name[:100]
    origin = f"upload {shown} by {who.name}"
    job_id = svc.jobs.new_job("batch", len(parties), who.name)
    svc.audit.append(
        who.name,
        "batch.uploaded",
        f"job:{job_id}",
        {"file": shown, "rows": len(parties), "snapshot": svc.live.snapshot().content_hash},
    )

    def work(progress: Progress) -> JobOutcome:
        return run_batch(
            progress,
            parties,
            references,
            origin,
            svc.live,
            svc.cases,
            who.name,
            svc.settings.threshold,
            filename=shown,
        )

    svc.jobs.start(job_id, work)
    return job_id


@router.post("/batches", status_code=202, tags=["screening"])
def upload_batch(
    svc: Svc,
    file: Annotated[UploadFile, File(description="Counterparties: CSV, XLSX or Parquet.")],
    column: Annotated[str | None, Form(max_length=100)] = None,
    who: Principal = ANALYST,
) -> dict[str, Any]:
    """Store a file of counterparties, screen them in the background, open cases for hits.

    Follow the job at `status_url` until `status` is `done` (or `failed`).
    """
    parties, references = read_upload(svc, file, column)
    svc.live.snapshot()  # fails now (409) rather than in the job when nothing is loaded
    job_id = submit_batch(svc, parties, references, file.filename, who)
    return {
        "job_id": job_id,
        "status": "queued",
        "total": len(parties),
        "status_url": f"/api/v1/jobs/{job_id}",
    }


def save_upload(svc: Services, file: UploadFile, directory: Path) -> tuple[Path, str]:
    """Write an upload into `directory` (as upload<suffix>; its own name is never a path),
    within the size limit; (path, the file's own name)."""
    original = Path(file.filename or "upload.csv").name
    suffix = Path(original).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise HTTPException(400, f"file must be one of {', '.join(UPLOAD_SUFFIXES)}")
    path = directory / f"upload{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > svc.settings.upload_limit_bytes:
                raise HTTPException(
                    413, f"file larger than {svc.settings.upload_limit_bytes} bytes"
                )
            out.write(chunk)
    return path, original


def read_saved(
    svc: Services, path: Path, original: str, mapping: dict[str, str | None]
) -> tuple[list[ScreenQuery], list[str]]:
    """Read a saved counterparty file completely with a column mapping (clear errors)."""
    try:
        rows = read_counterparties(
            path,
            mapping.get("name") or None,
            mapping.get("country") or None,
            max_rows=svc.settings.batch_max_rows,
            address_column=mapping.get("address") or None,
            id_column=mapping.get("identifier") or None,
        )
    except TooManyRows as exc:
        raise HTTPException(413, str(exc).replace(str(path), original)) from exc
    except ChainwatchError as exc:
        raise HTTPException(400, str(exc).replace(str(path), original)) from exc
    except Exception as exc:  # a parser library choking on a hostile file
        raise HTTPException(400, f"file {original}: cannot be read ({type(exc).__name__})") from exc
    if len(rows) > svc.settings.batch_max_rows:
        raise HTTPException(413, f"more than {svc.settings.batch_max_rows} counterparties")
    return [r.query for r in rows], [str(r.row) for r in rows]


def read_upload(
    svc: Services, file: UploadFile, column: str | None
) -> tuple[list[ScreenQuery], list[str]]:
    """Read an uploaded counterparty file completely (clear errors for a bad file)."""
    with tempfile.TemporaryDirectory(prefix="chainwatch-upload-") as directory:
        path, original = save_upload(svc, file, Path(directory))
        return read_saved(svc, path, original, {"name": column})


@router.get("/jobs/{job_id}", tags=["screening"])
def job(job_id: JobIdParam, svc: Svc, who: Principal = VIEWER) -> Any:
    """Status and progress of a background job; its result when done."""
    found = svc.jobs.job(job_id)
    if found is None:
        raise HTTPException(404, f"no job {job_id}")
    return found


# -- lists -------------------------------------------------------------------------------------


@router.get("/lists/status", tags=["lists"])
def lists_status(svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """The active snapshot (feeds, counts, hash), its freshness and the recent loads."""
    return status_payload(svc)


@router.get("/lists/snapshots", tags=["lists"])
def lists_snapshots(svc: Svc, who: Principal = VIEWER) -> list[dict[str, Any]]:
    """Every snapshot, oldest first."""
    active = svc.store.active()
    return [
        {
            "id": s.id,
            "content_hash": s.content_hash,
            "created_at": s.created_at,
            "entry_count": s.entry_count,
            "feeds": [f.feed for f in s.feeds],
            "active": active is not None and active.id == s.id,
        }
        for s in svc.store.snapshots()
    ]


@router.get("/lists/diff", tags=["lists"])
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


@router.post("/lists/load", tags=["lists"])
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
        source = ListSource(path, format)
        report = svc.refresher.refresh(lambda: [source], default_parser, actor=who.name)
    svc.live.invalidate()
    if report.status == "failed":
        raise HTTPException(400, report.message.replace(str(path), original))
    return report.as_dict()


@router.post("/lists/refresh", status_code=202, tags=["lists"])
def lists_refresh(svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    """Run the configured refresh now, in the background; follow the job."""
    fetcher = svc.fetcher
    if fetcher is None:
        raise HTTPException(409, "no list sources are configured for refresh")

    def work(_progress: Progress) -> JobOutcome:
        report = svc.refresher.refresh(fetcher, default_parser, actor=who.name)
        svc.live.invalidate()
        return JobOutcome(report.message, report.as_dict(), failed=report.status == "failed")

    job_id = svc.jobs.submit("refresh", 1, who.name, work)
    return {"job_id": job_id, "status": "queued", "status_url": f"/api/v1/jobs/{job_id}"}


# -- alerts and notifications ------------------------------------------------------------------


@router.get("/alerts", tags=["monitoring"])
def list_alerts(
    svc: Svc, include_acknowledged: bool = False, who: Principal = VIEWER
) -> list[dict[str, Any]]:
    """Open alerts (failed refreshes ...), newest first."""
    return svc.notices.alerts(include_acknowledged)


@router.post("/alerts/{alert_id}/ack", response_model=Message, tags=["monitoring"])
def ack_alert(alert_id: IdParam, svc: Svc, who: Principal = ADMIN) -> dict[str, str]:
    """Acknowledge an alert (audited)."""
    svc.notices.acknowledge(alert_id, who.name)
    return {"message": f"alert {alert_id} acknowledged"}


@router.get("/notifications", tags=["monitoring"])
def list_notifications(
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    who: Principal = VIEWER,
) -> list[dict[str, Any]]:
    """What the monitor reported (refreshes, new cases), newest first."""
    return svc.notices.notifications(limit)


# -- audit -------------------------------------------------------------------------------------


@router.get("/audit", tags=["audit"])
def audit(
    svc: Svc,
    after: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    newest_first: bool = False,
    who: Principal = ANALYST,
) -> list[dict[str, Any]]:
    """Audit records after sequence number `after`."""
    return svc.audit.records(after, limit, newest_first)


@router.get("/audit/verify", tags=["audit"])
def audit_verify(svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    """Recompute the hash chain; names the first altered or missing record."""
    result = svc.audit.verify()
    return {
        "ok": result.ok,
        "records": result.records,
        "head": result.head,
        "first_bad": result.first_bad,
        "reason": result.reason,
    }


# -- users and keys (admin) --------------------------------------------------------------------


@router.get("/users", tags=["admin"])
def list_users(svc: Svc, who: Principal = ADMIN) -> list[dict[str, Any]]:
    return svc.auth.users()


@router.post("/users", status_code=201, tags=["admin"])
def create_user(body: UserIn, svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    return svc.auth.create_user(body.username, body.password, body.role, who.name)


@router.patch("/users/{username}", tags=["admin"])
def update_user(
    username: NameParam, body: UserPatch, svc: Svc, who: Principal = ADMIN
) -> dict[str, Any]:
    return svc.auth.update_user(
        username, who.name, role=body.role, password=body.password, disabled=body.disabled
    )


@router.delete("/users/{username}", response_model=Message, tags=["admin"])
def delete_user(username: NameParam, svc: Svc, who: Principal = ADMIN) -> dict[str, str]:
    svc.auth.delete_user(username, who.name)
    return {"message": f"user {username} deleted"}


@router.get("/keys", tags=["admin"])
def list_keys(svc: Svc, who: Principal = ADMIN) -> list[dict[str, Any]]:
    """API keys (never the keys themselves: only their public ids)."""
    return svc.auth.api_keys()


@router.post("/keys", status_code=201, tags=["admin"])
def create_key(body: KeyIn, svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    """A new API key; `key` is shown this once and stored only as a hash."""
    return svc.auth.create_key(body.name, body.role, who.name)


@router.delete("/keys/{key_id}", response_model=Message, tags=["admin"])
def revoke_key(key_id: NameParam, svc: Svc, who: Principal = ADMIN) -> dict[str, str]:
    svc.auth.revoke_key(key_id, who.name)
    svc.key_cache.clear()
    return {"message": f"key {key_id} revoked"}


# -- results of the other analyses --------------------------------------------------------------


@router.get("/results/{kind}", tags=["results"])
def list_results(kind: KindParam, svc: Svc, who: Principal = VIEWER) -> list[dict[str, Any]]:
    """Stored results of one kind (network, exposure, resilience), newest first."""
    return svc.results.results(kind)


@router.get("/results/{kind}/{name}", tags=["results"])
def get_result(
    kind: KindParam, name: NameParam, svc: Svc, who: Principal = VIEWER
) -> dict[str, Any]:
    """One result document."""
    found = svc.results.result(kind, _safe_name(name))
    if found is None:
        raise HTTPException(404, f"no {kind} result {name!r}")
    return found


@router.put("/results/{kind}/{name}", response_model=Message, tags=["results"])
def put_result(
    kind: KindParam,
    name: NameParam,
    body: ResultIn,
    svc: Svc,
    who: Principal = ADMIN,
) -> dict[str, str]:
    """Store a result document (what the network and resilience workflows produce)."""
    if kind == "network":
        raise HTTPException(400, "networks are stored by uploading them: POST /api/v1/networks")
    svc.results.put_result(kind, _safe_name(name), body.document, who.name)
    return {"message": f"{kind} result {name} stored"}


# -- networks, exposure and resilience ---------------------------------------------------------


def read_network_upload(svc: Services, file: UploadFile) -> bytes:
    limit = svc.settings.network_limit_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"network file larger than {limit} bytes")
    return data


def _strip_upload(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "upload"}


@router.post("/networks", status_code=201, tags=["networks"])
def upload_network(
    svc: Svc,
    file: Annotated[
        UploadFile, File(description="A zip of the network's CSV tables, or an XLSX workbook.")
    ],
    name: Annotated[str, Form(min_length=1, max_length=100, pattern=SAFE_NAME.pattern)],
    who: Principal = ANALYST,
) -> dict[str, Any]:
    """Upload a supply network (docs/network-format.md). It is validated completely; a
    problem is a 400 naming `file`, `row` and `field`. Replaces a network of the same name."""
    data = read_network_upload(svc, file)
    summary = store_network(
        svc.results, _safe_name(name), data, file.filename or "network.zip", who.name
    )
    return {"name": name, "summary": summary}


@router.get("/networks", tags=["networks"])
def list_networks(svc: Svc, who: Principal = VIEWER) -> list[dict[str, Any]]:
    """Stored networks, newest first."""
    return svc.results.results("network")


@router.get("/networks/{name}", tags=["networks"])
def get_network(name: NameParam, svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """A stored network's counts (the upload itself is not returned)."""
    found = svc.results.result("network", _safe_name(name))
    if found is None:
        raise HTTPException(404, f"no network {name!r}")
    found["document"] = _strip_upload(found["document"])
    return found


def exposure_for(svc: Services, name: str, body: ExposureIn, actor: str) -> dict[str, Any]:
    screener = svc.live.party_screener(svc.settings.threshold) if body.screen else None
    snapshot = svc.live.snapshot().content_hash if body.screen else ""
    return run_exposure_result(
        svc.results,
        _safe_name(name),
        actor,
        screener=screener,
        snapshot=snapshot,
        designate=body.designate,
        names=[(n.name, tuple(n.lists)) for n in body.names],
        lists=tuple(body.lists),
        as_of=body.as_of,
        min_score=body.min_score,
        cut_lists=frozenset(body.cut_lists) if body.cut_lists is not None else None,
    )


@router.post("/networks/{name}/exposure", tags=["networks"])
def run_exposure(
    name: NameParam, body: ExposureIn, svc: Svc, who: Principal = ANALYST
) -> dict[str, Any]:
    """Compute the exposure of a stored network: its parties screened against the active
    snapshot (plus `names` and what-if `designate`), ownership rules, inbound and outbound
    exposure, de minimis. Stored as the `exposure` result of the same name (with the SVG
    network picture); returns summary and tables."""
    return exposure_for(svc, name, body, who.name)


def start_resilience(svc: Services, name: str, body: ResilienceIn, actor: str) -> str:
    name = _safe_name(name)
    if svc.results.result("network", name) is None:
        raise HTTPException(404, f"no network {name!r}: upload it first")
    request = ResilienceRequest(
        probability=body.probability,
        scenarios=body.scenarios,
        seed=body.seed,
        frontier_points=body.frontier_points,
        top=body.top,
        budget=body.budget,
        overrides=dict(body.overrides),
        max_nodes=svc.settings.resilience_max_nodes,
    )

    def work(progress: Progress) -> JobOutcome:
        progress.say(f"resilience of {name}")
        result = run_resilience_result(
            svc.results, name, actor, request, svc.settings.resilience_timeout_seconds
        )
        return JobOutcome(
            f"resilience of {name} stored",
            {"kind": "resilience", "name": name, "summary": result["summary"]},
        )

    return svc.jobs.submit("resilience", 1, actor, work)


@router.post("/networks/{name}/resilience", status_code=202, tags=["networks"])
def run_resilience(
    name: NameParam, body: ResilienceIn, svc: Svc, who: Principal = ANALYST
) -> dict[str, Any]:
    """Start a resilience run of a stored network in the background: the sweep (every
    supplier cut off in turn: time-to-survive, time-to-recover, lost margin, survival curves)
    and the stockpile LP with its frontier. Bounded in size and time (settings
    `resilience_max_nodes`, `resilience_timeout_seconds`). Follow the job; the result is
    stored as the `resilience` result of the same name."""
    job_id = start_resilience(svc, name, body, who.name)
    return {"job_id": job_id, "status": "queued", "status_url": f"/api/v1/jobs/{job_id}"}
