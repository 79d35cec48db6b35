"""Users (admin): list, create, change (role, password, disabled), delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from chainwatch.api.deps import ADMIN
from chainwatch.api.errors import responses
from chainwatch.api.params import NameParam, Svc
from chainwatch.api.responses import User
from chainwatch.api.schemas import Message, UserIn, UserPatch
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/users", response_model=list[User], responses=responses())
def list_users(svc: Svc, who: Principal = ADMIN) -> list[dict[str, Any]]:
    return svc.auth.users()


@router.post("/users", status_code=201, response_model=User, responses=responses(ChainwatchError))
def create_user(body: UserIn, svc: Svc, who: Principal = ADMIN) -> dict[str, Any]:
    return svc.auth.create_user(body.username, body.password, body.role, who.name)


@router.patch("/users/{username}", response_model=User, responses=responses(ChainwatchError))
def update_user(
    username: NameParam, body: UserPatch, svc: Svc, who: Principal = ADMIN
) -> dict[str, Any]:
    return svc.auth.update_user(
        username, who.name, role=body.role, password=body.password, disabled=body.disabled
    )


@router.delete("/users/{username}", response_model=Message, responses=responses(ChainwatchError))
def delete_user(username: NameParam, svc: Svc, who: Principal = ADMIN) -> Message:
    svc.auth.delete_user(username, who.name)
    return Message(message=f"user {username} deleted")
