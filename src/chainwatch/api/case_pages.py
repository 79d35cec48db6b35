"""The analyst's pages: the work queue, the case (side by side, explained, history, then the
decision) and the decisions made from them."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainwatch.api.deps import ANALYST, VIEWER, Services, services
from chainwatch.api.pages import render, safe_next
from chainwatch.api.routes.cases import Filters
from chainwatch.model.screening import Query as ScreenQuery
from chainwatch.store.cases import SORTS, QueueFilter
from chainwatch.text.checks import text_problem
from chainwatch.workflows.auth import Principal
from chainwatch.workflows.case_view import side_by_side
from chainwatch.workflows.cases import STATUSES, SecondReviewerNeeded, StaleDecision
from chainwatch.workflows.service import add_counterparty, decide_many

router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services)]
CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
PER_PAGE = (25, 50, 100, 200)


def filter_query(filters: QueueFilter, **extra: Any) -> str:
    """The query string that reproduces `filters` (for links, pages, exports, next case)."""
    values: dict[str, Any] = {
        "status": filters.status or "all",
        "source": filters.source,
        "score_min": "" if filters.score_min is None else filters.score_min,
        "score_max": "" if filters.score_max is None else filters.score_max,
        "reviewer": filters.reviewer,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "batch": filters.batch,
        "q": filters.search,
        "counterparty_id": filters.counterparty_id or "",
        "sort": "" if filters.sort == "newest" else filters.sort,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def form_error(
    request: Request, svc: Services, who: Principal | None, message: str, status: int = 400
) -> HTMLResponse:
    """A form's error as a page (never a raw JSON body in the browser)."""
    referer = urlsplit(request.headers.get("referer", ""))
    back = ""
    if referer.netloc == request.url.netloc and referer.path:
        back = safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    response = render(request, "error.html", svc, who, message=message, back=back)
    response.status_code = status
    return response


@router.post("/counterparties")
def monitor_party(
    request: Request,
    svc: Svc,
    name: Annotated[str, Form(min_length=1, max_length=1000)],
    country: Annotated[str, Form(max_length=100)] = "",
    who: Principal = ANALYST,
) -> Response:
    """Keep a searched party under monitoring: store it (once), open cases for its hits."""
    problem = text_problem(name) or text_problem(country)
    if problem:
        return form_error(request, svc, who, f"name or country: {problem}", 422)
    query = ScreenQuery(name=name.strip(), country=country.strip())
    result = add_counterparty(
        svc.live,
        svc.cases,
        svc.audit,
        query,
        f"dashboard by {who.name}",
        "",
        who.name,
        svc.settings.threshold,
    )
    return RedirectResponse(
        f"/cases?counterparty_id={result['counterparty_id']}&status=all", status_code=303
    )


@router.get("/cases", response_class=HTMLResponse)
def case_queue(
    request: Request,
    svc: Svc,
    filters: Filters,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=10, le=200)] = 50,
    group: Annotated[str, Query(pattern="^(|counterparty)$")] = "",
    who: Principal = VIEWER,
) -> HTMLResponse:
    """The work queue: filters, sort, search, pages "n of N", grouping by counterparty,
    bulk decisions and assignment, export of what is shown."""
    if "status" not in request.query_params:
        filters = QueueFilter(**{**_kwargs(filters), "status": "open"})
    offset = (page - 1) * per_page
    rows: list[Any] = []
    groups: list[Any] = []
    if group:
        total, groups = svc.cases.queue_groups(filters, per_page, offset)
    else:
        total, rows = svc.cases.queue(filters, per_page, offset)
    pages = max(1, math.ceil(total / per_page))
    return render(
        request,
        "cases.html",
        svc,
        who,
        filters=filters,
        statuses=STATUSES,
        sorts=list(SORTS),
        cases=rows,
        groups=groups,
        group=group,
        counts=svc.cases.counts(),
        sources=svc.cases.sources(),
        users=[u["username"] for u in svc.auth.users()] if who.role.name != "viewer" else [],
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        per_page_options=PER_PAGE,
        first=offset + 1 if total else 0,
        last=min(offset + per_page, total),
        query=filter_query(filters),
        query_with=lambda **extra: filter_query(filters, **extra),
    )


def _kwargs(filters: QueueFilter) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, svc: Svc, case_id: CaseId, filters: Filters, who: Principal = VIEWER
) -> HTMLResponse:
    case = svc.cases.case(case_id)
    return render(
        request,
        "case.html",
        svc,
        who,
        case=case,
        rows=side_by_side(case),
        back=filter_query(filters),
        stale=None,
    )


