"""Counterparties the team screens continuously: list them, add one (screened at once)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from chainwatch.api.deps import ANALYST, VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import Svc
from chainwatch.api.responses import Counterparty, CounterpartyAdded
from chainwatch.api.schemas import CounterpartyIn
from chainwatch.model.screening import Query as ScreenQuery
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.live import NoActiveSnapshot
from chainwatch.workflows.service import add_counterparty as add_and_screen

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.get("/counterparties", response_model=list[Counterparty], responses=responses())
def list_counterparties(
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    who: Principal = VIEWER,
) -> list[dict[str, Any]]:
    """Stored counterparties, in the order they were added."""
    return svc.cases.counterparties(limit, offset)


@router.post(
    "/counterparties",
    status_code=201,
    response_model=CounterpartyAdded,
    responses=responses(NoActiveSnapshot),
)
def add_counterparty(body: CounterpartyIn, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """Store one counterparty (the same identity twice is stored once), screen it now and
    open cases for its new hits (audited)."""
    query = ScreenQuery(
        name=body.name,
        country=body.country,
        address=body.address,
        identifiers=tuple(body.identifiers),
    )
    return add_and_screen(
        svc.live,
        svc.cases,
        svc.audit,
        query,
        f"api by {who.name}",
        body.reference,
        who.name,
        svc.settings.threshold,
    )
