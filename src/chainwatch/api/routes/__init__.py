"""The JSON API, one router module per resource (all under /api/v1 but health, docs and the
yente/Watchman shapes). Every route needs credentials, its role is in its dependency, and it
declares its response model and its error responses (``chainwatch.api.errors``)."""

from __future__ import annotations

from fastapi import APIRouter

from chainwatch.api.routes import (
    alerts,
    audit,
    auth,
    batches,
    cases,
    counterparties,
    health,
    jobs,
    keys,
    lists,
    networks,
    notifications,
    results,
    screening,
    users,
    watchman,
    yente,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    screening.router,
    batches.router,
    jobs.router,
    lists.router,
    alerts.router,
    notifications.router,
    audit.router,
    users.router,
    keys.router,
    results.router,
    networks.router,
    yente.router,
    watchman.router,
    counterparties.router,
    cases.router,
)
