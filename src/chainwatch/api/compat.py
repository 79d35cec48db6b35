"""What the yente- and Watchman-shaped routes share: the caller (API key by the ``ApiKey``
scheme too, as yente clients send it) and the best match of several names.

Endpoints in the shapes of the screening APIs that teams already script against:
:mod:`chainwatch.api.routes.yente` (OpenSanctions' yente) and
:mod:`chainwatch.api.routes.watchman` (Moov Watchman). A client moving from yente or Watchman
changes its base URL and its API key; the differences that remain are documented in
docs/interfaces.md. Every route needs the viewer role.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from chainwatch.api.deps import Forbidden, Services, principal, services
from chainwatch.model.screening import Match, Query
from chainwatch.workflows.auth import AuthError, Principal, Role


async def caller(request: Request, svc: Services = Depends(services)) -> Principal:
    """The caller, by API key (``ApiKey``/``Bearer`` scheme or X-API-Key) or session; viewer
    role or above."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    who: Principal
    try:
        if scheme.lower() == "apikey" and value.strip():
            who = svc.principal_for_key(value.strip())
        else:
            who = await principal(request, svc)
    except AuthError as exc:  # scripts call these routes: 401, never the login page
        raise HTTPException(
            401, str(exc), headers={"WWW-Authenticate": 'ApiKey, Bearer realm="chainwatch"'}
        ) from exc
    if not who.allows(Role.viewer):
        raise Forbidden(f"this needs the viewer role; you are {who.role.name}")
    return who


Caller = Annotated[Principal, Depends(caller)]
Svc = Annotated[Services, Depends(services)]


def best_matches(svc: Services, queries: list[Query], cutoff: float, limit: int) -> list[Match]:
    """The matches of every query, the best per entry, best first."""
    best: dict[str, Match] = {}
    for query in queries:
        matches, _ = svc.live.screen(query, threshold=cutoff, limit=limit)
        for m in matches:
            if m.entry_id not in best or m.score > best[m.entry_id].score:
                best[m.entry_id] = m
    return sorted(best.values(), key=lambda m: (-m.score, m.entry_id))[:limit]
