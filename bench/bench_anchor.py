"""chainwatch-v2 and -v3 against the open anchor on held-back pairs (issue 9, acceptance 1).

On the EVAL pairs of ``bench/pairs_v3.py`` (built from the real lists without the matcher,
split by entry; rebuilt when missing), in one run: nomenklatura ``logic-v2`` (default
configuration, threshold 0.7), chainwatch-v2 and chainwatch-v3 (through the registry, each at
its default threshold, over the full index CSL 2022 + SDN 2024 + the 2026-07 US extract).
Every pair is scored with ``score_pair`` (the anchor: the better of both directions, like
chainwatch). Prints, per pair kind (company, person):

* precision, recall, F1 at each matcher's default threshold and ROC-AUC (NumPy), over all
  pairs and without the ``*_translation`` and ``*_short`` categories (translations,
  renamings, acronyms and nicknames, which no spelling comparison relates);
* per category: the pairs and the share each matcher puts at or above its threshold (recall
  for matches, false-positive rate for non-matches);
* per matcher and category, the false negatives and false positives with their count and the
  five worst examples (lowest-scored misses, highest-scored false alerts).

Also writes the report as Markdown to ``bench/out/anchor_report.md``.

Run: ``.venv/bin/python bench/bench_anchor.py [--shared ../shared/data]`` (needs
``pip install -e '.[bench]'`` for the anchor; without it the anchor column is left out).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pairs_v3
from matchers import (
    ANCHOR_NAME,
    CHAINWATCH,
    Anchor,
    anchor_available,
    chainwatch_matcher,
    full_index_entries,
    threshold,
)
from metrics import evaluate

HERE = Path(__file__).resolve().parent
EXAMPLES = 5


def machine() -> str:
    """nproc, CPU model, load average: what a reader needs to weigh a figure."""
    cpu = platform.processor()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {os.cpu_count()}, {cpu}, load average {load}"


def score_all(
    scorer: Callable[[str, str, str], float], rows: Sequence[dict[str, str]]
) -> np.ndarray:
    return np.array([scorer(r["name1"], r["name2"], r["kind"]) for r in rows], dtype=float)


def _pair_scorer(matcher: Any) -> Callable[[str, str, str], float]:
    # A matcher that reads the pair kind gets it, as the anchor does (Person or Company).
    takes_kind = getattr(matcher, "accepts_entity_type", False)

    def score(a: str, b: str, kind: str) -> float:
        if takes_kind:
            return float(matcher.score_pair(a, b, entity_type=kind)[0])
        return float(matcher.score_pair(a, b)[0])

    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=pairs_v3.DEFAULT_SHARED)
    parser.add_argument("--pairs", type=Path, default=HERE / "out" / "pairs_v3_eval.csv")
    parser.add_argument("--algorithms", nargs="*", default=list(CHAINWATCH))
    parser.add_argument("--report", type=Path, default=HERE / "out" / "anchor_report.md")
    args = parser.parse_args()
    if not args.pairs.exists():
        subprocess.run(
            [sys.executable, str(HERE / "pairs_v3.py"), "--shared", str(args.shared)], check=True
        )
    rows = pairs_v3.read(args.pairs)
    labels = np.array([r["label"] == "1" for r in rows])
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    say(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  machine: {machine()}")
    say(f"command: .venv/bin/python bench/bench_anchor.py  pairs: {args.pairs} ({len(rows):,})")

    scores: dict[str, np.ndarray] = {}
    timing: dict[str, float] = {}
    if anchor_available():
        anchor = Anchor()
        start = time.perf_counter()
        scores[ANCHOR_NAME] = score_all(lambda a, b, k: anchor.score_pair(a, b, k)[0], rows)
        timing[ANCHOR_NAME] = time.perf_counter() - start
    else:
        say("nomenklatura not installed (pip install -e '.[bench]'): anchor left out")
    entries = full_index_entries(args.shared)
    for name in args.algorithms:
        start = time.perf_counter()
        matcher = chainwatch_matcher(name, entries)
        built = time.perf_counter() - start
        start = time.perf_counter()
        scores[name] = score_all(_pair_scorer(matcher), rows)
        timing[name] = time.perf_counter() - start
        say(f"{name}: index over {len(entries):,} entries built in {built:.1f} s")
    names = list(scores)
    say("scoring time: " + ", ".join(f"{n} {timing[n]:.1f} s" for n in names))

    kinds = sorted({r["kind"] for r in rows})
    unrelated = np.array([r["category"].endswith(("_translation", "_short")) for r in rows])
    say()
    say(
        "| kind | pairs (matches) | matcher | threshold | precision | recall | F1 | ROC-AUC "
        "| F1 / ROC-AUC without translations and short forms |"
    )
    say("|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        mask = np.array([r["kind"] == kind for r in rows])
        for name in names:
            t = threshold(name)
            s = evaluate(labels[mask], scores[name][mask], t)
            keep = mask & ~unrelated
            s2 = evaluate(labels[keep], scores[name][keep], t)
            say(
                f"| {kind} | {s.n:,} ({s.positives:,}) | {name} | {t:.2f} | {s.precision:.3f} "
                f"| {s.recall:.3f} | {s.f1:.3f} | {s.auc:.3f} | {s2.f1:.3f} / {s2.auc:.3f} |"
            )

    say()
    say(
        "Share at or above each matcher's threshold, per category (recall for matches, "
        "false-positive rate for non-matches):"
    )
    say()
    say("| kind | category | label | pairs | " + " | ".join(names) + " |")
    say("|---|---|---|---|" + "---|" * len(names))
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r["kind"], r["category"], r["label"])].append(i)
    for (kind, category, label), idx in sorted(groups.items()):
        ix = np.array(idx)
        cells = [f"{(scores[n][ix] >= threshold(n)).mean():.3f}" for n in names]
        say(f"| {kind} | {category} | {label} | {len(idx):,} | " + " | ".join(cells) + " |")

    say()
    say(f"Errors per matcher and category ({EXAMPLES} worst examples each):")
    for name in names:
        t = threshold(name)
        predicted = scores[name] >= t
        for what, wrong in (
            ("false negatives", labels & ~predicted),
            ("false positives", ~labels & predicted),
        ):
            by_category: dict[tuple[str, str], list[int]] = defaultdict(list)
            for j in np.flatnonzero(wrong).tolist():
                by_category[(rows[j]["kind"], rows[j]["category"])].append(j)
            total = int(wrong.sum())
            say()
            say(f"### {name}: {total:,} {what}")
            for (kind, category), idx in sorted(by_category.items(), key=lambda kv: -len(kv[1])):
                say(f"- {kind} {category}: {len(idx):,}")
                worst = sorted(idx, key=lambda i: scores[name][i] * (1 if labels[i] else -1))
                for i in worst[:EXAMPLES]:
                    others = ", ".join(f"{n} {scores[n][i]:.2f}" for n in names if n != name)
                    say(
                        f"    - {scores[name][i]:.3f} '{rows[i]['name1']}' / "
                        f"'{rows[i]['name2']}' ({others})"
                    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
