"""The ``resilience`` Typer sub-app on a Willems chain: results with their assumptions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.resilience import app


@pytest.mark.shared
def test_sweep_json_prints_assumptions(shared: type, tmp_path: Path) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    res = CliRunner().invoke(
        app,
        [
            "sweep",
            f"willems:12:{root}",
            "--json",
            "--set",
            "ramp_days=10",
            "--set",
            "willems.inventory_days=30",
            "--charts",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    names = {a["name"]: a["value"] for a in data["assumptions"]}
    assert names["resilience.ramp_days"] == 10
    assert names["inventory_days"] == 30
    assert data["scenarios"][0]["risk_exposure_index"] == 1.0
    assert (tmp_path / "exposure.svg").exists() and (tmp_path / "survival.png").exists()


@pytest.mark.shared
def test_stockpile_and_montecarlo_text(shared: type) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "stockpile",
            f"willems:12:{root}",
            "--scenarios",
            "20",
            "--replications",
            "2",
            "--selection-samples",
            "200",
            "--prediction-samples",
            "300",
            "--replay",
            "500",
            "--probability",
            "0.05",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Assumptions" in res.output and "holding_cost" in res.output
    assert "replay_expected_loss" in res.output
    assert "PREDICTED expected loss" in res.output and "SAA lower bound" in res.output
    res = runner.invoke(app, ["montecarlo", f"willems:12:{root}", "--samples", "500", "--json"])
    assert res.exit_code == 0, res.output
    assert "expected_shortfall_95" in json.loads(res.output)


def test_bad_override_is_a_clear_error() -> None:
    res = CliRunner().invoke(app, ["sweep", "willems:12:/nonexistent", "--set", "nonsense=1"])
    assert res.exit_code == 2
    assert "nonsense" in res.output
