"""Resilience benchmarks on Willems (2008) chains 34 and 38 (acceptance of issue 4).

    .venv/bin/python bench/bench_resilience.py [--root ../shared/data/supply/willems2008]
        [--baseline-every 1] [--samples 10000] [--probability 0.002]

1. single-supplier sweep of chain 34 (TTS + PI for 1,148 scenarios), beside a plain model
   built per scenario and solved by scipy.optimize.linprog (max abs / rel difference);
2. TTS for one scenario on chain 38, cold (build + solve), beside scipy;
3. Monte Carlo with 10,000 samples on chain 38;
4. stockpile optimisation on chain 38 on covering scenarios (each of the 820 suppliers
   designated in turn, unbiased weights), its in-sample prediction ± SE and its plan replayed
   in a fresh Monte Carlo (independent seed) ± SE; the same for the plain 100-scenario sample
   average approximation as the comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import time
from pathlib import Path

import numpy as np
import scipy.optimize
import scipy.sparse

from chainwatch.network.willems import load_willems_chain
from chainwatch.resilience.lp import PiModel, TtsModel
from chainwatch.resilience.montecarlo import DesignationModel, monte_carlo
from chainwatch.resilience.network_adapter import from_network
from chainwatch.resilience.problem import ResilienceProblem
from chainwatch.resilience.reference import PlainLp, plain_pi, plain_tts
from chainwatch.resilience.stockpile import (
    StockpileModel,
    StockpilePlan,
    StockScenario,
    covering_scenarios,
    estimate_loss,
    sample_scenarios,
)
from chainwatch.resilience.sweep import sweep

print = functools.partial(print, flush=True)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "supply" / "willems2008"


def scipy_value(lp: PlainLp) -> float:
    a = scipy.sparse.csr_matrix((lp.vals, (lp.rows, lp.cols)), shape=(len(lp.b_ub), len(lp.c)))
    res = scipy.optimize.linprog(
        lp.c, A_ub=a, b_ub=lp.b_ub, bounds=np.column_stack([lp.lower, lp.upper]), method="highs"
    )
    if res.status != 0:
        raise RuntimeError(res.message)
    return float(lp.sign * res.fun)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{dt.date.today()} · nproc {os.cpu_count()} · {cpu} · Python {platform.python_version()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(DEFAULT_ROOT))
    ap.add_argument("--baseline-every", type=int, default=1)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--probability", type=float, default=0.002)
    args = ap.parse_args()
    print(machine())

    # 1. sweep chain 34
    p34 = from_network(load_willems_chain(args.root, 34))
    t0 = time.perf_counter()
    result = sweep(p34, horizon_days=365.0)
    t_ours = time.perf_counter() - t0
    print(
        f"[1] chain 34 sweep: {len(result.scenarios)} scenarios in {t_ours:.2f} s "
        f"(limit 30 s); {sum(s.at_risk for s in result.scenarios)} with TTS < TTR"
    )
    by_name = {s.name: s for s in result.scenarios}
    subset = p34.suppliers[:: args.baseline_every]
    t0 = time.perf_counter()
    d_abs = d_rel = d_tts = 0.0
    for unit in subset:
        ours = by_name[unit.name]
        pi = scipy_value(plain_pi(p34, unit.cut, ours.ttr_days))
        tts = scipy_value(plain_tts(p34, unit.cut, 365.0))
        d_abs = max(d_abs, abs(pi - ours.lost_margin))
        d_rel = max(d_rel, abs(pi - ours.lost_margin) / max(1.0, abs(pi)))
        d_tts = max(d_tts, abs(tts - ours.tts_days))
    t_scipy = time.perf_counter() - t0
    print(
        f"    scipy.optimize.linprog plain model on {len(subset)} of them: {t_scipy:.2f} s "
        f"(ours {t_ours * len(subset) / len(result.scenarios):.2f} s on the same); max |ΔTTS| "
        f"{d_tts:.2e} days, max |ΔPI| {d_abs:.2e} (relative {d_rel:.2e})"
    )

    # 2. TTS one scenario chain 38, cold
    p38 = from_network(load_willems_chain(args.root, 38))
    unit = max(p38.suppliers, key=lambda u: len(p38.downstream(u.cut)))
    t0 = time.perf_counter()
    tts = TtsModel(p38, 365.0).solve(unit.cut)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = scipy_value(plain_tts(p38, unit.cut, 365.0))
    t_ref = time.perf_counter() - t0
    print(
        f"[2] chain 38 ({p38.n_nodes} nodes, {p38.n_arcs} arcs) TTS of {unit.name}: "
        f"{tts:.4f} days in {t_cold:.3f} s cold (limit 0.5 s); scipy plain model "
        f"{ref:.4f} days in {t_ref:.3f} s; |Δ| {abs(tts - ref):.2e}"
    )

    # 3. Monte Carlo chain 38
    dm = DesignationModel.uniform(p38.suppliers, args.probability)
    t0 = time.perf_counter()
    mc = monte_carlo(p38, model=dm, n_samples=args.samples, seed=1)
    t_mc = time.perf_counter() - t0
    print(
        f"[3] chain 38 Monte Carlo, {args.samples} samples, p = {args.probability} per supplier: "
        f"{t_mc:.2f} s (limit 60 s); mean {mc.mean:,.0f} ± {1.96 * mc.std_error:,.0f}, "
        f"P95 {mc.p95:,.0f}, ES95 {mc.expected_shortfall_95:,.0f}, P(loss) "
        f"{mc.probability_of_loss:.3f}; {mc.distinct_cut_sets} cut sets, {mc.lp_solves} LPs"
    )

    # 4. stockpile chain 38: covering scenarios (every supplier designated in turn), then the
    #    plain 100-scenario sample average approximation as the comparison, each replayed
    pim = PiModel(p38)
    t0 = time.perf_counter()
    cov = covering_scenarios(p38, dm, rounds=1, seed=2)
    model = StockpileModel(p38, cov)
    plan = model.solve()
    t_sp = time.perf_counter() - t0
    report_plan("covering", p38, dm, cov, plan, t_sp, pim, mc.mean, args.samples)

    t0 = time.perf_counter()
    scen = sample_scenarios(p38, dm, 100, seed=2)
    plan_saa = StockpileModel(p38, scen).solve()
    t_saa = time.perf_counter() - t0
    report_plan("plain SAA, 100", p38, dm, scen, plan_saa, t_saa, pim, mc.mean, args.samples)


def report_plan(
    name: str,
    p: ResilienceProblem,
    dm: DesignationModel,
    scen: tuple[StockScenario, ...],
    plan: StockpilePlan,
    t_opt: float,
    pim: PiModel,
    no_stock_mc: float,
    samples: int,
) -> None:
    est = estimate_loss(p, scen, plan.extra_stock_units, pim)
    bare = estimate_loss(p, scen, None, pim)
    t0 = time.perf_counter()
    replay = monte_carlo(
        p, model=dm, n_samples=samples, seed=7, extra_stock=plan.extra_stock_units, pi_model=pim
    )
    t_rep = time.perf_counter() - t0
    se = float(np.hypot(est.std_error, replay.std_error))
    print(
        f"[4] chain 38 stockpile, {name} ({len(scen)} scenarios): {t_opt:.2f} s (limit 60 s); "
        f"holding cost {plan.holding_cost:,.0f}, {int((plan.extra_stock_units > 0).sum())} "
        f"nodes stocked; predicted expected loss {plan.expected_loss:,.0f} ± SE "
        f"{est.std_error:,.0f} (in-sample without stockpile {bare.mean:,.0f} "
        f"± {bare.std_error:,.0f})"
    )
    print(
        f"    replay, fresh Monte Carlo ({samples} samples, seed 7, {t_rep:.1f} s, limit 60 s): "
        f"{replay.mean:,.0f} ± SE {replay.std_error:,.0f}; no stockpile (run [3]) "
        f"{no_stock_mc:,.0f}; replay - predicted = {replay.mean - plan.expected_loss:,.0f} "
        f"= {(replay.mean - plan.expected_loss) / se:.2f} combined SE; "
        f"replay <= predicted + 2 SE: {replay.mean <= plan.expected_loss + 2 * se}"
    )


if __name__ == "__main__":
    main()
