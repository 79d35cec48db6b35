"""The CLI tests' store: a fresh SQLite store with the CSL sample fixture loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI run on a fresh store holding the CSL sample."""
    environment = {
        "CHAINWATCH_DB": f"sqlite:///{tmp_path / 'store.db'}",
        "CHAINWATCH_CACHE": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(
        app, ["lists", "load", str(FIXTURES / "csl" / "consolidated-sample.csv")], env=environment
    )
    assert result.exit_code == 0, result.output
    return environment
