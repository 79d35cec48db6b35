"""The chainwatch-v3 index as a memory-mapped artifact beside today's pickled index (issue 12,
acceptance 3), in one run.

A temporary store is loaded with the bundled lists (``chainwatch lists load --bundled``; with
``--full`` also OFAC SDN 2024 from ../shared/data: the full index of issue 9). Then, each in a
fresh process:

* **build**: the index built from the store's entries and written as an artifact (seconds,
  MB) beside the pickle that today's cache writes;
* **load**: ``open_index`` of the artifact (hash verified) and today's ``pickle.load`` (the
  collector off, as today's cache does), after the imports, which are timed apart;
* **memory**: the resident memory (RSS and PSS, /proc/self/smaps_rollup) the loaded index
  adds after 50 queries, beside the pickled index and a fresh in-memory build; and what a
  forked worker that screens the same queries adds privately (the pages it shares are not
  its own);
* **cold screen**: the wall clock of ``chainwatch screen NAME`` as a new process, with the
  artifact present (best and median of ``--repeat`` runs) and absent (built and written), and
  today's CLI (``--today-src``, default /work/main/src) with its pickle present and absent.

Every process caches its bytecode (``PYTHONPYCACHEPREFIX`` in the work directory), as an
installed package has it; the first run of each code compiles it.

Run: ``.venv/bin/python bench/bench_index_artifact.py [--full] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SHARED = HERE.parent.parent / "shared" / "data"
CLI = "import sys; from chainwatch.cli.main import app; sys.argv[0] = 'chainwatch'; app()"
NAME = "Hikvision"

# Run in a fresh process: the index's load time and the memory it adds.
PROBE = r"""
import gc, json, os, pickle, sys, time
from pathlib import Path

def mem():
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0]) / 1024
    return out

kind, path, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
t = time.perf_counter()
from chainwatch.model.screening import Query
from chainwatch.screening.registry import make_matcher
if kind == "artifact":
    from chainwatch.screening.v3_artifact import open_index
imports = time.perf_counter() - t
gc.collect()
before = mem()
t = time.perf_counter()
if kind == "artifact":
    index = open_index(path)
elif kind == "pickle":
    gc.disable()
    with open(path, "rb") as fh:
        index = pickle.load(fh)
    gc.enable()
else:
    from chainwatch.store.engine import open_engine
    from chainwatch.store.lists import ListStore
    from chainwatch.workflows.lists import snapshot_entries
    from chainwatch.screening.registry import build_index
    store = ListStore(open_engine(path))
    snapshot = store.active()
    entries = snapshot_entries(store, snapshot)
    t = time.perf_counter()
    index = build_index("chainwatch-v3", entries, snapshot.content_hash)
load = time.perf_counter() - t
loaded = mem()
matcher = make_matcher("chainwatch-v3", index)
t = time.perf_counter()
for name in names:
    matcher.screen(Query(name=name))
first_pass = time.perf_counter() - t
after = mem()
read, write = os.pipe()
child = os.fork()
if child == 0:
    for name in names:
        matcher.screen(Query(name=name))
    m = mem()
    os.write(write, json.dumps(m).encode())
    os._exit(0)
os.waitpid(child, 0)
forked = json.loads(os.read(read, 1 << 16))
write = None
if kind == "build":  # what writing the artifact of a fresh build costs
    from chainwatch.screening.v3_artifact import ArtifactKey, write_index
    target = Path(sys.argv[4]) / "write-probe.cwidx"
    t = time.perf_counter()
    write_index(index, target, ArtifactKey("chainwatch-v3", snapshot.content_hash, "probe"))
    write = time.perf_counter() - t
    target.unlink()
print(json.dumps({"imports": imports, "load": load, "queries": first_pass, "before": before,
                  "loaded": loaded, "after": after, "forked": forked, "write": write}))
