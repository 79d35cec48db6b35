"""Freshness by publication date per feed, and a newer feed of the same list superseding the
older one (issue 13: the 2022 CSL beside the 2026 Entity List opened two EL cases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.service.data import HIKVISION, ROSOBORONEXPORT, changed

from chainwatch.model.lists import ParsedFeed
from chainwatch.model.screening import Query
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.store.supersede import superseded
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService
from chainwatch.workflows.live import LiveScreener

OLD_HIKVISION = changed(HIKVISION, entry_id="EL:csl-2022-hikvision", addresses=())


def _day(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def _store(tmp_path: Path, old_has_sdn: bool) -> ListStore:
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'lists.db'}"))
    old = (OLD_HIKVISION, ROSOBORONEXPORT) if old_has_sdn else (OLD_HIKVISION,)
    store.load(ParsedFeed("csl", "csl", "csl-2022.csv", old, published="2022-03-01"))
    store.load(ParsedFeed("bis-el", "custom", "el.csv", (HIKVISION,), published=_day(10)))
    return store


def test_superseded_by_hand() -> None:
    class F:
        def __init__(self, id: int, feed: str, published: str, sources: dict[str, int]) -> None:
            self.id, self.feed, self.published, self.source_counts = id, feed, published, sources

    a = F(1, "csl", "2022-03-01", {"EL": 600, "SDN": 9000})
    b = F(2, "bis-el", "2026-05-01", {"EL": 700})
    c = F(3, "custom", "", {"EL": 5})  # no date: never dropped
    assert superseded([a, b, c]) == {1: {"EL": "bis-el"}}
    assert superseded([a, c]) == {}


def test_a_newer_feed_of_the_same_list_supersedes_the_older(tmp_path: Path) -> None:
    store = _store(tmp_path, old_has_sdn=True)
    snapshot = store.active()
    assert snapshot is not None
    ids = sorted(e.entry_id for e in store.entries(snapshot))
    assert ids == ["EL:hikvision", "SDN:10380"]  # the 2022 EL entry is gone, its SDN stays

    live = LiveScreener(store, max_age_hours=48, max_publication_age_days=120)
    cases = CaseService(store.engine, AuditLog(store.engine))
    query = Query("Hangzhou Hikvision Digital Technology", country="CN")
    matches, fresh = live.screen(query, threshold=0.8)
    [party] = cases.add_counterparties([query], "test")
    opened = cases.record_hits(party, matches, live.entries())
    assert len(opened) == 1 and cases.case(opened[0])["entry_id"] == "EL:hikvision"

    # the 2022 feed still supplies SDN entries: judged by its publication date, it is stale
    assert fresh.stale and "csl (2022-03-01" in fresh.warning
    by_feed = {f["feed"]: f for f in fresh.feeds}
    assert by_feed["csl"]["superseded"] == {"EL": "bis-el"}
    assert by_feed["bis-el"]["published_age_days"] == 10


def test_a_fully_superseded_old_feed_does_not_make_results_stale(tmp_path: Path) -> None:
    store = _store(tmp_path, old_has_sdn=False)
    fresh = LiveScreener(store, max_age_hours=48, max_publication_age_days=120).freshness()
    assert not fresh.stale, fresh.warning
