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
            "--method",
            "saa",
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


@pytest.mark.shared
def test_stockpile_plan_files_and_paired_validation(shared: type, tmp_path: Path) -> None:
    """The L-shaped pipeline on chain 12 with a rumoured listing: the plan files hold every
    stocked item, the output shows the paired difference and its interval, every labelled
    assumption is printed, and a previous plan read back from plan.csv is compared."""
    import openpyxl

    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    runner = CliRunner()
    base = ["stockpile", f"willems:12:{root}", "--scenarios", "60", "--validation-samples"]
    args = [*base, "300", "--probability", "0.02", "--json", "--out", str(tmp_path)]
    args += ["--set", "montecarlo.country_loading=0.3", "--set", "stockpile.stock_at=purchased"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    names = {a["name"]: a["value"] for a in data["assumptions"]}
    assert names["montecarlo.country_loading"] == 0.3
    assert names["stockpile.stock_at"] == "purchased"
    pd = data["paired_differences"][0]
    assert pd["against"] == "no stock" and pd["ci95_low"] <= pd["difference"] <= pd["ci95_high"]
    assert data["recommended"] in ("plan", "no stock")
    rows = (tmp_path / "plan.csv").read_text().splitlines()
    assert rows[0].startswith("item,supplier,units_to_add,days_of_cover,holding_cost")
    assert len(rows) - 1 == data["plan_items"]
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert wb.sheetnames == ["plan", "orders"]
    assert wb["plan"].max_row - 1 == data["plan_items"]
    res = runner.invoke(app, [*args[:-4], "--previous", str(tmp_path / "plan.csv")])
    assert res.exit_code == 0, res.output
    against = [c["against"] for c in json.loads(res.output)["paired_differences"]]
    assert against == ["no stock", "previous plan", "no stock"]


@pytest.mark.shared
def test_stockpile_bad_inputs_are_clear_errors(shared: type, tmp_path: Path) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    runner = CliRunner()
    net = f"willems:12:{root}"
    res = runner.invoke(app, ["stockpile", net, "--probability", "-0.1"])
    assert res.exit_code == 2 and "probability" in res.output
    res = runner.invoke(app, ["stockpile", net, "--designation", "nobody=0.5"])
    assert res.exit_code == 2 and "unknown supplier" in res.output
    res = runner.invoke(app, ["stockpile", net, "--objective", "service", "--service-level", "2"])
    assert res.exit_code == 2 and "service_level" in res.output
    bad = tmp_path / "plan.csv"
    bad.write_text("item,units_to_add\nnot-an-item,3\n")
    res = runner.invoke(app, ["stockpile", net, "--previous", str(bad)])
    assert res.exit_code == 2 and "row 2" in res.output and "item" in res.output
    res = runner.invoke(app, ["montecarlo", net, "--set", "montecarlo.nonsense=1"])
    assert res.exit_code == 2 and "montecarlo.nonsense" in res.output