"""


BYTECODE: dict[str, str] = {}  # set in main(): where the processes cache their bytecode


def run(
    args: list[str], env: dict[str, str], src: Path
) -> tuple[float, subprocess.CompletedProcess[str]]:
    environment = os.environ | env | BYTECODE | {"PYTHONPATH": str(src)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    done = subprocess.run(args, env=environment, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, done


def cli(cmd: list[str], env: dict[str, str], src: Path) -> float:
    return run([sys.executable, "-c", CLI, *cmd], env, src)[0]


def probe(
    kind: str, path: str, names: list[str], env: dict[str, str], src: Path, work: Path
) -> dict:
    command = [sys.executable, "-c", PROBE, kind, path, json.dumps(names), str(work)]
    _, done = run(command, env, src)
    return json.loads(done.stdout.strip().splitlines()[-1])


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also OFAC SDN 2024 (../shared)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--today-src", type=Path, default=Path("/work/main/src"))
    parser.add_argument("--work", type=Path, default=None, help="keep the store here")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_anchor import machine

    work = args.work or Path(tempfile.mkdtemp(prefix="cw-index-artifact-"))
    work.mkdir(parents=True, exist_ok=True)
    # bytecode cached as an installed package has it (this session sets
    # PYTHONDONTWRITEBYTECODE: every process would compile every module it imports)
    BYTECODE["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    db = f"sqlite:///{work / 'store.db'}"
    new_cache, old_cache = work / "cache-artifact", work / "cache-today"
    env_new = {"CHAINWATCH_DB": db, "CHAINWATCH_CACHE": str(new_cache)}
    env_old = {"CHAINWATCH_DB": db, "CHAINWATCH_CACHE": str(old_cache)}
    today = args.today_src if (args.today_src / "chainwatch").is_dir() else None
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  machine: {machine()}")
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"commit: {commit}; today's code: {today or 'not measured'}")
    if not (work / "store.db").exists():
        cli(["--quiet", "lists", "load", "--bundled"], env_new, SRC)
        if args.full:
            cli(["--quiet", "lists", "load", str(SHARED / "lists/ofac/sdn-2024-05-03.csv")],
                env_new, SRC)  # fmt: skip
    names = [NAME, "Huawei Technolgies", "Siemens AG", "Bank of China (Hong Kong) Limited"]
    sec = SHARED / "negatives" / "sec_company_tickers-2024-05.json"
    if sec.exists():
        rows = list(json.loads(sec.read_text()).values())
        names += [r["title"] for r in rows[::200]][:46]
    rows_out: list[tuple[str, str, str]] = []

    def row(what: str, value: str) -> None:
        rows_out.append((what, value, loadavg()))
        print(f"  {what}: {value}  (load {loadavg()})", flush=True)

    # -- cold screen, artifact absent then present -----------------------------------------
    shutil.rmtree(new_cache, ignore_errors=True)
    row(
        "cold screen, artifact absent (build + write)",
        f"{cli(['screen', NAME], env_new, SRC):.2f} s",
    )
    artifact = next(new_cache.glob("index-chainwatch-v3-*.cwidx"))
    present = [cli(["screen", NAME], env_new, SRC) for _ in range(args.repeat)]
    row("cold screen, artifact present",
        f"best {min(present):.3f} s, median {statistics.median(present):.3f} s "
        f"({args.repeat} runs)")  # fmt: skip
    pickle_path = None
    if today is not None:
        shutil.rmtree(old_cache, ignore_errors=True)
        row("today: cold screen, pickle absent (build + pickle)",
            f"{cli(['screen', NAME], env_old, today):.2f} s")  # fmt: skip
        pickle_path = next(old_cache.glob("index-chainwatch-v3-*.pickle"))
        old = [cli(["screen", NAME], env_old, today) for _ in range(args.repeat)]
        row("today: cold screen, pickle present",
            f"best {min(old):.3f} s, median {statistics.median(old):.3f} s")  # fmt: skip

    # -- build, size -----------------------------------------------------------------------
    row("artifact size", f"{artifact.stat().st_size / 1e6:.1f} MB")
    if pickle_path is not None:
        row("today's pickle size", f"{pickle_path.stat().st_size / 1e6:.1f} MB")
    verify = (
        "import sys, time; from pathlib import Path; "
        "from chainwatch.screening.v3_artifact import verify_file; "
        "t = time.perf_counter(); verify_file(Path(sys.argv[1])); print(time.perf_counter() - t)"
    )
    _, done = run([sys.executable, "-c", verify, str(artifact)], env_new, SRC)
    row("SHA-256 check of the whole file", f"{float(done.stdout) * 1000:.0f} ms")

    # -- load and memory -------------------------------------------------------------------
    results = {"artifact": probe("artifact", str(artifact), names, env_new, SRC, work)}
    if pickle_path is not None:
        results["pickle (today)"] = probe(
            "pickle", str(pickle_path), names, env_old, today or SRC, work
        )
    results["in-memory build"] = probe("build", db, names, env_new, SRC, work)
    for kind, r in results.items():
        b, a, f = r["before"], r["after"], r["forked"]
        row(f"{kind}: load", f"{r['load']:.3f} s (imports {r['imports']:.3f} s before it)")
        row(f"{kind}: RSS added after {len(names)} queries",
            f"{a['Rss'] - b['Rss']:.0f} MB (process {a['Rss']:.0f} MB, PSS {a['Pss']:.0f} MB, "
            f"file-backed shared {a.get('Shared_Clean', 0):.0f} MB)")  # fmt: skip
        private = f["Private_Clean"] + f["Private_Dirty"]
        row(f"{kind}: a forked worker's private memory after the same queries",
            f"{private:.0f} MB of {f['Rss']:.0f} MB RSS")  # fmt: skip
        row(f"{kind}: first {len(names)} queries", f"{r['queries']:.2f} s")
        if r.get("write") is not None:
            row("artifact write of a fresh build", f"{r['write']:.2f} s")
    print()
    print("| figure | value | load average |")
    print("|---|---|---|")
    for what, value, load in rows_out:
        print(f"| {what} | {value} | {load} |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
