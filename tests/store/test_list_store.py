from __future__ import annotations

import pytest

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import Address, ListEntry, ParsedFeed
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore, SnapshotNotFound
from chainwatch.workflows.lists import diff_snapshots

HIK = ListEntry(
    entry_id="EL:hik",
    source="EL",
    name="Hangzhou Hikvision Digital Technology Co., Ltd.",
    entity_type="company",
    aliases=("Hikvision",),
    addresses=(Address("No. 555 Qianmo Road, Binjiang District, Hangzhou, 310052, CN", "", "CN"),),
    countries=("CN",),
    federal_register="84 FR 54002; 85 FR 44159",
)
DAHUA = ListEntry(entry_id="EL:dahua", source="EL", name="Dahua Technology", countries=("CN",))


def feed(*entries: ListEntry, name: str = "test-el") -> ParsedFeed:
    return ParsedFeed(feed=name, format="custom", origin="test", entries=entries)


def test_load_activates_content_hashed_snapshot(db_url: str) -> None:
    store = ListStore(open_engine(db_url))
    assert store.active() is None
    first = store.load(feed(HIK))
    assert first.status == "loaded"
    again = store.load(feed(HIK))
    assert again.status == "unchanged"
    assert again.snapshot.content_hash == first.snapshot.content_hash
    second = store.load(feed(HIK, DAHUA))
    assert second.snapshot.content_hash != first.snapshot.content_hash
    active = store.active()
    assert active is not None and active.entry_count == 2
    assert [e.entry_id for e in store.entries(active)] == ["EL:dahua", "EL:hik"]
    assert store.entries(active)[1] == HIK  # round trip keeps every field


def test_feeds_compose_and_replace(db_url: str) -> None:
    store = ListStore(open_engine(db_url))
    store.load(feed(HIK, name="a"))
    store.load(feed(DAHUA, name="b"))
    snapshot = store.active()
    assert snapshot is not None
    assert {f.feed for f in snapshot.feeds} == {"a", "b"}
    store.load(feed(HIK, DAHUA, name="a"))  # a new version of feed "a" replaces the old one
    snapshot = store.active()
    assert snapshot is not None
    assert snapshot.source_counts == {"EL": 3}


def test_failed_load_leaves_store_exactly_as_it_was(db_url: str) -> None:
    store = ListStore(open_engine(db_url))
    store.load(feed(HIK))
    before_counts = store.counts()
    before = store.active()
    with pytest.raises(ChainwatchError, match="duplicate entry ids"):
        store.load(feed(DAHUA, DAHUA))
    assert store.counts() == before_counts
    assert store.active() == before


def test_snapshot_references_and_diff(db_url: str) -> None:
    store = ListStore(open_engine(db_url))
    old = store.load(feed(HIK)).snapshot
    changed = ListEntry(
        entry_id="EL:hik",
        source="EL",
        name=HIK.name,
        aliases=("Hikvision", "HIK"),
        countries=("CN",),
    )
    new = store.load(feed(changed, DAHUA)).snapshot
    assert store.snapshot(old.content_hash[:8]).id == old.id
    with pytest.raises(SnapshotNotFound):
        store.snapshot("ffffffffff")
    diff = diff_snapshots(store, str(old.id), "active")
    assert [e.entry_id for e in diff.added] == ["EL:dahua"]
    assert diff.removed == []
    assert [c.entry_id for c in diff.changed] == ["EL:hik"]
    assert "aliases" in diff.changed[0].fields
    assert new.content_hash == store.active().content_hash  # type: ignore[union-attr]
