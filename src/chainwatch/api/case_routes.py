"""The JSON API of counterparties and cases: the work queue (filters, pages, groups,
export), a case, decisions (single and bulk, carrying the version they were made on) and
assignment."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from chainwatch.api.deps import ANALYST, VIEWER, Services, services
from chainwatch.api.schemas import (
    AssignRequest,
    BulkDecisionRequest,
    CounterpartyIn,
    DecisionRequest,
    ErrorBody,
)
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query as ScreenQuery
from chainwatch.store.cases import SORTS, QueueFilter
from chainwatch.text.checks import text_problem
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.cases import (
    HIT_LIMIT,
    STATUSES,
    SecondReviewerNeeded,
    StaleDecision,
)
from chainwatch.workflows.exports import QUEUE_COLUMNS, table_csv, table_xlsx
from chainwatch.workflows.screening import match_to_dict

router = APIRouter(prefix="/api/v1")
Svc = Annotated[Services, Depends(services)]
IdParam = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
EXPORT_MAX_ROWS = 100_000
STATUS_PATTERN = "^(" + "|".join(STATUSES) + ")$"
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such case"},
    409: {"description": "the case changed since the version given (body: error, current)"},
}


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


# -- counterparties ----------------------------------------------------------------------------


@router.get("/counterparties", tags=["cases"])
def list_counterparties(
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    who: Principal = VIEWER,
) -> list[dict[str, Any]]:
    """Stored counterparties, in the order they were added."""
    return svc.cases.counterparties(limit, offset)


def add_one_counterparty(
    svc: Services, query: ScreenQuery, origin: str, reference: str, who: Principal
) -> dict[str, Any]:
    """Store (or find: one counterparty per identity) a party, screen it, open cases."""
    matches, fresh = svc.live.screen(query, threshold=svc.settings.threshold, limit=HIT_LIMIT)
    [counterparty_id] = svc.cases.add_counterparties([query], origin, [reference])
    opened = svc.cases.record_hits(counterparty_id, matches, svc.live.entries(), who.name)
    svc.audit.append(
        who.name,
        "counterparty.added",
        f"counterparty:{counterparty_id}",
        {
            "name": query.name,
            "country": query.country,
            "snapshot": fresh.snapshot,
            "hits": len(matches),
            "cases_opened": opened,
        },
    )
    return {
        "counterparty_id": counterparty_id,
        "cases_opened": opened,
        "hits": [match_to_dict(m) for m in matches],
        "stale": fresh.stale,
        "warning": fresh.warning,
    }


@router.post("/counterparties", status_code=201, tags=["cases"])
def add_counterparty(body: CounterpartyIn, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """Store one counterparty (the same identity twice is stored once), screen it now and
    open cases for its new hits (audited)."""
    query = ScreenQuery(
        name=body.name,
        country=body.country,
        address=body.address,
        identifiers=tuple(body.identifiers),
    )
    return add_one_counterparty(svc, query, f"api by {who.name}", body.reference, who)


# -- the queue ---------------------------------------------------------------------------------


@router.get("/cases", tags=["cases"])
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


@router.get("/cases/export", tags=["cases"])
def export_cases(
    svc: Svc,
    filters: Filters,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    who: Principal = VIEWER,
) -> Response:
    """The filtered queue as a file (CSV or XLSX), at most 100 000 cases."""
    return export_response(svc, filters, format)


@router.get("/cases/{case_id}", tags=["cases"], responses=ERRORS)
def get_case(case_id: IdParam, svc: Svc, who: Principal = VIEWER) -> dict[str, Any]:
    """A case: the explained hit, the list entry, what changed, its history and `version`
    (send it back with a decision)."""
    return svc.cases.case(case_id)


@router.post("/cases/{case_id}/decision", tags=["cases"], responses=ERRORS)
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


def bulk_decide(
    svc: Services, status: str, reason: str, seen: dict[int, int], actor: str
) -> dict[str, Any]:
    decided: list[int] = []
    refused: dict[int, str] = {}
    for case_id, version in sorted(seen.items()):
        try:
            svc.cases.decide(
                case_id,
                status,
                reason,
                actor,
                version,
                four_eyes=svc.settings.four_eyes_true_match,
            )
            decided.append(case_id)
        except (StaleDecision, SecondReviewerNeeded) as exc:
            refused[case_id] = str(exc)
        except ChainwatchError as exc:
            refused[case_id] = str(exc)
    return {"decided": decided, "refused": refused}


@router.post("/cases/decisions", tags=["cases"])
def decide_cases(body: BulkDecisionRequest, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """One decision and one reason for many cases ({case id: version seen}); each is its own
    audited decision. Cases that changed since are refused and listed in `refused`."""
    return bulk_decide(svc, body.status, body.reason, body.cases, who.name)


@router.post("/cases/assign", tags=["cases"])
def assign_cases(body: AssignRequest, svc: Svc, who: Principal = ANALYST) -> dict[str, Any]:
    """Assign cases to a reviewer (empty: unassign); audited."""
    if body.assignee:
        known = {u["username"] for u in svc.auth.users()}
        if body.assignee not in known:
            raise HTTPException(422, f"no user {body.assignee!r}")
    return {"assigned": svc.cases.assign(body.cases, body.assignee, who.name)}
