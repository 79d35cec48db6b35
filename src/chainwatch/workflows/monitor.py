"""List monitoring and the service's shared state: live screening, refresh, jobs, alerts.

The refresh job (``chainwatch watch``, or the scheduler inside ``chainwatch serve``):

1. fetches the list files (a *fetcher* yields :class:`ListSource`s: by default
   :func:`download_fetcher`, the official downloads of ``chainwatch.lists.download`` or a
   mirror of them; :func:`files_fetcher` for local files) and parses every new one before
   anything is written; a source that fails to download or parse is left out (its previous
   version stays in the active snapshot) and raises an alert;
2. loads all feeds in one transaction (a failure or a killed process leaves the
   previous snapshot active);
3. diffs the new active snapshot against the snapshot the counterparties were last screened
   against (kept in ``state`` as ``monitor_screened``; it only moves once the re-screening is
   done, so a refresh killed at any point is completed by the next one — nothing is lost);
4. re-screens only the stored counterparties the diff can affect (sharing a lookup token with
   an added or changed entry's names, see :func:`chainwatch.workflows.cases.name_tokens`, or
   holding a case on a changed entry), opens cases for new hits — or every counterparty, with
   fresh lookup tokens, when the screening algorithm (``state`` key ``monitor_algorithm``) is
   not the one they were last screened with;
5. notifies: a dashboard notification and, when configured, a webhook whose JSON body is signed
   with HMAC-SHA256 (header ``X-Chainwatch-Signature: sha256=<hex>``).

A failed refresh records the failure in the load log, raises an alert (shown on the dashboard)
and keeps the previous snapshot active.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, ParsedFeed, entry_from_dict
from chainwatch.model.screening import Match, Query
from chainwatch.network.scenario import PartyScreener
from chainwatch.screening.algorithm import DEFAULT_ALGORITHM, DEFAULT_THRESHOLD, Matcher
from chainwatch.store.lists import ListStore, Snapshot
from chainwatch.store.schema import alerts, jobs, notifications, results, state
from chainwatch.store.supersede import publication_day, superseded
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import HIT_LIMIT, CaseService, entry_tokens
from chainwatch.workflows.lists import diff_snapshot_pair
from chainwatch.workflows.screening import load_index

log = logging.getLogger("chainwatch.monitor")
SCREENED_KEY = "monitor_screened"
ALGORITHM_KEY = "monitor_algorithm"  # the algorithm the counterparties were screened with
RESULT_KINDS = ("network", "exposure", "resilience")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _process_start(pid: int) -> str:
    """The start time of a process (Linux /proc, clock ticks since boot); "" elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _worker_id() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}"


WORKER = _worker_id()  # "host:pid:start" of this process, kept with the jobs it runs


def worker_alive(worker: str) -> bool:
    """Is the process named by a job's worker id still running? Unknown (another host):
    assumed alive. Jobs without a worker id (older versions) count as dead."""
    host, _, rest = worker.partition(":")
    pid_text, _, start = rest.partition(":")
    if not host or not pid_text.isdigit():
        return False
    if host != socket.gethostname():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return worker == WORKER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return not start or _process_start(pid) in ("", start)


