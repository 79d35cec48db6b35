"""A cold `chainwatch screen NAME` with the index artifact present imports only what screening
a Latin name needs (issue 12, acceptance 3: it answers in <= 0.5 s). A later change that brings
one of these imports back to the cold path fails here; make the new import lazy instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Module names as they appear in sys.modules; each was once on the cold path.
NOT_ON_THE_COLD_PATH = (
    "sqlalchemy",  # the active snapshot is read with sqlite3 (store/active.py)
    "fastapi",
    "uvicorn",
    "scipy",
    "matplotlib",
    "pandas",
    "pypinyin",  # text/persons reads data/text/pinyin_syllables.txt
    "pycountry",  # text/countries reads data/text/country_lookup.tsv
    "icu",  # rigour.names -> normality -> ICU: legal_forms_v3 calls rigour._core
    "normality",
    "chardet",
    "rigour.names",
    "jellyfish",  # v2's index
    "chainwatch.screening.index",  # v2: v3 takes its damped words from screening/damping
    "chainwatch.screening.algorithm",
    "chainwatch.api",
    "chainwatch.resilience",
    "chainwatch.network",
    "chainwatch.engine",
)

SCREEN = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
from chainwatch.cli.main import app
sys.argv = ["chainwatch", "screen", "Hikvision", "--json"]
app()
"""


def _screen(env: dict[str, str]) -> tuple[list[object], set[str]]:
    src = Path(__file__).resolve().parents[2] / "src"
    environment = os.environ | env | {"PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", SCREEN], env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    return json.loads(done.stdout), set(json.loads(line.removeprefix("MODULES ")))


def test_a_cold_screen_imports_only_what_it_needs(env: dict[str, str]) -> None:
    built, _ = _screen(env)  # builds and writes the artifact
    assert list(Path(env["CHAINWATCH_CACHE"]).glob("index-chainwatch-v3-*.cwidx"))
    hits, modules = _screen(env)  # opens it: the cold path
    assert hits == built and hits
    loaded = sorted(
        name
        for name in NOT_ON_THE_COLD_PATH
        if any(m == name or m.startswith(name + ".") for m in modules)
    )
    assert not loaded, f"a cold `chainwatch screen` imported {loaded}"


def test_the_registry_threshold_is_the_matchers() -> None:
    from chainwatch.screening import algorithm, registry, v3

    assert registry.DEFAULT_THRESHOLD == algorithm.DEFAULT_THRESHOLD == v3.DEFAULT_THRESHOLD
