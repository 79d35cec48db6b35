"""Domain errors to HTTP answers: one table, one handler.

Every error is JSON ``{"error": "..."}`` with a clear message, never a stack trace nor a
database's own text; a browser asking for a page gets the error page instead where the table
says so. Routes raise the domain's exceptions and never catch them to translate: the handler
looks the exception's class up in :data:`ERROR_STATUS` (the most specific entry of its class
hierarchy wins) and answers with that status.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from chainwatch.api.deps import CsrfError, Forbidden
from chainwatch.api.schemas import ErrorBody
from chainwatch.model.errors import ChainwatchError
from chainwatch.store.engine import StoreBusy, StoreError
from chainwatch.workflows.auth import AuthError
from chainwatch.workflows.cases import CaseNotFound, SecondReviewerNeeded, StaleDecision
from chainwatch.workflows.live import NoActiveSnapshot
from chainwatch.workflows.results import NetworkInputError, NetworkNotFound
from chainwatch.workflows.service import NotConfigured, NotFound
from chainwatch.workflows.table_rows import TooManyRows

log = logging.getLogger("chainwatch.api")


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    page: bool = False  # a browser asking for a page gets the error page
    description: str = ""


#: The domain's exceptions and their HTTP answers (a subclass's own entry wins).
ERROR_STATUS: dict[type[Exception], Answer] = {
    AuthError: Answer(401, description="no or wrong credentials"),
    Forbidden: Answer(403, page=True, description="the role is not enough"),
    CsrfError: Answer(403, page=True, description="a browser form without its CSRF token"),
    CaseNotFound: Answer(404, description="no such case"),
    NetworkNotFound: Answer(404, description="no such network"),
    NotFound: Answer(404, page=True, description="no such thing"),
    NetworkInputError: Answer(400, description="a network file with a problem"),
    StaleDecision: Answer(409, description="the case changed since (body: error, current)"),
    SecondReviewerNeeded: Answer(409, description="four-eyes: another analyst must confirm"),
    NoActiveSnapshot: Answer(409, page=True, description="no list snapshot is loaded yet"),
    NotConfigured: Answer(409, description="the service is not configured for this"),
    TooManyRows: Answer(413, description="a file with more rows than the limit"),
    ChainwatchError: Answer(400, page=True, description="bad input, said in `error`"),
    StoreBusy: Answer(503, description="the store is busy or unreachable; try again"),
    StoreError: Answer(500, description="the store failed (a reference, never its text)"),
}


def answer_for(error: type[BaseException]) -> Answer:
    """The answer to an exception class: its own entry, else its nearest base class's."""
    for cls in error.__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return Answer(500)


def responses(*errors: type[BaseException]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of a route that may raise `errors` (plus 401/403/422 of every
    authenticated route)."""
    declared: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorBody, "description": "no or wrong credentials"},
        403: {"model": ErrorBody, "description": "the role is not enough"},
        422: {"model": ErrorBody, "description": "invalid request"},
    }
    for error in errors:
        found = answer_for(error)
        declared.setdefault(found.status, {"model": ErrorBody, "description": found.description})
    return declared


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


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


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if target in ("/", "/login"):
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


async def domain_error(request: Request, exc: Exception) -> Response:
    """The one handler of every exception in :data:`ERROR_STATUS`."""
    found = answer_for(type(exc))
    if isinstance(exc, AuthError):
        if _is_page(request):
            return _login_redirect(request)
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, StoreError):
        reference = uuid.uuid4().hex[:12]
        log.error(
            "database error %s on %s %s: %s", reference, request.method, request.url.path, exc
        )
        return _error(
            found.status,
            f"the store could not complete the request (reference {reference}); try again or "
            "tell the team",
        )
    if isinstance(exc, StaleDecision):
        return JSONResponse({"error": str(exc), "current": exc.current}, status_code=409)
    if isinstance(exc, NetworkInputError):
        return JSONResponse(exc.as_dict(), status_code=found.status)
    message = exc.message if isinstance(exc, Forbidden) else str(exc)
    if found.page and _wants_page(request):
        return _error_page(request, found.status, message)
    return _error(found.status, message)


def install_error_handlers(app: FastAPI) -> None:
    """The table's handler, and the framework's own errors in the same JSON shape."""
    for error in ERROR_STATUS:
        app.add_exception_handler(error, domain_error)

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
