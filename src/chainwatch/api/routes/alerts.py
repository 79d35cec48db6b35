"""Alerts: failures someone must look at (a failed refresh), until acknowledged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chainwatch.api.deps import ADMIN, VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.params import IdParam, Svc
from chainwatch.api.responses import Alert
from chainwatch.api.schemas import Message
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["monitoring"])


@router.get("/alerts", response_model=list[Alert], responses=responses())
def list_alerts(
    svc: Svc, include_acknowledged: bool = False, who: Principal = VIEWER
) -> list[dict[str, Any]]:
    """Open alerts (failed refreshes ...), newest first."""
    return svc.notices.alerts(include_acknowledged)


@router.post("/alerts/{alert_id}/ack", response_model=Message, responses=responses(ChainwatchError))
def ack_alert(alert_id: IdParam, svc: Svc, who: Principal = ADMIN) -> Message:
    """Acknowledge an alert (audited)."""
    svc.notices.acknowledge(alert_id, who.name)
    return Message(message=f"alert {alert_id} acknowledged")
