"""Backtest of the designation model on the real lists (issue 11, acceptance 3).

    .venv/bin/python bench/bench_risk_backtest.py [--lists ../shared/data/lists]
        [--chart docs/risk_reliability.png]

1. Loads the real lists into a fresh SQLite store (the workflow's own path): OFAC SDN
   2019-01, the CSL of 2022-04 (EL, SDN, MEU, CMIC, DPL, ... with start dates), OFAC SDN
   2024-05-03, and the 2026-07 extract's Entity List (Federal Register citations), MEU,
   NS-CMIC, UFLPA and 1260H. Snapshot dates come from the file names and the latest dated
   entry (printed).
2. Chooses the two hyper-parameters (prior weight ``k``, look-back years) on an EARLIER
   backtest that uses only data known by the cut-off: fit on what was known on 2019-01-01,
   score the additions up to 2022-04-21.
3. The held-back test: fit on what was known on 2022-04-21 (the CSL snapshot; the SDN is
   undated, so a cut-off between its snapshots would leave its additions undated), predict
   who is added to the Entity List or SDN by 2024-05-03 (the next SDN snapshot). Brier score,
   log loss and reliability against the constant-rate baseline of the same fit.
4. Also: the cut-off 2021-12-31 with Entity List additions in 2022 only (exactly dated), the
   largest listing waves and the country loading they calibrate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from chainwatch.lists.registry import parse_feed
from chainwatch.resilience import history as h
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows import risk as wf

print = functools.partial(print, flush=True)

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists"
FILES = (
    "ofac/2019",
    "us_csl/consolidated-2022.csv.gz",
    "ofac/sdn-2024-05-03.csv",
    "us_extract_2026-07/bis_entity_list.json",
    "us_extract_2026-07/bis_meu.json",
    "us_extract_2026-07/ofac_nscmic.json",
    "us_extract_2026-07/dhs_uflpa.json",
    "us_extract_2026-07/dow_1260h.json",
)
EDGES = [0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
GRID_K = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
GRID_LOOKBACK = (1.0, 2.0, 3.0, 5.0)


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def chart(bt: h.Backtest, path: Path) -> None:
    bins = h.reliability(bt.predicted, bt.outcome, EDGES)
    fig, (ax, hx) = plt.subplots(
        1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.3, 1]}, layout="constrained"
    )
    fig.suptitle(
        f"Designation model backtest: fitted on the lists known on {bt.cutoff},"
        f" scored on additions to the Entity List or SDN by {bt.end}",
        fontsize=10.5,
    )
    xlo, xhi, ylo_ax = 5e-4, 0.5, 1e-4
    ax.plot([xlo, xhi], [xlo, xhi], color="0.6", lw=1, ls="--", label="perfect calibration")
    x = np.array([b["mean_predicted"] for b in bins])
    y = np.array([b["observed"] for b in bins])
    shown = np.maximum(y, ylo_ax * 1.5)  # a bin with no addition sits on the floor, open marker
    low = np.maximum([b["observed_low"] for b in bins], ylo_ax * 1.01)
    high = np.array([b["observed_high"] for b in bins])
    ax.errorbar(
        x,
        shown,
        yerr=[shown - np.minimum(low, shown), high - shown],
        fmt="none",
        ecolor="tab:blue",
        alpha=0.5,
        capsize=3,
    )
    zero = y == 0
    ax.scatter(
        x[~zero],
        shown[~zero],
        color="tab:blue",
        zorder=3,
        label="history model: bin, observed share with 95 % Wilson interval",
    )
    if zero.any():
        ax.scatter(
            x[zero],
            shown[zero],
            facecolors="white",
            edgecolors="tab:blue",
            zorder=3,
            label="history model: bin with no addition",
        )
    for b, xi, yi in zip(bins, x, shown, strict=True):
        ax.annotate(
            f"{int(b['events'])} of {b['count']:,}",
            (xi, yi),
            textcoords="offset points",
            xytext=(7, -3),
            fontsize=7.5,
            color="0.25",
        )
    ax.scatter(
        [bt.baseline_probability],
        [bt.outcome.mean()],
        marker="D",
        color="tab:orange",
        zorder=4,
        s=45,
        label=f"constant rate: every one of the {bt.parties:,} parties",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(xlo, xhi),
        ylim=(ylo_ax, 1.0),
        xlabel="predicted probability of addition (bin mean, log scale)",
        ylabel="observed share added (log scale)",
    )
    ax.set_title("Reliability", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    ax.text(
        0.98,
        0.03,
        f"log loss {bt.model.log_loss:.4f} (constant rate {bt.baseline.log_loss:.4f})\n"
        f"Brier {bt.model.brier:.5f} (constant rate {bt.baseline.brier:.5f})\n"
        f"{bt.events} of {bt.parties:,} parties added",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"},
    )
    labels = [f"{b['low']:g} – {b['high']:g}" for b in bins]
    counts = [b["count"] for b in bins]
    hx.barh(range(len(bins)), counts, color="tab:blue", alpha=0.7)
    for i, b in enumerate(bins):
        hx.text(
            b["count"], i, f" {b['count']:,} ({int(b['events'])} added)", va="center", fontsize=7.5
        )
    hx.set_yticks(range(len(bins)), labels, fontsize=8)
    hx.set_xscale("log")
    hx.set_xlim(1, max(counts) * 40)
    hx.set(xlabel="parties in the bin (log scale)", ylabel="predicted probability bin")
    hx.set_title("How many parties each bin holds", fontsize=10)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lists", type=Path, default=ROOT)
    ap.add_argument("--chart", type=Path, default=Path("docs/risk_reliability.png"))
    args = ap.parse_args()
    print(f"# {dt.date.today()} on {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        store = ListStore(open_engine(f"sqlite:///{Path(tmp) / 'lists.db'}"))
        t0 = time.perf_counter()
        for rel in FILES:
            store.load(parse_feed(args.lists / rel))
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        listings = wf.listings_from_store(store)
        parties = h.group_parties(listings)
        t_group = time.perf_counter() - t0
    dates = Counter((x.list_code, x.seen_on) for x in listings if x.listed_on is None)
    print(
        f"load {t_load:.1f} s; {len(listings):,} listings -> {len(parties):,} parties"
        f" in {t_group:.1f} s"
    )
    print("undated listings by list and first snapshot:", dict(sorted(dates.items(), key=str)))

    # 2. hyper-parameters on the earlier origin (data known by 2022-04-21 only)
    early = (dt.date(2019, 1, 1), dt.date(2022, 4, 21))
    grid = []
    for k in GRID_K:
        for lb in GRID_LOOKBACK:
            bt = h.backtest(parties, *early, h.RiskParams(prior_events=k, lookback_years=lb))
            grid.append((bt.model.log_loss, k, lb, bt))
    grid.sort(key=lambda g: (g[0], -g[1]))
    _best_ll, best_k, best_lb, best_early = grid[0]
    print(
        f"\n## selection on {early[0]} -> {early[1]}: {best_early.parties:,} parties,"
        f" {best_early.events} added"
    )
    print("| k | look-back years | log loss | constant rate |")
    print("|---|---|---|---|")
    for ll, k, lb, bt in sorted(grid, key=lambda g: (g[1], g[2])):
        print(f"| {k:g} | {lb:g} | {ll:.5f} | {bt.baseline.log_loss:.5f} |")
    print(f"chosen: k = {best_k:g}, look-back {best_lb:g} years")

    # 3. the held-back test
    t0 = time.perf_counter()
    params = h.RiskParams(prior_events=best_k, lookback_years=best_lb)
    bt = h.backtest(parties, dt.date(2022, 4, 21), dt.date(2024, 5, 3), params)
    t_bt = time.perf_counter() - t0
    print(
        f"\n## held back: fit on {bt.cutoff}, additions in ({bt.cutoff}, {bt.end}] ({t_bt:.1f} s)"
    )
    print(
        f"{bt.parties:,} parties on a list and not on both EL and SDN; {bt.events} added;"
        f" {bt.excluded_ambiguous} left out (undated addition straddling the window)"
    )
    print("| predictor | Brier score | log loss |")
    print("|---|---|---|")
    print(
        f"| history model (k = {best_k:g}, {best_lb:g} years) | {bt.model.brier:.6f} |"
        f" {bt.model.log_loss:.5f} |"
    )
    print(
        f"| constant rate ({bt.baseline_probability:.4f} each) | {bt.baseline.brier:.6f} |"
        f" {bt.baseline.log_loss:.5f} |"
    )
    skill = 1 - bt.model.log_loss / bt.baseline.log_loss
    bss = 1 - bt.model.brier / bt.baseline.brier
    print(f"log-loss skill {skill:+.1%}, Brier skill {bss:+.1%}")
    print("\n| bin | parties | added | mean predicted | observed (95 % Wilson) |")
    print("|---|---|---|---|---|")
    for b in h.reliability(bt.predicted, bt.outcome, EDGES):
        print(
            f"| {b['low']:g}–{b['high']:g} | {b['count']:,} | {int(b['events'])} |"
            f" {b['mean_predicted']:.4f} | {b['observed']:.4f}"
            f" ({b['observed_low']:.4f}–{b['observed_high']:.4f}) |"
        )
    by_state: Counter[str] = Counter()
    added: Counter[str] = Counter()
    pred: Counter[str] = Counter()
    for s, y, p in zip(bt.states, bt.outcome, bt.predicted, strict=True):
        by_state[s] += 1
        added[s] += int(y)
        pred[s] += float(p)
    print("\n| lists at the cut-off | parties | added | expected by the model |")
    print("|---|---|---|---|")
    for s, n in by_state.most_common(12):
        print(f"| {s} | {n:,} | {added[s]} | {pred[s]:.1f} |")
    chart(bt, args.chart)
    print(f"chart: {args.chart}")
    print("\n| k | look-back | held-back log loss (sensitivity, not used to choose) |")
    print("|---|---|---|")
    for k in GRID_K:
        for lb in GRID_LOOKBACK:
            o = h.backtest(
                parties,
                dt.date(2022, 4, 21),
                dt.date(2024, 5, 3),
                h.RiskParams(prior_events=k, lookback_years=lb),
            )
            print(f"| {k:g} | {lb:g} | {o.model.log_loss:.5f} |")

    # 4. end-of-2021 cut-off, Entity List only (exact dates)
    el = h.RiskParams(prior_events=best_k, lookback_years=best_lb, targets=("EL",))
    e21 = h.backtest(parties, dt.date(2021, 12, 31), dt.date(2022, 12, 31), el)
    print(
        f"\n## cut-off 2021-12-31, EL additions in 2022: {e21.parties:,} parties,"
        f" {e21.events} added; log loss {e21.model.log_loss:.5f} vs"
        f" {e21.baseline.log_loss:.5f}; Brier {e21.model.brier:.6f} vs {e21.baseline.brier:.6f}"
    )

    # waves and the country loading
    waves = h.listing_waves(parties, dt.date(2018, 1, 1), dt.date(2024, 5, 3))
    print("\n| day | country | parties added | Federal Register |")
    print("|---|---|---|---|")
    for w in waves[:10]:
        print(f"| {w.day} | {w.country} | {w.parties} | {'; '.join(w.citations)} |")
    counts = h.yearly_counts(parties, 2014, 2023)
    est = h.calibrate_country_loading(counts, params.reference_probability)
    print(
        f"\ncountry loading {est.country_loading:.3f} from excess CV^2 {est.excess_cv2:.2f}"
        f" (years 2014-2023, p = {est.probability})"
    )
    for c, (m, v) in sorted(est.countries.items(), key=lambda kv: -kv[1][0]):
        print(f"  {c}: {m:.1f} additions a year, excess CV^2 {v:.2f}")


if __name__ == "__main__":
    main()
