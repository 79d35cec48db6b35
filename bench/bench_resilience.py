"""Resilience benchmarks on Willems (2008) chains 34 and 38 (acceptance of issue 4).

    .venv/bin/python bench/bench_resilience.py [--root ../shared/data/supply/willems2008]
        [--baseline-every 1] [--samples 10000] [--probability 0.002]
        [--replications 5] [--selection 1000] [--prediction 2000]

1. single-supplier sweep of chain 34 (TTS + PI for 1,148 scenarios), beside a plain model
   built per scenario and solved by scipy.optimize.linprog (max abs / rel difference);
2. TTS for one scenario on chain 38, cold (build + solve), beside scipy;
3. Monte Carlo with 10,000 samples on chain 38;
4. stockpile optimisation on chain 38, sample average approximation with validation: M
   replications of 100 plain scenarios, the plan chosen on an independent selection sample,
   its prediction (expected loss ± SE) on a fresh sample, the SAA lower bound and the gap, the
   chosen replication's in-sample figure for comparison; the plan replayed in a fresh Monte
   Carlo (independent seed) ± SE and checked against prediction + 2 combined SE.
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
from chainwatch.resilience.reference import PlainLp, plain_pi, plain_tts
from chainwatch.resilience.sweep import sweep
from chainwatch.resilience.validation import validated_stockpile

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
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--selection", type=int, default=1_000)
    ap.add_argument("--prediction", type=int, default=2_000)
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

    # 4. stockpile chain 38: SAA with validation (M plain 100-scenario replications, chosen on
    #    an independent sample, predicted on a fresh one), then replayed in a fresh Monte Carlo
    pim = PiModel(p38)
    v = validated_stockpile(
        p38,
        dm,
        replications=args.replications,
        scenarios=100,
        selection_samples=args.selection,
        prediction_samples=args.prediction,
        seed=2,
        pi_model=pim,
    )
    t_total = v.seconds_optimise + v.seconds_validate
    chosen = v.candidates[v.chosen]
    print(
        f"[4] chain 38 stockpile, SAA with validation: M = {len(v.candidates)} x N = 100 "
        f"scenarios, selection N' = {args.selection}, prediction N'' = {args.prediction}: "
        f"{t_total:.2f} s (limit 60 s; SAA solves {v.seconds_optimise:.2f} s, validation "
        f"{v.seconds_validate:.2f} s); chosen replication {v.chosen}, holding cost "
        f"{v.plan.holding_cost:,.0f}, {chosen.nodes_stocked} nodes stocked"
    )
    for c in v.candidates:
        print(
            f"    candidate {c.replication}: holding {c.holding_cost:,.0f}, in-sample loss "
            f"{c.in_sample_expected_loss:,.0f} (objective {c.in_sample_objective:,.0f}), "
            f"selection-sample loss {c.validated_expected_loss:,.0f} ± {c.validated_std_error:,.0f}"
        )
    print(
        f"    PREDICTED expected loss (fresh sample, unbiased) {v.predicted.mean:,.0f} ± SE "
        f"{v.predicted.std_error:,.0f}; in-sample (biased) {chosen.in_sample_expected_loss:,.0f}; "
        f"SAA lower bound on holding + loss {v.lower_bound:,.0f} ± {v.lower_bound_std_error:,.0f}; "
        f"predicted holding + loss {v.predicted_objective:,.0f}; gap {v.gap:,.0f} ± "
        f"{v.gap_std_error:,.0f}; no stockpile (selection sample) {v.no_stock.mean:,.0f} ± "
        f"{v.no_stock.std_error:,.0f}, (run [3]) {mc.mean:,.0f} ± {mc.std_error:,.0f}"
    )
    t0 = time.perf_counter()
    replay = monte_carlo(
        p38,
        model=dm,
        n_samples=args.samples,
        seed=7,
        extra_stock=v.plan.extra_stock_units,
        pi_model=pim,
    )
    t_rep = time.perf_counter() - t0
    se = float(np.hypot(v.predicted.std_error, replay.std_error))
    print(
        f"    REPLAY, fresh Monte Carlo ({args.samples} samples, seed 7): {t_rep:.2f} s "
        f"(limit 60 s); {replay.mean:,.0f} ± SE {replay.std_error:,.0f}; replay - predicted = "
        f"{replay.mean - v.predicted.mean:,.0f} = {(replay.mean - v.predicted.mean) / se:.2f} "
        f"combined SE; replay <= predicted + 2 SE: {replay.mean <= v.predicted.mean + 2 * se}; "
        f"against the in-sample figure: "
        f"{(replay.mean - chosen.in_sample_expected_loss) / replay.std_error:.1f} replay SE above"
    )


if __name__ == "__main__":
    main()
