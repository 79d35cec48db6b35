"""The audit log: its records, and the check of its hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from chainwatch.api.deps import ADMIN, ANALYST
from chainwatch.api.errors import responses
from chainwatch.api.params import Svc
from chainwatch.api.responses import AuditRecord, AuditVerify
from chainwatch.workflows.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=list[AuditRecord], responses=responses())
def audit(
    svc: Svc,
    after: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    newest_first: bool = False,
    who: Principal = ANALYST,
) -> list[dict[str, Any]]:
    """Audit records after sequence number `after`."""
    return svc.audit.records(after, limit, newest_first)


@router.get("/audit/verify", response_model=AuditVerify, responses=responses())
def audit_verify(svc: Svc, who: Principal = ADMIN) -> AuditVerify:
    """Recompute the hash chain; names the first altered or missing record."""
    result = svc.audit.verify()
    return AuditVerify(
        ok=result.ok,
        records=result.records,
        head=result.head,
        first_bad=result.first_bad,
        reason=result.reason,
    )
