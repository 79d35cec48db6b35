"""The dashboard: server-rendered pages (templates in chainwatch/web/templates).

Pages use the browser session; every form carries the session's CSRF token. Pages that read
need a viewer, deciding needs an analyst, as in the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chainwatch.api.deps import (
    ANALYST,
    VIEWER,
    Services,
    check_csrf,
    client_address,
    csrf_token,
    services,
)
from chainwatch.api.params import safe_name
from chainwatch.api.routes.networks import exposure_for, resilience_job
from chainwatch.api.routes.screening import screen_party
from chainwatch.api.schemas import ExposureIn, ResilienceIn, ScreenRequest
from chainwatch.api.uploads import read_network_upload
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.auth import AuthError, Principal, TooManyAttempts
from chainwatch.workflows.exports import (
    column_label,
    plain_cell,
    readable_number,
    table_csv,
    tables_xlsx,
)
from chainwatch.workflows.lists import diff_snapshots
from chainwatch.workflows.live import NoActiveSnapshot
from chainwatch.workflows.results import store_network
from chainwatch.workflows.service import status_payload

WEB = Path(__file__).resolve().parents[1] / "web"
templates = Jinja2Templates(directory=str(WEB / "templates"))
templates.env.filters["pretty"] = lambda value: json.dumps(
    value, indent=2, ensure_ascii=False, default=str
)
templates.env.filters["num"] = readable_number
templates.env.filters["label"] = column_label
templates.env.filters["when"] = lambda value: (
    str(value)[:16].replace("T", " ") + " UTC" if value and len(str(value)) >= 16 else value
)
router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services)]


def render(
    request: Request, name: str, svc: Services, who: Principal | None, **context: Any
) -> HTMLResponse:
    freshness = None
    if who is not None:
        try:
            freshness = svc.live.freshness()
        except NoActiveSnapshot:
            freshness = None
    base = {
        "who": who,
        "csrf": csrf_token(request),
        "freshness": freshness,
        "alerts": svc.notices.alerts() if who is not None else [],
    }
    return templates.TemplateResponse(request, name, {**base, **context})


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    svc: Svc,
    error: Annotated[str, Query(max_length=200)] = "",
    next_url: Annotated[str, Query(alias="next", max_length=2000)] = "/",
) -> HTMLResponse:
    return render(request, "login.html", svc, None, error=error[:200], next=safe_next(next_url))


@router.post("/login")
async def login(
    request: Request,
    svc: Svc,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    await check_csrf(request)
    try:
        who = svc.auth.login(
            username,
            password,
            client_address(request, svc.settings.proxies),
            max_failures=svc.settings.login_max_failures,
            window_seconds=svc.settings.login_window_seconds,
            max_failures_per_address=svc.settings.login_max_failures_per_address,
        )
    except TooManyAttempts as exc:
        return JSONResponse(
            {"error": str(exc)},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    except AuthError:
        return render(
            request,
            "login.html",
            svc,
            None,
            error="wrong username or password",
            next=safe_next(next_url),
        )
    old = request.session.get("sid")
    if isinstance(old, str):
        svc.auth.end_session(old)
    request.session.clear()
    request.session["user"] = who.name
    request.session["sid"] = svc.auth.start_session(who.name, svc.settings.session_hours)
    csrf_token(request)
    return RedirectResponse(safe_next(next_url), status_code=303)


def safe_next(target: str) -> str:
    """A local path to return to after login (never another site: no scheme, no //host)."""
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or "\\" in target
        or target.startswith(("/login", "/logout"))
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target[:2000]


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, svc: Svc, who: Principal = VIEWER) -> HTMLResponse:
    return render(request, "account.html", svc, who, error="")


