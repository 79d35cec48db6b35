"""Who am I: the caller's name, role and how they authenticated."""

from __future__ import annotations

from fastapi import APIRouter

from chainwatch.api.deps import VIEWER
from chainwatch.api.errors import responses
from chainwatch.api.responses import Me
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.get("/me", response_model=Me, responses=responses())
def me(who: Principal = VIEWER) -> Me:
    """The caller's name, role and how they authenticated."""
    return Me(name=who.name, role=who.role.name, via=who.via)
