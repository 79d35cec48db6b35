"""Bad list files: each adapter reports malformed, truncated, wrongly encoded and empty input
as an InputError naming the file, the row (1-based, as a user sees it) and the field."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from chainwatch.lists import parse_feed
from chainwatch.model.errors import InputError
from conftest import FIXTURES

LISTS = FIXTURES / "lists"


def _error(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as info:
        parse_feed(path, **kwargs)  # type: ignore[arg-type]
    assert info.value.file == str(path) or str(path) in str(info.value.file)
    return info.value


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


# --- CSL -------------------------------------------------------------------------------------

CSL = LISTS / "csl" / "consolidated-sample.csv"


def test_csl_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    lines = _lines(CSL)
    path.write_bytes(b"".join([*lines[:3], b"abc,Entity List (EL) - Bureau\n", *lines[3:]]))
    err = _error(path)
    assert (err.row, err.field) == (4, "entity_number")


def test_csl_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    path.write_bytes(CSL.read_bytes().replace(b",name,", b",nom,", 1))
    err = _error(path, format="csl")
    assert (err.row, err.field) == (1, "name")


def test_csl_truncated_mid_quote(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    lines = _lines(CSL)
    path.write_bytes(
        b"".join(
            [*lines[:3], b'x1,Entity List (EL) - Bureau of Industry and Security,,,,"Hangzhou Hik']
        )
    )
    err = _error(path)
    assert (err.row, err.field) == (4, "name")
    assert "truncated" in err.reason


def test_csl_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(CSL.read_bytes() * 20)
    path = tmp_path / "consolidated.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    err = _error(path, format="csl")
    assert err.row is not None and err.row > 1
    assert "truncated" in err.reason


def test_csl_latin1_bytes(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    lines = _lines(CSL)
    bad = (
        b"x2,Entity List (EL) - Bureau of Industry and Security,,,,"
        b"Soci\xe9t\xe9 G\xe9n\xe9rale,,,,,,,,,,,,,,,,,,,,,,,\n"
    )
    path.write_bytes(b"".join([*lines[:5], bad, *lines[5:]]))
    err = _error(path)
    assert (err.row, err.field) == (6, "name")
    assert "UTF-8" in err.reason


def test_csl_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    path.write_bytes(CSL.read_text(encoding="utf-8").encode("utf-16"))
    assert parse_feed(path, format="csl").entries == parse_feed(CSL).entries


def test_csl_empty(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.csv"
    path.write_bytes(b"")
    err = _error(path, format="csl")
    assert err.row == 1


def test_csl_json_truncated_and_bad_record(tmp_path: Path) -> None:
    source = (LISTS / "csl" / "consolidated-sample.json").read_text(encoding="utf-8")
    path = tmp_path / "consolidated.json"
    path.write_text(source[: len(source) // 2], encoding="utf-8")
    err = _error(path, format="csl")
    assert err.row is not None and err.row > 10
    path.write_text('{"results": [{"source": "Entity List (EL) - x", "name": ""}]}', "utf-8")
    err = _error(path, format="csl")
    assert (err.row, err.field) == (1, "name")


# --- OFAC ------------------------------------------------------------------------------------


def _ofac_copy(tmp_path: Path) -> Path:
    target = tmp_path / "sdn"
    shutil.copytree(LISTS / "ofac" / "sdn", target)
    return target


def test_ofac_malformed_row(tmp_path: Path) -> None:
    folder = _ofac_copy(tmp_path)
    lines = _lines(folder / "sdn.csv")
    (folder / "sdn.csv").write_bytes(
        b"".join([*lines[:2], b'999,"SHORT ROW",-0- ,"CUBA"\n', *lines[2:]])
    )
    err = _error(folder)
    assert err.file == str(folder / "sdn.csv")
    assert (err.row, err.field) == (3, "Title")


def test_ofac_bad_ent_num_and_orphan_alias(tmp_path: Path) -> None:
    folder = _ofac_copy(tmp_path)
    text = (folder / "sdn.csv").read_bytes()
    (folder / "sdn.csv").write_bytes(b"X" + text)
    err = _error(folder)
    assert (err.row, err.field) == (1, "ent_num")
    (folder / "sdn.csv").write_bytes(text)
    (folder / "alt.csv").write_bytes(
        b'424242,1,"aka","NOBODY",-0- \n' + (folder / "alt.csv").read_bytes()
    )
    err = _error(folder)
    assert err.file == str(folder / "alt.csv")
    assert (err.row, err.field) == (1, "ent_num")


def test_ofac_truncated_mid_quote(tmp_path: Path) -> None:
    folder = _ofac_copy(tmp_path)
    lines = _lines(folder / "sdn.csv")
    (folder / "sdn.csv").write_bytes(b"".join([*lines[:2], b'777,"BANCO NACIO']))
    err = _error(folder)
    assert (err.row, err.field) == (3, "SDN_Name")


def test_ofac_latin1_bytes(tmp_path: Path) -> None:
    folder = _ofac_copy(tmp_path)
    lines = _lines(folder / "sdn.csv")
    bad = b'778,"CAF\xc9 BOGOT\xc1",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
    (folder / "sdn.csv").write_bytes(b"".join([lines[0], bad, *lines[1:]]))
    err = _error(folder)
    assert (err.row, err.field) == (2, "SDN_Name")


def test_ofac_empty(tmp_path: Path) -> None:
    folder = _ofac_copy(tmp_path)
    (folder / "add.csv").write_bytes(b"\x1a")
    err = _error(folder)
    assert err.file == str(folder / "add.csv") and err.row == 1


# --- UN --------------------------------------------------------------------------------------

UN = LISTS / "un" / "consolidated-sample.xml"


def test_un_malformed(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    text = UN.read_text(encoding="utf-8")
    path.write_text(text.replace("</SECOND_NAME>", "</SECOND>", 1), encoding="utf-8")
    err = _error(path)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "</SECOND_NAME>" in s)
    assert err.row == line
    assert err.field == "INDIVIDUALS/INDIVIDUAL/SECOND_NAME"


def test_un_truncated(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    text = UN.read_text(encoding="utf-8")
    cut = text.index("<ALIAS_NAME>", 2000)
    path.write_text(text[:cut], encoding="utf-8")
    err = _error(path)
    assert err.row == text[:cut].count("\n") + 1
    assert err.field is not None and err.field.startswith("INDIVIDUALS/INDIVIDUAL")
    assert "truncated" in err.reason


def test_un_latin1_bytes(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    data = UN.read_bytes().replace(b"<FIRST_NAME>GASTON", b"<FIRST_NAME>GAST\xd3N", 1)
    path.write_bytes(data)
    err = _error(path)
    assert err.row == data[: data.index(b"GAST\xd3N")].count(b"\n") + 1
    assert err.field == "INDIVIDUALS/INDIVIDUAL/FIRST_NAME"


def test_un_refuses_doctype_and_entities(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    err = _error(path, format="un")
    assert err.row == 2 and "DOCTYPE" in err.reason


def test_un_record_without_name(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    text = UN.read_text(encoding="utf-8").replace("<FIRST_NAME>GASTON</FIRST_NAME>", "", 1)
    text = text.replace("<SECOND_NAME>IYAMUREMYE</SECOND_NAME>", "", 1)
    path.write_text(text, encoding="utf-8")
    err = _error(path)
    assert err.field == "FIRST_NAME" and err.row is not None


def test_un_empty(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_bytes(b"")
    err = _error(path)
    assert err.row == 1


# --- BIS DPL ---------------------------------------------------------------------------------

DPL = LISTS / "bis" / "dpl-sample.txt"


def test_dpl_malformed_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "dpl.txt"
    lines = _lines(DPL)
    path.write_bytes(b"".join([*lines[:2], b'"ONLY A NAME"\t"STREET"\n', *lines[2:]]))
    err = _error(path)
    assert (err.row, err.field) == (3, "City")
    path.write_bytes(DPL.read_bytes().replace(b'"FR_Citation"', b'"Citation"'))
    err = _error(path)
    assert (err.row, err.field) == (1, "FR_Citation")


def test_dpl_truncated_mid_quote(tmp_path: Path) -> None:
    path = tmp_path / "dpl.txt"
    lines = _lines(DPL)
    path.write_bytes(b"".join([*lines[:3], b'"NEW NAME"\t"1 MAIN ST']))
    err = _error(path, format="bis-dpl")
    assert (err.row, err.field) == (4, "Street_Address")


def test_dpl_latin1_bytes(tmp_path: Path) -> None:
    path = tmp_path / "dpl.txt"
    lines = _lines(DPL)
    bad = (
        b'"JOS\xc9 P\xc9REZ"\t""\t"MADRID"\t""\t"ES"\t""\t"01/01/2019"\t""\t"Y"\t'
        b'"2019-01-01"\t"NEW"\t"84 F.R. 1 1/1/19"\n'
    )
    path.write_bytes(b"".join([*lines[:2], bad, *lines[2:]]))
    err = _error(path)
    assert (err.row, err.field) == (3, "Name")


def test_dpl_empty(tmp_path: Path) -> None:
    path = tmp_path / "dpl.txt"
    path.write_bytes(b"")
    assert _error(path).row == 1
    path.write_bytes(_lines(DPL)[0])
    assert _error(path).row == 2


# --- OpenSanctions ---------------------------------------------------------------------------

OS_CSV = LISTS / "opensanctions" / "targets.simple-sample.csv"
OS_FTM = LISTS / "opensanctions" / "entities.ftm.json"


def test_opensanctions_malformed_csv(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    lines = _lines(OS_CSV)
    path.write_bytes(b"".join([*lines[:2], b'"NK-x","Person"\n', *lines[2:]]))
    err = _error(path)
    assert (err.row, err.field) == (3, "name")


def test_opensanctions_truncated(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    lines = _lines(OS_CSV)
    path.write_bytes(b"".join([*lines[:2], b'"NK-y","Company","Half a na']))
    err = _error(path)
    assert (err.row, err.field) == (3, "name")
    ftm = tmp_path / "entities.ftm.json"
    data = OS_FTM.read_bytes()
    ftm.write_bytes(data[: data.index(b"\n") + 40])
    err = _error(ftm)
    assert err.row == 2


def test_opensanctions_latin1(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    lines = _lines(OS_CSV)
    bad = b'"NK-z","Person","Jos\xe9 Ejemplo","","","es","","","","","","","x","","",""\n'
    path.write_bytes(b"".join([*lines[:1], bad, *lines[1:]]))
    err = _error(path)
    assert (err.row, err.field) == (2, "name")
    ftm = tmp_path / "entities.ftm.json"
    ftm.write_bytes(OS_FTM.read_bytes().replace(b"Ivan Examplov", b"Iv\xe1n Examplov"))
    assert _error(ftm).row == 2


def test_opensanctions_empty(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_bytes(b"")
    assert _error(path, format="opensanctions").row == 1
    ftm = tmp_path / "entities.ftm.json"
    ftm.write_bytes(b"\n")
    assert _error(ftm, format="opensanctions").row == 1


# --- custom ----------------------------------------------------------------------------------

EL = LISTS / "custom" / "bis_entity_list.json"
MAPPING = LISTS / "custom" / "example_list.toml"
EXAMPLE = LISTS / "custom" / "example_list.csv"


def test_custom_json_malformed_record_and_count(tmp_path: Path) -> None:
    path = tmp_path / "bis_entity_list.json"
    text = EL.read_text(encoding="utf-8")
    path.write_text(text.replace('"name": "Dahua Technology"', '"name": null'), encoding="utf-8")
    err = _error(path)
    assert (err.row, err.field) == (2, "name")
    path.write_text(text.replace('"count": 4', '"count": 5'), encoding="utf-8")
    err = _error(path)
    assert (err.row, err.field) == (1, "count")


def test_custom_json_truncated(tmp_path: Path) -> None:
    path = tmp_path / "bis_entity_list.json"
    text = EL.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    err = _error(path)
    assert err.row == text[: len(text) // 2].count("\n") + 1
    assert "truncated" in err.reason


def test_custom_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bis_entity_list.json"
    data = EL.read_bytes()
    path.write_bytes(data.replace("§".encode(), b"\xa7", 1))
    err = _error(path)
    assert err.row == data[: data.index("§".encode())].count(b"\n") + 1
    csv_path = tmp_path / "example_list.csv"
    lines = _lines(EXAMPLE)
    csv_path.write_bytes(b"".join([*lines, b"T-3,M\xfcller Optik GmbH,,Germany,,,,,,\n"]))
    err = _error(csv_path, mapping=MAPPING)
    assert (err.row, err.field) == (4, "Party Name")


def test_custom_csv_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "example_list.csv"
    path.write_bytes(EXAMPLE.read_bytes().replace(b"Reg No", b"Registration", 1))
    err = _error(path, mapping=MAPPING)
    assert (err.row, err.field) == (1, "Reg No")


def test_custom_empty_and_bad_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "bis_entity_list.json"
    path.write_bytes(b"")
    assert _error(path).row == 1
    xlsx = tmp_path / "example_list.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 truncated")
    err = _error(xlsx, mapping=MAPPING)
    assert "XLSX" in err.reason


def test_custom_bad_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[list]\ncode = "X"\n[fields]\nnmae = "name"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_feed(EXAMPLE, mapping=mapping)
    assert info.value.file == str(mapping) and info.value.field == "fields.nmae"
    mapping.write_text('[list]\ncode = "X"\n[fields\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_feed(EXAMPLE, mapping=mapping)
    assert info.value.row == 3


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        parse_feed(EXAMPLE, format="fixed-width")
    assert info.value.field == "format"
    with pytest.raises(InputError, match="not found"):
        parse_feed(tmp_path / "nope.csv", format="csl")


# --- OFAC comments files -----------------------------------------------------------------------

SLS = LISTS / "ofac" / "sls"


def _sls_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sls"
    shutil.copytree(SLS, folder)
    return folder


def test_ofac_comments_bad_rows(tmp_path: Path) -> None:
    folder = _sls_copy(tmp_path)
    comments = folder / "SDN_COMMENTS.CSV"
    for body, row, field in (
        (b'26235,"37093 (Russia)"\r\nabc,"x"\r\n', 2, "ent_num"),  # not a number
        (b'26235,"37093"\r\n77777,"x"\r\n', 2, "ent_num"),  # entry not in SDN.CSV
        (b'26235,"37093","extra"\r\n', 1, "column 3"),  # too wide
        (b'26235,"37093 (Russ', 1, "remarks_extended"),  # truncated inside the quote
        (b'26235,"Soci\xe9t\xe9"\r\n', 1, "remarks_extended"),  # Latin-1 bytes
    ):
        comments.write_bytes(body)
        err = _error(folder)
        assert (Path(err.file or "").name, err.row, err.field) == ("SDN_COMMENTS.CSV", row, field)
    comments.write_bytes(b"\x1a")  # empty comments: valid, nothing to add
    assert len(parse_feed(folder).entries) == 4


# --- OFAC advanced XML, EU FSF XML ----------------------------------------------------------

ADVANCED = LISTS / "ofac" / "advanced" / "SDN_ADVANCED.XML"
EU = LISTS / "eu" / "eu-fsf-sample.xml"
XML_FILES = [ADVANCED, EU]


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


@pytest.mark.parametrize("good", XML_FILES, ids=["ofac-xml", "eu-fsf"])
def test_new_xml_malformed_truncated_latin1_empty(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    name_tag = b"</NamePartValue>" if good == ADVANCED else b'strong="true"'
    path = tmp_path / good.name
    # malformed: a closing tag broken inside a record
    if good == ADVANCED:
        bad = data.replace(b"</NamePartValue>", b"</NamePartVal>", 1)
        field = "DistinctParties/DistinctParty/Profile/Identity/Alias/DocumentedName/"
    else:
        bad = data.replace(b"<remark>UN ID", b"<remark UN ID", 1)
        field = "sanctionEntity"
    path.write_bytes(bad)
    err = _error(path)
    assert err.row == _line_of(data, name_tag if good == ADVANCED else b"<remark>UN ID")
    assert err.field is not None and err.field.startswith(field)
    assert "malformed" in err.reason
    # truncated in the middle of a record
    cut = data.index(name_tag, len(data) // 2)
    path.write_bytes(data[:cut])
    err = _error(path)
    assert err.row == data[:cut].count(b"\n") + 1 and "truncated" in err.reason
    # Latin-1 bytes in a UTF-8 file
    path.write_bytes(data.replace(b"Havana" if good == ADVANCED else b"Izhevsk", b"Ha\xe9vana", 1))
    err = _error(path)
    assert err.row == _line_of(data, b"Havana" if good == ADVANCED else b"Izhevsk")
    assert "UTF-8" in err.reason
    # empty, and a DOCTYPE (entity expansion) refused
    path.write_bytes(b"")
    assert _error(path).row == 1
    path.write_bytes(data.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>', 1))
    err = _error(path)
    assert err.row == 2 and "DOCTYPE" in err.reason


def test_ofac_xml_bad_fields(tmp_path: Path) -> None:
    path = tmp_path / "SDN_ADVANCED.XML"
    data = ADVANCED.read_bytes()
    path.write_bytes(
        data.replace(b'<VersionLocation LocationID="102"/>', b'<VersionLocation LocationID="999"/>')
    )
    err = _error(path)
    assert err.field == "Feature/FeatureVersion/VersionLocation/@LocationID" and "999" in err.reason
    assert err.row == _line_of(data, b'<DistinctParty FixedRef="306">')
    path.write_bytes(
        data.replace(
            b'<Alias FixedRef="36" AliasTypeID="1403" Primary="true"',
            b'<Alias FixedRef="36" AliasTypeID="1403" Primary="false"',
        )
    )
    err = _error(path)
    assert "no primary name" in err.reason and err.row == _line_of(
        data, b'<DistinctParty FixedRef="36">'
    )
    path.write_bytes(b'<?xml version="1.0"?>\n<Sanctions><DistinctParties/></Sanctions>\n')
    assert _error(path, format="ofac-xml").field == "Sanctions"


def test_eu_bad_fields(tmp_path: Path) -> None:
    path = tmp_path / "eu.xml"
    data = EU.read_bytes()
    path.write_bytes(
        data.replace(
            b'euReferenceNumber="EU.7702.38" logicalId="139012"',
            b'euReferenceNumber="" logicalId=""',
        )
    )
    err = _error(path)
    assert err.field == "sanctionEntity/@euReferenceNumber"
    assert err.row == _line_of(data, b'euReferenceNumber="EU.7702.38"')
    path.write_bytes(
        data.replace(b'wholeName="Joint Stock Company Kalashnikov Concern"', b'wholeName=""')
    )
    err = _error(path)
    assert err.field == "nameAlias/@wholeName" and "EU.7702.38" in err.reason
    path.write_bytes(b'<?xml version="1.0"?>\n<result><sanctionEntity/></result>\n')
    err = _error(path, format="eu-fsf")
    assert err.row == 2 and "expected <export>" in err.reason


# --- UK Sanctions List CSV ------------------------------------------------------------------

UK = LISTS / "uk" / "UK-Sanctions-List-sample.csv"


def test_uk_bad_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "UK-Sanctions-List.csv"
    lines = _lines(UK)
    # a row cut short (the header is line 2, after "Report Date:")
    path.write_bytes(b"".join([*lines[:3], b"01/01/2024,RUS9999,1\r\n", *lines[3:]]))
    err = _error(path)
    assert (err.row, err.field) == (4, "UN Reference Number")
    # empty Unique ID, and a row without any name
    row = lines[3].decode().split(",")
    path.write_bytes(b"".join([*lines[:3], ",".join([row[0], "", *row[2:]]).encode(), *lines[4:]]))
    assert (_error(path).row, _error(path).field) == (4, "Unique ID")
    header = lines[1]
    path.write_bytes(b"".join([lines[0], header.replace(b"Unique ID", b"Ref", 1), *lines[2:]]))
    err = _error(path, format="uk-sl")
    assert err.field == "Unique ID" and "no header row" in err.reason
    path.write_bytes(b"".join([lines[0], header.replace(b"Name 6", b"Surname", 1), *lines[2:]]))
    assert _error(path, format="uk-sl").field == "Name 6"
    # truncated inside a quoted field, Latin-1 bytes, empty, header only
    data = UK.read_bytes()
    cut = data.index(b"Russia's largest")
    path.write_bytes(data[: cut + 6])
    err = _error(path)
    assert err.row == data[:cut].count(b"\n") + 1 and "truncated" in err.reason
    path.write_bytes(data.replace(b"Izhevsk", b"Izh\xe9vsk", 1))
    err = _error(path)
    assert err.row == _line_of(data, b"Izhevsk") and "UTF-8" in err.reason
    path.write_bytes(b"")
    assert _error(path, format="uk-sl").row == 1
    path.write_bytes(b"".join(lines[:2]))
    assert "no designations" in _error(path, format="uk-sl").reason


# --- DFAT XLSX -------------------------------------------------------------------------------


def test_au_dfat_bad_rows(tmp_path: Path) -> None:
    import openpyxl

    good = LISTS / "au" / "regulation8_consolidated-sample.xlsx"
    path = tmp_path / "regulation8_consolidated.xlsx"

    def edit(row: int, column: int, value: object) -> InputError:
        book = openpyxl.load_workbook(good)
        book.worksheets[0].cell(row=row, column=column).value = value
        book.save(path)
        return _error(path)

    err = edit(3, 1, "12x4")  # a reference that is no number
    assert (err.row, err.field) == (3, "Reference")
    err = edit(5, 1, "9999a")  # an alias row before any row of its party
    assert (err.row, err.field) == (5, "Reference") and "before its party" in err.reason
    err = edit(5, 2, None)  # a row without a name
    assert (err.row, err.field) == (5, "Name of Individual or Entity")
    err = edit(1, 1, "Ref")
    assert (err.row, err.field) == (1, "Reference")
    path.write_bytes(good.read_bytes()[:1000])
    assert "not a readable XLSX" in _error(path).reason
    path.write_bytes(b"")
    assert _error(path, format="au-dfat").row == 1


# --- entries-json (chainwatch's own form) -----------------------------------------------------


def test_entries_json_names_the_bad_entry(tmp_path: Path) -> None:
    from tests.service.data import DAHUA, HIKVISION

    from chainwatch.model.lists import entry_to_dict

    path = tmp_path / "entries-2026.json"
    good = [entry_to_dict(HIKVISION), entry_to_dict(DAHUA)]
    path.write_text(json.dumps({"feed": "mine", "entries": [*good, {"entry_id": "x"}]}))
    error = _error(path)  # detected by its name, entries*.json
    assert error.row == 3 and "not a chainwatch entries file" in str(error)
    path.write_text(json.dumps({"feed": "mine", "published": "2026-11-30", "entries": good}))
    feed = parse_feed(path)
    assert (feed.feed, feed.format, feed.published) == ("mine", "entries-json", "2026-11-30")
    assert [e.entry_id for e in feed.entries] == [HIKVISION.entry_id, DAHUA.entry_id]


def test_entries_json_not_json(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text('{"entries": [')
    assert "not a chainwatch entries file" in str(_error(path, format="entries-json"))
