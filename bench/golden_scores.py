"""Pin each released algorithm's scores on fixed pairs: tests/fixtures/screening/golden_scores.json.

``tests/screening/test_golden_scores.py`` rescores every pair of the file with every version the
file holds and fails when a score moved: a released version is never edited, a change is a new
version. Regenerate *on purpose* only, when a version is released or added:

* ``.venv/bin/python bench/golden_scores.py --versions chainwatch-v2 chainwatch-v3`` rescores
  the pairs already in the file with the named versions (the others are kept as they are);
* ``--pick 100`` first replaces the pairs with a fresh sample of the TRAIN split of
  ``bench/out/pairs_v3.py`` (half company, half person, every category, seeded), which
  invalidates every pinned version: name them all in ``--versions``.

The index the pairs are scored with is made of the pairs' second names, one entry each (the
pair's kind as entity type), so the file says everything the scores depend on.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from chainwatch.model.lists import ListEntry
from chainwatch.screening.registry import build_index, make_matcher

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "tests" / "fixtures" / "screening" / "golden_scores.json"


def entries(pairs: list[dict[str, Any]]) -> list[ListEntry]:
    """The index of the golden pairs: each pair's second name as one entry."""
    return [
        ListEntry(f"G:{i}", "G", p["name2"], "person" if p["kind"] == "person" else "company")
        for i, p in enumerate(pairs)
    ]


def score(version: str, pairs: list[dict[str, Any]]) -> list[float]:
    """`version`'s score_pair of every pair (v3 reads the pair kind, as in bench_anchor)."""
    matcher: Any = make_matcher(version, build_index(version, entries(pairs), "golden"))
    out = []
    for p in pairs:
        if getattr(matcher, "accepts_entity_type", False):
            value = matcher.score_pair(p["name1"], p["name2"], entity_type=p["kind"])[0]
        else:
            value = matcher.score_pair(p["name1"], p["name2"])[0]
        out.append(round(float(value), 6))
    return out


def pick(count: int) -> list[dict[str, Any]]:
    rows = list(csv.DictReader((HERE / "out" / "pairs_v3_train.csv").open(encoding="utf-8")))
    by_group: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_group[(r["kind"], r["category"])].append(r)
    rng = random.Random("golden_scores")
    groups = sorted(by_group)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count:
        for g in groups:
            if len(chosen) < count and by_group[g]:
                r = by_group[g].pop(rng.randrange(len(by_group[g])))
                chosen.append({k: r[k] for k in ("name1", "name2", "kind", "category", "label")})
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", nargs="+", required=True)
    parser.add_argument("--pick", type=int, default=0)
    args = parser.parse_args()
    data: dict[str, Any] = {"pairs": [], "scores": {}}
    if GOLDEN.exists():
        data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if args.pick:
        data = {"pairs": pick(args.pick), "scores": {}}
    for version in args.versions:
        data["scores"][version] = score(version, data["pairs"])
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data['pairs'])} pairs, versions {sorted(data['scores'])} -> {GOLDEN}")


if __name__ == "__main__":
    main()