# -- fetching and parsing ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListSource:
    """One list file (or OFAC directory) to load, and how."""

    path: Path
    format: str | None = None  # None: let the list adapters detect it
    mapping: Path | None = None
    feed: str | None = None
    # sha256 of the downloaded files: a source whose fingerprint was loaded already (and
    # whose feed is active) is not parsed again; empty: always parsed
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A source that could not be fetched; its previous version stays active."""

    feed: str
    message: str


Fetcher = Callable[[], Iterable[ListSource | FetchFailure]]
Parser = Callable[[ListSource], ParsedFeed]
FINGERPRINT_KEY = "monitor_fetched:"  # + feed: fingerprint of the files last loaded


def files_fetcher(sources: Sequence[ListSource]) -> Fetcher:
    """A fetcher of local files (what `watch --source PATH` and tests use)."""

    def fetch() -> Iterable[ListSource]:
        for source in sources:
            if not source.path.exists():
                raise ChainwatchError(f"list source not found: {source.path}")
            yield source

    return fetch


def download_fetcher(
    directory: Path,
    sources: Sequence[str] | None = None,
    *,
    base_url: str | None = None,
    timeout_s: float = 60.0,
) -> Fetcher:
    """A fetcher of the official list downloads (:mod:`chainwatch.lists.download`): every
    configured source (default: every default source) from its official address, or from the
    same paths under `base_url` (a mirror). Each source is downloaded into
    ``directory/<source>/``, all its files or none; a source that fails is yielded as a
    :class:`FetchFailure` and its previous files stay in place."""

    def fetch() -> Iterable[ListSource | FetchFailure]:
        from chainwatch.lists.download import DownloadError, update_sources

        try:
            results = update_sources(directory, sources, base_url=base_url, timeout_s=timeout_s)
        except DownloadError as exc:  # an unknown source name
            raise ChainwatchError(str(exc)) from exc
        for name, outcome in results.items():
            if isinstance(outcome, DownloadError):
                yield FetchFailure(name, str(outcome))
                continue
            digest = hashlib.sha256()
            for file in outcome.files:
                digest.update(f"{file.path.name}:{file.sha256}\n".encode())
            yield ListSource(
                outcome.primary_path,
                outcome.source.format,
                feed=name,
                fingerprint=digest.hexdigest(),
            )

    return fetch


def parse_entries_json(source: ListSource) -> ParsedFeed:
    """chainwatch's own exchange form: ``{"feed", "published", "entries": [entry dicts]}``.

    The entries are in :func:`chainwatch.model.lists.entry_to_dict` form (what the store keeps),
    so a snapshot exported from one store loads unchanged into another.
    """
    try:
        data = json.loads(source.path.read_text(encoding="utf-8"))
        raw = data["entries"] if isinstance(data, dict) else data
        entries = tuple(entry_from_dict(item) for item in raw)
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise ChainwatchError(f"{source.path}: not a chainwatch entries file: {exc}") from exc
    feed = source.feed or (data.get("feed") if isinstance(data, dict) else None) or source.path.stem
    published = str(data.get("published", "")) if isinstance(data, dict) else ""
    return ParsedFeed(str(feed), "entries-json", str(source.path), entries, published)


def default_parser(source: ListSource) -> ParsedFeed:
    """Our own entries JSON here; every official format through the list adapters."""
    if source.format == "entries-json" or (
        source.format is None
        and source.path.suffix == ".json"
        and source.path.name.startswith("entries")
    ):
        return parse_entries_json(source)
    try:
        from chainwatch.lists.registry import parse_feed  # type: ignore[import-not-found]
    except ImportError as exc:  # until the list adapters are merged
        raise ChainwatchError(
            f"{source.path}: the list adapters are not installed; only entries-json can be read"
        ) from exc
    parsed: ParsedFeed = parse_feed(
        source.path, format=source.format, mapping=source.mapping, feed=source.feed
    )
    return parsed


# -- live screening ---------------------------------------------------------------------------


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
    matcher: Matcher
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
                index = load_index(self.store, snapshot)
                self._live = _Live(
                    snapshot,
                    Matcher(index, DEFAULT_ALGORITHM),
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
            if row["status"] in ("loaded", "unchanged"):
                last = str(row["at"])
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


# -- state: jobs, results, alerts, notifications -----------------------------------------------


class ServiceState:
    """Jobs, result documents, alerts and notifications."""

    def __init__(self, engine: sa.Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    def new_job(self, kind: str, total: int, actor: str) -> str:
        """A queued job, owned by this process (its result names the worker until done)."""
        job_id = uuid.uuid4().hex
        stamp = now_iso()
        with self.engine.begin() as conn:
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    kind=kind,
                    status="queued",
                    total=total,
                    done=0,
                    message="",
                    result=json.dumps({"worker": WORKER}),
                    created_by=actor,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        return job_id

    def update_job(self, job_id: str, **values: Any) -> None:
        if "result" in values:
            values["result"] = json.dumps(values["result"], ensure_ascii=False, default=str)
        values["updated_at"] = now_iso()
        with self.engine.begin() as conn:
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(**values))

    def fail_orphaned_jobs(self) -> list[str]:
        """Mark failed the jobs left queued or running by a worker process that has died (a
        killed or restarted server); run at startup. Jobs of live processes (other workers)
        and of other hosts are left alone. Returns the ids marked."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(jobs.c.id, jobs.c.result).where(jobs.c.status.in_(("queued", "running")))
            ).all()
        orphans = []
        for job_id, result in rows:
            try:
                worker = str(json.loads(result or "{}").get("worker", ""))
            except (ValueError, AttributeError):
                worker = ""
            if not worker_alive(worker):
                orphans.append(job_id)
        for job_id in orphans:
            self.update_job(
                job_id,
                status="failed",
                message="interrupted: the server process running this job stopped; run it again",
                result={},
            )
            log.warning("job %s was left unfinished by a stopped worker: marked failed", job_id)
        return orphans

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first()
        if row is None:
            return None
        item = dict(row)
        item["result"] = json.loads(item["result"] or "{}")
        item["progress"] = round(item["done"] / item["total"], 4) if item["total"] else 0.0
        return item

    def put_result(self, kind: str, name: str, document: dict[str, Any], actor: str) -> None:
        """Store (or replace) a result document; the other analyses' workflows call this."""
        if kind not in RESULT_KINDS:
            raise ChainwatchError(f"result kind must be one of {', '.join(RESULT_KINDS)}")
        body = json.dumps(document, ensure_ascii=False, default=str)
        with self.engine.begin() as conn:
            conn.execute(results.delete().where(results.c.kind == kind, results.c.name == name))
            conn.execute(
                results.insert().values(
                    kind=kind, name=name, created_at=now_iso(), created_by=actor, document=body
                )
            )
        self.audit.append(
            actor,
            "result.stored",
            f"{kind}:{name}",
            {"sha256": hashlib.sha256(body.encode()).hexdigest()},
        )

    def result(self, kind: str, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(results).where(results.c.kind == kind, results.c.name == name)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        item = dict(row)
        item["document"] = json.loads(item["document"])
        return item

    def results(self, kind: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    results.c.kind, results.c.name, results.c.created_at, results.c.created_by
                )
                .where(results.c.kind == kind)
                .order_by(results.c.created_at.desc(), results.c.name)
            ).mappings()
            return [dict(r) for r in rows]

    def raise_alert(self, level: str, message: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                alerts.insert().values(
                    at=now_iso(), level=level, message=message[:4000], acknowledged=False
                )
            )

    def alerts(self, include_acknowledged: bool = False, limit: int = 50) -> list[dict[str, Any]]:
        query = sa.select(alerts).order_by(alerts.c.id.desc()).limit(limit)
        if not include_acknowledged:
            query = query.where(alerts.c.acknowledged == sa.false())
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def acknowledge(self, alert_id: int, actor: str) -> None:
        with self.engine.begin() as conn:
            if not conn.execute(
                alerts.update().where(alerts.c.id == alert_id).values(acknowledged=True)
            ).rowcount:
                raise ChainwatchError(f"no alert {alert_id}")
        self.audit.append(actor, "alert.acknowledged", f"alert:{alert_id}")

    def notify(self, kind: str, message: str, payload: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    notifications.insert().values(
                        at=now_iso(),
                        kind=kind,
                        message=message[:2000],
                        payload=json.dumps(payload, ensure_ascii=False, default=str),
                        delivered="",
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )

    def mark_delivered(self, notification_id: int, outcome: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                notifications.update()
                .where(notifications.c.id == notification_id)
                .values(delivered=outcome[:200])
            )

    def notifications(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(notifications).order_by(notifications.c.id.desc()).limit(limit)
            ).mappings()
            out = [dict(r) for r in rows]
        for item in out:
            item["payload"] = json.loads(item["payload"])
        return out


# -- webhook -----------------------------------------------------------------------------------


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


# -- refresh -----------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    status: str  # "updated", "unchanged", "failed"
    snapshot: str = ""
    previous: str = ""
    added: int = 0
    removed: int = 0
    changed: int = 0
    rescreened: int = 0
    new_cases: list[int] = field(default_factory=list)
    message: str = ""
    failed_sources: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "snapshot": self.snapshot,
            "previous": self.previous,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "rescreened": self.rescreened,
            "new_cases": self.new_cases,
            "message": self.message,
            "failed_sources": self.failed_sources,
        }


