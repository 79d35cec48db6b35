"""What the service tells people: dashboard alerts and notifications, and signed webhooks.

A webhook's JSON body is signed with HMAC-SHA256 (header ``X-Chainwatch-Signature:
sha256=<hex>``), so a receiver can check it came from this service; a webhook that fails never
fails what it reports (its outcome is kept with the notification).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from datetime import UTC, datetime
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.store import notices as notices_store
from chainwatch.store.engine import Connection, Engine
from chainwatch.workflows.audit import AuditLog


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Notices:
    """Alerts (failures someone must look at, until acknowledged) and notifications."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    def raise_alert(self, level: str, message: str) -> None:
        with self.engine.begin() as conn:
            notices_store.add_alert(conn, now_iso(), level, message[:4000])

    def alerts(self, include_acknowledged: bool = False, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            found = notices_store.list_alerts(conn, include_acknowledged, limit)
        return [a.as_dict() for a in found]

    def acknowledge(self, alert_id: int, actor: str) -> None:
        """Acknowledge an alert; the acknowledgement and its audit record commit together."""

        def work(conn: Connection) -> None:
            if not notices_store.acknowledge(conn, alert_id):
                raise ChainwatchError(f"no alert {alert_id}")
            self.audit.append_in(conn, actor, "alert.acknowledged", f"alert:{alert_id}")

        self.audit.in_transaction(work)

    def notify(self, kind: str, message: str, payload: dict[str, Any]) -> int:
        body = json.dumps(payload, ensure_ascii=False, default=str)
        with self.engine.begin() as conn:
            return notices_store.add_notification(conn, now_iso(), kind, message[:2000], body)

    def mark_delivered(self, notification_id: int, outcome: str) -> None:
        with self.engine.begin() as conn:
            notices_store.mark_delivered(conn, notification_id, outcome[:200])

    def notifications(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            found = notices_store.list_notifications(conn, limit)
        out = []
        for item in found:
            entry = item.as_dict()
            entry["payload"] = json.loads(item.payload)
            out.append(entry)
        return out


def sign(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + HMAC-SHA256(secret, body) in hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, secret: str, payload: dict[str, Any], timeout_s: float = 5.0) -> str:
    """POST the signed JSON payload; returns a short outcome ("200", "error: ...")."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Chainwatch-Signature": sign(secret, body),
            "User-Agent": "chainwatch-monitor",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return str(response.status)
    except Exception as exc:  # a webhook that fails must not fail the refresh
        return f"error: {exc}"[:200]
