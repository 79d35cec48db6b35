"""ASGI middleware of the service: body size limits, text checks and security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

from chainwatch.text.checks import text_problem

UPLOAD_PATHS = ("/api/v1/batches", "/api/v1/lists/load", "/upload", "/api/v1/networks", "/networks")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


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
