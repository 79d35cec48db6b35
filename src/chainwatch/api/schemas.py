"""Request and response bodies of the API (validated and size-limited by pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_MAX = 1000
RoleName = Literal["viewer", "analyst", "admin"]
Decision = Literal["true_match", "false_positive", "escalated"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScreenRequest(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX, description="Name of the party.")
    country: str = Field(default="", max_length=100, description="ISO code or country name.")
    address: str = Field(default="", max_length=NAME_MAX)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    lists: list[str] = Field(
        default_factory=list, max_length=30, description="Only these list codes (EL, SDN ...)."
    )
    threshold: float = Field(default=0.70, ge=0.0, le=1.0)
    limit: int = Field(default=10, ge=1, le=100)


class Freshness(BaseModel):
    snapshot: str
    last_update: str
    age_hours: float | None
    stale: bool
    warning: str


class ScreenResponse(BaseModel):
    query: dict[str, Any]
    snapshot: str
    algorithm: str
    threshold: float
    stale: bool
    warning: str
    freshness: Freshness
    hits: list[dict[str, Any]]


class CounterpartyIn(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    country: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=NAME_MAX)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    reference: str = Field(default="", max_length=200, description="Your own id of the party.")


class DecisionRequest(Strict):
    status: Decision
    reason: str = Field(min_length=1, max_length=2000)


class UserIn(Strict):
    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")
    password: str = Field(min_length=8, max_length=200)
    role: RoleName


class UserPatch(Strict):
    role: RoleName | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    disabled: bool | None = None


class KeyIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    role: RoleName


class ResultIn(Strict):
    document: dict[str, Any]


class Message(BaseModel):
    message: str


class ErrorBody(BaseModel):
    error: str