@router.post("/cases/{case_id}/decide")
def decide(
    request: Request,
    svc: Svc,
    case_id: CaseId,
    status: Annotated[str, Form(pattern="^(true_match|false_positive|escalated)$")],
    reason: Annotated[str, Form(max_length=2000)],
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    back: Annotated[str, Form(max_length=2000)] = "",
    who: Principal = ANALYST,
) -> Response:
    """Decide, then go to the next open case of the same queue (or back to the queue)."""
    if not reason.strip():
        return _case_again(request, svc, who, case_id, back, "a decision needs a reason", 422)
    try:
        svc.cases.decide(
            case_id,
            status,
            reason,
            who.name,
            version,
            four_eyes=svc.settings.four_eyes_true_match,
        )
    except StaleDecision as exc:
        return _case_again(request, svc, who, case_id, back, str(exc), 409, exc.current, reason)
    except SecondReviewerNeeded as exc:
        return _case_again(request, svc, who, case_id, back, str(exc), 409)
    filters = _filters_from(back)
    following = svc.cases.next_case(filters, case_id)
    if following is None:
        return RedirectResponse(f"/cases?{back}" if back else "/cases", status_code=303)
    return RedirectResponse(f"/cases/{following}?{back}", status_code=303)


def _filters_from(back: str) -> QueueFilter:
    from urllib.parse import parse_qsl

    from chainwatch.api.routes.cases import queue_filter

    values = dict(parse_qsl(back))
    try:
        return queue_filter(
            status=values.get("status", "")
            if values.get("status", "") in (*STATUSES, "all")
            else "",
            source=values.get("source", "")[:40],
            reviewer=values.get("reviewer", "")[:100],
            batch="".join(c for c in values.get("batch", "") if c in "0123456789abcdef")[:40],
            q=values.get("q", "")[:200],
            score_min=values.get("score_min", "")[:20],
            score_max=values.get("score_max", "")[:20],
            date_from=values.get("date_from", "")[:10],
            date_to=values.get("date_to", "")[:10],
            counterparty_id=int(values["counterparty_id"])
            if values.get("counterparty_id", "").isdigit()
            else None,
            sort=values.get("sort", "newest") if values.get("sort") in SORTS else "newest",
        )
    except Exception:
        return QueueFilter()


def _case_again(
    request: Request,
    svc: Services,
    who: Principal,
    case_id: int,
    back: str,
    message: str,
    status: int,
    current: dict[str, Any] | None = None,
    reason: str = "",
) -> HTMLResponse:
    """The case page again, with what went wrong (and, when stale, what changed)."""
    case = svc.cases.case(case_id)
    response = render(
        request,
        "case.html",
        svc,
        who,
        case=case,
        rows=side_by_side(case),
        back=back,
        stale={"message": message, "current": current or {}, "reason": reason},
    )
    response.status_code = status
    return response


@router.post("/cases/bulk")
async def bulk(request: Request, svc: Svc, who: Principal = ANALYST) -> Response:
    """Decide or assign the checked cases of the queue (one reason for all)."""
    form = await request.form()
    back = str(form.get("back", ""))[:2000]
    seen: dict[int, int] = {}
    for value in form.getlist("case"):
        case_id, _, version = str(value).partition(":")
        if case_id.isdigit() and version.isdigit():
            seen[int(case_id)] = int(version)
    if not seen:
        return form_error(request, svc, who, "no case was selected", 422)
    action = str(form.get("action", ""))
    if action == "assign":
        assignee = str(form.get("assignee", ""))[:100]
        if assignee and assignee not in {u["username"] for u in svc.auth.users()}:
            return form_error(request, svc, who, f"no user {assignee!r}", 422)
        svc.cases.assign(list(seen), assignee, who.name)
        return RedirectResponse(f"/cases?{back}", status_code=303)
    status = str(form.get("status", ""))
    reason = str(form.get("reason", "")).strip()
    if status not in ("true_match", "false_positive", "escalated"):
        return form_error(request, svc, who, "choose a decision for the selected cases", 422)
    if not reason or len(reason) > 2000 or text_problem(reason):
        return form_error(
            request, svc, who, "a bulk decision needs one reason (at most 2000 characters)", 422
        )
    result = decide_many(
        svc.cases, status, reason, seen, who.name, svc.settings.four_eyes_true_match
    )
    if result["refused"]:
        lines = "; ".join(f"case {k}: {v}" for k, v in sorted(result["refused"].items())[:20])
        return form_error(
            request,
            svc,
            who,
            f"{len(result['decided'])} decided; {len(result['refused'])} refused: {lines}",
            409,
        )
    return RedirectResponse(f"/cases?{back}", status_code=303)
