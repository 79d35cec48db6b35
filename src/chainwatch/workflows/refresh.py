"""List refresh: fetch, parse, load, diff, re-screen the affected counterparties, notify.

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
   not the one they were last screened with. The screening runs on an engine
   (:mod:`chainwatch.engine`: this process by default, the local pool or a Dask cluster for
   ``chainwatch watch --engine``), chunk by chunk in input order; the workers only screen,
   and this process stores every chunk's cases as it comes back, so the stored cases,
   decisions and audit records are the same whatever the engine, and a killed worker loses
   nothing stored (its chunk is screened again);
5. notifies: a dashboard notification and, when configured, a webhook whose JSON body is signed
   with HMAC-SHA256 (header ``X-Chainwatch-Signature: sha256=<hex>``).

A failed refresh records the failure in the load log, raises an alert (shown on the dashboard)
and keeps the previous snapshot active.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chainwatch.engine.base import Engine, chunked
from chainwatch.engine.inline import InlineEngine
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, ParsedFeed
from chainwatch.model.screening import Match, Query
from chainwatch.screening import registry
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.store import state as state_store
from chainwatch.store.lists import ListStore, Snapshot
from chainwatch.workflows.cases import HIT_LIMIT, entry_tokens
from chainwatch.workflows.lists import diff_snapshot_pair, snapshot_entries
from chainwatch.workflows.notify import now_iso, post_webhook
from chainwatch.workflows.parallel import screen_snapshot_chunks, snapshot_recipe
from chainwatch.workflows.screening import load_index
from chainwatch.workflows.streaming import ProgressSink

log = logging.getLogger("chainwatch.monitor")
SCREENED_KEY = "monitor_screened"
ALGORITHM_KEY = "monitor_algorithm"  # the algorithm the counterparties were screened with


class Counterparties(Protocol):
    """Stored counterparties and their cases (:class:`~chainwatch.workflows.cases.CaseService`)."""

    def refresh_tokens(self) -> int: ...

    def queries(self, ids: Iterable[int] | None = None) -> list[tuple[int, Query]]: ...

    def affected(self, tokens: Iterable[str], entry_ids: Iterable[str] = ()) -> set[int]: ...

    def record_hits(
        self,
        counterparty_id: int,
        matches: Sequence[Match],
        entries: Mapping[str, ListEntry],
        actor: str = "screening",
    ) -> list[int]: ...


class Announcer(Protocol):
    """Where failures and news go (:class:`chainwatch.workflows.notify.Notices`)."""

    def raise_alert(self, level: str, message: str) -> None: ...

    def notify(self, kind: str, message: str, payload: dict[str, Any]) -> int: ...

    def mark_delivered(self, notification_id: int, outcome: str) -> None: ...


class Auditor(Protocol):
    def append(
        self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> int: ...


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
# Where re-screening runs: an engine the caller owns (kept open), or a function that opens one
# when there is something to screen (closed afterwards); None: this process.
EngineSource = Engine | Callable[[], Engine] | None
RESCREEN_CHUNK = 500  # counterparties per task
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


def default_parser(source: ListSource) -> ParsedFeed:
    """Every format through the list adapters (:func:`chainwatch.lists.registry.parse_feed`,
    chainwatch's own entries JSON included)."""
    from chainwatch.lists.registry import parse_feed

    return parse_feed(source.path, format=source.format, mapping=source.mapping, feed=source.feed)


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
        cases: Counterparties,
        notices: Announcer,
        audit: Auditor,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        webhook_url: str = "",
        webhook_secret: str = "",
        on_update: Callable[[], None] | None = None,
        engine: EngineSource = None,
        chunk_size: int = RESCREEN_CHUNK,
        progress: ProgressSink | None = None,
    ) -> None:
        self.store = store
        self.cases = cases
        self.notices = notices
        self.audit = audit
        self.threshold = threshold
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.on_update = on_update
        self.engine = engine
        self.chunk_size = chunk_size
        self.progress = progress  # told of every re-screened chunk (the CLI's progress bar)

    @contextlib.contextmanager
    def _engine(self, work: int) -> Iterator[Engine]:
        """The engine to re-screen `work` counterparties on (none: this process, so that an
        empty re-screen starts no pool or cluster)."""
        if self.engine is None or not work:
            yield InlineEngine()
        elif isinstance(self.engine, Engine):
            yield self.engine
        else:
            with self.engine() as made:
                yield made

    def _state(self, key: str) -> str | None:
        with self.store.engine.connect() as conn:
            return state_store.get(conn, key)

    def _set_state(self, key: str, value: str) -> None:
        with self.store.engine.begin() as conn:
            state_store.put(conn, key, value)

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
            self.notices.raise_alert("error", f"{message} (snapshot {kept} stays active)")
            self.notices.notify("refresh_failed", message, {"error": str(exc), "active": kept})
            self.audit.append(actor, "lists.refresh_failed", "lists", {"error": str(exc)})
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
                self.audit.append(
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
        self.notices.raise_alert("error", message + "; their previous versions stay active")
        self.notices.notify("refresh_failed", message, {"failed": failures})
        self.audit.append(actor, "lists.refresh_failed", "lists", {"failed": failures})

    def rescreen(
        self, actor: str = "monitor", step: Callable[[str], None] | None = None
    ) -> RefreshReport:
        """Bring the stored counterparties' cases up to date with the active snapshot."""
        step = step or (lambda _message: None)
        current = self.store.active()
        if current is None:
            return RefreshReport("unchanged", message="no snapshot is active")
        screened = self._screened()
        algorithm = registry.DEFAULT_ALGORITHM_NAME  # read now: an upgrade changes it
        new_algorithm = self._state(ALGORITHM_KEY) != algorithm
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
        new_cases = self._screen_and_record(to_screen, current, algorithm, actor)
        self._set_screened(current.content_hash)
        self._set_state(ALGORITHM_KEY, algorithm)
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
        self.audit.append(actor, "lists.diffed", current.content_hash, report.as_dict())
        message = (
            f"lists updated to {current.content_hash[:12]}: {len(added)} added, "
            f"{len(removed)} removed, {len(changed)} changed; {len(to_screen)} counterparties "
            f"re-screened, {len(new_cases)} new or reopened cases"
        )
        if new_algorithm:
            message += f" (every counterparty: the algorithm is now {algorithm})"
        report.message = message
        payload = {"event": "lists.refreshed", "at": now_iso(), **report.as_dict()}
        notification = self.notices.notify("refresh", message, payload)
        if self.webhook_url:
            outcome = post_webhook(self.webhook_url, self.webhook_secret, payload)
            self.notices.mark_delivered(notification, outcome)
        if self.on_update is not None:
            self.on_update()
        return report

    def _screen_and_record(
        self,
        to_screen: Sequence[tuple[int, Query]],
        snapshot: Snapshot,
        algorithm: str,
        actor: str,
    ) -> list[int]:
        """Screen `to_screen` against `snapshot` on the engine, chunk by chunk in order, and
        record each chunk's hits here as it comes back: the ids of the cases opened."""
        new_cases: list[int] = []
        with self._engine(len(to_screen)) as run:
            here = run.name in ("inline", "local")  # the matcher is this process's (or forked)
            index = load_index(self.store, snapshot, algorithm=algorithm) if here else None
            entries = index.entries if index is not None else snapshot_entries(self.store, snapshot)
            by_id = {e.entry_id: e for e in entries}
            shared = snapshot_recipe(self.store, snapshot, algorithm)
            results = screen_snapshot_chunks(
                shared,
                chunked((query for _, query in to_screen), self.chunk_size),
                run,
                lambda: registry.make_matcher(algorithm, index),
                threshold=self.threshold,
                limit=HIT_LIMIT,
            )
            if self.progress is not None and to_screen:
                self.progress.start(len(to_screen), 0)
            done = 0
            for chunk in results:
                parties = to_screen[done : done + len(chunk)]
                for (counterparty_id, _), matches in zip(parties, chunk, strict=True):
                    new_cases.extend(self.cases.record_hits(counterparty_id, matches, by_id, actor))
                done += len(chunk)
                if self.progress is not None:
                    self.progress.advance(len(chunk))
        return new_cases


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
