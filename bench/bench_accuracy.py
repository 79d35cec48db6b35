"""Screening accuracy on real lists (issue 2, acceptance 2).

Index: the bundled snapshot (CSL 2022 + the 2026-07 US lists). Prints, for several thresholds,
the share of the 9,610 SEC company names that raise a hit, and precision / recall / F1 on the
labelled pairs of `build_labelled_pairs` (recall per match group). Writes the pairs to
bench/out/pairs.csv so that `chainwatch eval bench/out/pairs.csv` can replay them.

Run: ``.venv/bin/python bench/bench_accuracy.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.screening import Query
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD, Matcher
from chainwatch.screening.index import ScreeningIndex
from chainwatch.workflows.evaluation import build_labelled_pairs, evaluate_pairs, write_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--shared", type=Path, default=default)
    args = parser.parse_args()
    entries = [e for p, f, m in bundled_feeds() for e in parse_feed(p, f, m).entries]
    matcher = Matcher(ScreeningIndex(entries, "bundled"))
    sec_file = args.shared / "negatives" / "sec_company_tickers-2024-05.json"
    sec = [row["title"] for row in json.loads(sec_file.read_text()).values()]
    best = [matcher.screen(Query(n), threshold=0.5, limit=1) for n in sec]
    pairs = build_labelled_pairs(entries, sec, matcher)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    write_pairs(pairs, out / "pairs.csv")
    groups = Counter(p.case_group for p in pairs)
    print(f"date: {time.strftime('%Y-%m-%d')}  entries: {len(entries):,}  pairs: {dict(groups)}")
    for threshold in (0.7, 0.75, DEFAULT_THRESHOLD, 0.85, 0.9):
        rate = sum(1 for b in best if b and b[0].score >= threshold) / len(sec)
        report = evaluate_pairs(matcher, pairs, threshold)
        missed = Counter(p.case_group for p in report.false_negatives)
        recall = {g: round(1 - missed[g] / groups[g], 3) for g in ("alias", "written")}
        marker = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(
            f"threshold {threshold:.2f}: SEC names with a hit {rate:.2%}; "
            f"{report.summary_line()}; recall by group {recall}{marker}"
        )


if __name__ == "__main__":
    main()
