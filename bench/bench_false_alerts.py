"""False alerts on real unlisted company names (issue 9, acceptance 3).

The 9,610 company names of the SEC 2024 tickers file, screened (name only) against the full
index (CSL 2022 + OFAC SDN 2024 + every 2026-07 US list) at each algorithm's default
threshold, chainwatch-v2 and chainwatch-v3 (through the registry) in the same run. Target:
at most 0.5 % of the names raise a hit.

Names that really are listed are counted apart and printed. The rule is
``bench/pairs_v3.really_listed``: the SEC name's plain key (lower case, ASCII, legal forms,
stopwords and exchange suffixes such as "/ADR" set aside) equals a listed company name's and
their legal forms agree ("Baidu, Inc." / "Baidu, Inc."; not "PTC INC." / "PTC GMBH").

The other alerts are put in plain categories, first that applies, by the best match:

* ``same_name``: the plain keys are equal but the rule above does not call it listed
  (different legal forms, or one word and no legal form: "Opera Ltd" / "OPERA");
* ``one_word``: the listed name is one word once legal forms are set aside;
* ``contained``: every word of one name is in the other (words added or missing);
* ``shared_words``: the names share a word, and each has words the other lacks;
* ``fuzzy_only``: no word in common: the hit rests on edited or sound-alike words.

Run: ``.venv/bin/python bench/bench_false_alerts.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pairs_v3
from bench_anchor import machine
from chainwatch.model.screening import Query
from matchers import CHAINWATCH, chainwatch_matcher, full_index_entries, threshold

TARGET = 0.005


def category(sec_name: str, listed_name: str) -> str:
    """The plain category of an alert (see the module docstring)."""
    k1, k2 = pairs_v3.plain_key(sec_name).split(), pairs_v3.plain_key(listed_name).split()
    if k1 and k1 == k2:
        return "same_name"
    if len(k2) <= 1:
        return "one_word"
    s1, s2 = set(k1), set(k2)
    if s1 <= s2 or s2 <= s1:
        return "contained"
    if s1 & s2:
        return "shared_words"
    return "fuzzy_only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=pairs_v3.DEFAULT_SHARED)
    parser.add_argument("--algorithms", nargs="*", default=list(CHAINWATCH))
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  machine: {machine()}")
    print("command: .venv/bin/python bench/bench_false_alerts.py")
    entries = full_index_entries(args.shared)
    sec_file = args.shared / "negatives" / "sec_company_tickers-2024-05.json"
    sec = [row["title"] for row in json.loads(sec_file.read_text()).values()]
    listed_keys = pairs_v3.listed_company_keys(entries)
    really = {name: pairs_v3.really_listed(name, listed_keys) for name in sec}
    listed = {name: same for name, same in really.items() if same is not None}
    listed_rows = sum(1 for title in sec if title in listed)
    print(
        f"{len(sec):,} SEC names; {len(listed)} distinct names in {listed_rows} rows really listed "
        "by the rule (counted apart):"
    )
    for name, same in sorted(listed.items()):
        print(f"    {name!r} = listed {same!r}")

    print()
    print(
        "| algorithm | threshold | names with a hit | of which really listed | "
        "false alerts (share of the other names) | same_name | one_word | contained "
        "| shared_words | fuzzy_only |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    details = []
    for name in args.algorithms:
        matcher = chainwatch_matcher(name, entries)
        t = threshold(name)
        start = time.perf_counter()
        alerts: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        hits = 0
        hit_listed = 0
        for title in sec:
            matches = matcher.screen(Query(title), threshold=t, limit=1)
            if not matches:
                continue
            hits += 1
            if title in listed:
                hit_listed += 1
                continue
            best = matches[0]
            alerts[category(title, best.matched_name)].append(
                (title, best.matched_name, best.score)
            )
        elapsed = time.perf_counter() - start
        others = len(sec) - listed_rows
        false = hits - hit_listed
        cats = ["same_name", "one_word", "contained", "shared_words", "fuzzy_only"]
        counts = " | ".join(str(len(alerts[c])) for c in cats)
        verdict = "meets" if false / others <= TARGET else "misses"
        print(
            f"| {name} | {t:.2f} | {hits} ({hits / len(sec):.2%}) | {hit_listed} | "
            f"**{false} ({false / others:.2%})** {verdict} ≤ 0.5 % | {counts} |"
        )
        details.append((name, elapsed, alerts))
    for name, elapsed, alerts in details:
        print()
        print(f"{name} ({len(sec):,} names in {elapsed:.1f} s), examples per category:")
        for cat, rows in sorted(alerts.items(), key=lambda kv: -len(kv[1])):
            rows.sort(key=lambda r: -r[2])
            shown = "; ".join(f"'{a}' / '{b}' {s:.2f}" for a, b, s in rows[: args.examples])
            print(f"  {cat} ({len(rows)}): {shown}")


if __name__ == "__main__":
    main()
