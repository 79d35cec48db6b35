"""Screening speed and memory (issue 2, acceptance 3).

Builds the index over CSL 2022 + OFAC SDN 2024 + every 2026-07 US list, then measures on one
core, in the same run:

* batch screening rate (names per second), explanations included (every hit turned into the
  JSON shape of `screen --json`), over 9,610 real SEC company names plus written variants of
  listed names (so that hits, not only misses, are timed);
* the same names through a RapidFuzz ``process.extractOne`` scan over every listed name
  (the usual quick fuzzy screen), on a sample when the full run would take minutes;
* single-call latency (p50, p99) of a warm ``screen`` over 2,000 names;
* the resident memory the loaded index adds.

Run: ``.venv/bin/python bench/bench_screening.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from chainwatch.engine.local import map_chunks
from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_ALGORITHM, DEFAULT_THRESHOLD, Matcher
from chainwatch.screening.index import ScreeningIndex
from chainwatch.workflows.evaluation import written_variant
from chainwatch.workflows.screening import match_to_dict


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


_MATCHER: Matcher | None = None


def _screen_chunk(names: list[str]) -> list[int]:
    assert _MATCHER is not None
    out = []
    for name in names:
        matches = _MATCHER.screen(Query(name), threshold=DEFAULT_THRESHOLD, limit=5)
        out.append(len([match_to_dict(m) for m in matches]))
    return out


def main() -> None:
    global _MATCHER
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--baseline-sample", type=int, default=400)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core
    shared: Path = args.shared
    lists = shared / "lists"
    feeds = [parse_feed(lists / "us_csl" / "consolidated-2022.csv.gz")]
    feeds.append(parse_feed(lists / "ofac" / "sdn-2024-05-03.csv"))
    for path, fmt, mapping in bundled_feeds():
        if "consolidated" not in path.name:  # the 2026-07 US lists (CSL 2022 is loaded above)
            feeds.append(parse_feed(path, fmt, mapping))
    entries = [e for f in feeds for e in f.entries]
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = ScreeningIndex(entries, "bench")
    build_s = time.perf_counter() - start
    gc.collect()
    index_mb = rss_mb() - before
    matcher = Matcher(index)

    sec = json.loads((shared / "negatives" / "sec_company_tickers-2024-05.json").read_text())
    rng = random.Random(11)
    companies = [e for e in entries if e.entity_type == "company"]
    variants = [written_variant(e.name, rng) for e in rng.sample(companies, 2000)]
    names = [row["title"] for row in sec.values()] + variants
    rng.shuffle(names)

    # warm up caches that a running service would have warm (pinyin tables, token lookups)
    for name in names[:200]:
        matcher.screen(Query(name))

    start = time.perf_counter()
    hits = 0
    for name in names:
        matches = matcher.screen(Query(name), threshold=DEFAULT_THRESHOLD, limit=5)
        hits += bool(matches)
        _ = [match_to_dict(m) for m in matches]
    batch_s = time.perf_counter() - start
    rate = len(names) / batch_s

    # the same batch on every core (forked workers share the index), as `screen --file` does
    _MATCHER = matcher
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        cores = os.cpu_count() or 1
    start = time.perf_counter()
    list(map_chunks(_screen_chunk, names, workers=cores, chunk_size=500))
    parallel_s = time.perf_counter() - start
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    choices = sorted({n for e in entries for n in e.all_names})
    sample = names[: args.baseline_sample]
    start = time.perf_counter()
    for name in sample:
        process.extractOne(name, choices, scorer=fuzz.WRatio, processor=utils.default_process)
    base_s = time.perf_counter() - start
    base_rate = len(sample) / base_s

    latencies = []
    for name in rng.sample(names, 2000):
        t0 = time.perf_counter()
        matches = matcher.screen(Query(name), threshold=DEFAULT_THRESHOLD, limit=10)
        _ = [match_to_dict(m) for m in matches]
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]

    print(f"date: {time.strftime('%Y-%m-%d')}  machine: {os.cpu_count()} cores, {cpu_model()}")
    print(f"python {sys.version.split()[0]}, pinned to one core")
    print(
        f"entries {len(entries):,}  indexed name forms {len(index.names):,}  "
        f"vocabulary {len(index.vocabulary):,}"
    )
    print(f"index build {build_s:.1f} s  resident memory added {index_mb:.0f} MB")
    print(
        f"{DEFAULT_ALGORITHM.name} batch: {len(names):,} names in {batch_s:.2f} s = "
        f"{rate:,.0f} names/s "
        f"(explanations included; {hits:,} names with hits at {DEFAULT_THRESHOLD})"
    )
    print(
        f"same batch on {cores} processes (screen --file): {len(names) / parallel_s:,.0f} names/s"
    )
    print(
        f"rapidfuzz extractOne(WRatio) over {len(choices):,} listed names: {len(sample)} names "
        f"in {base_s:.2f} s = {base_rate:,.1f} names/s"
        f"  -> chainwatch is {rate / base_rate:,.0f}x faster"
    )
    print(f"single screen, warm: p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {latencies[-1]:.2f} ms")


if __name__ == "__main__":
    main()
