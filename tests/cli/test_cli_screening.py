"""The `chainwatch` command end to end on a real-format fixture list (SQLite store)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
runner = CliRunner()


def test_status_names_feeds_counts_and_hash(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["lists", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    active = status["active"]
    assert len(active["content_hash"]) == 64
    assert active["feeds"][0]["feed"] == "csl"
    assert sum(active["source_counts"].values()) == active["entry_count"] == 11


def test_screen_json_has_the_documented_fields(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["screen", "Hikvision", "--country", "CN", "--json"], env=env)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits and "Hikvision" in hits[0]["listed_name"].title()
    for key in ("entry_id", "listed_name", "matched_name", "score", "source", "programs"):
        assert key in hits[0]
    assert hits[0]["country"] == ["CN"]
    assert {"value", "evidence"} <= set(hits[0]["explanation"]["country"])
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    only_el = json.loads(
        runner.invoke(app, ["screen", "Hikvision", "--lists", "EL", "--json"], env=env).output
    )
    assert {h["source"] for h in only_el} == {"EL"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_batch_keeps_every_row(env: dict[str, str], tmp_path: Path, suffix: str) -> None:
    names = ["Hangzhou Hikvision Digital Tech. Limited", "Acme Bakery Ltd", "Dahua Technology"]
    path = tmp_path / f"counterparties{suffix}"
    if suffix == ".csv":
        path.write_text("name,country\n" + "\n".join(f"{n},CN" for n in names) + "\n")
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["name", "country"])
        for n in names:
            sheet.append([n, "CN"])
        book.save(path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"name": names, "country": ["CN"] * 3}), path)
    out = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen", "--file", str(path), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {
        "row",
        "query",
        "rank",
        "score",
        "entry_id",
        "listed_name",
        "matched_name",
        "source",
        "snapshot",
        "algorithm",
    } <= set(rows[0])
    assert sorted({int(r["row"]) for r in rows}) == [2, 3, 4]  # nothing silently dropped
    bakery = [r for r in rows if r["query"] == "Acme Bakery Ltd"]
    assert len(bakery) == 1 and bakery[0]["entry_id"] == "" and bakery[0]["algorithm"]
    hik = [r for r in rows if r["row"] == "2"]
    assert hik[0]["rank"] == "1" and "hikvision" in hik[0]["listed_name"].lower()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"name,country\nAcme,US\n,CN\n", "row 3"),
        (b'name,country\n"Acme Trading,US\n', "row 2"),
        (b"company_id,city\n1,Paris\n", "no name column"),
    ],
    ids=["empty", "empty-name", "truncated", "no-name-column"],
)
def test_bad_counterparty_files_write_nothing(  # header-only and Latin-1: test_cli_files.py
    env: dict[str, str], tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = tmp_path / "hits.csv"
    result = runner.invoke(app, ["screen", "--file", str(path), "--out", str(out)], env=env)
    assert result.exit_code == 2
    assert "bad.csv" in result.output and expected in result.output
    assert not out.exists()


def test_eval_prints_errors_then_the_summary_line(env: dict[str, str], tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "case_group,schema,name1,name2,is_match\n"
        "alias,Company,Hangzhou Hikvision Digital Technology Co. Ltd,Hikvision,1\n"
        "written,Company,Dahua Technology,DAHUA TECHNOLOGY CO LTD,true\n"
        "other,Company,Dahua Technology,Hangzhou Hikvision Digital Technology,0\n"
        "negative,Company,Acme Bakery Inc,Bank of Kunlun,false\n"
    )
    result = runner.invoke(app, ["eval", str(pairs), "--threshold", "0.8"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "worst false positives" in result.output
    # With an eleven-entry list the token weights are crude: "Hangzhou", "Digital" weigh as
    # much as "Hikvision", so the short alias misses; the format is what matters here.
    assert re.fullmatch(
        r"precision=\d\.\d{4} recall=\d\.\d{4} f1=\d\.\d{4} n=4 threshold=0\.8", lines[-1]
    )
    assert "precision=1.0000" in lines[-1]  # neither non-match is raised


def test_eval_rejects_bad_labels(env: dict[str, str], tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("case_group,schema,name1,name2,is_match\ng,Company,A,B,maybe\n")
    result = runner.invoke(app, ["eval", str(pairs)], env=env)
    assert result.exit_code == 2 and "row 2" in result.output and "is_match" in result.output


def test_load_failure_is_reported_by_status(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "consolidated.csv"
    bad.write_bytes((FIXTURES / "csl" / "consolidated-sample.csv").read_bytes()[:700])
    result = runner.invoke(app, ["lists", "load", str(bad), "--format", "csl"], env=env)
    assert result.exit_code == 2 and "consolidated.csv" in result.output
    status = runner.invoke(app, ["lists", "status"], env=env)
    assert "last load failed" in status.output


def test_batch_on_two_processes_equals_one(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    names = ["Hangzhou Hikvision Digital Technology", "Dahua Technology Co", "Acme Ltd"] * 400
    path.write_text("name\n" + "\n".join(names) + "\n")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"hits-{workers}.csv"
        result = runner.invoke(
            app, ["screen", "--file", str(path), "--out", str(out), "--workers", workers], env=env
        )
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert outputs[0].count("\n") > 1200


def test_algorithm_option_selects_a_registered_version(env: dict[str, str], tmp_path: Path) -> None:
    for algorithm in ("chainwatch-v2", "chainwatch-v3"):
        result = runner.invoke(
            app, ["screen", "Hikvision", "--algorithm", algorithm, "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        hits = json.loads(result.output)
        assert hits and {h["algorithm"] for h in hits} == {algorithm}
    path = tmp_path / "parties.csv"
    path.write_text("name,dob,nationality\nHikvision,,\n")
    out = tmp_path / "hits.csv"
    result = runner.invoke(
        app,
        ["screen", "--file", str(path), "--out", str(out), "--algorithm", "chainwatch-v3"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["algorithm"] for r in rows} == {"chainwatch-v3"}
    unknown = runner.invoke(app, ["screen", "Hikvision", "--algorithm", "chainwatch-v0"], env=env)
    assert unknown.exit_code != 0 and "chainwatch-v2" in unknown.output
