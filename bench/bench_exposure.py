"""Benchmark: exposure of every single-stage disruption across all 38 Willems (2008) chains.

15,872 scenarios (one per stage). Three ways, measured in the same run on one core:

* ``bitsets``  — :func:`chainwatch.network.exposure.single_stage_exposure` (reachability
  propagated once per chain in BOM order, weighted by one matrix product);
* ``naive-bfs`` — one graph search per scenario (:func:`single_stage_exposure_naive`);
* ``engine``   — the general :func:`inbound_exposure` once per scenario (full item/product
  report); by default on a sample of scenarios per chain and extrapolated (``--full`` runs all).

Usage: ``python bench/bench_exposure.py [--root ../shared/data/supply/willems2008] [--full]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from chainwatch.model.network import Scenario
from chainwatch.network.exposure import (
    inbound_exposure,
    single_stage_exposure,
    single_stage_exposure_naive,
)
from chainwatch.network.willems import load_willems

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "supply" / "willems2008"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=str(DEFAULT_ROOT))
    ap.add_argument("--full", action="store_true", help="run the engine on every scenario")
    ap.add_argument("--sample", type=int, default=20, help="engine scenarios per chain")
    args = ap.parse_args()

    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: nproc={os.cpu_count()} cpu={cpu_model()!r} python={platform.python_version()}")
    t0 = time.perf_counter()
    nets = load_willems(args.root)
    load_s = time.perf_counter() - t0
    n_scen = sum(len(n.items) for n in nets)
    print(
        f"load: {len(nets)} chains, {n_scen} stages, {sum(len(n.bom) for n in nets)} arcs "
        f"in {load_s:.2f} s"
    )

    t0 = time.perf_counter()
    fast = [single_stage_exposure(n) for n in nets]
    fast_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive = [single_stage_exposure_naive(n) for n in nets]
    naive_s = time.perf_counter() - t0
    for a, b in zip(fast, naive, strict=True):
        np.testing.assert_allclose(a.revenue_at_risk_per_day, b.revenue_at_risk_per_day)
        assert (a.products_hit == b.products_hit).all()

    engine_s = 0.0
    engine_n = 0
    est_s = 0.0
    for net, res in zip(nets, fast, strict=True):
        ids = res.item_ids if args.full else res.item_ids[: args.sample]
        t0 = time.perf_counter()
        for k, item_id in enumerate(ids):
            exp = inbound_exposure(net, Scenario("s", disrupted_items=(item_id,)))
            assert abs(exp.revenue_at_risk_per_day - res.revenue_at_risk_per_day[k]) <= 1e-6 * (
                1 + abs(exp.revenue_at_risk_per_day)
            )
        dt = time.perf_counter() - t0
        engine_s += dt
        engine_n += len(ids)
        est_s += dt / max(1, len(ids)) * len(res.item_ids)

    total_rev = sum(float(r.revenue_at_risk_per_day.sum()) for r in fast)
    worst = max(
        (
            (
                r.network,
                r.item_ids[int(r.revenue_at_risk_per_day.argmax())],
                float(r.revenue_at_risk_per_day.max()),
            )
            for r in fast
        ),
        key=lambda t: t[2],
    )
    print(f"scenarios: {n_scen} single-stage disruptions")
    print(f"bitsets:   {fast_s:8.3f} s  ({fast_s / n_scen * 1e6:7.1f} us/scenario)")
    print(
        f"naive-bfs: {naive_s:8.3f} s  ({naive_s / n_scen * 1e6:7.1f} us/scenario)  "
        f"x{naive_s / fast_s:.1f} slower"
    )
    mode = "all" if args.full else f"sample of {engine_n}, extrapolated"
    print(
        f"engine:    {est_s:8.3f} s  ({mode}; measured {engine_s:.2f} s)  "
        f"x{est_s / fast_s:.0f} slower"
    )
    print(f"results agree (bitsets = naive on all; = engine on {engine_n})")
    print(f"sum of revenue at risk over scenarios: {total_rev:,.0f} per day; worst: {worst}")
    print(
        f"under 30 s: {'yes' if load_s + fast_s < 30 else 'NO'} "
        f"(load + bitsets = {load_s + fast_s:.2f} s)"
    )


if __name__ == "__main__":
    main()
