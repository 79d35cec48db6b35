"""Issue 11 benchmarks on Willems (2008) chain 38: Monte Carlo quality and the stockpile at scale.

    .venv/bin/python bench/bench_resilience_scale.py [--root ../shared/data/supply/willems2008]
        [--workers 2] [--only mc,is,plan,rumour]

[mc]     plain Monte Carlo, 100,000 horizons, p = 0.002: time, mean ± SE, P95 ± SE, ES95 ± SE
         (bootstrap), effective sample size, peak memory (limit 120 s);
[is]     p = 0.0002: importance sampling with 10,000 horizons beside plain sampling with
         100,000 (ten times longer), both with SEs: |difference| against the combined SE;
[plan]   the stockpile command's defaults (L-shaped SAA, 2 replications, paired validation on
         an independent importance sample): paired difference plan - no stock with its 95 %
         interval, bounds, time (limit 5 min);
[rumour] the same with a rumoured listing: the 10 suppliers whose single cut-off loses the
         most get p = 0.5 (as with the 2019 rumours before Huawei's Entity List listing).
Each section's peak resident memory is the process's high-water mark at its end (sections run
in order, so it is cumulative; limit 2 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from chainwatch.engine.local import map_chunks
from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience.benders import restrict_stock
from chainwatch.resilience.lp import PiModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import from_network
from chainwatch.resilience.scale_plan import plan_stockpile

print = functools.partial(print, flush=True)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "supply" / "willems2008"


def peak_mb() -> str:
    """The high-water mark of this process and of the largest finished worker (forked
    workers are separate processes: their memory adds to the parent's while they run)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ch = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"{me:,.0f} MB (largest worker {ch:,.0f} MB)"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the forked workers): on a
    machine shared with other jobs the wall time overstates what the work needs."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = os.getloadavg()
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · nproc {os.cpu_count()} · {cpu} · "
        f"Python {platform.python_version()} · load average {load[0]:.1f}"
    )


