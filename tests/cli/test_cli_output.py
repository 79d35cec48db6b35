"""What the commands print where: --json everywhere it prints results, stdout for the result only,
unwrapped lines off a terminal, --quiet/--verbose/--version, refused --format values, and one
meaning of --source."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch import __version__
from chainwatch.cli.main import app
from chainwatch.cli.output import split_sources

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "lists"
CSL = FIXTURES / "csl" / "consolidated-sample.csv"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "CHAINWATCH_DB": f"sqlite:///{tmp_path / 'store.db'}",
        "CHAINWATCH_CACHE": str(tmp_path / "cache"),
    }


def test_every_json_output_parses(env: dict[str, str], tmp_path: Path) -> None:
    def run(*args: str, code: int = 0) -> object:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, (args, result.output)
        return json.loads(result.stdout)

    loaded = run("lists", "load", str(CSL), "--json")
    assert isinstance(loaded, dict) and loaded["snapshot"]["entry_count"] == 11
    again = run("lists", "load", str(CSL), "--json")
    assert isinstance(again, dict) and again["status"] == "unchanged"
    status = run("lists", "status", "--json")
    assert isinstance(status, dict) and status["active"]["entry_count"] == 11
    snapshots = run("lists", "snapshots", "--json")
    assert isinstance(snapshots, list) and snapshots[-1]["active"] is True
    diff = run("lists", "diff", str(snapshots[0]["id"]), "--json")
    assert isinstance(diff, dict)
    # a mirror that does not answer: every source fails, the report is still JSON (exit 1)
    update = run(
        "lists", "update", "--base-url", "http://127.0.0.1:9", "--source", "csl", "--dir",
        str(tmp_path / "dl"), "--json", code=1,
    )  # fmt: skip
    assert isinstance(update, dict) and "csl" in update["failed"]
    hits = run("screen", "Hikvision", "--json")
    assert isinstance(hits, list) and hits[0]["score"] >= 0.8
    batch = run("screen", "--file", str(REPO / "examples" / "counterparties.csv"), "--json")
    assert isinstance(batch, dict) and batch["counterparties"] >= 2
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("case_group,schema,name1,name2,is_match\ng,Company,Hikvision,Hikvision,1\n")
    evaluation = run("eval", str(pairs), "--json")
    assert isinstance(evaluation, dict) and evaluation["n"] == 1 and "f1" in evaluation
    exposure = run(
        "network", "exposure", str(REPO / "examples" / "networks" / "ipcamera"), "-d", "HISI",
        "--json",
    )  # fmt: skip
    assert isinstance(exposure, dict) and exposure["revenue_at_risk_per_day"] == 24800.0
    validated = run(
        "network", "validate", str(REPO / "examples" / "networks" / "ipcamera"), "--json"
    )
    assert isinstance(validated, dict) and validated["ok"] and validated["items"] > 0
    ipcamera = REPO / "examples" / "networks" / "ipcamera"
    stockpile = run(
        "resilience", "stockpile", str(ipcamera), "--scenarios", "10", "--replications", "2",
        "--selection-samples", "50", "--prediction-samples", "50", "--replay", "0", "--json",
    )  # fmt: skip
    assert isinstance(stockpile, dict) and len(stockpile["replications"]) == 2
    sweep = run("resilience", "sweep", str(ipcamera), "--json")
    assert isinstance(sweep, dict) and sweep["scenarios"]
    deminimis = run("network", "de-minimis", str(ipcamera), "CAM-4MP", "IR", "--json")
    assert isinstance(deminimis, dict) and deminimis
    oui = REPO / "tests" / "fixtures" / "network" / "oui-extract.csv"
    covered = run("network", "covered", str(ipcamera / "devices.csv"), "--oui", str(oui), "--json")
    assert isinstance(covered, dict) and (covered["covered"], covered["devices"]) == (6, 9)
    key = runner.invoke(app, ["keys", "create", "ci", "--role", "viewer"], env=env)
    assert key.exit_code == 0, key.output
    keys = run("keys", "list", "--json")
    assert isinstance(keys, list) and keys[0]["name"] == "ci" and "key" not in keys[0]
    users = run("users", "list", "--json")
    assert users == []
    audit = run("audit", "verify", "--json")
    assert isinstance(audit, dict) and audit["ok"] is True and audit["records"] >= 1
    exported = runner.invoke(app, ["lists", "export", "--format", "ftm"], env=env)
    assert exported.exit_code == 0, exported.output
    entities = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(entities) == 11 and all(e["properties"]["name"] for e in entities)


def test_lists_export_ftm_entities(env: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(app, ["lists", "load", str(CSL)], env=env).exit_code == 0
    out = tmp_path / "entities.ftm.jsonl"
    result = runner.invoke(
        app, ["lists", "export", "--format", "ftm", "--lists", "EL", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "exported 4 entities" in result.stderr
    entities = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    hik = next(e for e in entities if "Hikvision" in e["caption"])
    assert hik["schema"] in {"Company", "LegalEntity"} and hik["datasets"] == ["chainwatch_el"]
    assert hik["properties"]["alias"] == ["Hikvision"]
    assert hik["properties"]["country"] == ["cn"]
    assert hik["properties"]["topics"] == ["export.control"]
    own = runner.invoke(app, ["lists", "export", "--format", "entries"], env=env)
    assert json.loads(own.stdout.splitlines()[0])["entry_id"]
    bad = runner.invoke(app, ["lists", "export", "--format", "csv"], env=env)
    assert bad.exit_code == 2 and "unknown --format" in bad.stderr


def test_errors_go_to_stderr(env: dict[str, str], tmp_path: Path) -> None:
    for args in (
        ["network", "validate", str(tmp_path / "missing")],
        ["resilience", "sweep", str(tmp_path / "missing"), "--json"],
        ["screen", "--file", str(tmp_path / "missing.csv"), "--json"],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == "" and "missing" in result.stderr, args


def test_unknown_format_values_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    load = runner.invoke(app, ["lists", "load", str(CSL), "--format", "xml"], env=env)
    assert load.exit_code == 2 and "unknown format" in load.stderr
    exposure = runner.invoke(
        app,
        ["network", "exposure", str(REPO / "examples" / "networks" / "ipcamera"), "--format",
         "csv,pdf", "--out", str(tmp_path / "r"), "--no-screen"],
        env=env,
    )  # fmt: skip
    assert exposure.exit_code == 2 and "pdf" in exposure.output
    assert not (tmp_path / "r").exists()


def test_version_quiet_verbose(env: dict[str, str], tmp_path: Path) -> None:
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip() == f"chainwatch {__version__}"
    assert runner.invoke(app, ["lists", "load", str(CSL)], env=env).exit_code == 0
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("name;country\nSociété Générale;FR\n".encode("cp1252"))
    out = str(tmp_path / "hits.csv")
    loud = runner.invoke(app, ["screen", "--file", str(legacy), "--out", out], env=env)
    assert "cp1252" in loud.stderr and "screened 1" in loud.stdout
    quiet = runner.invoke(app, ["-q", "screen", "--file", str(legacy), "--out", out], env=env)
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    verbose = runner.invoke(app, ["-v", "screen", "--file", str(legacy), "--out", out], env=env)
    assert verbose.exit_code == 0
    assert "columns: name = 'name', country = 'country'" in verbose.stderr  # what was mapped
    assert logging.getLogger("chainwatch").level == logging.INFO
    runner.invoke(app, ["-vv", "lists", "status"], env=env)
    assert logging.getLogger("chainwatch").level == logging.DEBUG
    runner.invoke(app, ["lists", "status"], env=env)
    assert logging.getLogger("chainwatch").level == logging.WARNING


def test_lines_are_not_wrapped_off_a_terminal(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["lists", "load", str(CSL)], env=env).exit_code == 0
    name = "Acme Precision Bakery Equipment and Industrial Ovens Manufacturing Company Limited"
    result = runner.invoke(app, ["screen", name], env=env)
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1 and name in result.stdout  # one line of 120+ chars
    table = runner.invoke(app, ["screen", "Hikvision"], env=env).stdout
    listed = [line for line in table.splitlines() if "Hangzhou Hikvision Digital" in line]
    assert listed and all("Technology Co., Ltd." in line for line in listed)  # not folded


def test_source_means_a_download_source() -> None:
    assert split_sources(["csl", "ofac-sdn"]) == (["csl", "ofac-sdn"], [])
    # the old spelling of --list-file still works
    assert split_sources(["lists/consolidated.csv::csl", "csl"]) == (
        ["csl"],
        ["lists/consolidated.csv::csl"],
    )


def test_watch_takes_list_files_under_list_file(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["watch", "--list-file", f"{CSL}::csl"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] in {"updated", "loaded"} or report["added"] == 11
    old = runner.invoke(app, ["watch", "--source", f"{CSL}::csl"], env=env)
    assert old.exit_code == 0, old.output
    assert "--list-file" in old.stderr and json.loads(old.stdout)


def test_solver_banner_goes_to_stderr(env: dict[str, str]) -> None:
    """HiGHS prints its banner from C on file descriptor 1: only a real process shows it."""
    import os
    import subprocess
    import sys

    network = str(REPO / "examples" / "networks" / "ipcamera")
    done = subprocess.run(
        [sys.executable, "-c", "from chainwatch.cli.main import app; app()", "resilience",
         "sweep", network, "--json"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenarios"]
    assert "HiGHS" in done.stderr and "HiGHS" not in done.stdout


def test_willems_json(shared: type) -> None:
    root = shared.path("supply", "willems2008")  # type: ignore[attr-defined]
    result = runner.invoke(app, ["network", "willems", str(root), "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["chains"] >= 38 and len(document["worst"]) == 3
    risks = [w["revenue_at_risk_per_day"] for w in document["worst"]]
    assert risks == sorted(risks, reverse=True) and isinstance(risks[0], float)


def test_ftm_export_reads_back_through_the_opensanctions_adapter(tmp_path: Path) -> None:
    """The FtM export is what an FtM consumer reads: chainwatch's own OpenSanctions adapter
    loads it back with every name, alias and country."""
    from chainwatch.lists.registry import parse_feed
    from chainwatch.workflows.ftm import export_entities

    original = parse_feed(CSL, format="csl").entries
    path = tmp_path / "entities.ftm.json"
    assert export_entities(original, path) == len(original)
    back = parse_feed(path, format="opensanctions").entries
    assert len(back) == len(original)
    by_name = {e.name: e for e in back}
    for entry in original:
        again = by_name[entry.name]
        assert set(again.aliases) >= {a for a in entry.aliases if a != entry.name}
        assert set(again.countries) == set(entry.countries)
        assert again.entity_type == entry.entity_type or entry.entity_type == "unknown"
