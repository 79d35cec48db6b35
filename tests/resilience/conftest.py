"""Resilience tests run against an empty store unless they say otherwise: the Monte Carlo and
the stockpile commands read designation risk from the store's lists when it holds any
(``--risk-from-lists``), so a store left in the user's data directory must not change them."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINWATCH_DB", f"sqlite:///{tmp_path / 'empty-store.db'}")
