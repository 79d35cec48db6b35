"""Speed and memory of chainwatch-v2 and -v3 side by side (issue 9, acceptance 5).

Over the full index (CSL 2022 + OFAC SDN 2024 + every 2026-07 US list), per algorithm through
the registry, in one run, pinned to one core:

* index build time and the resident memory the index adds (RSS before and after building);
* batch rate: the 9,610 SEC 2024 names plus 2,000 written variants of listed companies
  (``chainwatch.workflows.evaluation.written_variant``, so hits are timed too), at the default
  threshold, explanations included (each hit turned into ``screen --json``'s shape);
* warm single-screen latency (p50, p99) of 2,000 of those names, limit 10.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pairs_v3
from bench_anchor import machine
from bench_screening import rss_mb
from chainwatch.model.screening import Query
from chainwatch.screening.registry import build_index, default_threshold, make_matcher
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
        "| algorithm | index build s | index MB (RSS added) | batch names/s | names with hits "
        "| single p50 ms | single p99 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.algorithms:
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        index = build_index(name, entries, "bench")
        build_s = time.perf_counter() - start
        gc.collect()
        index_mb = rss_mb() - before
        matcher = make_matcher(name, index)
        t = default_threshold(name)
        for q in names[:200]:  # warm the caches a running service has warm
            matcher.screen(Query(q), threshold=t)
        start = time.perf_counter()
        hits = 0
        for q in names:
            matches = matcher.screen(Query(q), threshold=t, limit=5)
            hits += bool(matches)
            _ = [match_to_dict(m) for m in matches]
        rate = len(names) / (time.perf_counter() - start)
        latencies = []
        for q in sample:
            t0 = time.perf_counter()
            matches = matcher.screen(Query(q), threshold=t, limit=10)
            _ = [match_to_dict(m) for m in matches]
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(
            f"| {name} | {build_s:.1f} | {index_mb:.0f} | {rate:,.0f} | {hits:,} "
            f"| {p50:.2f} | {p99:.2f} |"
        )
        del matcher, index
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
