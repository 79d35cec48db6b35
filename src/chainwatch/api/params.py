"""Path and query parameters shared by the routers, and the service dependency."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends
from fastapi import Path as PathParam

from chainwatch.api.deps import Services, services
from chainwatch.model.errors import ChainwatchError
from chainwatch.workflows.documents import RESULT_KINDS

Svc = Annotated[Services, Depends(services)]
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
IdParam = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
NameParam = Annotated[
    str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
]
KindParam = Annotated[str, PathParam(pattern="^(" + "|".join(RESULT_KINDS) + ")$")]
JobIdParam = Annotated[str, PathParam(min_length=1, max_length=64, pattern="^[0-9a-f]+$")]


def safe_name(name: str, what: str = "name") -> str:
    """A name that can be a stored result's name (never a path)."""
    if not SAFE_NAME.match(name) or ".." in name:
        raise ChainwatchError(
            f"invalid {what}: 1-100 letters, digits, '_', '-', '.'; no '..' or '/'"
        )
    return name