@router.post("/account/password")
def change_password(
    request: Request,
    svc: Svc,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    who: Principal = VIEWER,
) -> Response:
    """A user's own password change: every session of the user ends, this one included."""
    if who.via != "session":
        raise HTTPException(400, "change a password from the browser session")
    try:
        svc.auth.change_own_password(who.name, current, new)
    except ChainwatchError as exc:
        response = render(request, "account.html", svc, who, error=str(exc))
        response.status_code = 400
        return response
    request.session.clear()
    return RedirectResponse("/login?error=password+changed%3A+log+in+again", status_code=303)


@router.post("/logout")
async def logout(request: Request, svc: Svc) -> Response:
    await check_csrf(request)
    token = request.session.get("sid")
    user = request.session.get("user")
    if isinstance(token, str):
        svc.auth.end_session(token, user if isinstance(user, str) else "")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    svc: Svc,
    q: Annotated[str, Query(max_length=1000)] = "",
    country: Annotated[str, Query(max_length=100)] = "",
    who: Principal = VIEWER,
) -> HTMLResponse:
    """Search box with explained hits, the case counts, news from the monitor."""
    result = None
    error = ""
    if q.strip():
        try:
            result = screen_party(
                svc, ScreenRequest(name=q.strip()[:1000], country=country.strip()[:100])
            )
            svc.audit.append(
                who.name,
                "screen.search",
                q.strip()[:300],
                {
                    "name": q.strip()[:1000],
                    "country": country.strip()[:100],
                    "snapshot": result["snapshot"],
                    "hits": [h["entry_id"] for h in result["hits"]],
                },
            )
        except (ChainwatchError, ValueError) as exc:
            error = str(exc)
    return render(
        request,
        "index.html",
        svc,
        who,
        q=q,
        country=country,
        result=result,
        error=error,
        counts=svc.cases.counts(),
        notifications=svc.notices.notifications(8),
    )


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, svc: Svc, who: Principal = VIEWER) -> HTMLResponse:
    """List status, and the diff between the previous snapshot and the active one."""
    status = status_payload(svc.store, svc.live)
    snapshots = svc.store.snapshots()
    diff = None
    active = status["active"]
    if active is not None:
        older = [s for s in snapshots if s.id < active["id"]]
        if older:
            diff = diff_snapshots(svc.store, str(older[-1].id), str(active["id"])).as_dict(200)
    return render(request, "lists.html", svc, who, status=status, snapshots=snapshots, diff=diff)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, svc: Svc, who: Principal = ANALYST) -> HTMLResponse:
    return render(request, "audit.html", svc, who, records=svc.audit.records(0, 200, True))


@router.get("/networks", response_class=HTMLResponse)
def networks_page(
    request: Request, svc: Svc, error: str = "", who: Principal = VIEWER
) -> HTMLResponse:
    """Stored networks; analysts upload networks and run exposure and resilience here."""
    networks = []
    for item in svc.results.results("network"):
        found = svc.results.result("network", item["name"])
        summary = found["document"].get("summary", {}) if found else {}
        networks.append({**item, "summary": summary})
    return render(request, "networks.html", svc, who, networks=networks, error=error[:2000])


@router.post("/networks")
def network_upload(
    request: Request,
    svc: Svc,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    who: Principal = ANALYST,
) -> Response:
    try:
        data = read_network_upload(svc, file)
        store_network(
            svc.results, safe_name(name.strip()), data, file.filename or "network.zip", who.name
        )
    except (HTTPException, ChainwatchError) as exc:
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return networks_page(request, svc, str(message), who)
    return RedirectResponse("/networks", status_code=303)


@router.post("/networks/{name}/exposure")
def network_exposure(
    svc: Svc,
    name: Annotated[str, PathParam(max_length=100)],
    designate: Annotated[str, Form(max_length=2000)] = "",
    screen: Annotated[str, Form(max_length=10)] = "",
    who: Principal = ANALYST,
) -> Response:
    body = ExposureIn(
        screen=bool(screen),
        designate=[p.strip() for p in designate.split(",") if p.strip()][:200],
    )
    exposure_for(svc, name, body, who.name)
    return RedirectResponse(f"/exposure?name={safe_name(name)}", status_code=303)


