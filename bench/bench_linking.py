"""One party once (issue 14, Lists): duplicate hits with and without linking, on real lists.

Snapshot: the 2022 CSL, OFAC's SDN (2024-05-03) and non-SDN (2025-12) files, as a user who
loads the CSL and OFAC's own files has it. Screens a sample of listed SDN names (every 20th
SDN entry of OFAC's file, written as listed) against an index over the entries as stored
(one entry per feed) and over the linked entries (chainwatch.lists.linking), and counts the
queries whose top 5 hits hold the same party (entry id) more than once. Also times the
linking and both index builds.

Run: ``.venv/bin/python bench/bench_linking.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from chainwatch.lists.linking import link_entries
from chainwatch.lists.registry import parse_feed
from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD, Matcher
from chainwatch.screening.index import ScreeningIndex


def _duplicated(matcher: Matcher, names: list[str]) -> tuple[int, int, list[dict[str, float]]]:
    """(queries with a party twice in their top 5, hits in total, best score per entry id)."""
    twice = hits = 0
    scores: list[dict[str, float]] = []
    for name in names:
        found = matcher.screen(Query(name), threshold=DEFAULT_THRESHOLD, limit=5)
        hits += len(found)
        if any(n > 1 for n in Counter(m.entry_id for m in found).values()):
            twice += 1
        best: dict[str, float] = {}
        for m in found:
            best[m.entry_id] = max(best.get(m.entry_id, 0.0), m.score)
        scores.append(best)
    return twice, hits, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--shared", type=Path, default=default)
    args = parser.parse_args()
    lists = args.shared / "lists"
    pairs: list[tuple[str, ListEntry]] = []
    for feed, path in (
        ("csl", lists / "us_csl" / "consolidated-2022.csv.gz"),
        ("ofac-sdn", lists / "ofac" / "sdn-2024-05-03.csv"),
        ("ofac-cons", lists / "ofac" / "consolidated-2025-12" / "cons_prim.csv"),
    ):
        pairs += [(feed, e) for e in parse_feed(path).entries]
    stored = [e for _, e in pairs]
    start = time.perf_counter()
    linked = link_entries(pairs)
    link_s = time.perf_counter() - start
    start = time.perf_counter()
    plain_index = ScreeningIndex(stored, "stored")
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    linked_index = ScreeningIndex(linked, "linked")
    linked_s = time.perf_counter() - start
    names = [e.name for f, e in pairs if f == "ofac-sdn"][::20]
    before = _duplicated(Matcher(plain_index), names)
    after = _duplicated(Matcher(linked_index), names)
    day = time.strftime("%Y-%m-%d")
    print(f"date: {day}  entries stored: {len(stored):,}  linked: {len(linked):,}")
    print(f"linking: {link_s:.2f} s; index build: stored {plain_s:.2f} s, linked {linked_s:.2f} s")
    print(
        f"index name forms: stored {len(plain_index.names):,}, linked {len(linked_index.names):,}"
    )
    print(f"{len(names)} SDN names screened (threshold {DEFAULT_THRESHOLD}, top 5):")
    print(f"  stored entries: {before[0]} queries report a party twice; {before[1]} hits")
    print(f"  linked entries: {after[0]} queries report a party twice; {after[1]} hits")
    moved = [
        abs(b[i] - a[i])
        for b, a in zip(before[2], after[2], strict=True)
        for i in b.keys() & a.keys()
    ]
    top_same = sum(
        1
        for b, a in zip(before[2], after[2], strict=True)
        if b and a and max(b, key=b.__getitem__) == max(a, key=a.__getitem__)
    )
    print(
        f"  score change of a hit found both ways: max {max(moved):.4f}, "
        f"mean {sum(moved) / len(moved):.4f} over {len(moved)} hits; same top hit in "
        f"{top_same} of {sum(1 for b in before[2] if b)} queries"
    )


if __name__ == "__main__":
    main()
