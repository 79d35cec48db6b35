"""Live screening: the matcher of the active snapshot, held once per process.

A request costs the screening alone: the active pointer is read at most every few seconds, and
a new snapshot (a refresh in another process) is picked up within that time. Freshness says how
current the lists are, by the last load and by each feed's publication date
(:mod:`chainwatch.store.supersede`), and warns when they are stale.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Match, Query
from chainwatch.network.scenario import PartyScreener
from chainwatch.screening import registry
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.store.lists import ListStore, Snapshot
from chainwatch.store.supersede import publication_day, superseded
from chainwatch.workflows.screening import load_index


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current the active lists are; `stale` when older than the configured age."""

    snapshot: str
    last_update: str  # last successful load or check of the lists
    age_hours: float | None
    stale: bool
    warning: str
    feeds: tuple[dict[str, object], ...] = ()  # per feed: published, age, superseded lists

    def as_dict(self) -> dict[str, object]:
        return {
            "snapshot": self.snapshot,
            "last_update": self.last_update,
            "age_hours": None if self.age_hours is None else round(self.age_hours, 2),
            "stale": self.stale,
            "warning": self.warning,
            "feeds": list(self.feeds),
        }


@dataclass
class _Live:
    snapshot: Snapshot
    matcher: registry.MatcherProtocol
    entries: dict[str, ListEntry]


class LiveScreener:
    """The matcher of the active snapshot, built once per process and swapped on change.

    The active pointer is read at most every `check_seconds`, so a request costs the
    screening alone; a new snapshot (a refresh in another process) is picked up within that
    time.
    """

    def __init__(
        self,
        store: ListStore,
        max_age_hours: float = 48.0,
        check_seconds: float = 2.0,
        max_publication_age_days: float = 0.0,
    ) -> None:
        self.store = store
        self.max_age_hours = max_age_hours
        self.max_publication_age_days = max_publication_age_days
        self.check_seconds = check_seconds
        self._live: _Live | None = None
        self._checked = 0.0
        self._fresh: Freshness | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Live:
        now = time.monotonic()
        live = self._live
        if live is not None and now - self._checked < self.check_seconds:
            return live
        with self._lock:
            if self._live is not None and time.monotonic() - self._checked < self.check_seconds:
                return self._live
            snapshot = self.store.active()
            if snapshot is None:
                raise NoActiveSnapshot(
                    "no list snapshot is active: an admin must load the lists first"
                )
            if self._live is None or self._live.snapshot.content_hash != snapshot.content_hash:
                algorithm = registry.DEFAULT_ALGORITHM_NAME
                index = load_index(self.store, snapshot, algorithm=algorithm)
                self._live = _Live(
                    snapshot,
                    registry.make_matcher(algorithm, index),
                    {e.entry_id: e for e in index.entries},
                )
            self._fresh = self._freshness(snapshot)
            self._checked = time.monotonic()
            return self._live

    def needs_check(self) -> bool:
        """True when the next call reads the store (and may build an index): callers on an
        event loop then run it in a thread."""
        return self._live is None or time.monotonic() - self._checked >= self.check_seconds

    def warm(self) -> None:
        """Build the index now (at startup) when a snapshot is active."""
        with contextlib.suppress(NoActiveSnapshot):
            self._current()

    def invalidate(self) -> None:
        self._checked = 0.0

    def _freshness(self, snapshot: Snapshot) -> Freshness:
        last = ""
        for row in self.store.recent_loads(50):
            if row.status in ("loaded", "unchanged"):
                last = row.at
                break
        if not last:
            last = snapshot.created_at
        age: float | None
        try:
            age = (datetime.now(UTC) - datetime.fromisoformat(last)).total_seconds() / 3600
        except ValueError:
            age = None
        stale = age is None or age > self.max_age_hours
        warning = (
            f"STALE LISTS: the active snapshot was last updated {last} "
            f"({'unknown' if age is None else f'{age:.1f}'} hours ago, more than "
            f"{self.max_age_hours:g} hours); results may miss recent listings"
            if stale
            else ""
        )
        feeds, old = feed_freshness(snapshot, self.max_publication_age_days)
        if old:
            stale = True
            warning = (warning + " " if warning else "STALE LISTS: ") + (
                f"published more than {self.max_publication_age_days:g} days ago: " + "; ".join(old)
            )
        return Freshness(snapshot.content_hash, last, age, stale, warning, feeds)

    def freshness(self) -> Freshness:
        self._current()
        assert self._fresh is not None
        return self._fresh

    def snapshot(self) -> Snapshot:
        return self._current().snapshot

    def entries(self) -> dict[str, ListEntry]:
        return self._current().entries

    def party_screener(self, threshold: float = DEFAULT_THRESHOLD) -> PartyScreener:
        """A `chainwatch.network.scenario.PartyScreener` over the active snapshot: the same
        queries as `Screener.party_screener`, on the matcher this process already holds."""
        matcher = self._current().matcher

        def screen_party(name: str, country: str) -> list[Match]:
            return matcher.screen(
                Query(name=name, country=country, entity_type="company"), threshold=threshold
            )

        return screen_party

    def screen(
        self, query: Query, threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> tuple[list[Match], Freshness]:
        live = self._current()
        assert self._fresh is not None
        return live.matcher.screen(query, threshold=threshold, limit=limit), self._fresh


def feed_freshness(
    snapshot: Snapshot, max_publication_age_days: float
) -> tuple[tuple[dict[str, object], ...], list[str]]:
    """Per feed of `snapshot`: its publication day, age in days and the lists a newer feed
    supersedes (:mod:`chainwatch.store.supersede`); and the feeds published longer ago than
    `max_publication_age_days` (0: not judged) whose lists are not all superseded."""
    dropped = superseded(snapshot.feeds)
    today = datetime.now(UTC).date()
    out: list[dict[str, object]] = []
    old: list[str] = []
    for feed in snapshot.feeds:
        day = publication_day(feed.published)
        age_days = (today - date.fromisoformat(day)).days if day else None
        gone = dropped.get(feed.id, {})
        live_sources = [s for s, n in feed.source_counts.items() if n and s not in gone]
        out.append(
            {
                "feed": feed.feed,
                "published": day,
                "loaded_at": feed.loaded_at,
                "published_age_days": age_days,
                "superseded": dict(sorted(gone.items())),
            }
        )
        if (
            max_publication_age_days > 0
            and age_days is not None
            and age_days > max_publication_age_days
            and live_sources
        ):
            old.append(f"{feed.feed} ({day}, {age_days} days)")
    return tuple(out), old


class NoActiveSnapshot(ChainwatchError):
    """Nothing to screen against yet."""
