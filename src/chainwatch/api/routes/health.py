"""Liveness, and the API docs served from local assets."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from chainwatch import __version__

router = APIRouter()

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chainwatch API</title>
<link rel="stylesheet" href="/static/docs/swagger-ui.css">
<link rel="icon" href="/static/docs/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="/static/docs/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body></html>
"""


@router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    """Liveness: answers without credentials, says nothing about the data."""
    return {"status": "ok", "version": __version__}


@router.get("/docs", include_in_schema=False)
def docs() -> Response:
    """Swagger UI from local assets, started by a script file (no inline script)."""
    return HTMLResponse(DOCS_PAGE)
