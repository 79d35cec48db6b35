"""One party once: entries that are the same party in two feeds of a snapshot are linked.

A snapshot may hold one list through two feeds: the OFAC SDN list arrives in the trade.gov
CSL (source ``SDN``, ``_id`` = OFAC's ent_num) and in OFAC's own files (CSV or advanced XML,
``ent_num`` / ``FixedRef``); the non-SDN lists likewise (``SSI``, ``NS-MBS``, ``CMIC`` ...).
The adapters give such entries the same entry id, ``<list code>:<the publisher's record id>``
(``SDN:26235`` in all three), so the link is made by source ids, never by name:

* entries of *different feeds* with the *same entry id* are one party on one list: they are
  merged into one entry, reported once, whose ``listed_in`` (``extra`` key ``listed_in``)
  names every feed it came from. The entry of the publisher's own feed is kept as the base
  (:data:`FEED_PRIORITY`: OFAC's files before the CSL, the CSL before third-party
  collections); names, aliases, addresses, identifiers, dates of birth, countries and
  programs of the others are added to it, so nothing either feed says is lost.
* entries of *different lists* that name each other (an EU or UK listing that transposes a UN
  one carries ``same_as`` = ``UN:<reference>``) stay separate entries — each list has its own
  legal effect and programs, and a screener filters by list — but both are marked: the UN
  entry gets ``same_as`` back to each transposing entry that is in the snapshot.

Worked example (tests/lists/test_linking.py): the four SDN rows of the 2022 CSL in
tests/fixtures/lists/csl/consolidated-2022-sdn-rows.csv (SDN:36, SDN:306, SDN:9935, SDN:26235)
and the OFAC SDN trio of tests/fixtures/lists/ofac/sdn (the same four ent_nums) are 4 + 4 = 8
entries and 4 parties: the linked snapshot has 8 - 4 = 4 entries, each listed in ``ofac-sdn``
and ``csl``; SDN:306 keeps OFAC's name "BANCO NACIONAL DE CUBA" and has both feeds' aliases,
"BNC" (OFAC) and "NATIONAL BANK OF CUBA" (CSL).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from chainwatch.lists.fields import merge_aliases, unique
from chainwatch.model.lists import ListEntry

LISTED_IN = "listed_in"
SAME_AS = "same_as"

#: Feed name prefixes, most authoritative first: the publisher's own files, then official
#: aggregations, then third-party collections. Feeds not named here come after, by name.
FEED_PRIORITY: tuple[str, ...] = (
    "ofac-sdn-advanced",
    "ofac-cons-advanced",
    "ofac-sdn",
    "ofac-cons",
    "un",
    "eu",
    "uk",
    "bis-dpl",
    "csl",
    "custom:",
    "opensanctions",
)


def feed_rank(feed: str) -> tuple[int, str]:
    """Sort key of a feed by :data:`FEED_PRIORITY`."""
    for rank, prefix in enumerate(FEED_PRIORITY):
        if feed == prefix or (prefix.endswith(":") and feed.startswith(prefix)):
            return rank, feed
    return len(FEED_PRIORITY), feed


def _merge(members: list[tuple[str, ListEntry]]) -> ListEntry:
    """Members sorted by feed rank; the first is the base."""
    feeds = [feed for feed, _ in members]
    base = members[0][1]
    entries = [entry for _, entry in members]
    other_names = [name for e in entries[1:] for name in e.all_names]
    addresses = list(dict.fromkeys(a for e in entries for a in e.addresses))
    identifiers = list(dict.fromkeys(i for e in entries for i in e.identifiers))
    listed = [e.listed_on for e in entries if e.listed_on is not None]
    extra = list(base.extra)
    seen_extra = set(extra)
    for entry in entries[1:]:
        for item in entry.extra:
            if item not in seen_extra and item[0] != LISTED_IN:
                seen_extra.add(item)
                extra.append(item)
    extra = [item for item in extra if item[0] != LISTED_IN]
    extra += [(LISTED_IN, feed) for feed in unique(feeds)]
    return dataclasses.replace(
        base,
        aliases=merge_aliases(base.name, base.aliases, other_names),
        addresses=tuple(addresses),
        countries=unique(c for e in entries for c in e.countries),
        identifiers=tuple(identifiers),
        dates_of_birth=unique(d for e in entries for d in e.dates_of_birth),
        programs=unique(p for e in entries for p in e.programs),
        listed_on=min(listed) if listed else None,
        remarks=next((e.remarks for e in entries if e.remarks), ""),
        federal_register=next((e.federal_register for e in entries if e.federal_register), ""),
        license_requirement=next(
            (e.license_requirement for e in entries if e.license_requirement), ""
        ),
        license_policy=next((e.license_policy for e in entries if e.license_policy), ""),
        source_url=base.source_url or next((e.source_url for e in entries if e.source_url), ""),
        extra=tuple(extra),
    )


def link_entries(pairs: Iterable[tuple[str, ListEntry]]) -> list[ListEntry]:
    """The entries of a snapshot, given as (feed, entry) pairs, with each party once.

    Order: first appearance of each entry id, feeds taken in :func:`feed_rank` order. An entry
    found in one feed only is returned as it is, apart from ``same_as`` back-links.
    """
    by_id: dict[str, list[tuple[str, ListEntry]]] = defaultdict(list)
    for feed, entry in sorted(pairs, key=lambda pair: feed_rank(pair[0])):
        by_id[entry.entry_id].append((feed, entry))
    out: list[ListEntry] = []
    position: dict[str, int] = {}
    for entry_id, members in by_id.items():
        position[entry_id] = len(out)
        if len({feed for feed, _ in members}) > 1:
            out.append(_merge(members))
        else:  # one feed (the same id twice in one feed is refused by the store)
            out.extend(entry for _, entry in members)
    back: dict[str, list[str]] = defaultdict(list)
    for entry in out:
        for key, target in entry.extra:
            if key == SAME_AS and target in position and target != entry.entry_id:
                back[target].append(entry.entry_id)
    for target, sources in back.items():
        entry = out[position[target]]
        known = {v for k, v in entry.extra if k == SAME_AS}
        added = [(SAME_AS, s) for s in unique(sources) if s not in known]
        if added:
            out[position[target]] = dataclasses.replace(entry, extra=(*entry.extra, *added))
    return out


def listed_in(entry: ListEntry) -> tuple[str, ...]:
    """The feeds a linked entry came from (empty for an entry of one feed)."""
    return tuple(v for k, v in entry.extra if k == LISTED_IN)


def same_as(entry: ListEntry) -> tuple[str, ...]:
    """Entry ids of the same party on other lists (UN <-> EU/UK transpositions)."""
    return tuple(v for k, v in entry.extra if k == SAME_AS)
