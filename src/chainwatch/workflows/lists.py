"""List use cases: load a file into a new snapshot, status, diff between snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class EntryChange:
    entry_id: str
    name: str
    source: str
    fields: dict[str, tuple[object, object]]  # field -> (old, new)


@dataclass
class SnapshotDiff:
    old: str
    new: str
    added: list[ListEntry] = field(default_factory=list)
    removed: list[ListEntry] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [
                {"entry_id": e.entry_id, "name": e.name, "source": e.source} for e in self.added
            ],
            "removed": [
                {"entry_id": e.entry_id, "name": e.name, "source": e.source} for e in self.removed
            ],
            "changed": [
                {
                    "entry_id": c.entry_id,
                    "name": c.name,
                    "source": c.source,
                    "fields": {k: {"old": o, "new": n} for k, (o, n) in c.fields.items()},
                }
                for c in self.changed
            ],
        }


def diff_entries(
    old: list[ListEntry], new: list[ListEntry]
) -> tuple[list[ListEntry], list[ListEntry], list[EntryChange]]:
    """Entries added, removed and changed (by entry id), with the changed fields' values."""
    before = {e.entry_id: e for e in old}
    after = {e.entry_id: e for e in new}
    added = [after[k] for k in sorted(after.keys() - before.keys())]
    removed = [before[k] for k in sorted(before.keys() - after.keys())]
    changed = []
    for key in sorted(before.keys() & after.keys()):
        if before[key] == after[key]:
            continue
        a, b = entry_to_dict(before[key]), entry_to_dict(after[key])
        fields = {name: (a[name], b[name]) for name in a if a[name] != b[name]}
        changed.append(EntryChange(key, after[key].name, after[key].source, fields))
    return added, removed, changed


def diff_snapshots(store: ListStore, old_ref: str, new_ref: str) -> SnapshotDiff:
    old: Snapshot = store.snapshot(old_ref)
    new: Snapshot = store.snapshot(new_ref)
    added, removed, changed = diff_entries(store.entries(old), store.entries(new))
    return SnapshotDiff(old.content_hash, new.content_hash, added, removed, changed)


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
            parsed.append(parse_feed(outcome.primary_path, outcome.source.format, feed=name))
            report.downloaded.append(name)
        except ChainwatchError as exc:
            report.failed[name] = str(exc)
            store.log(str(outcome.primary_path), "failed", str(exc))
    if parsed:
        report.result = store.load(*parsed, note="lists update")
    return report
