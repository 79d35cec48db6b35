"""The FastAPI application factory of `chainwatch serve`.

``create_app(db_url, settings)`` builds one application on one store. Each uvicorn worker
builds its own (``app_from_env`` reads CHAINWATCH_DB and CHAINWATCH_SERVICE_SETTINGS), warms
the screening index of the active snapshot once at startup, and shares nothing with the other
workers but the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from chainwatch import __version__
from chainwatch.api.deps import CsrfError, Forbidden, Services
from chainwatch.api.settings import ServiceSettings
from chainwatch.model.errors import ChainwatchError
from chainwatch.store import state as state_store
from chainwatch.store.engine import Engine, StoreBusy, StoreError
from chainwatch.store.lists import ListStore
from chainwatch.text.checks import text_problem
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.auth import AuthError, AuthService
from chainwatch.workflows.cases import (
    CaseNotFound,
    CaseService,
    SecondReviewerNeeded,
    StaleDecision,
)
from chainwatch.workflows.documents import ResultDocuments
from chainwatch.workflows.jobs import JobRunner
from chainwatch.workflows.live import LiveScreener, NoActiveSnapshot
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.refresh import (
    Fetcher,
    ListSource,
    Refresher,
    Scheduler,
    default_parser,
    download_fetcher,
    files_fetcher,
)
from chainwatch.workflows.results import NetworkInputError, NetworkNotFound
from chainwatch.workflows.screening import database_url, engine_for

log = logging.getLogger("chainwatch.api")
WEB = Path(__file__).resolve().parents[1] / "web"
UPLOAD_PATHS = ("/api/v1/batches", "/api/v1/lists/load", "/upload", "/api/v1/networks", "/networks")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chainwatch API</title>
<link rel="stylesheet" href="/static/docs/swagger-ui.css">
<link rel="icon" href="/static/docs/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="/static/docs/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body></html>
"""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class BodyLimit:
    """Refuses request bodies over the limit with 413 before the application sees them.

    Uploads (batch files, list files) have their own, larger limit. The body is read here in
    full (it is bounded) and replayed to the application.
    """

    def __init__(self, app: ASGIApp, body_limit: int, upload_limit: int) -> None:
        self.app = app
        self.body_limit = body_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.upload_limit if path.startswith(UPLOAD_PATHS) else self.body_limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await _error(400, "invalid Content-Length header")(scope, receive, send)
                return
            if too_big:
                await _error(413, f"request body larger than {limit} bytes")(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _error(413, f"request body larger than {limit} bytes")(scope, receive, send)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        whole = b"".join(chunks)
        problem = _bad_form_text(scope, headers, whole)
        if problem:
            await _error(422, f"invalid request: {problem}")(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _bad_form_text(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> str | None:
    """NUL bytes or control characters in the query string or a urlencoded form (JSON bodies
    are checked by the request models, uploads by their readers)."""
    from urllib.parse import parse_qsl

    parts = [("query", bytes(scope.get("query_string") or b""))]
    if headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
        parts.append(("form", body))
    for where, raw in parts:
        if not raw:
            continue
        try:
            pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, errors="strict")
            decoded = [
                (k.encode("latin-1").decode("utf-8"), v.encode("latin-1").decode("utf-8"))
                for k, v in pairs
            ]
        except (UnicodeError, ValueError):
            return f"{where}: not valid UTF-8"
        for key, value in decoded:
            problem = text_problem(key) or text_problem(value)
            if problem:
                return f"{where} field {key[:50]!r}: {problem}"
    return None


class SecurityHeaders:
    """Headers every response carries: no sniffing, no framing, scripts and styles from this
    server only (the API docs' Swagger UI assets are served from /static/docs)."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(self.HEADERS)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and request.method == "GET"


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (not the JSON API): its errors are shown as a page."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _error_page(request: Request, status: int, message: str) -> Response:
    from chainwatch.api.pages import templates

    response = templates.TemplateResponse(
        request,
        "error.html",
        {"who": None, "csrf": "", "freshness": None, "alerts": [], "message": message, "back": ""},
    )
    response.status_code = status
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON `{"error": "..."}` with a clear message; never a stack trace."""

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        if _is_page(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if target in ("/", "/login"):
                return RedirectResponse("/login", status_code=303)
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _wants_page(request):
            return _error_page(request, 403, exc.message)
        return _error(403, exc.message)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, exc: CsrfError) -> Response:
        if _wants_page(request):
            return _error_page(request, 403, str(exc))
        return _error(403, str(exc))

    @app.exception_handler(StaleDecision)
    async def stale(request: Request, exc: StaleDecision) -> Response:
        return JSONResponse({"error": str(exc), "current": exc.current}, status_code=409)

    @app.exception_handler(SecondReviewerNeeded)
    async def four_eyes(request: Request, exc: SecondReviewerNeeded) -> Response:
        return _error(409, str(exc))

    @app.exception_handler(StoreError)
    async def database_error(request: Request, exc: StoreError) -> Response:
        reference = uuid.uuid4().hex[:12]
        log.error(
            "database error %s on %s %s: %s", reference, request.method, request.url.path, exc
        )
        return _error(
            503 if isinstance(exc, StoreBusy) else 500,
            f"the store could not complete the request (reference {reference}); try again or "
            "tell the team",
        )

    @app.exception_handler(CaseNotFound)
    async def not_found(request: Request, exc: CaseNotFound) -> Response:
        return _error(404, str(exc))

    @app.exception_handler(NetworkInputError)
    async def bad_network(request: Request, exc: NetworkInputError) -> Response:
        return JSONResponse(exc.as_dict(), status_code=400)

    @app.exception_handler(NetworkNotFound)
    async def no_network(request: Request, exc: NetworkNotFound) -> Response:
        return _error(404, str(exc))

    @app.exception_handler(NoActiveSnapshot)
    async def no_snapshot(request: Request, exc: NoActiveSnapshot) -> Response:
        if _wants_page(request):
            return _error_page(request, 409, str(exc))
        return _error(409, str(exc))

    @app.exception_handler(ChainwatchError)
    async def chainwatch_error(request: Request, exc: ChainwatchError) -> Response:
        if _wants_page(request):
            return _error_page(request, 400, str(exc))
        return _error(400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if _wants_page(request) and exc.status_code not in (401, 405):
            return _error_page(request, exc.status_code, message)
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors()[:10]:
            where = ".".join(str(p) for p in error.get("loc", ()))
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        if _wants_page(request):
            return _error_page(request, 422, "invalid form or address: " + "; ".join(problems))
        return _error(422, "invalid request: " + "; ".join(problems))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        reference = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", reference, request.method, request.url.path)
        return _error(500, f"internal error (reference {reference}); the team can look it up")


SECRET_ENV = "CHAINWATCH_SESSION_SECRET"


def default_secret_file() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("chainwatch", appauthor=False)) / "session-secret"


def session_secret(settings: ServiceSettings) -> str:
    """The secret that signs session cookies, kept outside the database: the configured one,
    else CHAINWATCH_SESSION_SECRET, else the file `session_secret_file` (created 0600 by the
    first worker; refused when group or others may read it)."""
    if settings.session_secret:
        return settings.session_secret
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = Path(settings.session_secret_file) if settings.session_secret_file else None
    path = path or default_secret_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ChainwatchError(
            f"session secret file {path} may be read by others (mode {mode:o}): chmod 600 {path}"
        )
    for _ in range(50):  # another worker may be writing it this instant
        secret = path.read_text(encoding="ascii").strip()
        if len(secret) >= 32:
            return secret
        time.sleep(0.02)
    raise ChainwatchError(f"session secret file {path} holds no secret of 32+ characters")


def forget_stored_secret(engine: Engine) -> None:
    """Older versions kept the secret in the store: delete it (it signs nothing any more)."""
    with engine.begin() as conn:
        state_store.delete(conn, "session_secret")


def fetcher_from_settings(settings: ServiceSettings) -> Fetcher:
    """List files named in the settings (PATH or PATH::FORMAT); when none are, the official
    downloads (or their mirror at `download_base_url`)."""
    if not settings.list_sources:
        from chainwatch.workflows.lists import default_download_dir

        return download_fetcher(
            Path(settings.download_dir) if settings.download_dir else default_download_dir(),
            settings.download_sources,
            base_url=settings.download_base_url or None,
            timeout_s=settings.download_timeout_seconds,
        )
    sources = []
    for item in settings.list_sources:
        path, _, fmt = item.partition("::")
        sources.append(ListSource(Path(path), fmt or None))
    return files_fetcher(sources)


def build_services(
    db_url: str, settings: ServiceSettings, fetcher: Fetcher | None = None
) -> Services:
    engine = engine_for(db_url)
    store = ListStore(engine)
    audit = AuditLog(engine)
    cases = CaseService(engine, audit)
    notices = Notices(engine, audit)
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="chainwatch-job")
    live = LiveScreener(
        store,
        settings.max_snapshot_age_hours,
        settings.snapshot_check_seconds,
        settings.max_publication_age_days,
    )
    refresher = Refresher(
        store,
        cases,
        notices,
        audit,
        threshold=settings.threshold,
        webhook_url=settings.webhook_url,
        webhook_secret=settings.webhook_secret,
        on_update=live.invalidate,
    )
    return Services(
        settings=settings,
        engine=engine,
        store=store,
        audit=audit,
        auth=AuthService(engine, audit),
        cases=cases,
        jobs=JobRunner(engine, executor),
        notices=notices,
        results=ResultDocuments(engine, audit),
        live=live,
        refresher=refresher,
        fetcher=fetcher or fetcher_from_settings(settings),
        executor=executor,
    )


def create_app(
    db_url: str, settings: ServiceSettings | None = None, fetcher: Fetcher | None = None
) -> FastAPI:
    """The chainwatch service on the store at `db_url`."""
    settings = settings or ServiceSettings()
    secret = session_secret(settings)
    svc = build_services(db_url, settings, fetcher)
    forget_stored_secret(svc.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        svc.live.warm()  # the screening index is built once per worker, here
        svc.jobs.fail_orphaned_jobs()  # jobs a killed worker left "running"
        scheduler = None
        if settings.refresh_interval_seconds > 0 and svc.fetcher is not None:
            fetch = svc.fetcher
            scheduler = Scheduler(
                lambda: svc.refresher.refresh(fetch, default_parser, actor="scheduler"),
                settings.refresh_interval_seconds,
            )
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        svc.executor.shutdown(wait=False, cancel_futures=True)
        svc.engine.dispose()

    app = FastAPI(
        title="chainwatch",
        version=__version__,
        description=(
            "Export-control and sanctions screening as a team service. Authenticate with "
            "`Authorization: Bearer <API key>` (or `X-API-Key`), or log in at /login. "
            "Roles: viewer < analyst (decides cases) < admin (lists, keys, users). "
            'Errors are JSON: `{"error": "..."}`.'
        ),
        lifespan=lifespan,
        docs_url=None,  # served below with local assets (no CDN: CSP, and offline)
        redoc_url=None,
    )
    app.state.services = svc
    install_error_handlers(app)

    from chainwatch.api.batch_pages import router as batch_pages_router
    from chainwatch.api.case_pages import router as case_pages_router
    from chainwatch.api.case_routes import router as case_router
    from chainwatch.api.pages import router as pages_router
    from chainwatch.api.routes import router as api_router

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without credentials, says nothing about the data."""
        return {"status": "ok", "version": __version__}

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        """Swagger UI from local assets, started by a script file (no inline script)."""
        return HTMLResponse(DOCS_PAGE)

    app.include_router(api_router)
    from chainwatch.api.compat import router as compat_router  # yente/Watchman shapes

    app.include_router(compat_router)
    app.include_router(case_router)
    app.include_router(pages_router)
    app.include_router(case_pages_router)
    app.include_router(batch_pages_router)
    docs_assets = swagger_assets()
    if docs_assets is not None:
        app.mount("/static/docs", StaticFiles(directory=docs_assets), name="docs-assets")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="chainwatch_session",
        max_age=int(settings.session_hours * 3600),
        same_site="strict",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(
        BodyLimit, body_limit=settings.body_limit_bytes, upload_limit=settings.upload_limit_bytes
    )
    app.add_middleware(SecurityHeaders)
    return app


def swagger_assets() -> Path | None:
    """Swagger UI 5's files (Apache-2.0) as the fastapi-offline package (MIT) ships them,
    served by this server: /docs works offline and under a CSP without CDNs."""
    from importlib.util import find_spec

    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        log.warning("fastapi-offline is not installed: /docs has no assets")
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: CHAINWATCH_DB and CHAINWATCH_SERVICE_SETTINGS (JSON)."""
    return create_app(database_url(None), ServiceSettings.from_env())
