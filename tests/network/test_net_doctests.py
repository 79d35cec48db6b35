"""The worked examples in the network modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "chainwatch.model.network",
    "chainwatch.network.bom",
    "chainwatch.network.ownership",
    "chainwatch.network.deminimis",
    "chainwatch.network.exposure",
    "chainwatch.network.covered",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
