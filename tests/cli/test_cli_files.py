"""Counterparty files as ERP systems export them, and the outputs `screen --file` writes.

Each file is shaped like a real export: SAP's customer master (KNA1) downloaded to a German
Excel as Windows-1252 with `;`, a Dynamics 365 accounts export (UTF-8 with BOM, tab), a
header-only export of an empty selection, an XLSX workbook with a cover sheet before the data.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app
from chainwatch.model.errors import InputError
from chainwatch.workflows.counterparties import (
    ColumnMap,
    guess_legacy_encoding,
    read_counterparty_file,
    sniff_delimiter,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
runner = CliRunner()

# SAP KNA1 fields as a German SE16N download names them.
SAP_HEADER = "Kunde;Name 1;Straße;Ort;Land;USt-IdNr;Kontengruppe"
SAP_ROWS = [
    "100234;Müller Gerätebau GmbH;Hauptstraße 5;Köln;DE;DE811234567;KUNA",
    "100235;Hangzhou Hikvision Digital Technology Co., Ltd.;No. 555 Qianmo Road;Hangzhou;CN;;KUNA",
    "100236;Société Générale;29 Bd Haussmann;Paris;FR;FR47552120222;KUNA",
    "100237;Dahua Technology;Meike Building;Beijing;CN;;KUNZ",
]


def sap_export(tmp_path: Path, rows: list[str] = SAP_ROWS) -> Path:
    path = tmp_path / "KNA1_export.csv"
    path.write_bytes(("\r\n".join([SAP_HEADER, *rows]) + "\r\n").encode("cp1252"))
    return path


SAP_MAPPING = [
    "--column",
    "Name 1",
    "--id-column",
    "Kunde",
    "--country-column",
    "Land",
    "--address-column",
    "Straße",
    "--identifier-column",
    "USt-IdNr",
    "--keep",
    "Ort",
    "--keep",
    "Kontengruppe",
]


def test_windows_1252_semicolon_export_is_detected_and_mapped(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = sap_export(tmp_path)
    out = tmp_path / "hits.csv"
    result = runner.invoke(
        app, ["screen", "--file", str(path), "--out", str(out), *SAP_MAPPING], env=env
    )
    assert result.exit_code == 0, result.output
    assert "cp1252" in result.stderr and "detected" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[:4] == ["row", "Kunde", "Ort", "Kontengruppe"]
    by_id = {r["Kunde"]: r for r in rows}
    assert by_id["100234"]["query"] == "Müller Gerätebau GmbH"
    assert by_id["100234"]["Ort"] == "Köln" and by_id["100234"]["entry_id"] == ""
    assert by_id["100236"]["query"] == "Société Générale"
    assert "hikvision" in by_id["100235"]["listed_name"].lower()
    assert by_id["100235"]["Kontengruppe"] == "KUNA"
    # the mapped columns became evidence of the query
    read = read_counterparty_file(
        path,
        ColumnMap(
            name="Name 1",
            country="Land",
            address="straße",
            identifier="USt-IdNr",
            reference="Kunde",
        ),
    )
    first = read.parties[0]
    assert (read.encoding, read.delimiter) == ("cp1252", ";")
    assert first.query.country == "DE" and first.query.address == "Hauptstraße 5"
    assert first.query.identifiers == ("DE811234567",) and first.reference == "100234"


def test_explicit_encoding_wins_and_a_wrong_one_names_the_row(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = sap_export(tmp_path)
    ok = runner.invoke(
        app,
        ["screen", "--file", str(path), "--encoding", "cp1252", "--json", *SAP_MAPPING],
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    assert "detected" not in ok.stderr
    document = json.loads(ok.stdout)
    assert document["encoding"] == "cp1252"
    assert [r["reference"] for r in document["results"]] == ["100234", "100235", "100236", "100237"]
    bad = runner.invoke(
        app, ["screen", "--file", str(path), "--encoding", "utf-8", *SAP_MAPPING], env=env
    )
    assert bad.exit_code == 2
    assert "KNA1_export.csv" in bad.stderr and "row 1" in bad.stderr and "utf-8" in bad.stderr


def test_legacy_encodings_read_as_names() -> None:
    # hand-checked: each text encoded in its code page is read back in that code page
    assert guess_legacy_encoding("Łódź Przemysł Sp. z o.o.".encode("cp1250")) == "cp1250"
    assert guess_legacy_encoding("ООО Ромашка; АО Газпром".encode("cp1251")) == "cp1251"
    assert guess_legacy_encoding("Nestlé España S.A.".encode("cp1252")) == "cp1252"
    assert guess_legacy_encoding("Müller Köln".encode("cp850")) == "cp850"
    assert guess_legacy_encoding("株式会社日立製作所".encode("shift_jis")) == "shift_jis"


def test_tab_delimited_dynamics_export_with_bom(env: dict[str, str], tmp_path: Path) -> None:
    lines = [
        "Account Number\tAccount Name\tAddress 1: Country/Region\tMain Phone",
        "ACC-0001\tDahua Technology\tCN\t+86 571 1234",
        "ACC-0002\tAcme Bakery, Inc.\tUS\t+1 555 0100",
    ]
    path = tmp_path / "Accounts Advanced Find View 2026-11-30.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = runner.invoke(
        app,
        [
            "screen",
            "--file",
            str(path),
            "--column",
            "Account Name",
            "--id-column",
            "Account Number",
            "--country-column",
            "Address 1: Country/Region",
            "--json",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["delimiter"] == "\t" and document["counterparties"] == 2
    first, second = document["results"]
    assert first["reference"] == "ACC-0001" and first["hits"][0]["source"] == "EL"
    assert second["query"] == "Acme Bakery, Inc." and second["hits"] == []


def test_delimiter_sniffing_ignores_commas_inside_names() -> None:
    assert sniff_delimiter("Kunde;Name\n1;Acme, Inc.\n2;Foo, Bar & Co\n") == ";"
    assert sniff_delimiter('id,name\n1,"Acme; Inc."\n') == ","
    assert sniff_delimiter("name\nAcme Inc\n") == ","  # one column


def test_header_only_export_is_an_empty_result(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "KNA1_export.csv"
    path.write_bytes((SAP_HEADER + "\r\n").encode("cp1252"))
    out = tmp_path / "hits.csv"
    result = runner.invoke(
        app, ["screen", "--file", str(path), "--out", str(out), *SAP_MAPPING], env=env
    )
    assert result.exit_code == 0, result.output
    assert "screened 0 counterparties" in result.stdout
    assert out.read_text(encoding="utf-8").splitlines() == [
        "row,Kunde,Ort,Kontengruppe,query,rank,score,entry_id,listed_name,matched_name,source,"
        "programs,country,snapshot,algorithm,explanation,listed_in"
    ]
    as_json = runner.invoke(
        app,
        ["screen", "--file", str(path), "--json", "--fail-on-hit", *SAP_MAPPING],
        env=env,
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["results"] == []


def vendor_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Report"
    cover.append(["Vendor master extract"])
    cover.append(["Company code", "1000"])
    vendors = book.create_sheet("Vendors")
    vendors.append([])  # a blank line above the header, as exports often have
    vendors.append(["Vendor", "Vendor Name", "Country", "Date of birth", "Purchasing Group"])
    vendors.append([200118, "Hikvision", "CN", None, "P01"])
    vendors.append([200119, "ABBAS, Rim", "SY", datetime(1972, 3, 4), "P02"])
    vendors.append([200120.0, "Acme Bakery Ltd", "GB", None, "P01"])
    book.save(path)
    return path


def test_xlsx_names_on_another_sheet(env: dict[str, str], tmp_path: Path) -> None:
    path = vendor_workbook(tmp_path / "vendors.xlsx")
    first_sheet = runner.invoke(app, ["screen", "--file", str(path), "--json"], env=env)
    assert first_sheet.exit_code == 2 and "no name column" in first_sheet.stderr
    missing = runner.invoke(
        app, ["screen", "--file", str(path), "--sheet", "Lieferanten", "--json"], env=env
    )
    assert missing.exit_code == 2 and "'Report', 'Vendors'" in missing.stderr
    args = ["screen", "--file", str(path), "--sheet", "Vendors", "--column", "Vendor Name"]
    args += ["--id-column", "Vendor", "--birth-date-column", "Date of birth"]
    args += ["--keep", "Purchasing Group"]
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["sheet"] == "Vendors"
    assert [r["reference"] for r in document["results"]] == ["200118", "200119", "200120"]
    assert [r["row"] for r in document["results"]] == [3, 4, 5]  # as Excel numbers the rows
    assert document["results"][0]["kept"] == {"Purchasing Group": "P01"}
    read = read_counterparty_file(
        path, ColumnMap(name="Vendor Name", birth_date="Date of birth"), sheet="2"
    )
    assert read.parties[1].birth_date == "1972-03-04"
    # evidence of the query once the query model carries it (chainwatch-v3's Query does)
    assert getattr(read.parties[1].query, "birth_date", "1972-03-04") == "1972-03-04"
    by_number = runner.invoke(app, [*args, "--sheet", "2", "--json"], env=env)
    assert json.loads(by_number.stdout)["results"] == document["results"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".jsonl", ".ftm.jsonl"])
def test_output_format_follows_the_suffix(env: dict[str, str], tmp_path: Path, suffix: str) -> None:
    path = sap_export(tmp_path)
    out = tmp_path / f"result{suffix}"
    result = runner.invoke(
        app, ["screen", "--file", str(path), "--out", str(out), *SAP_MAPPING], env=env
    )
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(out, read_only=True).worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        rows = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    else:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    if suffix == ".ftm.jsonl":  # hits only, each a FollowTheMoney entity with its score
        assert rows and all(r["schema"] in {"Company", "LegalEntity"} for r in rows)
        assert all(set(r) >= {"id", "caption", "properties", "datasets", "score"} for r in rows)
        assert {r["query"]["id"] for r in rows} == {"100235", "100237"}
        assert all(r["match"] is True and r["properties"]["name"] for r in rows)
        return
    assert {str(r["Kunde"]) for r in rows} == {"100234", "100235", "100236", "100237"}
    assert {str(r["row"]) for r in rows} == {"2", "3", "4", "5"}
    hik = next(r for r in rows if str(r["Kunde"]) == "100235")
    assert float(hik["score"]) >= 0.8 and hik["Ort"] == "Hangzhou"


def test_out_dash_writes_csv_to_stdout_and_the_summary_to_stderr(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = sap_export(tmp_path)
    result = runner.invoke(
        app, ["screen", "--file", str(path), "--out", "-", *SAP_MAPPING], env=env
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len({r["Kunde"] for r in rows}) == 4
    assert "screened 4 counterparties" in result.stderr
    lines = runner.invoke(
        app,
        ["screen", "--file", str(path), "--out", "-", "--out-format", "jsonl", *SAP_MAPPING],
        env=env,
    )
    assert all(json.loads(line)["algorithm"] for line in lines.stdout.splitlines())


@pytest.mark.parametrize("out", ["hits.txt", "hits", "hits.xls"])
def test_unknown_output_suffix_is_refused_before_screening(
    env: dict[str, str], tmp_path: Path, out: str
) -> None:
    path = sap_export(tmp_path)
    target = tmp_path / out
    result = runner.invoke(
        app, ["screen", "--file", str(path), "--out", str(target), *SAP_MAPPING], env=env
    )
    assert result.exit_code == 2 and "unknown output suffix" in result.stderr
    assert not target.exists()
    bad_format = runner.invoke(
        app, ["screen", "--file", str(path), "--out-format", "pdf", *SAP_MAPPING], env=env
    )
    assert bad_format.exit_code == 2 and "unknown output format" in bad_format.stderr


def test_lists_and_json_work_with_file(env: dict[str, str], tmp_path: Path) -> None:
    path = sap_export(tmp_path)
    everything = json.loads(
        runner.invoke(app, ["screen", "--file", str(path), "--json"], env=env).stdout
    )
    sources = {h["source"] for r in everything["results"] for h in r["hits"]}
    assert {"EL", "CMIC"} <= sources
    only_el = runner.invoke(
        app, ["screen", "--file", str(path), "--lists", "EL", "--json"], env=env
    )
    assert only_el.exit_code == 0, only_el.output
    document = json.loads(only_el.stdout)
    assert {h["source"] for r in document["results"] for h in r["hits"]} == {"EL"}
    assert document["counterparties"] == 4 and not (tmp_path / "hits.csv").exists()


def test_fail_on_hit_exits_3_only_with_a_hit(env: dict[str, str], tmp_path: Path) -> None:
    hit = runner.invoke(app, ["screen", "Hikvision", "--fail-on-hit", "--json"], env=env)
    assert hit.exit_code == 3 and json.loads(hit.stdout)
    clean = runner.invoke(app, ["screen", "Acme Bakery Ltd", "--fail-on-hit"], env=env)
    assert clean.exit_code == 0, clean.output
    strict = runner.invoke(
        app, ["screen", "Hikvision", "--fail-on-hit", "--threshold", "1.0"], env=env
    )
    assert strict.exit_code == 0  # nothing at or above 1.0
    path = sap_export(tmp_path)
    out = tmp_path / "hits.csv"
    batch = runner.invoke(
        app, ["screen", "--file", str(path), "--out", str(out), "--fail-on-hit"], env=env
    )
    assert batch.exit_code == 3 and out.exists()  # the output is written all the same
    clean_file = sap_export(tmp_path, SAP_ROWS[:1])
    assert (
        runner.invoke(
            app, ["screen", "--file", str(clean_file), "--out", str(out), "--fail-on-hit"], env=env
        ).exit_code
        == 0
    )


def test_header_only_needs_a_real_header(tmp_path: Path) -> None:
    named = tmp_path / "names.csv"
    named.write_text("name\n", encoding="utf-8")
    assert read_counterparty_file(named).parties == []
    unknown = tmp_path / "blob.csv"
    unknown.write_bytes(b"\xff\xfe\xfd\xfc\x00\x01")  # UTF-16 by its BOM, but no header
    with pytest.raises(InputError, match="not a name column") as caught:
        read_counterparty_file(unknown)
    assert caught.value.file == str(unknown) and caught.value.row == 1