class Refresher:
    """Runs refreshes: load, diff, re-screen the affected counterparties, notify."""

    def __init__(
        self,
        store: ListStore,
        cases: CaseService,
        service: ServiceState,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        webhook_url: str = "",
        webhook_secret: str = "",
        on_update: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.cases = cases
        self.service = service
        self.threshold = threshold
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.on_update = on_update

    def _state(self, key: str) -> str | None:
        with self.store.engine.connect() as conn:
            found = conn.execute(sa.select(state.c.value).where(state.c.key == key[:100])).scalar()
        return str(found) if found is not None else None

    def _set_state(self, key: str, value: str) -> None:
        with self.store.engine.begin() as conn:
            if not conn.execute(
                state.update().where(state.c.key == key[:100]).values(value=value)
            ).rowcount:
                conn.execute(state.insert().values(key=key[:100], value=value))

    def _screened(self) -> str | None:
        return self._state(SCREENED_KEY)

    def _set_screened(self, content_hash: str) -> None:
        self._set_state(SCREENED_KEY, content_hash)

    def refresh(
        self,
        fetcher: Fetcher,
        parser: Parser = default_parser,
        actor: str = "monitor",
        progress: Callable[[str], None] | None = None,
    ) -> RefreshReport:
        """One refresh; never raises for a list problem (the report says `failed`)."""
        before = self.store.active()
        step = progress or (lambda _message: None)
        failures: dict[str, str] = {}
        loaded = None
        try:
            step("fetching")
            fetched = list(fetcher())
            if not fetched:
                raise ChainwatchError("the fetcher returned no list files")
            active_feeds = {f.feed for f in before.feeds} if before else set()
            parsed: list[ParsedFeed] = []
            fingerprints: dict[str, str] = {}
            for item in fetched:
                if isinstance(item, FetchFailure):
                    failures[item.feed] = item.message
                    continue
                if (
                    item.fingerprint
                    and item.feed in active_feeds
                    and self._state(FINGERPRINT_KEY + item.feed) == item.fingerprint
                ):
                    continue  # these files were loaded already
                name = item.feed or str(item.path)
                try:
                    feed = parser(item)
                    if not feed.entries:
                        raise ChainwatchError(f"{feed.origin}: no entries; refusing to load it")
                except ChainwatchError as exc:
                    failures[name] = str(exc)
                    continue
                parsed.append(feed)
                if item.fingerprint:
                    fingerprints[feed.feed] = item.fingerprint
            if failures and len(failures) == len(fetched):
                raise ChainwatchError("; ".join(failures.values()))
            if parsed:
                step("loading " + ", ".join(feed.feed for feed in parsed))
                # every feed in one transaction: all of them become active, or none
                loaded = self.store.load(*parsed, note=f"refresh by {actor}")
                for feed_name, fingerprint in fingerprints.items():
                    self._set_state(FINGERPRINT_KEY + feed_name, fingerprint)
            elif before is not None:
                checked = [i.feed or str(i.path) for i in fetched if isinstance(i, ListSource)]
                self.store.log(
                    ", ".join(checked), "unchanged", "checked: no new files", before.content_hash
                )
        except Exception as exc:
            message = f"list refresh failed: {exc}"
            log.warning(message)
            self.store.log("refresh", "failed", str(exc))
            kept = before.content_hash[:12] if before else "none"
            self.service.raise_alert("error", f"{message} (snapshot {kept} stays active)")
            self.service.notify("refresh_failed", message, {"error": str(exc), "active": kept})
            self.service.audit.append(actor, "lists.refresh_failed", "lists", {"error": str(exc)})
            return RefreshReport(
                "failed",
                before.content_hash if before else "",
                message=message,
                failed_sources=failures,
            )
        if failures:
            self._source_failures(failures, actor)
        if loaded is not None and loaded.status == "loaded":
            for version in loaded.feeds:
                self.service.audit.append(
                    actor,
                    "lists.loaded",
                    version.feed,
                    {
                        "feed_hash": version.content_hash,
                        "entries": version.entry_count,
                        "snapshot": loaded.snapshot.content_hash,
                        "origin": version.origin,
                    },
                )
        report = self.rescreen(actor, step)
        if failures:
            report.failed_sources = failures
            report.message = (
                (report.message + "; " if report.message else "")
                + "failed sources (previous versions stay active): "
                + ", ".join(sorted(failures))
            )
        return report

    def _source_failures(self, failures: dict[str, str], actor: str) -> None:
        """Sources that failed while others loaded: each keeps its previous version."""
        for feed_name, error in sorted(failures.items()):
            self.store.log(feed_name, "failed", error)
        message = "list refresh: " + "; ".join(
            f"{feed_name} failed ({error})" for feed_name, error in sorted(failures.items())
        )
        log.warning(message)
        self.service.raise_alert("error", message + "; their previous versions stay active")
        self.service.notify("refresh_failed", message, {"failed": failures})
        self.service.audit.append(actor, "lists.refresh_failed", "lists", {"failed": failures})

    def rescreen(
        self, actor: str = "monitor", step: Callable[[str], None] | None = None
    ) -> RefreshReport:
        """Bring the stored counterparties' cases up to date with the active snapshot."""
        step = step or (lambda _message: None)
        current = self.store.active()
        if current is None:
            return RefreshReport("unchanged", message="no snapshot is active")
        screened = self._screened()
        new_algorithm = self._state(ALGORITHM_KEY) != DEFAULT_ALGORITHM.name
        if screened == current.content_hash and not new_algorithm:
            return RefreshReport("unchanged", current.content_hash, screened or "")
        step("diffing")
        previous: Snapshot | None = None
        if screened is not None:
            with contextlib.suppress(ChainwatchError):
                previous = self.store.snapshot(screened)
        diff = diff_snapshot_pair(self.store, previous, current)
        added, removed, changed = diff.added, diff.removed, diff.changed
        tokens: set[str] = set()
        for entry in added:
            tokens |= entry_tokens(entry)
        for change in changed:
            for version in (change.before, change.after):
                if version is not None:
                    tokens |= entry_tokens(version)
        if new_algorithm:
            # Another algorithm scores (and normalises) differently: everyone is re-screened.
            self.cases.refresh_tokens()
            to_screen = self.cases.queries()
        else:
            affected = self.cases.affected(tokens, (change.entry_id for change in changed))
            to_screen = self.cases.queries(affected)
        step(f"re-screening {len(to_screen)} counterparties")
        index = load_index(self.store, current)
        matcher = Matcher(index, DEFAULT_ALGORITHM)
        by_id = {e.entry_id: e for e in index.entries}
        new_cases: list[int] = []
        for counterparty_id, query in to_screen:
            matches = matcher.screen(query, threshold=self.threshold, limit=HIT_LIMIT)
            new_cases.extend(self.cases.record_hits(counterparty_id, matches, by_id, actor))
        self._set_screened(current.content_hash)
        self._set_state(ALGORITHM_KEY, DEFAULT_ALGORITHM.name)
        report = RefreshReport(
            "updated",
            current.content_hash,
            screened or "",
            len(added),
            len(removed),
            len(changed),
            len(to_screen),
            new_cases,
        )
        self.service.audit.append(actor, "lists.diffed", current.content_hash, report.as_dict())
        message = (
            f"lists updated to {current.content_hash[:12]}: {len(added)} added, "
            f"{len(removed)} removed, {len(changed)} changed; {len(to_screen)} counterparties "
            f"re-screened, {len(new_cases)} new or reopened cases"
        )
        if new_algorithm:
            message += f" (every counterparty: the algorithm is now {DEFAULT_ALGORITHM.name})"
        report.message = message
        payload = {"event": "lists.refreshed", "at": now_iso(), **report.as_dict()}
        notification = self.service.notify("refresh", message, payload)
        if self.webhook_url:
            outcome = post_webhook(self.webhook_url, self.webhook_secret, payload)
            self.service.mark_delivered(notification, outcome)
        if self.on_update is not None:
            self.on_update()
        return report


class Scheduler:
    """Runs a refresh every `interval_seconds` in a daemon thread (inside `serve`)."""

    def __init__(self, run: Callable[[], object], interval_seconds: float) -> None:
        self.run = run
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chainwatch-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run()
            except Exception:  # the scheduler must survive anything one run does
                log.exception("scheduled refresh failed")


# -- batch screening of an uploaded file --------------------------------------------------------


def run_batch(
    job_id: str,
    parties: Sequence[Query],
    references: Sequence[str],
    origin: str,
    live: LiveScreener,
    cases: CaseService,
    service: ServiceState,
    actor: str,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = HIT_LIMIT,
    *,
    filename: str = "",
) -> None:
    """Store the counterparties of an upload, screen them, open cases; report progress.

    The result keeps the file's name, the uploader, the row counts and the first 5000 hits
    (``hits_total`` counts them all)."""
    try:
        service.update_job(job_id, status="running")
        ids = cases.add_counterparties(parties, origin, references, batch=job_id)
        entries = live.entries()
        hits: list[dict[str, object]] = []
        hits_total = 0
        with_hits = 0
        opened: list[int] = []
        last = time.monotonic()
        for done, (counterparty_id, party) in enumerate(zip(ids, parties, strict=True), start=1):
            matches, fresh = live.screen(party, threshold=threshold, limit=limit)
            opened.extend(cases.record_hits(counterparty_id, matches, entries, actor))
            hits_total += len(matches)
            with_hits += bool(matches)
            for rank, match in enumerate(matches, start=1):
                if len(hits) < 5000:
                    hits.append(
                        {
                            "row": references[done - 1],
                            "counterparty_id": counterparty_id,
                            "query": party.name,
                            "rank": rank,
                            "score": round(match.score, 4),
                            "entry_id": match.entry_id,
                            "listed_name": match.listed_name,
                            "matched_name": match.matched_name,
                            "source": match.source,
                        }
                    )
            if time.monotonic() - last > 0.2 or done == len(parties):
                service.update_job(job_id, done=done)
                last = time.monotonic()
        fresh = live.freshness()
        service.update_job(
            job_id,
            status="done",
            done=len(parties),
            message=f"{len(parties):,} counterparties screened, {with_hits:,} with hits, "
            f"{len(opened):,} case(s) opened",
            result={
                "file": filename,
                "uploaded_by": actor,
                "counterparties": len(parties),
                "with_hits": with_hits,
                "hits_total": hits_total,
                "hits": hits,
                "cases_opened": opened,
                "snapshot": fresh.snapshot,
                "freshness": fresh.as_dict(),
            },
        )
    except Exception as exc:
        reference = uuid.uuid4().hex[:12]
        log.exception("batch job %s failed (reference %s)", job_id, reference)
        # never the exception's text: a database error would show SQL and parameters
        message = (
            str(exc)[:2000]
            if isinstance(exc, ChainwatchError)
            else f"the batch failed (reference {reference}); the team can look it up in the "
            "server log"
        )
        service.update_job(job_id, status="failed", message=message)