def mapper_for(workers: int) -> Any:
    if workers <= 1:
        return None

    def mapper(function: Any, items: Any) -> Any:
        return map_chunks(function, items, workers=workers, chunk_size=len(items) // 8 + 1)

    return mapper


def plan_report(label: str, res: Any, seconds: float, cpu: float) -> None:
    d = res.as_dict()
    print(
        f"{label}: {seconds:.1f} s wall, {cpu:.1f} s CPU (limit 300 s), load "
        f"{os.getloadavg()[0]:.1f}, peak RSS {peak_mb()}"
    )
    for f in d["plans"]:
        print(
            f"      {f['plan']:>13}: holding {f['holding_cost']:,.0f}, expected loss "
            f"{f['expected_loss']:,.0f} ± {f['expected_loss_std_error']:,.0f}, CVaR95 "
            f"{f['cvar']:,.0f}, objective {f['objective']:,.0f}"
        )
    for c in d["paired_differences"]:
        print(
            f"      plan - {c['against']}: {c['difference']:,.0f} ± {c['std_error']:,.0f}, "
            f"95 % CI [{c['ci95_low']:,.0f}, {c['ci95_high']:,.0f}], better at 95 %: "
            f"{c['better_at_95']}"
        )
    print(
        f"      lower bound {d['lower_bound_objective']:,.0f} ± "
        f"{d['lower_bound_std_error']:,.0f}; upper bound {d['upper_bound_objective']:,.0f} ± "
        f"{d['upper_bound_std_error']:,.0f}; gap {d['optimality_gap']:,.0f} ± "
        f"{d['optimality_gap_std_error']:,.0f}; validation ESS "
        f"{d['validation_effective_sample_size']:,.0f} of {d['validation_samples']:,}"
    )
    for r in d["replications"]:
        print(
            f"      replication {r['replication']}: {r['horizons']} horizons, "
            f"{r['iterations']} iterations, {r['lp_solves']} LPs, {r['seconds']:.1f} s "
            f"(master {r['master_seconds']:.1f} s), "
            f"in-sample objective {r['in_sample_objective']:,.0f}, LB {r['lower_bound']:,.0f}"
        )
    print(f"      recommended: {d['recommended']} ({d['recommendation']})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(DEFAULT_ROOT))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default="mc,is,plan,rumour")
    ap.add_argument("--scenarios", type=int, default=1_600)
    ap.add_argument("--validation", type=int, default=4_000)
    args = ap.parse_args()
    only = set(args.only.split(","))
    print(machine())
    p38 = from_network(load_willems_chain(args.root, 38))
    mapper = mapper_for(args.workers)

    if "mc" in only:
        dm = DesignationModel.uniform(p38.suppliers, 0.002)
        t0, c0 = time.perf_counter(), cpu_seconds()
        mc = monte_carlo(p38, model=dm, n_samples=100_000, seed=1, mapper=mapper)
        t, c = time.perf_counter() - t0, cpu_seconds() - c0
        print(
            f"[mc] chain 38, 100,000 plain horizons, p = 0.002, workers {args.workers}: "
            f"{t:.1f} s wall, {c:.1f} s CPU (limit 120 s), load {os.getloadavg()[0]:.1f}, "
            f"peak RSS {peak_mb()}; mean {mc.mean:,.0f} ± "
            f"{mc.std_error:,.0f}, P95 {mc.p95:,.0f} ± {mc.p95_std_error:,.0f}, ES95 "
            f"{mc.expected_shortfall_95:,.0f} ± {mc.expected_shortfall_95_std_error:,.0f}; "
            f"P(loss) {mc.probability_of_loss:.3f}; {mc.distinct_cut_sets:,} components, "
            f"{mc.lp_solves:,} LPs"
        )

    if "is" in only:
        dm = DesignationModel.uniform(p38.suppliers, 0.0002)
        pim = PiModel(p38)
        t0, c0 = time.perf_counter(), cpu_seconds()
        imp = monte_carlo(
            p38,
            model=dm,
            n_samples=10_000,
            seed=2,
            scheme="importance",
            pi_model=pim,
            mapper=mapper,
        )
        t_is, c_is = time.perf_counter() - t0, cpu_seconds() - c0
        t0, c0 = time.perf_counter(), cpu_seconds()
        plain = monte_carlo(p38, model=dm, n_samples=100_000, seed=3, pi_model=pim, mapper=mapper)
        t_pl, c_pl = time.perf_counter() - t0, cpu_seconds() - c0
        se = float(np.hypot(imp.std_error, plain.std_error))
        print(
            f"[is] p = 0.0002: importance 10,000 horizons {t_is:.1f} s wall, {c_is:.1f} s "
            f"CPU: mean {imp.mean:,.0f} ± "
            f"{imp.std_error:,.0f} (ESS {imp.effective_sample_size:,.0f}), P95 {imp.p95:,.0f} ± "
            f"{imp.p95_std_error:,.0f}, ES95 {imp.expected_shortfall_95:,.0f} ± "
            f"{imp.expected_shortfall_95_std_error:,.0f}"
        )
        print(
            f"     plain 100,000 horizons {t_pl:.1f} s wall, {c_pl:.1f} s CPU: mean "
            f"{plain.mean:,.0f} ± "
            f"{plain.std_error:,.0f}, P95 {plain.p95:,.0f} ± {plain.p95_std_error:,.0f}, ES95 "
            f"{plain.expected_shortfall_95:,.0f} ± {plain.expected_shortfall_95_std_error:,.0f}"
        )
        print(
            f"     importance - plain = {imp.mean - plain.mean:,.0f} = "
            f"{(imp.mean - plain.mean) / se:+.2f} combined SE (|.| < 2: agree); importance SE "
            f"{imp.std_error:,.0f} vs plain SE {plain.std_error:,.0f} on 10x the horizons"
        )

    p = restrict_stock(p38, "purchased")
    if "plan" in only:
        dm = DesignationModel.uniform(p.suppliers, 0.002)
        t0, c0 = time.perf_counter(), cpu_seconds()
        res = plan_stockpile(
            p,
            dm,
            scenarios=args.scenarios,
            validation_samples=args.validation,
            seed=0,
            mapper=mapper,
        )
        plan_report(
            f"[plan] chain 38 defaults (p = 0.002, {args.scenarios} scenarios x 2, validation "
            f"{args.validation})",
            res,
            time.perf_counter() - t0,
            cpu_seconds() - c0,
        )

    if "rumour" in only:
        pim = PiModel(p38)
        worst = sorted(p.suppliers, key=lambda u: -pim.solve(u.cut, u.ttr.mode_days).lost_margin)
        rumoured = {u.name: 0.5 for u in worst[:10]}
        dm = DesignationModel.uniform(p.suppliers, 0.002).with_overrides(p.suppliers, rumoured)
        t0, c0 = time.perf_counter(), cpu_seconds()
        res = plan_stockpile(
            p,
            dm,
            scenarios=args.scenarios,
            validation_samples=args.validation,
            seed=0,
            mapper=mapper,
        )
        plan_report(
            f"[rumour] p = 0.5 for {', '.join(sorted(rumoured))}; 0.002 for the rest",
            res,
            time.perf_counter() - t0,
            cpu_seconds() - c0,
        )


if __name__ == "__main__":
    main()
