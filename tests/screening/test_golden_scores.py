"""Released algorithm versions keep their scores (tests/fixtures/screening/golden_scores.json).

An edit that changes a pinned score fails here: release a new version instead. To pin a new
version or re-pick the pairs on purpose: ``bench/golden_scores.py`` (see its docstring).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from chainwatch.screening.registry import ALGORITHMS

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "screening" / "golden_scores.json"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from golden_scores import score  # noqa: E402

DATA = json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_file_pins_about_a_hundred_pairs_of_both_kinds() -> None:
    kinds = {p["kind"] for p in DATA["pairs"]}
    assert len(DATA["pairs"]) >= 90 and kinds == {"company", "person"}
    assert "chainwatch-v2" in DATA["scores"]


@pytest.mark.parametrize("version", sorted(DATA["scores"]))
def test_a_pinned_version_scores_every_pair_as_released(version: str) -> None:
    assert version in ALGORITHMS, f"{version} is pinned but no longer registered"
    pinned = DATA["scores"][version]
    now = score(version, DATA["pairs"])
    moved = [
        (p["name1"], p["name2"], was, new)
        for p, was, new in zip(DATA["pairs"], pinned, now, strict=True)
        if abs(was - new) > 1e-6
    ]
    assert not moved, f"{version} changed {len(moved)} pinned scores, e.g. {moved[:3]}"