@router.post("/networks/{name}/resilience")
def network_resilience(
    svc: Svc,
    name: Annotated[str, PathParam(max_length=100)],
    probability: Annotated[float, Form(gt=0.0, le=1.0)] = 0.02,
    scenarios: Annotated[int, Form(ge=1, le=500)] = 50,
    who: Principal = ANALYST,
) -> Response:
    body = ResilienceIn(probability=probability, scenarios=scenarios)
    job_id = resilience_job(svc, name, body, who.name)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/exposure", response_class=HTMLResponse)
def exposure_page(
    request: Request,
    svc: Svc,
    name: Annotated[str, Query(max_length=100)] = "",
    who: Principal = VIEWER,
) -> HTMLResponse:
    """The exposure of a network: its picture, summary and tables."""
    return _results_page(request, svc, who, "exposure", "Exposure", name)


@router.get("/resilience", response_class=HTMLResponse)
def resilience_page(
    request: Request,
    svc: Svc,
    name: Annotated[str, Query(max_length=100)] = "",
    who: Principal = VIEWER,
) -> HTMLResponse:
    """Survival curves, the stockpile frontier and the sweep and stockpile tables."""
    return _results_page(request, svc, who, "resilience", "Resilience", name)


def _results_page(
    request: Request, svc: Services, who: Principal, kind: str, title: str, name: str
) -> HTMLResponse:
    """One stored result (the named one, else the newest): its images, figures and tables."""
    listed = svc.results.results(kind)
    chosen = name if name and any(r["name"] == name for r in listed) else ""
    if not chosen and listed:
        chosen = listed[0]["name"]
    latest = svc.results.result(kind, chosen) if chosen else None
    return render(
        request,
        "results.html",
        svc,
        who,
        page=kind,
        title=title,
        kind=kind,
        results=listed,
        latest=latest,
    )


@router.get("/results/{kind}/{name}/download.{fmt}")
def result_download(
    svc: Svc,
    kind: Annotated[str, PathParam(pattern="^(exposure|resilience)$")],
    name: Annotated[str, PathParam(max_length=100)],
    fmt: Annotated[str, PathParam(pattern="^(xlsx|csv)$")],
    table: Annotated[str, Query(max_length=100)] = "",
    who: Principal = VIEWER,
) -> Response:
    """A stored result's tables: all as one XLSX, or one (`table`) as CSV."""
    found = svc.results.result(kind, safe_name(name))
    if found is None:
        raise HTTPException(404, f"no {kind} result {name!r}")
    tables = found["document"].get("tables", {}) or {}
    if fmt == "xlsx":
        return Response(
            tables_xlsx(tables),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{kind}-{name}.xlsx"'},
        )
    if table not in tables:
        raise HTTPException(404, f"no table {table!r} in {kind} {name!r}")
    rows = tables[table]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    plain = [{c: plain_cell(r.get(c, "")) for c in columns} for r in rows]
    return Response(
        table_csv(columns, plain),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{name}-{table}.csv"'},
    )


@router.get("/results/{kind}/{name}/image/{index}")
def result_image(
    svc: Svc,
    kind: Annotated[str, PathParam(pattern="^(exposure|resilience)$")],
    name: Annotated[str, PathParam(max_length=100)],
    index: Annotated[int, PathParam(ge=0, le=100)],
    who: Principal = VIEWER,
) -> Response:
    """One stored picture (PNG or SVG, as the workflow made it), as a download."""
    import base64

    found = svc.results.result(kind, safe_name(name))
    images = (found or {}).get("document", {}).get("images", []) if found else []
    if index >= len(images):
        raise HTTPException(404, "no such image")
    image = images[index]
    media = str(image.get("media_type", "application/octet-stream"))
    if media not in ("image/png", "image/svg+xml"):
        raise HTTPException(404, "no such image")
    suffix = "png" if media == "image/png" else "svg"
    return Response(
        base64.b64decode(image.get("base64", "")),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{kind}-{name}-{index}.{suffix}"',
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
