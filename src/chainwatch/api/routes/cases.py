"""The case queue (filters, pages, groups, export), a case, decisions (single and bulk,
carrying the version they were made on) and assignment."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from chainwatch.api.deps import ANALYST, VIEWER, Services
from chainwatch.api.errors import responses
from chainwatch.api.params import IdParam, Svc
from chainwatch.api.responses import Assigned, BulkDecision, Case, CaseQueue
from chainwatch.api.schemas import AssignRequest, BulkDecisionRequest, DecisionRequest
from chainwatch.model.errors import ChainwatchError
from chainwatch.store.cases import SORTS, QueueFilter
from chainwatch.text.checks import text_problem
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.cases import (
    STATUSES,
    CaseNotFound,
    SecondReviewerNeeded,
    StaleDecision,
)
from chainwatch.workflows.exports import QUEUE_COLUMNS, table_csv, table_xlsx
from chainwatch.workflows.service import decide_many

router = APIRouter(prefix="/api/v1", tags=["cases"])
EXPORT_MAX_ROWS = 100_000
STATUS_PATTERN = "^(" + "|".join(STATUSES) + ")$"


def queue_filter(
    status: Annotated[str, Query(pattern="^(" + "|".join(STATUSES) + "|all|)$")] = "",
    source: Annotated[str, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")] = "",
    score_min: Annotated[str, Query(max_length=20, description="0 to 1; empty: any")] = "",
    score_max: Annotated[str, Query(max_length=20, description="0 to 1; empty: any")] = "",
    reviewer: Annotated[str, Query(max_length=100, pattern=r"^[A-Za-z0-9_.@:-]*$")] = "",
    date_from: Annotated[str, Query(max_length=10, description="YYYY-MM-DD; empty: any")] = "",
    date_to: Annotated[str, Query(max_length=10, description="YYYY-MM-DD; empty: any")] = "",
    batch: Annotated[str, Query(max_length=40, pattern="^[0-9a-f]*$")] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    counterparty_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "newest",
) -> QueueFilter:
    """The queue's filters from the query string (shared by the API and the pages)."""
    problem = text_problem(q)
    if problem:
        raise HTTPException(422, f"q: {problem}")
    return QueueFilter(
        status="" if status == "all" else status,
        source=source.upper(),
        score_min=_score(score_min, "score_min"),
        score_max=_score(score_max, "score_max"),
        reviewer=reviewer,
        date_from=_day(date_from, "date_from"),
        date_to=_day(date_to, "date_to"),
        batch=batch,
        search=q.strip(),
        counterparty_id=counterparty_id,
        sort=sort,
    )


def _score(text: str, field: str) -> float | None:
    """A score bound from a form field ('' is no bound)."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise HTTPException(422, f"{field}: a number from 0 to 1, not {text[:20]!r}") from None
    if not 0.0 <= value <= 1.0:
        raise HTTPException(422, f"{field}: a number from 0 to 1, not {text[:20]!r}")
    return value


def _day(text: str, field: str) -> str:
    if not text.strip():
        return ""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise HTTPException(422, f"{field}: a date as YYYY-MM-DD, not {text[:20]!r}") from None


Filters = Annotated[QueueFilter, Depends(queue_filter)]


# -- the queue ---------------------------------------------------------------------------------


@router.get("/cases", response_model=CaseQueue, responses=responses(ChainwatchError))
def list_cases(
    svc: Svc,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    group: Annotated[Literal["", "counterparty"], Query()] = "",
    who: Principal = VIEWER,
) -> dict[str, Any]:
    """The case queue, filtered and sorted, one page at a time: `total` matching, `offset`,
    the page's `cases` (or with `group=counterparty` one row per counterparty), and the
    counts per status of the whole store."""
    if group:
        total, groups = svc.cases.queue_groups(filters, limit, offset)
        return {
            "counts": svc.cases.counts(),
            "total": total,
            "offset": offset,
            "groups": [g.as_dict() for g in groups],
        }
    total, rows = svc.cases.queue(filters, limit, offset)
    return {
        "counts": svc.cases.counts(),
        "total": total,
        "offset": offset,
        "cases": [r.as_dict() for r in rows],
    }


def export_response(svc: Services, filters: QueueFilter, fmt: str) -> Response:
    total, rows = svc.cases.queue(filters, EXPORT_MAX_ROWS, 0)
    if total > EXPORT_MAX_ROWS:
        raise HTTPException(413, f"{total} cases match; narrow the filter to {EXPORT_MAX_ROWS}")
    dicts = [r.as_dict() for r in rows]
    stamp = date.today().isoformat()
    if fmt == "xlsx":
        return Response(
            table_xlsx(QUEUE_COLUMNS, dicts),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.xlsx"'},
        )
    return Response(
        table_csv(QUEUE_COLUMNS, dicts),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'},
    )


@router.get("/cases/export", responses=responses(ChainwatchError))
def export_cases(
    svc: Svc,
    filters: Filters,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    who: Principal = VIEWER,
) -> Response:
    """The filtered queue as a file (CSV or XLSX), at most 100 000 cases."""
    return export_response(svc, filters, format)


@router.get("/cases/{case_id}", response_model=Case, responses=responses(CaseNotFound))
def get_case(case_id: IdParam, svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """A case: the explained hit, the list entry, what changed, its history and `version`
    (send it back with a decision)."""
    return svc.cases.case(case_id)


@router.post(
    "/cases/{case_id}/decision",
    response_model=Case,
    responses=responses(CaseNotFound, StaleDecision, SecondReviewerNeeded, ChainwatchError),
)
def decide_case(
    case_id: IdParam,
    body: DecisionRequest,
    svc: Svc,
    who: Principal = ANALYST,
) -> dict[str, Any]:
    """Decide a case: true_match, false_positive or escalated, with a reason and the
    `version` it was made on (audited in the same transaction). A case that changed since
    answers 409 with its current state. With `four_eyes_true_match`, clearing a true match is
    a request until a second analyst confirms it."""
    return svc.cases.decide(
        case_id,
        body.status,
        body.reason,
        who.name,
        body.version,
        four_eyes=svc.settings.four_eyes_true_match,
    )


@router.post("/cases/decisions", response_model=BulkDecision, responses=responses())
def decide_cases(body: BulkDecisionRequest, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """One decision and one reason for many cases ({case id: version seen}); each is its own
    audited decision. Cases that changed since are refused and listed in `refused`."""
    return decide_many(
        svc.cases,
        body.status,
        body.reason,
        body.cases,
        who.name,
        svc.settings.four_eyes_true_match,
    )


@router.post("/cases/assign", response_model=Assigned, responses=responses())
def assign_cases(body: AssignRequest, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """Assign cases to a reviewer (empty: unassign); audited."""
    if body.assignee:
        known = {u["username"] for u in svc.auth.users()}
        if body.assignee not in known:
            raise HTTPException(422, f"no user {body.assignee!r}")
    return {"assigned": svc.cases.assign(body.cases, body.assignee, who.name)}
