"""Which feed's entries of a list count when two active feeds carry the same list.

The Consolidated Screening List carries the Entity List (EL), the SDN list and others; so do
the agencies' own files. When two active feeds hold entries of the same list code and both
state a publication date, the entries of that list come from the most recently *published*
feed only: a 2022 CSL loaded today does not put its 2022 Entity List beside the 2026 Entity
List (which would open two EL cases for Hikvision, one on an entry that was since amended).
Feeds without a publication date are never dropped (nothing says they are older).

Example: feeds A (published 2022-03-01, sources EL 600, SDN 9000) and B (published
2026-05-01, source EL 700): A's EL entries are dropped, A's SDN entries stay, B stays whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class FeedLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def feed(self) -> str: ...
    @property
    def published(self) -> str: ...
    @property
    def source_counts(self) -> dict[str, int]: ...


def publication_day(published: str) -> str:
    """The ISO day of a publication date ('' when unknown); longer stamps are cut."""
    day = published.strip()[:10]
    return day if len(day) == 10 and day[4] == "-" and day[7] == "-" else ""


def superseded(feeds: Sequence[FeedLike]) -> dict[int, dict[str, str]]:
    """{feed version id: {list code: name of the newer feed that supersedes it}}."""
    by_source: dict[str, list[FeedLike]] = {}
    for feed in feeds:
        for source, count in feed.source_counts.items():
            if count > 0:
                by_source.setdefault(source, []).append(feed)
    dropped: dict[int, dict[str, str]] = {}
    for source, holders in sorted(by_source.items()):
        dated = [f for f in holders if publication_day(f.published)]
        if len(dated) < 2:
            continue
        newest = max(dated, key=lambda f: (publication_day(f.published), f.id))
        for feed in dated:
            if publication_day(feed.published) < publication_day(newest.published):
                dropped.setdefault(feed.id, {})[source] = newest.feed
    return dropped
