"""SQL of what the dashboard shows: alerts (failures to act on) and notifications (news)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from chainwatch.store.schema import alerts, notifications


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    at: str
    level: str  # warning, error
    message: str
    acknowledged: bool

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    at: str
    kind: str
    message: str
    payload: str  # JSON
    delivered: str  # the webhook's outcome

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def add_alert(conn: sa.Connection, at: str, level: str, message: str) -> None:
    conn.execute(alerts.insert().values(at=at, level=level, message=message, acknowledged=False))


def list_alerts(conn: sa.Connection, include_acknowledged: bool, limit: int) -> list[Alert]:
    query = sa.select(alerts).order_by(alerts.c.id.desc()).limit(limit)
    if not include_acknowledged:
        query = query.where(alerts.c.acknowledged == sa.false())
    return [
        Alert(int(r.id), str(r.at), str(r.level), str(r.message), bool(r.acknowledged))
        for r in conn.execute(query)
    ]


def acknowledge(conn: sa.Connection, alert_id: int) -> bool:
    """False when there is no such alert."""
    return bool(
        conn.execute(
            alerts.update().where(alerts.c.id == alert_id).values(acknowledged=True)
        ).rowcount
    )


def add_notification(conn: sa.Connection, at: str, kind: str, message: str, payload: str) -> int:
    inserted = conn.execute(
        notifications.insert().values(
            at=at, kind=kind, message=message, payload=payload, delivered=""
        )
    )
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def mark_delivered(conn: sa.Connection, notification_id: int, outcome: str) -> None:
    conn.execute(
        notifications.update()
        .where(notifications.c.id == notification_id)
        .values(delivered=outcome)
    )


def list_notifications(conn: sa.Connection, limit: int) -> list[Notification]:
    rows = conn.execute(
        sa.select(notifications).order_by(notifications.c.id.desc()).limit(limit)
    ).mappings()
    return [Notification(**dict(r)) for r in rows]
