"""The surveillance example (examples/networks/surveillance): its one documented command writes
every report file, and the headline figures are the ones the README states.

Hand check of the headline (all inputs in the example's CSV files):

* the step-down converter is sole-sourced from TI (US-origin, EAR99): cut, so both products
  stop: revenue at risk 3,000 x 48 + 200 x 400 = 224,000/day, margin 3,000 x 12 + 200 x 90 =
  54,000/day;
* after alternates the camera is whole and the recorder is held to 70 % by the AI module
  (Cambricon 70 %): 0.3 x 200 x 400 = 24,000/day;
* TTS with every affected line cut: 20 days of converters (68,000 / 3,400 a day) + 2 days of
  finished cameras = 22 days;
* AI module: TTR 270 + 30 = 300 days, extra stock 200 x 300 - 4,000 = 56,000 units at 120 =
  6,720,000; converters: 3,400 x (90 + 30) - 68,000 = 340,000;
* holding cost of the converters: 340,000 x 0.25 x 0.85 = 72,250 a year (blank holding cost ->
  the labelled 25 % default).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.network import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "networks" / "surveillance"


def test_documented_command_and_headline_figures(tmp_path: Path) -> None:
    out = tmp_path / "report"
    res = CliRunner().invoke(
        app,
        [
            "exposure", str(EXAMPLE), "--designate", "self", "--no-screen",
            "--as-of", "2019-10-09", "--out", str(out),
            "--format", "csv,json,xlsx", "--picture", "svg,png",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    names = {p.name for p in out.iterdir()}
    assert {
        "stockpile_answer.txt",
        "ear_decisions.csv",
        "listing_resilience.csv",
        "exposure.json",
        "exposure.xlsx",
        "network.svg",
        "network.png",
        "outbound.csv",
    } <= names
    doc = json.loads((out / "exposure.json").read_text())
    s = doc["summary"]
    assert s["revenue_at_risk_per_day"] == pytest.approx(224_000)
    assert s["margin_at_risk_per_day"] == pytest.approx(54_000)
    assert s["revenue_at_risk_after_alternates_per_day"] == pytest.approx(24_000)
    assert s["listing"]["lines_subject_to_ear"] == 8
    assert s["listing"]["fdp_footnote"] is None
    assert s["listing"]["policy_applied"] == "denial"
    st = s["stockpile"]
    assert st["tts_all_cut_days"] == pytest.approx(22)
    assert set(st["components_to_stock"]) == {
        "AI-MOD", "HDD", "FPGA", "SENSOR", "DRAM-CAM", "PMIC", "DDR4"
    }  # fmt: skip
    assert st["recommended_rise_in_component_stock"] == pytest.approx(3.96, abs=0.005)
    plans = {r["item_id"]: r for r in doc["tables"]["listing_resilience"]}
    assert plans["AI-MOD"]["ttr_days"] == 300
    assert plans["AI-MOD"]["extra_stock_units"] == pytest.approx(56_000)
    assert plans["AI-MOD"]["extra_stock_value"] == pytest.approx(6_720_000)
    assert plans["PMIC"]["extra_stock_units"] == pytest.approx(340_000)
    assert plans["PMIC"]["holding_cost"] == pytest.approx(72_250)
    outbound = doc["tables"]["outbound"]
    assert [(r["destination_country"], r["destination_group"], r["license_required"])
            for r in outbound] == [("IR", "E:1", "yes")]  # fmt: skip
    answer = (out / "stockpile_answer.txt").read_text()
    assert "Hikvision" in answer and "396%" in answer
    # the committed report is the output of this command
    committed = json.loads((EXAMPLE / "report" / "exposure.json").read_text())
    assert committed["summary"]["stockpile"] == st
