"""`chainwatch network ...` commands (the Typer sub-app) and the diff scenario."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chainwatch.cli.network import app
from chainwatch.model.network import Party, SupplyNetwork
from chainwatch.model.screening import Match
from chainwatch.network.scenario import scenario_from_screening, screen_parties

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "networks"
runner = CliRunner()


def test_validate_and_exposure(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(EXAMPLES / "ipcamera")])
    assert ok.exit_code == 0 and "ok" in ok.output
    res = runner.invoke(
        app,
        [
            "exposure",
            str(EXAMPLES / "ipcamera"),
            "--designate",
            "HISI",
            "--lists",
            "EL",
            "--as-of",
            "2026-01-15",
            "--out",
            str(tmp_path / "r"),
            "--picture",
            "none",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "24,800.00/day" in res.output
    assert (tmp_path / "r" / "products.csv").exists()
    js = runner.invoke(app, ["exposure", str(EXAMPLES / "ipcamera"), "-d", "HISI", "--json"])
    assert '"revenue_at_risk_per_day": 24800.0' in js.output


def test_bad_input_exit_code(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,name,kind\nP,Phone,product\n")
    (tmp_path / "bom.csv").write_text("parent,child,quantity_per\nP,P2,1\n")
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 2
    assert "bom.csv" in res.output and "row 2" in res.output and "unknown item id" in res.output
    res = runner.invoke(app, ["exposure", str(tmp_path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and not (tmp_path / "out").exists()


def test_de_minimis_and_covered_commands() -> None:
    res = runner.invoke(app, ["de-minimis", str(EXAMPLES / "ipcamera"), "CAM-4MP", "IR"])
    assert res.exit_code == 0 and "SECURE" in res.output and "10%" in res.output
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "network" / "oui-extract.csv"
    res = runner.invoke(
        app, ["covered", str(EXAMPLES / "ipcamera" / "devices.csv"), "--oui", str(fixture)]
    )
    assert res.exit_code == 0 and "6 of 9 device(s) covered" in res.output


def _match(entry_id: str, name: str) -> Match:
    return Match(entry_id, "EL", name, name, 1.0, (), ("CN",), "company", (), "t", "s")


def test_diff_scenario_counts_only_new_hits() -> None:
    net = SupplyNetwork(parties=(Party("A", "Alpha"), Party("B", "Beta")))
    old = {"Alpha": [_match("EL:1", "Alpha")]}
    new = {"Alpha": [_match("EL:1", "Alpha")], "Beta": [_match("EL:2", "Beta")]}
    before = screen_parties(net, lambda n, c: old.get(n, []))
    after = screen_parties(net, lambda n, c: new.get(n, []))
    assert scenario_from_screening(after).party_ids == {"A", "B"}
    diff = scenario_from_screening(after, exclude=before, name="diff")
    assert diff.party_ids == {"B"} and diff.designations[0].entry_ids == ("EL:2",)
