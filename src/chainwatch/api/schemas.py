"""Request and response bodies of the API (validated and size-limited by pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.text.checks import find_bad_text

NAME_MAX = 1000
RoleName = Literal["viewer", "analyst", "admin"]
Decision = Literal["true_match", "false_positive", "escalated"]


class Strict(BaseModel):
    """Request bodies: unknown fields refused, and text with NUL bytes, control characters or
    unpaired surrogates refused (422) before it reaches the store."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        problem = find_bad_text(data)
        if problem:
            raise ValueError(problem)
        return data


class ScreenRequest(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX, description="Name of the party.")
    country: str = Field(default="", max_length=100, description="ISO code or country name.")
    address: str = Field(default="", max_length=NAME_MAX)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    lists: list[str] = Field(
        default_factory=list, max_length=30, description="Only these list codes (EL, SDN ...)."
    )
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    limit: int = Field(default=10, ge=1, le=100)


class Freshness(BaseModel):
    snapshot: str
    last_update: str
    age_hours: float | None
    stale: bool
    warning: str


class FeatureScore(BaseModel):
    """One feature of a hit's score: its value in [0, 1] (-1: contradicting evidence), its
    contribution to the score and the evidence a reviewer can check."""

    value: float
    contribution: float
    evidence: str


class Hit(BaseModel):
    """A list entry matched by a query (`chainwatch.workflows.screening.match_to_dict`)."""

    entry_id: str = Field(description="Unique in the snapshot, prefixed by the list: SDN:10380.")
    listed_name: str
    matched_name: str = Field(description="The listed name or alias that matched best.")
    score: float = Field(ge=0.0, le=1.0)
    source: str = Field(description="List code: EL, SDN, DPL, UN ...")
    programs: list[str]
    country: list[str] = Field(description="ISO 3166-1 alpha-2 codes of the entry.")
    entity_type: str
    explanation: dict[str, FeatureScore] = Field(description="Feature name -> its part.")
    algorithm: str
    snapshot: str = Field(description="Content hash of the snapshot screened against.")


class ScreenResponse(BaseModel):
    query: dict[str, Any]
    snapshot: str
    algorithm: str
    threshold: float
    stale: bool
    warning: str
    freshness: Freshness
    hits: list[Hit]


class BatchRow(BaseModel):
    """One row of a batch result file: one per hit, or one with empty hit fields for a
    counterparty without a hit (`chainwatch.workflows.batch.result_rows`, typed)."""

    row: int = Field(description="Row of the input file (the header is row 1).")
    query: str
    rank: int | None
    score: float | None
    entry_id: str
    listed_name: str
    matched_name: str
    source: str
    programs: list[str]
    country: list[str]
    snapshot: str
    algorithm: str
    explanation: dict[str, FeatureScore]


class CounterpartyIn(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    country: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=NAME_MAX)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    reference: str = Field(default="", max_length=200, description="Your own id of the party.")


CaseId = Annotated[int, Field(ge=1, le=2**31 - 1)]
CaseVersion = Annotated[int, Field(ge=1, le=2**31 - 1)]


class DecisionRequest(Strict):
    status: Decision
    reason: str = Field(min_length=1, max_length=2000)
    version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The case's `version` the decision was made on (from GET /cases/{id}); "
        "a case that changed since answers 409 with its current state.",
    )


class BulkDecisionRequest(Strict):
    status: Decision
    reason: str = Field(min_length=1, max_length=2000)
    cases: dict[CaseId, CaseVersion] = Field(
        min_length=1, max_length=1000, description="{case id: version it was seen at}"
    )


class AssignRequest(Strict):
    cases: list[CaseId] = Field(min_length=1, max_length=1000)
    assignee: str = Field(default="", pattern=r"^[A-Za-z0-9_.@-]{0,100}$")


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


class DesignatedName(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    lists: list[str] = Field(default_factory=list, max_length=10)


class ExposureIn(Strict):
    """What to designate: screening hits of the network's parties against the active lists
    (`screen`), names as listed, and parties by id (what-if)."""

    screen: bool = Field(default=True, description="Screen every party of the network.")
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    names: list[DesignatedName] = Field(default_factory=list, max_length=1000)
    designate: list[str] = Field(
        default_factory=list, max_length=200, description="Party ids designated by hand."
    )
    lists: list[str] = Field(default_factory=lambda: ["EL", "SDN"], min_length=1, max_length=10)
    as_of: date | None = None
    cut_lists: list[str] | None = Field(default=None, max_length=10)


class ResilienceIn(Strict):
    """Sweep (every supplier cut off in turn) and stockpile (two-stage LP) settings; bounded
    so that a run stays small."""

    probability: float = Field(default=0.02, gt=0.0, le=1.0)
    scenarios: int = Field(default=50, ge=1, le=500)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    frontier_points: int = Field(default=6, ge=2, le=12)
    top: int = Field(default=20, ge=1, le=50)
    budget: float | None = Field(default=None, ge=0.0)
    overrides: dict[str, str] = Field(default_factory=dict, max_length=30)


class Message(BaseModel):
    message: str


class ErrorBody(BaseModel):
    error: str
