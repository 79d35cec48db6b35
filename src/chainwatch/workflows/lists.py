"""List use cases: load a file into a new snapshot, status, diff between snapshots."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.lists.linking import link_entries
from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, entry_to_dict
from chainwatch.store.lists import ListStore, LoadResult, Snapshot


def load_path(
    store: ListStore,
    path: Path,
    format: str | None = None,
    mapping: Path | None = None,
    feed: str | None = None,
) -> LoadResult:
    """Parse a list file completely, then store it and activate the new snapshot atomically.

    A parse error (file, row, field) or a store error changes nothing and is recorded in the
    load log, so `lists status` says that the last load failed and which snapshot stays active.
    """
    try:
        parsed = parse_feed(path, format=format, mapping=mapping, feed=feed)
        if not parsed.entries:
            raise ChainwatchError(f"{path}: no entries found; the active snapshot is unchanged")
        return store.load(parsed, note=f"load {path.name}")
    except ChainwatchError as exc:
        store.log(str(path), "failed", str(exc))
        raise


def snapshot_entries(store: ListStore, snapshot: Snapshot) -> list[ListEntry]:
    """The entries of a snapshot with each party once: an entry that is one party in two
    feeds (an SDN entry from the CSL and from OFAC's files) is one entry listing both feeds
    (:mod:`chainwatch.lists.linking`). This is what screening indexes."""
    return link_entries(store.feed_entries(snapshot))


def snapshot_status(
    store: ListStore, recent: int = 5, *, full_paths: bool = True
) -> dict[str, Any]:
    """The active snapshot (feeds, dates, counts per list, hashes) and the recent loads, as
    `lists status --json` and the API show them. `full_paths=False` keeps only file names, so
    a service never shows its own paths."""
    snapshot = store.active()
    loads = [record.as_dict() for record in store.recent_loads(recent)]
    payload: dict[str, Any] = {"active": None, "recent_loads": loads}
    if snapshot is not None:
        payload["active"] = {
            "id": snapshot.id,
            "content_hash": snapshot.content_hash,
            "created_at": snapshot.created_at,
            "entry_count": snapshot.entry_count,
            "source_counts": snapshot.source_counts,
            "feeds": [
                {
                    "feed": f.feed,
                    "format": f.format,
                    "origin": f.origin if full_paths else Path(f.origin).name,
                    "published": f.published,
                    "loaded_at": f.loaded_at,
                    "entry_count": f.entry_count,
                    "content_hash": f.content_hash,
                    "source_counts": f.source_counts,
                }
                for f in snapshot.feeds
            ],
        }
    payload["last_load_failed"] = bool(loads and loads[0]["status"] == "failed")
    return payload


def load_bundled(store: ListStore) -> LoadResult:
    """Load the public-domain snapshot that ships with chainwatch (CSL 2022, US lists 2026-07)
    as one snapshot."""
    origin = "bundled snapshot"
    try:
        parsed = [parse_feed(path, fmt, mapping) for path, fmt, mapping in bundled_feeds()]
        return store.load(*parsed, note="bundled public-domain snapshot")
    except ChainwatchError as exc:
        store.log(origin, "failed", str(exc))
        raise


EntryKey = tuple[str, str]  # (feed, entry id): the same id may appear in two feeds


@dataclass
class EntryChange:
    entry_id: str
    name: str
    source: str
    fields: dict[str, tuple[object, object]]  # field -> (old, new)
    feed: str = ""
    before: ListEntry | None = field(default=None, repr=False, compare=False)
    after: ListEntry | None = field(default=None, repr=False, compare=False)


def _brief(feed: str, entry: ListEntry) -> dict[str, str]:
    return {"feed": feed, "entry_id": entry.entry_id, "name": entry.name, "source": entry.source}


@dataclass
class SnapshotDiff:
    """Entries added, removed and changed between two snapshots, keyed by (feed, entry id)."""

    old: str
    new: str
    added: list[ListEntry] = field(default_factory=list)
    removed: list[ListEntry] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    added_feeds: list[str] = field(default_factory=list, repr=False)  # feed of each added
    removed_feeds: list[str] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }

    def as_dict(self, limit: int | None = None) -> dict[str, object]:
        """JSON form (`lists diff --json`, the API); at most `limit` items of each kind."""
        cap = slice(None, limit)
        added_feeds = self.added_feeds or [""] * len(self.added)
        removed_feeds = self.removed_feeds or [""] * len(self.removed)
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "added": [
                _brief(f, e) for f, e in list(zip(added_feeds, self.added, strict=True))[cap]
            ],
            "removed": [
                _brief(f, e) for f, e in list(zip(removed_feeds, self.removed, strict=True))[cap]
            ],
            "changed": [
                {
                    "feed": c.feed,
                    "entry_id": c.entry_id,
                    "name": c.name,
                    "source": c.source,
                    "fields": {k: {"old": o, "new": n} for k, (o, n) in c.fields.items()},
                }
                for c in self.changed[cap]
            ],
        }


def _keyed(entries: Iterable[ListEntry | tuple[str, ListEntry]]) -> dict[EntryKey, ListEntry]:
    out: dict[EntryKey, ListEntry] = {}
    for item in entries:
        feed, entry = item if isinstance(item, tuple) else ("", item)
        out[(feed, entry.entry_id)] = entry
    return out


def diff_entries(
    old: Iterable[ListEntry | tuple[str, ListEntry]],
    new: Iterable[ListEntry | tuple[str, ListEntry]],
) -> tuple[list[tuple[str, ListEntry]], list[tuple[str, ListEntry]], list[EntryChange]]:
    """(feed, entry) pairs added and removed, and the entries changed with the changed fields'
    values; keyed by (feed, entry id). Plain entries count as feed ``""``."""
    before, after = _keyed(old), _keyed(new)
    added = [(k[0], after[k]) for k in sorted(after.keys() - before.keys())]
    removed = [(k[0], before[k]) for k in sorted(before.keys() - after.keys())]
    changed = []
    for key in sorted(before.keys() & after.keys()):
        a_entry, b_entry = before[key], after[key]
        if a_entry == b_entry:
            continue
        a, b = entry_to_dict(a_entry), entry_to_dict(b_entry)
        fields = {name: (a[name], b[name]) for name in a if a[name] != b[name]}
        changed.append(
            EntryChange(key[1], b_entry.name, b_entry.source, fields, key[0], a_entry, b_entry)
        )
    return added, removed, changed


def diff_snapshot_pair(store: ListStore, old: Snapshot | None, new: Snapshot) -> SnapshotDiff:
    """The diff of two snapshots (``old=None``: everything is added). A feed whose version is
    the same in both is skipped without reading its entries."""
    old_versions = {v.feed: v for v in old.feeds} if old is not None else {}
    new_versions = {v.feed: v for v in new.feeds}
    before: list[tuple[str, ListEntry]] = []
    after: list[tuple[str, ListEntry]] = []
    for name in sorted(old_versions.keys() | new_versions.keys()):
        a, b = old_versions.get(name), new_versions.get(name)
        if a is not None and b is not None and a.id == b.id:
            continue
        for version, out in ((a, before), (b, after)):
            if version is not None:
                snap = old if version is a else new
                assert snap is not None
                one = dataclasses.replace(snap, feeds=(version,))
                out.extend((name, e) for e in store.entries(one))
    added, removed, changed = diff_entries(before, after)
    return SnapshotDiff(
        old.content_hash if old is not None else "",
        new.content_hash,
        [e for _, e in added],
        [e for _, e in removed],
        changed,
        [f for f, _ in added],
        [f for f, _ in removed],
    )


def diff_snapshots(store: ListStore, old_ref: str, new_ref: str) -> SnapshotDiff:
    return diff_snapshot_pair(store, store.snapshot(old_ref), store.snapshot(new_ref))


@dataclass
class UpdateReport:
    """What `lists update` did: the load (if any source changed) and the sources that failed."""

    result: LoadResult | None
    downloaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def default_download_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("chainwatch", appauthor=False)) / "downloads"


def update_lists(
    store: ListStore,
    directory: Path | None = None,
    sources: list[str] | None = None,
    *,
    base_url: str | None = None,
    timeout_s: float = 60.0,
) -> UpdateReport:
    """Download every configured source from its official address (or `base_url`), parse the
    ones that arrived, and load them as one new snapshot.

    A source that fails to download or to parse is reported and left out; its previous
    version stays in the active snapshot. Nothing is loaded when nothing changed.
    """
    from chainwatch.lists.download import DownloadError, update_sources

    directory = directory or default_download_dir()
    results = update_sources(directory, sources, base_url=base_url, timeout_s=timeout_s)
    report = UpdateReport(result=None)
    parsed = []
    for name, outcome in results.items():
        if isinstance(outcome, DownloadError):
            report.failed[name] = str(outcome)
            store.log(name, "failed", str(outcome))
            continue
        if not outcome.changed and store.active() is not None:
            report.unchanged.append(name)
            continue
        try:
            parsed.append(
                outcome.parsed  # parsed by the download's check before it replaced anything
                if outcome.parsed is not None
                else parse_feed(outcome.primary_path, outcome.source.format, feed=name)
            )
            report.downloaded.append(name)
        except ChainwatchError as exc:
            report.failed[name] = str(exc)
            store.log(str(outcome.primary_path), "failed", str(exc))
    if parsed:
        report.result = store.load(*parsed, note="lists update")
    return report
