"""Supply networks: upload, list, read, and their exposure and resilience runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from chainwatch.api.deps import ANALYST, VIEWER, Services
from chainwatch.api.errors import responses
from chainwatch.api.params import SAFE_NAME, NameParam, Svc, safe_name
from chainwatch.api.responses import (
    Exposure,
    JobAccepted,
    NetworkStored,
    ResultDocument,
    ResultInfo,
)
from chainwatch.api.schemas import ExposureIn, ResilienceIn
from chainwatch.api.uploads import read_network_upload
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.live import NoActiveSnapshot
from chainwatch.workflows.results import (
    NetworkInputError,
    NetworkNotFound,
    ResilienceRequest,
    run_exposure_result,
    store_network,
)
from chainwatch.workflows.service import start_resilience

router = APIRouter(prefix="/api/v1", tags=["networks"])


def _strip_upload(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "upload"}


@router.post(
    "/networks",
    status_code=201,
    response_model=NetworkStored,
    responses=responses(NetworkInputError),
)
def upload_network(
    svc: Svc,
    file: Annotated[
        UploadFile, File(description="A zip of the network's CSV tables, or an XLSX workbook.")
    ],
    name: Annotated[str, Form(min_length=1, max_length=100, pattern=SAFE_NAME.pattern)],
    who: Principal = ANALYST,
) -> NetworkStored:
    """Upload a supply network (docs/network-format.md). It is validated completely; a
    problem is a 400 naming `file`, `row` and `field`. Replaces a network of the same name."""
    data = read_network_upload(svc, file)
    summary = store_network(
        svc.results, safe_name(name), data, file.filename or "network.zip", who.name
    )
    return NetworkStored(name=name, summary=summary)


@router.get("/networks", response_model=list[ResultInfo], responses=responses())
def list_networks(svc: Svc, who: Principal = VIEWER) -> list[dict[str, Any]]:
    """Stored networks, newest first."""
    return svc.results.results("network")


@router.get("/networks/{name}", response_model=ResultDocument, responses=responses(NetworkNotFound))
def get_network(name: NameParam, svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """A stored network's counts (the upload itself is not returned)."""
    found = svc.results.result("network", safe_name(name))
    if found is None:
        raise NetworkNotFound(f"no network {name!r}")
    found["document"] = _strip_upload(found["document"])
    return found


def exposure_for(svc: Services, name: str, body: ExposureIn, actor: str) -> dict[str, Any]:
    screener = svc.live.party_screener(svc.settings.threshold) if body.screen else None
    snapshot = svc.live.snapshot().content_hash if body.screen else ""
    return run_exposure_result(
        svc.results,
        safe_name(name),
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


@router.post(
    "/networks/{name}/exposure",
    response_model=Exposure,
    responses=responses(NetworkNotFound, NoActiveSnapshot),
)
def run_exposure(
    name: NameParam, body: ExposureIn, svc: Svc, who: Principal = ANALYST
) -> dict[str, Any]:
    """Compute the exposure of a stored network: its parties screened against the active
    snapshot (plus `names` and what-if `designate`), ownership rules, inbound and outbound
    exposure, de minimis. Stored as the `exposure` result of the same name (with the SVG
    network picture); returns summary and tables."""
    return exposure_for(svc, name, body, who.name)


def resilience_job(svc: Services, name: str, body: ResilienceIn, actor: str) -> str:
    """Start the resilience run of a request body; the job's id."""
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
    return start_resilience(
        svc.jobs,
        svc.results,
        safe_name(name),
        request,
        actor,
        svc.settings.resilience_timeout_seconds,
    )


@router.post(
    "/networks/{name}/resilience",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(NetworkNotFound),
)
def run_resilience(
    name: NameParam, body: ResilienceIn, svc: Svc, who: Principal = ANALYST
) -> JobAccepted:
    """Start a resilience run of a stored network in the background: the sweep (every
    supplier cut off in turn: time-to-survive, time-to-recover, lost margin, survival curves)
    and the stockpile LP with its frontier. Bounded in size and time (settings
    `resilience_max_nodes`, `resilience_timeout_seconds`). Follow the job; the result is
    stored as the `resilience` result of the same name."""
    job_id = resilience_job(svc, name, body, who.name)
    return JobAccepted(job_id=job_id, status="queued", status_url=f"/api/v1/jobs/{job_id}")
