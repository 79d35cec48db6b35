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
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from chainwatch import __version__
from chainwatch.api.deps import Services
from chainwatch.api.errors import install_error_handlers
from chainwatch.api.middleware import BodyLimit, SecurityHeaders
from chainwatch.api.settings import ServiceSettings
from chainwatch.model.errors import ChainwatchError
from chainwatch.store import state as state_store
from chainwatch.store.engine import Engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.auth import AuthService
from chainwatch.workflows.cases import (
    CaseService,
)
from chainwatch.workflows.documents import ResultDocuments
from chainwatch.workflows.jobs import JobRunner
from chainwatch.workflows.live import LiveScreener
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
from chainwatch.workflows.screening import database_url, engine_for

log = logging.getLogger("chainwatch.api")
WEB = Path(__file__).resolve().parents[1] / "web"


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
    from chainwatch.api.pages import router as pages_router
    from chainwatch.api.routes import ROUTERS

    for router in (*ROUTERS, pages_router, case_pages_router, batch_pages_router):
        app.include_router(router)
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
