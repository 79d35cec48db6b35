"""chainwatch-v3 index and matcher.

TEMPORARY (replaced in the next commits of branch i9a): v3 is chainwatch-v2's index and
matcher under the name ``chainwatch-v3``, so that the registry and the benchmarks can be wired
before the v3 core lands.
"""

from __future__ import annotations

from dataclasses import replace

from chainwatch.screening.algorithm import DEFAULT_ALGORITHM, Matcher
from chainwatch.screening.index import ScreeningIndex

V3_NAME = "chainwatch-v3"


class V3Index(ScreeningIndex):
    """The v3 index (for now the v2 index)."""


class V3Matcher(Matcher):
    """The v3 matcher (for now v2's scoring under the v3 name)."""

    def __init__(self, index: V3Index) -> None:
        super().__init__(index, replace(DEFAULT_ALGORITHM, name=V3_NAME))
