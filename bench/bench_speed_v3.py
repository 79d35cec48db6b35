"""Speed and memory of chainwatch-v2 and -v3 side by side (issue 9, acceptance 5).

Over the full index (CSL 2022 + OFAC SDN 2024 + every 2026-07 US list), per algorithm through
the registry, in one run, pinned to one core (``--unpinned``: not):

* index build time and the resident memory the index adds (RSS before and after building);
* batch rate (wall and CPU time; the algorithms take turns, 250 names each, so that the load
  of a shared machine falls on them alike), each chunk screened as the batch workflow's
  chunks are (``registry.screen_many``: v3 prepares a chunk's names together, v2 screens
  them one by one): the 9,610 SEC 2024 names plus 2,000 written
  variants of listed companies (``chainwatch.workflows.evaluation.written_variant``, so hits
  are timed too), at the default threshold, explanations included (each hit turned into
  ``screen --json``'s shape);
* warm single-screen latency (p50, p99) of 2,000 of those names, limit 10 (taking turns too).

Run: ``.venv/bin/python bench/bench_speed_v3.py [--shared ../shared/data] [--unpinned]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pairs_v3
from bench_anchor import machine
from bench_screening import rss_mb
from chainwatch.model.screening import Query
from chainwatch.screening.registry import (
    build_index,
    default_threshold,
    make_matcher,
    screen_many,
)
from chainwatch.workflows.evaluation import written_variant
from chainwatch.workflows.screening import match_to_dict
from matchers import CHAINWATCH, full_index_entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=pairs_v3.DEFAULT_SHARED)
    parser.add_argument("--algorithms", nargs="*", default=list(CHAINWATCH))
    parser.add_argument(
        "--unpinned", action="store_true", help="let the OS move the process between cores"
    )
    args = parser.parse_args()
    pinned = not args.unpinned and hasattr(os, "sched_setaffinity")
    if pinned:
        os.sched_setaffinity(0, {0})
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  machine: {machine()}")
    where = "pinned to one core" if pinned else "unpinned"
    print(f"command: .venv/bin/python bench/bench_speed_v3.py ({where})")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    entries = full_index_entries(args.shared)
    sec = json.loads((args.shared / "negatives" / "sec_company_tickers-2024-05.json").read_text())
    rng = random.Random(11)
    companies = [e for e in entries if e.entity_type == "company"]
    names = [row["title"] for row in sec.values()]
    names += [written_variant(e.name, rng) for e in rng.sample(companies, 2000)]
    rng.shuffle(names)
    sample = rng.sample(names, 2000)
    print(f"{len(entries):,} entries; {len(names):,} names")
    print()
    print(
        "| algorithm | index build s | index MB (RSS added) | batch names/s | batch names/s "
        "(CPU time) | names with hits | single p50 ms | single p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    matchers: dict[str, Any] = {}
    built: dict[str, tuple[float, float]] = {}
    for name in args.algorithms:
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        index = build_index(name, entries, "bench")
        build_s = time.perf_counter() - start
        gc.collect()
        built[name] = (build_s, rss_mb() - before)
        matchers[name] = make_matcher(name, index)
        for q in names[:200]:  # warm the caches a running service has warm
            matchers[name].screen(Query(q), threshold=default_threshold(name))
    # The algorithms take turns, a chunk of names each, so that a shared machine's load
    # falls on all of them alike; CPU time beside wall time.
    wall = dict.fromkeys(matchers, 0.0)
    cpu = dict.fromkeys(matchers, 0.0)
    hits = dict.fromkeys(matchers, 0)
    for chunk in range(0, len(names), 250):
        for name, matcher in matchers.items():
            t = default_threshold(name)
            start, start_cpu = time.perf_counter(), time.process_time()
            queries = [Query(q) for q in names[chunk : chunk + 250]]
            for matches in screen_many(matcher, queries, threshold=t, limit=5):
                hits[name] += bool(matches)
                _ = [match_to_dict(m) for m in matches]
            wall[name] += time.perf_counter() - start
            cpu[name] += time.process_time() - start_cpu
    latencies: dict[str, list[float]] = {name: [] for name in matchers}
    for q in sample:
        for name, matcher in matchers.items():
            t0 = time.perf_counter()
            matches = matcher.screen(Query(q), threshold=default_threshold(name), limit=10)
            _ = [match_to_dict(m) for m in matches]
            latencies[name].append((time.perf_counter() - t0) * 1000)
    for name in matchers:
        ms = sorted(latencies[name])
        p50 = statistics.median(ms)
        p99 = ms[int(len(ms) * 0.99) - 1]
        build_s, index_mb = built[name]
        print(
            f"| {name} | {build_s:.1f} | {index_mb:.0f} | {len(names) / wall[name]:,.0f} "
            f"| {len(names) / cpu[name]:,.0f} | {hits[name]:,} | {p50:.2f} | {p99:.2f} |"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
