"""Stored results of the analyses (network, exposure, resilience)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chainwatch.api.deps import ADMIN, VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import KindParam, NameParam, Svc, safe_name
from chainwatch.api.responses import ResultDocument, ResultInfo
from chainwatch.api.schemas import Message, ResultIn
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.service import NotFound

router = APIRouter(prefix="/api/v1", tags=["results"])


@router.get("/results/{kind}", response_model=list[ResultInfo], responses=responses())
def list_results(kind: KindParam, svc: Svc, who: Principal = VIEWER) -> list[dict[str, Any]]:
    """Stored results of one kind (network, exposure, resilience), newest first."""
    return svc.results.results(kind)


@router.get(
    "/results/{kind}/{name}",
    response_model=ResultDocument,
    responses=responses(ChainwatchError, NotFound),
)
def get_result(
    kind: KindParam, name: NameParam, svc: Svc, who: Principal = VIEWER
) -> dict[str, Any]:
    """One result document."""
    found = svc.results.result(kind, safe_name(name))
    if found is None:
        raise NotFound(f"no {kind} result {name!r}")
    return found


@router.put("/results/{kind}/{name}", response_model=Message, responses=responses(ChainwatchError))
def put_result(
    kind: KindParam,
    name: NameParam,
    body: ResultIn,
    svc: Svc,
    who: Principal = ADMIN,
) -> Message:
    """Store a result document (what the network and resilience workflows produce)."""
    if kind == "network":
        raise ChainwatchError("networks are stored by uploading them: POST /api/v1/networks")
    svc.results.put_result(kind, safe_name(name), body.document, who.name)
    return Message(message=f"{kind} result {name} stored")
