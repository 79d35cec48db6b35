"""Stored result documents of the analyses: networks, exposure and resilience results.

A document is JSON, kept by (kind, name); storing one of the same kind and name replaces it.
Each store is audited with the document's sha256, in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.store import results as results_store
from chainwatch.store.engine import Connection, Engine
from chainwatch.workflows.audit import AuditLog

RESULT_KINDS = ("network", "exposure", "resilience")


class ResultDocuments:
    """Result documents on one store (what ``chainwatch.workflows.results`` produces)."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    def put_result(self, kind: str, name: str, document: dict[str, Any], actor: str) -> None:
        """Store (or replace) a result document; the other analyses' workflows call this."""
        if kind not in RESULT_KINDS:
            raise ChainwatchError(f"result kind must be one of {', '.join(RESULT_KINDS)}")
        body = json.dumps(document, ensure_ascii=False, default=str)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")

        def work(conn: Connection) -> None:
            results_store.put(conn, kind, name, body, actor, stamp)
            self.audit.append_in(
                conn,
                actor,
                "result.stored",
                f"{kind}:{name}",
                {"sha256": hashlib.sha256(body.encode()).hexdigest()},
            )

        self.audit.in_transaction(work)

    def result(self, kind: str, name: str) -> dict[str, Any] | None:
        """A document with who stored it when; None when there is none."""
        with self.engine.connect() as conn:
            found = results_store.get(conn, kind, name)
        if found is None:
            return None
        return {
            "kind": found.kind,
            "name": found.name,
            "created_at": found.created_at,
            "created_by": found.created_by,
            "document": json.loads(found.document),
        }

    def results(self, kind: str) -> list[dict[str, Any]]:
        """The stored documents of one kind (without their bodies), newest first."""
        with self.engine.connect() as conn:
            return [r.as_dict() for r in results_store.listing(conn, kind)]
