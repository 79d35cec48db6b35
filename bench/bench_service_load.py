"""Load test of `chainwatch serve` on 127.0.0.1: N concurrent clients screening for T seconds.

Each client is a loop: POST /api/v1/screen with a name (listed names, their variants and
clean names, mixed), wait for the answer, then think for `--think` seconds (0: back to back,
a saturation test). Bounded in clients, time and requests. Reports errors and latency
percentiles as JSON and text.

    .venv/bin/python bench/bench_service_load.py --clients 200 --seconds 60 --workers 2

The store is a fresh SQLite file with the 2022 Consolidated Screening List from
../shared/data (parsed by the list adapters when present, else by the small reader below,
which keeps only names, aliases, list and countries).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO), str(REPO / "tests")]  # tests: its conftest
CSL = REPO.parent / "shared" / "data" / "lists" / "us_csl" / "consolidated-2022.csv.gz"
CLEAN = [
    "Bosch Rexroth AG",
    "Siemens Healthineers",
    "Murata Manufacturing",
    "Acme Widgets Inc",
    "Taiwan Semiconductor Manufacturing",
    "Foxconn Interconnect",
    "Nordic Semiconductor ASA",
    "Würth Elektronik",
    "Analog Devices",
    "STMicroelectronics NV",
]


def csl_feed(path: Path):  # type: ignore[no-untyped-def]
    from chainwatch.model.lists import ListEntry, ParsedFeed

    try:
        from chainwatch.lists.registry import parse_feed  # type: ignore[import-not-found]

        return parse_feed(path, format="csl")
    except ImportError:
        pass
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    entries = {}
    for row in csv.DictReader(io.StringIO(text)):
        source = (row.get("source") or "").split("(")[-1].rstrip(") ") or "CSL"
        entry_id = f"CSL:{row['_id']}"
        entries[entry_id] = ListEntry(
            entry_id=entry_id,
            source=source[:40],
            name=row["name"],
            aliases=tuple(a.strip() for a in (row.get("alt_names") or "").split(";") if a.strip()),
        )
    return ParsedFeed("csl", "csl", str(path), tuple(entries.values()))


def names_pool(entries, count: int = 2000) -> list[str]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    picked = rng.sample(list(entries), min(count, len(entries)))
    pool = []
    for entry in picked:
        name = entry.name
        variant = rng.choice(["same", "lower", "typo", "drop"])
        if variant == "lower":
            name = name.lower()
        elif variant == "typo" and len(name) > 6:
            i = rng.randrange(1, len(name) - 1)
            name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif variant == "drop":
            name = " ".join(name.split()[:2])
        pool.append(name)
    pool += CLEAN * (len(pool) // (4 * len(CLEAN)) + 1)
    rng.shuffle(pool)
    return pool


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares the
    machine with the server, so it must cost little CPU per request."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict[str, object]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        closing = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                closing = True
        data = await self.reader.readexactly(length)
        if closing:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def client_loop(
    host: str,
    port: int,
    key: str,
    names: list[str],
    stop_at: float,
    think: float,
    latencies: list[float],
    errors: list[str],
    budget: list[int],
) -> None:
    rng = random.Random()
    connection = Connection(host, port, key)
    await asyncio.sleep(rng.random() * max(think, 0.05))  # spread the start
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            status, data = await asyncio.wait_for(
                connection.post_json("/api/v1/screen", {"name": rng.choice(names)}), 30
            )
            elapsed = time.perf_counter() - started
            if status != 200:
                errors.append(f"HTTP {status}: {data[:200]!r}")
            else:
                latencies.append(elapsed)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            await connection.close()
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    await connection.close()


async def run_load(
    url: str,
    key: str,
    names: list[str],
    clients: int,
    seconds: float,
    think: float,
    max_requests: int,
) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(
        *(
            client_loop(host, int(port), key, names, stop_at, think, latencies, errors, budget)
            for _ in range(clients)
        )
    )
    wall = time.monotonic() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "first_errors": errors[:5],
        "throughput_rps": round((len(latencies) + len(errors)) / wall, 1),
        "p50_ms": pct(0.50) if ordered else None,
        "p95_ms": pct(0.95) if ordered else None,
        "p99_ms": pct(0.99) if ordered else None,
        "max_ms": round(1000 * ordered[-1], 1) if ordered else None,
        "mean_ms": round(1000 * statistics.fmean(ordered), 1) if ordered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause between a client's requests, s (0: back to back)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "service_load.json")
    parser.add_argument("--csl", type=Path, default=CSL, help="the 2022 CSL (consolidated.csv.gz)")
    parser.add_argument(
        "--postgres",
        default="",
        help="a PostgreSQL URL: the store is a fresh schema there (dropped after); else SQLite",
    )
    args = parser.parse_args()
    if not args.postgres:
        tmp = Path(tempfile.mkdtemp(prefix="chainwatch-bench-"))
        run(args, f"sqlite:///{tmp / 'chainwatch.db'}", tmp)
        return
    import uuid

    import sqlalchemy as sa

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(args.postgres)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.postgres else "?"
    try:
        tmp = Path(tempfile.mkdtemp(prefix="chainwatch-bench-"))
        run(args, f"{args.postgres}{sep}options=-csearch_path%3D{schema}", tmp)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(args: argparse.Namespace, db_url: str, tmp: Path) -> None:
    """Seed the store at `db_url`, serve it, load it, write the report."""

    from tests.service.conftest import free_port

    from chainwatch.store.engine import open_engine
    from chainwatch.store.lists import ListStore
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.auth import AuthService

    engine = open_engine(db_url)
    feed = csl_feed(args.csl)
    ListStore(engine).load(feed)
    key = AuthService(engine, AuditLog(engine)).create_key("bench", "viewer", "bench")["key"]
    engine.dispose()
    names = names_pool(feed.entries)

    port = free_port()
    env = {
        **os.environ,
        "CHAINWATCH_DB": db_url,
        "CHAINWATCH_CACHE": str(tmp / "cache"),
        "CHAINWATCH_SERVICE_SETTINGS": "{}",
        "PYTHONPATH": str(REPO / "src"),  # the server runs this checkout's code
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "chainwatch.api.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "4096",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        # every worker warms its index at startup; give all of them time before measuring
        for _ in range(20 * args.workers):
            httpx.post(
                f"{url}/api/v1/screen",
                json={"name": "warm"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=120,
            )
        result = asyncio.run(
            run_load(url, key, names, args.clients, args.seconds, args.think, args.max_requests)
        )
    finally:
        server.terminate()
        server.wait(30)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version()},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "list_entries": len(feed.entries),
        "clients": args.clients,
        "seconds": args.seconds,
        "think_s": args.think,
        "workers": args.workers,
        "store": db_url.split(":", 1)[0].split("+", 1)[0],
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
