"""Re-screening every stored counterparty after an algorithm change, on every engine (issue 12).

A store with the bundled snapshot and N stored counterparties (SEC company names; one in 50 a
noisy variant of a listed company name, by :mod:`noise`), last screened with another
algorithm, so that the monitor re-screens all of them with the default one
(:meth:`chainwatch.workflows.refresh.Refresher.rescreen`). The same store (a copy per engine)
is re-screened in this process, on the forked local pool and on a 2-worker LocalCluster;
the cases each run stores are compared (they must be the same). The index is in the disk
cache before the runs; this process has it in memory (the pool's workers inherit it), the
Dask workers load it from that cache, which the wall clock includes.

Run: ``nice .venv/bin/python bench/bench_rescreen_engines.py --counterparties 5000``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from noise import KINDS, noisy

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
MODES = {"inline": ("local", 1), "local2": ("local", 2), "dask2": ("dask", 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--counterparties", type=int, default=5000)
    parser.add_argument("--modes", default="inline,local2,dask2")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-rescreen-"))
    os.environ["CHAINWATCH_CACHE"] = str(work / "cache")  # before any worker starts
    sys.path.insert(0, str(REPO / "src"))
    from chainwatch.engine.base import open_engine
    from chainwatch.model.screening import Query
    from chainwatch.screening.registry import DEFAULT_ALGORITHM_NAME
    from chainwatch.store.engine import open_engine as open_store
    from chainwatch.store.lists import ListStore
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.cases import CaseService
    from chainwatch.workflows.lists import load_bundled, snapshot_entries
    from chainwatch.workflows.notify import Notices
    from chainwatch.workflows.refresh import ALGORITHM_KEY, SCREENED_KEY, Refresher
    from chainwatch.workflows.screening import load_index

    def refresher(url: str, engine: Any) -> tuple[Refresher, Any]:
        store = open_store(url)
        audit = AuditLog(store)
        made = Refresher(
            ListStore(store),
            CaseService(store, audit),
            Notices(store, audit),
            audit,
            engine=engine,
            chunk_size=args.chunk_size,
        )
        return made, store

    template = f"sqlite:///{work / 'template.db'}"
    setup, store = refresher(template, None)
    load_bundled(setup.store)
    snapshot = setup.store.active()
    assert snapshot is not None
    listed = sorted(
        {e.name for e in snapshot_entries(setup.store, snapshot) if e.entity_type == "company"}
    )
    sec_file = args.shared / "negatives" / "sec_company_tickers-2024-05.json"
    sec = sorted({row["title"] for row in json.loads(sec_file.read_text()).values()})
    rng = random.Random(12)
    names = []
    for i in range(args.counterparties):
        if i % 50 == 7:
            base = listed[rng.randrange(len(listed))]
            names.append(noisy(base, KINDS[rng.randrange(len(KINDS))], seed=i) or base)
        else:
            names.append(sec[i % len(sec)] + ("" if i < len(sec) else f" {i // len(sec)}"))
    setup.cases.add_counterparties([Query(name=n) for n in names], "bench")
    setup._set_state(SCREENED_KEY, snapshot.content_hash)
    setup._set_state(ALGORITHM_KEY, "chainwatch-v1")  # an older algorithm: everyone again
    load_index(setup.store, snapshot, algorithm=DEFAULT_ALGORITHM_NAME)  # the disk cache
    store.dispose()
    summary: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "algorithm": DEFAULT_ALGORITHM_NAME,
        "counterparties": args.counterparties,
        "runs": [],
    }
    digests = set()
    for mode in args.modes.split(","):
        kind, workers = MODES[mode]
        shutil.copyfile(work / "template.db", work / f"{mode}.db")
        load = os.getloadavg()
        with open_engine(kind, workers=workers) as engine:
            run, store = refresher(f"sqlite:///{work / f'{mode}.db'}", engine)
            started = time.perf_counter()
            report = run.rescreen("bench")
            elapsed = time.perf_counter() - started
            every = (run.cases.case(row["id"]) for row in run.cases.cases(limit=1_000_000))
            stored = sorted(
                (c["counterparty_id"], c["entry_id"], c["score"], c["algorithm"]) for c in every
            )
            store.dispose()
        digest = hashlib.sha256(repr(stored).encode()).hexdigest()
        digests.add(digest)
        result = {
            "mode": mode,
            "rescreened": report.rescreened,
            "cases": len(stored),
            "seconds": round(elapsed, 1),
            "counterparties_per_second": round(report.rescreened / elapsed),
            "load_average": [round(x, 2) for x in (*load, *os.getloadavg())],
            "cases_sha256": digest[:16],
        }
        print(json.dumps(result), flush=True)
        summary["runs"].append(result)
    summary["identical_cases"] = len(digests) == 1
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    if len(digests) != 1:
        raise SystemExit("the engines stored different cases")


if __name__ == "__main__":
    main()
