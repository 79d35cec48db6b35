"""API keys (admin): list (never the keys themselves), create, revoke."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chainwatch.api.deps import ADMIN
from chainwatch.api.errors import responses
from chainwatch.api.params import NameParam, Svc
from chainwatch.api.responses import ApiKey, NewApiKey
from chainwatch.api.schemas import KeyIn, Message
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/keys", response_model=list[ApiKey], responses=responses())
def list_keys(svc: Svc, who: Principal = ADMIN) -> list[dict[str, Any]]:
    """API keys (never the keys themselves: only their public ids)."""
    return svc.auth.api_keys()


@router.post(
    "/keys", status_code=201, response_model=NewApiKey, responses=responses(ChainwatchError)
)
def create_key(body: KeyIn, svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    """A new API key; `key` is shown this once and stored only as a hash."""
    return svc.auth.create_key(body.name, body.role, who.name)


@router.delete("/keys/{key_id}", response_model=Message, responses=responses(ChainwatchError))
def revoke_key(key_id: NameParam, svc: Svc, who: Principal = ADMIN) -> Message:
    svc.auth.revoke_key(key_id, who.name)
    svc.key_cache.clear()
    return Message(message=f"key {key_id} revoked")
