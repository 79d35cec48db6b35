"""The case queue with 10,000 open cases (issue 13, acceptance 3: a page answers in <= 300 ms).

A fresh SQLite store (or `--db URL`, e.g. PostgreSQL) gets the test lists and N counterparties
each with one open case (rows written directly, as a long-running team's store would hold
them), then a `chainwatch serve`-equivalent uvicorn (1 worker) on 127.0.0.1 answers, one
request at a time (latency, not throughput), for every view a reviewer uses:

    first page, a page deep in the queue, a list + score-band filter, a search, the grouped
    view, the API's JSON page, and the CSV export of a 500-case filter

    .venv/bin/python bench/bench_queue.py --cases 10000 --repeat 20
    .venv/bin/python bench/bench_queue.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints a table of p50 / p95 / max per view (ms) and the worst p95 against the 300 ms target.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO), str(REPO / "tests")]


def fill(db_url: str, n: int) -> None:
    import sqlalchemy as sa

    from chainwatch.model.screening import Query
    from chainwatch.store.engine import open_engine
    from chainwatch.store.schema import cases, counterparties
    from chainwatch.workflows.cases import identity_hash

    engine = open_engine(db_url)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sources = ("EL", "SDN", "DPL", "UVL", "MEU")
    with engine.begin() as conn:
        for start in range(0, n, 1000):
            parties = []
            for i in range(start, min(n, start + 1000)):
                name = f"Supplier {i:05d} Precision Components Ltd"
                parties.append(
                    {
                        "id": i + 1,
                        "name": name,
                        "country": ("CN", "DE", "RU", "US")[i % 4],
                        "address": "",
                        "identifiers": "[]",
                        "reference": str(i),
                        "origin": "bench",
                        "created_at": now,
                        "batch": f"{i // 2500:032x}",
                        "identity": identity_hash(Query(name)),
                    }
                )
            conn.execute(counterparties.insert(), parties)
            conn.execute(
                cases.insert(),
                [
                    {
                        "counterparty_id": p["id"],
                        "entry_id": f"EL:bench{p['id']}",
                        "source": sources[p["id"] % 5],
                        "listed_name": f"Listed {p['name']}",
                        "matched_name": p["name"],
                        "score": 0.8 + (p["id"] % 200) / 1000,
                        "status": "open",
                        "entry_hash": "0" * 64,
                        "entry_body": "{}",
                        "match": "{}",
                        "changes": "{}",
                        "snapshot": "bench",
                        "algorithm": "chainwatch-v2",
                        "reviewer": "",
                        "reason": "",
                        "decided_at": "",
                        "decided_entry_hash": "",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for p in parties
                ],
            )
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar()
    assert total == n, total
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--postgres",
        default="",
        help="a PostgreSQL URL: the store is a fresh schema there (dropped after)",
    )
    args = parser.parse_args()
    if args.postgres:
        import uuid

        import sqlalchemy as sa

        schema = "bench_" + uuid.uuid4().hex[:10]
        admin = sa.create_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.postgres else "?"
        try:
            run(args, f"{args.postgres}{sep}options=-csearch_path%3D{schema}")
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        run(args, "")


def run(args: argparse.Namespace, db_url: str) -> None:

    from tests.service.conftest import seed, start_server, stop_server

    with tempfile.TemporaryDirectory(prefix="chainwatch-queue-") as tmp:
        db = db_url or f"sqlite:///{Path(tmp) / 'store.db'}"
        keys = seed(db)
        fill(db, args.cases)
        server = start_server(db, Path(tmp))
        try:
            with httpx.Client(base_url=server.url, timeout=60) as browser:
                page = browser.get("/login").text
                token = page.split('name="csrf_token" value="')[1].split('"')[0]
                browser.post(
                    "/login",
                    data={
                        "username": "analyst",
                        "password": "correct horse battery",
                        "csrf_token": token,
                    },
                )
                api = {"Authorization": f"Bearer {keys['viewer']}"}
                views = {
                    "queue page 1": ("/cases?status=open", {}),
                    "queue page 150": ("/cases?status=open&page=150&per_page=50", {}),
                    "list + score band": ("/cases?status=open&source=SDN&score_min=0.9", {}),
                    "search": ("/cases?status=open&q=supplier%2009", {}),
                    "grouped": ("/cases?status=open&group=counterparty", {}),
                    "API page (JSON)": ("/api/v1/cases?status=open&limit=50", api),
                    "export CSV (500)": ("/api/v1/cases/export?q=supplier%20001&format=csv", api),
                }
                rows = []
                for label, (path, headers) in views.items():
                    times = []
                    for _ in range(args.repeat + 1):
                        started = time.perf_counter()
                        response = browser.get(path, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                        assert response.status_code == 200, (path, response.text[:300])
                        times.append(elapsed)
                    times = sorted(times[1:])  # the first request warms caches
                    p95 = times[max(0, int(len(times) * 0.95) - 1)]
                    rows.append((label, statistics.median(times), p95, times[-1]))
        finally:
            stop_server(server)
    machine = platform.processor() or platform.machine()
    store = "PostgreSQL" if db_url else "SQLite"
    print(f"{args.cases:,} open cases on {store}, {args.repeat} requests per view, {machine}")
    print(f"{'view':<20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, p50, p95, worst in rows:
        print(f"{label:<20} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    worst_p95 = max(r[2] for r in rows)
    summary = {"store": store, "cases": args.cases, "worst_p95_ms": round(worst_p95, 1)}
    print(json.dumps({**summary, "target_ms": 300}))


if __name__ == "__main__":
    main()
