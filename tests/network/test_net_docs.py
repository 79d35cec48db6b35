"""The worked example of docs/network-format.md loads and gives the numbers the doc states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainwatch.workflows.network import run_exposure

DOC = Path(__file__).resolve().parents[2] / "docs" / "network-format.md"


def test_worked_example(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example") :]
    blocks = re.findall(r"`(\w+\.csv)`\n```\n(.*?)```", example, flags=re.S)
    assert {name for name, _ in blocks} >= {"items.csv", "bom.csv", "sources.csv"}
    for name, body in blocks:
        (tmp_path / name).write_text(body, encoding="utf-8")
    run = run_exposure(tmp_path, names=[("Owner Holdings", ("SDN",))])
    (s1,) = [r for r in run.report.tables["designations"] if r["party_id"] == "S1"]
    assert s1["basis"] == "ofac-50-percent" and s1["aggregate_share"] == pytest.approx(0.6)
    assert s1["ownership_paths"] == "Owner Holdings -[60%]-> Supplier One"
    p = run.inbound.product("P")
    assert p.units_lost_per_day == pytest.approx(60)
    assert p.revenue_at_risk_per_day == pytest.approx(12_000)
    assert p.margin_at_risk_per_day == pytest.approx(3_000)
    assert p.recovery_days == 90
    assert run.report.tables["outbound"] == []
