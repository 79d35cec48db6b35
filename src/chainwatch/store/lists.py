"""Versioned, content-hashed list snapshots in a SQL store."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, ParsedFeed, entry_from_dict, entry_to_dict
from chainwatch.store.active import ACTIVE_KEY
from chainwatch.store.schema import (
    entries,
    feed_versions,
    load_log,
    snapshot_feeds,
    snapshots,
    state,
)
from chainwatch.store.supersede import superseded

SCHEMA_VERSION = "1"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def entry_json(entry: ListEntry) -> str:
    return json.dumps(
        entry_to_dict(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def feed_hash(bodies: Iterable[str]) -> str:
    """sha256 over the sorted canonical JSON of the entries: the same content, the same hash."""
    digest = hashlib.sha256()
    for body in sorted(bodies):
        digest.update(body.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class FeedVersion:
    id: int
    feed: str
    format: str
    origin: str
    content_hash: str
    entry_count: int
    source_counts: dict[str, int]
    published: str
    loaded_at: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: int
    content_hash: str
    created_at: str
    note: str
    feeds: tuple[FeedVersion, ...]

    @property
    def entry_count(self) -> int:
        return sum(f.entry_count for f in self.feeds)

    @property
    def source_counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for feed in self.feeds:
            total.update(feed.source_counts)
        return dict(sorted(total.items()))


@dataclass(frozen=True, slots=True)
class LoadResult:
    status: str  # "loaded" (new snapshot active) or "unchanged" (same content already active)
    snapshot: Snapshot
    feeds: tuple[FeedVersion, ...]  # the versions this load wrote or found


@dataclass(frozen=True, slots=True)
class LoadRecord:
    """One line of the load log: a load, a check that found nothing new, or a failure."""

    id: int
    at: str
    origin: str
    status: str  # loaded, unchanged, failed
    message: str
    snapshot_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class SnapshotNotFound(ChainwatchError):
    """No snapshot matches the reference given."""


class ListStore:
    """Feeds, snapshots and the active pointer, on any SQLAlchemy engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- writing ------------------------------------------------------------------------------

    def load(self, *parsed_feeds: ParsedFeed, note: str = "") -> LoadResult:
        """Store the feeds and activate the snapshot they make with the other active feeds.

        All in one transaction: on any error (or a killed process) nothing of it is kept and
        the previously active snapshot stays active. A feed already active is replaced by its
        new version; the same content loaded again changes nothing ("unchanged").
        """
        if not parsed_feeds:
            raise ChainwatchError("nothing to load")
        prepared = [(parsed, self._prepare(parsed)) for parsed in parsed_feeds]
        with self.engine.begin() as conn:
            active = self._active_id(conn)
            members = set(self._feed_version_ids(conn, active)) if active is not None else set()
            version_ids = []
            for parsed, (bodies, content_hash, source_counts) in prepared:
                version_id = self._insert_version(conn, parsed, bodies, content_hash, source_counts)
                same_feed = conn.execute(
                    sa.select(feed_versions.c.id).where(
                        feed_versions.c.id.in_(members), feed_versions.c.feed == parsed.feed
                    )
                ).scalars()
                members -= set(same_feed)
                members.add(version_id)
                version_ids.append(version_id)
            snapshot_id = self._snapshot_for(conn, sorted(members), note)
            status = "unchanged" if snapshot_id == active else "loaded"
            self._set_active(conn, snapshot_id)
        snapshot = self.snapshot(str(snapshot_id))
        feeds = tuple(f for f in snapshot.feeds if f.id in version_ids)
        origins = ", ".join(p.origin for p in parsed_feeds)
        counts = ", ".join(f"{f.feed}: {f.entry_count} entries" for f in feeds)
        self.log(origins, status, counts, snapshot.content_hash)
        return LoadResult(status, snapshot, feeds)

    @staticmethod
    def _prepare(parsed: ParsedFeed) -> tuple[list[tuple[ListEntry, str]], str, dict[str, int]]:
        bodies = [(e, entry_json(e)) for e in parsed.entries]
        ids = Counter(e.entry_id for e, _ in bodies)
        duplicates = [k for k, n in ids.items() if n > 1]
        if duplicates:
            raise ChainwatchError(
                f"{parsed.origin}: duplicate entry ids in feed {parsed.feed}: {duplicates[:5]}"
            )
        content_hash = feed_hash(b for _, b in bodies)
        source_counts = dict(sorted(Counter(e.source for e, _ in bodies).items()))
        return bodies, content_hash, source_counts

    @staticmethod
    def _insert_version(
        conn: sa.Connection,
        parsed: ParsedFeed,
        bodies: list[tuple[ListEntry, str]],
        content_hash: str,
        source_counts: dict[str, int],
    ) -> int:
        existing = conn.execute(
            sa.select(feed_versions.c.id).where(
                feed_versions.c.feed == parsed.feed,
                feed_versions.c.content_hash == content_hash,
            )
        ).scalar()
        if existing is not None:
            return int(existing)
        version_id = conn.execute(
            feed_versions.insert().values(
                feed=parsed.feed,
                format=parsed.format,
                origin=parsed.origin,
                content_hash=content_hash,
                entry_count=len(bodies),
                source_counts=json.dumps(source_counts),
                published=parsed.published,
                loaded_at=now_iso(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        rows = [
            {
                "version_id": version_id,
                "entry_id": e.entry_id,
                "source": e.source,
                "name": e.name,
                "body": body,
            }
            for e, body in bodies
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(entries.insert(), rows[start : start + 5000])
        return int(version_id)

    def log(self, origin: str, status: str, message: str, snapshot_hash: str = "") -> None:
        """Record a load attempt (kept apart from the load's own transaction)."""
        with self.engine.begin() as conn:
            conn.execute(
                load_log.insert().values(
                    at=now_iso(),
                    origin=origin,
                    status=status,
                    message=message[:4000],
                    snapshot_hash=snapshot_hash,
                )
            )

    def activate(self, ref: str) -> Snapshot:
        """Make an existing snapshot active again (roll back to it)."""
        snapshot = self.snapshot(ref)
        with self.engine.begin() as conn:
            self._set_active(conn, snapshot.id)
        return snapshot

    def _snapshot_for(self, conn: sa.Connection, version_ids: Sequence[int], note: str) -> int:
        hashes = conn.execute(
            sa.select(feed_versions.c.feed, feed_versions.c.content_hash)
            .where(feed_versions.c.id.in_(version_ids))
            .order_by(feed_versions.c.feed)
        ).all()
        digest = hashlib.sha256(
            "\n".join(f"{feed}:{h}" for feed, h in sorted(hashes)).encode("utf-8")
        ).hexdigest()
        existing = conn.execute(
            sa.select(snapshots.c.id).where(snapshots.c.content_hash == digest)
        ).scalar()
        if existing is not None:
            return int(existing)
        snapshot_id = conn.execute(
            snapshots.insert().values(content_hash=digest, created_at=now_iso(), note=note)
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            snapshot_feeds.insert(),
            [{"snapshot_id": snapshot_id, "version_id": v} for v in version_ids],
        )
        return int(snapshot_id)

    def _set_active(self, conn: sa.Connection, snapshot_id: int) -> None:
        updated = conn.execute(
            state.update().where(state.c.key == ACTIVE_KEY).values(value=str(snapshot_id))
        ).rowcount
        if not updated:
            conn.execute(state.insert().values(key=ACTIVE_KEY, value=str(snapshot_id)))

    # -- reading ------------------------------------------------------------------------------

    @staticmethod
    def _active_id(conn: sa.Connection) -> int | None:
        value = conn.execute(sa.select(state.c.value).where(state.c.key == ACTIVE_KEY)).scalar()
        return int(value) if value is not None else None

    @staticmethod
    def _feed_version_ids(conn: sa.Connection, snapshot_id: int) -> list[int]:
        return list(
            conn.execute(
                sa.select(snapshot_feeds.c.version_id).where(
                    snapshot_feeds.c.snapshot_id == snapshot_id
                )
            ).scalars()
        )

    def active(self) -> Snapshot | None:
        with self.engine.connect() as conn:
            active = self._active_id(conn)
        return self.snapshot(str(active)) if active is not None else None

    def snapshot(self, ref: str) -> Snapshot:
        """A snapshot by id, by content-hash prefix (at least 6 characters) or 'active'."""
        with self.engine.connect() as conn:
            if ref == "active":
                active = self._active_id(conn)
                if active is None:
                    raise SnapshotNotFound("no snapshot is active: load a list first")
                ref = str(active)
            query = sa.select(snapshots)
            if ref.isdigit():
                query = query.where(snapshots.c.id == int(ref))
            elif len(ref) >= 6:
                query = query.where(snapshots.c.content_hash.startswith(ref))
            else:
                raise SnapshotNotFound(f"snapshot reference too short: {ref!r}")
            rows = conn.execute(query).all()
            if len(rows) != 1:
                raise SnapshotNotFound(
                    f"no snapshot {ref!r}" if not rows else f"snapshot {ref!r} is ambiguous"
                )
            row = rows[0]
            version_rows = conn.execute(
                sa.select(feed_versions)
                .where(feed_versions.c.id.in_(self._feed_version_ids(conn, row.id)))
                .order_by(feed_versions.c.feed)
            ).all()
        feeds = tuple(_feed_version(v) for v in version_rows)
        return Snapshot(row.id, row.content_hash, row.created_at, row.note, feeds)

    def snapshots(self) -> list[Snapshot]:
        with self.engine.connect() as conn:
            ids = conn.execute(sa.select(snapshots.c.id).order_by(snapshots.c.id)).scalars().all()
        return [self.snapshot(str(i)) for i in ids]

    def entries(self, snapshot: Snapshot) -> list[ListEntry]:
        """Every entry of a snapshot, in a stable order; a list carried by two feeds counts
        from the more recently published one only (:mod:`chainwatch.store.supersede`)."""
        return [entry for _, entry in self.feed_entries(snapshot)]

    def feed_entries(self, snapshot: Snapshot) -> list[tuple[str, ListEntry]]:
        """Every entry of a snapshot with the name of its feed, in a stable order; a list carried
        by two feeds counts from the more recently published one only (what
        :func:`chainwatch.lists.linking.link_entries` needs to link feeds)."""
        feed_of = {f.id: f.feed for f in snapshot.feeds}
        dropped = superseded(snapshot.feeds)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(entries.c.version_id, entries.c.source, entries.c.body)
                .where(entries.c.version_id.in_(list(feed_of)))
                .order_by(entries.c.version_id, entries.c.entry_id)
            )
            return [
                (feed_of[row.version_id], entry_from_dict(json.loads(row.body)))
                for row in rows
                if row.source not in dropped.get(row.version_id, {})
            ]

    def recent_loads(self, limit: int = 10) -> list[LoadRecord]:
        """The newest lines of the load log, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(load_log).order_by(load_log.c.id.desc()).limit(limit)
            ).mappings()
            return [LoadRecord(**dict(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts of the list tables (tests use them to show nothing changed)."""
        with self.engine.connect() as conn:
            return {
                table.name: int(
                    conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
                )
                for table in (feed_versions, entries, snapshots, snapshot_feeds)
            }


def _feed_version(row: Any) -> FeedVersion:
    return FeedVersion(
        id=row.id,
        feed=row.feed,
        format=row.format,
        origin=row.origin,
        content_hash=row.content_hash,
        entry_count=row.entry_count,
        source_counts=json.loads(row.source_counts),
        published=row.published,
        loaded_at=row.loaded_at,
    )
