"""Notifications: what the monitor reported (refreshes, new cases)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from chainwatch.api.deps import VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import Svc
from chainwatch.api.responses import Notification
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["monitoring"])


@router.get("/notifications", response_model=list[Notification], responses=responses())
def list_notifications(
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    who: Principal = VIEWER,
) -> list[dict[str, Any]]:
    """What the monitor reported (refreshes, new cases), newest first."""
    return svc.notices.notifications(limit)
