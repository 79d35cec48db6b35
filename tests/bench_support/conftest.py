"""The benchmark helpers under bench/ (noise model, pair builder) are plain scripts, not part of
the chainwatch package: their tests import them from bench/."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
