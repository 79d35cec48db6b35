"""Run every benchmark in turn (`make bench`); each prints its own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ["bench_screening.py"],
    ["bench_accuracy.py"],
    ["bench_exposure.py"],
    ["bench_resilience.py"],
    ["bench_service_load.py", "--clients", "200", "--seconds", "60", "--workers", "2"],
]


def main() -> int:
    failed = 0
    for script, *args in BENCHMARKS:
        print(f"== {script} {' '.join(args)}", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / script), *args]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
