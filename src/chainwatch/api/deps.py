"""The service container, authentication and role checks shared by the API and the pages."""

from __future__ import annotations

import hmac
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request

from chainwatch.api.settings import ServiceSettings
from chainwatch.store.engine import Engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.auth import AuthError, AuthService, Principal, Role
from chainwatch.workflows.cases import CaseService
from chainwatch.workflows.documents import ResultDocuments
from chainwatch.workflows.jobs import JobRunner
from chainwatch.workflows.live import LiveScreener
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.refresh import Fetcher, Refresher

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Forbidden(Exception):
    """Authenticated, but the role is not enough."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfError(Exception):
    """A browser-session request that changes something came without the CSRF token."""


@dataclass
class Services:
    """Everything a request handler needs, built once per worker process."""

    settings: ServiceSettings
    engine: Engine
    store: ListStore
    audit: AuditLog
    auth: AuthService
    cases: CaseService
    jobs: JobRunner
    notices: Notices
    results: ResultDocuments
    live: LiveScreener
    refresher: Refresher
    fetcher: Fetcher | None
    executor: ThreadPoolExecutor  # the job runner's threads
    key_cache: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    def principal_for_key(self, key: str) -> Principal:
        """Key authentication, cached for a few seconds (revocation applies within that)."""
        now = time.monotonic()
        cached = self.key_cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        principal = self.auth.authenticate_key(key)
        if len(self.key_cache) > 10_000:
            self.key_cache.clear()
        self.key_cache[key] = (now + self.settings.key_cache_seconds, principal)
        return principal


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise CsrfError("missing or wrong CSRF token: reload the page and try again")


def client_address(request: Request, trusted_proxies: int = 0) -> str:
    """The client's IP address: the TCP peer, or behind `trusted_proxies` reverse proxies the
    right-most X-Forwarded-For hop they did not add.

    Each proxy appends the address it received the request from, so with one trusted proxy
    the last hop is the client as that proxy saw it; hops further left were written by the
    client and prove nothing (rotating them must not rotate the address). With hops
    ``a, b, c`` from peer ``p`` and 2 trusted proxies (``p`` and the one that wrote ``c``),
    the client is ``b``.
    """
    peer = request.client.host if request.client is not None else ""
    if trusted_proxies <= 0:
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    hops = [h for h in hops if h]
    chain = [*hops, peer]  # the peer is the nearest trusted proxy
    index = len(chain) - 1 - trusted_proxies
    return (chain[index] if index >= 0 else chain[0])[:100]


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("Authorization header must be 'Bearer <API key>'")
        return value.strip()
    return request.headers.get("x-api-key")


async def principal(request: Request, svc: Services = Depends(services)) -> Principal:
    """Who calls: by API key (header) or by the browser session (with CSRF on changes)."""
    key = _key_from(request)
    if key is not None:
        return svc.principal_for_key(key)
    username = request.session.get("user")
    token = request.session.get("sid")
    if not isinstance(username, str):
        raise AuthError("authentication required: send an API key or log in")
    found = svc.auth.session_principal(username, token if isinstance(token, str) else "")
    if found is None:
        request.session.clear()
        raise AuthError("your session has ended: log in again")
    if request.method not in SAFE_METHODS:
        await check_csrf(request)
    return found


def require(role: Role) -> Any:
    """A dependency that lets in `role` and above."""

    async def check(who: Principal = Depends(principal)) -> Principal:
        if not who.allows(role):
            raise Forbidden(f"this needs the {role.name} role; you are {who.role.name}")
        return who

    return Depends(check)


VIEWER = require(Role.viewer)
ANALYST = require(Role.analyst)
ADMIN = require(Role.admin)
