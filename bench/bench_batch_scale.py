"""Batch screening at scale on every engine, in the same run (issue 12, acceptance 2).

Generates N counterparties (real SEC company names, and noisy variants of them and of the
listed names, by :mod:`noise`, so that hits are timed as well as misses; about 2 % listed
names), then screens the file with ``chainwatch screen --file ... --out hits.csv --quiet``
(the streamed path) once per engine, each in its own process tree:

* ``inline``: one process (``--workers 1``);
* ``local2``: the forked local pool (``--workers 2``);
* ``dask2``: a 2-worker ``LocalCluster`` (``--engine dask --workers 2``).

For each: names per second (wall clock, from the command's start, index loading included),
the CPU seconds of the whole process tree (on a shared machine the wall clock alone hides
whether a second core was there to be had),
time to first result (the first chunk of hits on disk), and the peak resident memory
(``VmHWM``) of every process of the tree, sampled from /proc. The store holds the bundled
snapshot; its index is in the disk cache before the runs (a first ``screen NAME``), as on a
machine that screens every night.

Run: ``nice .venv/bin/python bench/bench_batch_scale.py --sizes 100000,1000000``
(``--modes inline,local2,dask2`` by default; ``--algorithm`` defaults to the registry's
default, chainwatch-v3; ``--sizes 20000`` is a quick check that every engine runs)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from noise import KINDS, noisy

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
MODES = {
    "inline": ["--workers", "1"],
    "local2": ["--workers", "2"],
    "dask2": ["--engine", "dask", "--workers", "2"],
}
CLI = "from chainwatch.cli.main import main; main()"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def generate(path: Path, n: int, sec: list[str], listed: list[str], seed: int = 12) -> None:
    """`n` rows: SEC names as they are (first pass), then noisy SEC names; one row in 50 a
    noisy listed name. Deterministic for a seed."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["vendor_id", "name", "country"])
        for i in range(n):
            if i % 50 == 7:
                base = listed[rng.randrange(len(listed))]
            else:
                base = sec[i % len(sec)]
                if i < len(sec):
                    out.writerow([f"V{i:08d}", base, ""])
                    continue
            name = noisy(base, KINDS[rng.randrange(len(KINDS))], seed=i) or base
            out.writerow([f"V{i:08d}", name, ""])


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _hwm_mb(pid: int) -> tuple[str, float] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return cmd, int(line.split()[1]) / 1024
    return None


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def _pss_mb(pid: int) -> float | None:
    """Proportional set size: pages shared with other processes (a forked worker's
    copy-on-write index) counted in shares, so the sum over a tree is its real footprint."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_mode(
    mode: str, counterparties: Path, out: Path, env: dict[str, str], algorithm: str
) -> dict[str, Any]:
    command = [sys.executable, "-c", CLI, "--quiet", "screen", "--file", str(counterparties)]
    command += ["--out", str(out), "--chunk-size", "1000", "--algorithm", algorithm]
    command += MODES[mode]
    partial = out.with_name(out.name + ".partial")
    peaks: dict[int, tuple[str, float]] = {}
    pss: dict[int, float] = {}
    cpu_of: dict[int, float] = {}
    pss_total = [0.0]
    first: list[float] = []
    import resource

    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env)
    done = threading.Event()

    def sample() -> None:
        tick = 0
        while not done.is_set():
            tick += 1
            total = 0.0
            for pid in _tree(proc.pid):
                got = _hwm_mb(pid)
                if got is not None and "python" in got[0] and "resource_tracker" not in got[0]:
                    peaks[pid] = (got[0], max(got[1], peaks.get(pid, ("", 0.0))[1]))
                    cpu_of[pid] = _cpu_seconds(pid) or cpu_of.get(pid, 0.0)
                    if tick % 10 == 0:
                        share = _pss_mb(pid) or 0.0
                        pss[pid] = max(share, pss.get(pid, 0.0))
                        total += share
            pss_total[0] = max(pss_total[0], total)
            if not first:
                try:
                    if partial.stat().st_size > 200:  # more than the header: a chunk's hits
                        first.append(time.perf_counter() - started)
                except OSError:
                    pass
            done.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    code = proc.wait()
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    if code != 0:
        raise SystemExit(f"{mode}: the command failed with exit code {code}")
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    rows = sum(1 for _ in counterparties.open(encoding="utf-8")) - 1
    by_role: list[tuple[str, float, float, float]] = []
    for pid, (cmd, mb) in sorted(peaks.items()):
        role = "main" if pid == proc.pid else ("dask worker" if "spawn" in cmd else "worker")
        by_role.append((role, round(mb), round(pss.get(pid, 0.0)), round(cpu_of[pid], 1)))
    return {
        "mode": mode,
        "rows": rows,
        "seconds": round(elapsed, 1),
        "names_per_second": round(rows / elapsed),
        "cpu_seconds": round(cpu, 1),  # of the whole process tree (waited-for processes)
        "first_result_seconds": round(first[0], 2) if first else None,
        # (process, peak RSS MB, peak PSS MB sampled every 0.5 s, CPU s at the last sample)
        "processes": by_role,
        "peak_tree_pss_mb": round(pss_total[0]),
        "hits_bytes": out.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument(
        "--sizes", default="100000", help="counterparties per file, comma-separated (one run each)"
    )
    parser.add_argument("--modes", default="inline,local2,dask2")
    parser.add_argument(
        "--algorithm", default=None, help="screening algorithm (default: the registry's default)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from chainwatch.screening.registry import DEFAULT_ALGORITHM_NAME

    algorithm = args.algorithm or DEFAULT_ALGORITHM_NAME
    from chainwatch.workflows.lists import load_bundled, snapshot_entries
    from chainwatch.workflows.screening import store_for

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    env["CHAINWATCH_DB"] = f"sqlite:///{work / 'store.db'}"
    env["CHAINWATCH_CACHE"] = str(work / "cache")
    os.environ.update({k: env[k] for k in ("CHAINWATCH_DB", "CHAINWATCH_CACHE")})
    store = store_for(env["CHAINWATCH_DB"])
    if store.active() is None:
        load_bundled(store)
    snapshot = store.active()
    assert snapshot is not None
    listed = sorted(
        {e.name for e in snapshot_entries(store, snapshot) if e.entity_type == "company"}
    )
    sec_file = args.shared / "negatives" / "sec_company_tickers-2024-05.json"
    sec = sorted({row["title"] for row in json.loads(sec_file.read_text()).values()})
    warm = subprocess.run(
        [sys.executable, "-c", CLI, "--quiet", "screen", "Hikvision", "--algorithm", algorithm],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    assert warm.returncode in (0, 3), "index warm-up failed"
    summary: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()}-core {cpu_model()}, Python {platform.python_version()}",
        "algorithm": algorithm,
        "sec_names": len(sec),
        "listed_names": len(listed),
        "runs": [],
    }
    different = []
    for n in (int(x) for x in args.sizes.split(",")):
        counterparties = work / f"counterparties-{n}.csv"
        if not counterparties.exists():
            generate(counterparties, n, sec, listed)
        digests = set()
        for mode in args.modes.split(","):
            load = os.getloadavg()
            out = work / f"hits-{mode}-{n}.csv"
            result = run_mode(mode, counterparties, out, env, algorithm)
            result["load_average"] = [round(x, 2) for x in (*load, *os.getloadavg())]
            digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
            print(json.dumps(result), flush=True)
            summary["runs"].append(result)
        if len(digests) != 1:
            different.append(n)
    summary["identical_outputs"] = not different
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    if different:
        raise SystemExit(f"the engines wrote different hits for {different} counterparties")


if __name__ == "__main__":
    main()
