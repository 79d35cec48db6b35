"""Every list file in ../shared/data/lists loads, with entry counts that match the source files.

Counts are taken independently of the adapters (csv module, regex over the XML, the extract's
declared `count`). Note: the OFAC 2019 trio and the DPL 2019 file end without a final newline,
so `wc -l` (and the data README) report one row fewer than the files hold: 7,379 SDN records,
546 denied persons.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from chainwatch.lists import bundled_feeds, parse_feed
from chainwatch.lists.csl import SOURCE_CODES
from chainwatch.lists.registry import BUNDLED_DIR
from chainwatch.model.errors import InputError
from conftest import shared_path

pytestmark = pytest.mark.shared

US_EXTRACT_CODES = {
    "bis_entity_list": "EL",
    "bis_meu": "MEU",
    "bis_dpl": "DPL",
    "dhs_uflpa": "UFLPA",
    "fcc_covered": "FCC",
    "dow_1260h": "1260H",
    "dow_1286": "1286",
    "ofac_nscmic": "NS-CMIC",
    "ofac_eo14032_annex": "EO14032",
    "cbp_wro": "WRO",
    "state_debarred_statutory": "DTC",
    "state_debarred_admin": "DTC",
    "state_nonproliferation": "ISN",
}


def _csv_records(path: Path, delimiter: str = ",") -> list[list[str]]:
    text = path.read_bytes().decode("utf-8").replace("\x1a", "")
    return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]


def test_csl_2022_counts_per_source() -> None:
    path = shared_path("lists", "us_csl", "consolidated-2022.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = Counter(SOURCE_CODES[r["source"]] for r in rows)
    feed = parse_feed(path)
    assert feed.feed == "csl"
    assert len(rows) == 14_160
    assert Counter(e.source for e in feed.entries) == expected
    assert expected["EL"] == 2001 and expected["SDN"] == 10026


@pytest.mark.parametrize(
    ("parts", "expected_feed", "primary"),
    [
        (("ofac", "2019"), "ofac-sdn", "sdn.csv"),
        (("ofac", "sdn-2024-05-03.csv"), "ofac-sdn", None),
        (("ofac", "consolidated-2025-12", "cons_prim.csv"), "ofac-cons", None),
    ],
)
def test_ofac_counts(parts: tuple[str, ...], expected_feed: str, primary: str | None) -> None:
    path = shared_path("lists", *parts)
    primary_path = path / primary if primary else path
    records = _csv_records(primary_path)
    feed = parse_feed(path)
    assert feed.feed == expected_feed
    assert len(feed.entries) == len(records)
    assert {e.entry_id.split(":")[1] for e in feed.entries} == {r[0] for r in records}


def test_ofac_known_sizes() -> None:
    assert len(parse_feed(shared_path("lists", "ofac", "2019")).entries) == 7_379
    assert len(parse_feed(shared_path("lists", "ofac", "sdn-2024-05-03.csv")).entries) == 14_965
    cons = parse_feed(shared_path("lists", "ofac", "consolidated-2025-12"))
    assert len(cons.entries) == 442


def test_ofac_2019_aliases_and_addresses_attached() -> None:
    path = shared_path("lists", "ofac", "2019")
    alt = _csv_records(path / "alt.csv")
    feed = parse_feed(path)
    by_id = {e.entry_id: e for e in feed.entries}
    for ent, _num, _kind, name, _remarks in alt:
        entry = by_id[f"SDN:{ent}"]
        assert " ".join(name.split()) in entry.all_names
    assert sum(1 for e in feed.entries if e.addresses) > 5000


def test_un_counts() -> None:
    path = shared_path("lists", "un", "consolidated-2026-02-27.xml")
    text = path.read_text(encoding="utf-8")
    individuals = len(re.findall(r"<INDIVIDUAL>", text))
    entities = len(re.findall(r"<ENTITY>", text))
    feed = parse_feed(path)
    kinds = Counter(e.entity_type for e in feed.entries)
    assert (individuals, entities) == (730, 273)
    assert kinds == {"person": individuals, "company": entities}
    assert feed.published == "2026-02-27"


def test_bis_dpl_2019_counts() -> None:
    path = shared_path("lists", "bis", "dpl-2019.txt")
    rows = _csv_records(path, "\t")
    feed = parse_feed(path)
    assert len(feed.entries) == len(rows) - 1 == 546


@pytest.mark.parametrize("stem", sorted(US_EXTRACT_CODES))
def test_us_extract_counts(stem: str) -> None:
    path = shared_path("lists", "us_extract_2026-07", f"{stem}.json")
    declared = json.loads(path.read_text(encoding="utf-8"))["count"]
    feed = parse_feed(path)
    assert feed.feed == f"custom:{stem}"
    assert len(feed.entries) == declared
    assert {e.source for e in feed.entries} == {US_EXTRACT_CODES[stem]}
    assert feed.published == "2026-07-09"


def test_us_extract_metadata_is_refused_clearly() -> None:
    path = shared_path("lists", "us_extract_2026-07", "lists.json")
    with pytest.raises(InputError, match="metadata"):
        parse_feed(path)


def test_every_list_file_is_covered() -> None:
    root = shared_path("lists")
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    covered = {
        "us_csl/consolidated-2022.csv.gz",
        "ofac/sdn-2024-05-03.csv",
        "un/consolidated-2026-02-27.xml",
        "bis/dpl-2019.txt",
        "us_extract_2026-07/lists.json",
        *(f"ofac/2019/{n}.csv" for n in ("sdn", "alt", "add")),
        *(f"ofac/consolidated-2025-12/cons_{n}.csv" for n in ("prim", "alt", "add")),
        *(f"us_extract_2026-07/{s}.json" for s in US_EXTRACT_CODES),
    }
    assert files <= covered, files - covered


def test_opensanctions_counts() -> None:
    path = shared_path("opensanctions", "targets.simple-ukraine-war-2026-03.csv")
    rows = _csv_records(path)
    feed = parse_feed(path)
    assert len(feed.entries) == len(rows) - 1 == 5_600
    assert Counter(e.entity_type for e in feed.entries)["vessel"] == sum(
        1 for r in rows[1:] if r[1] == "Vessel"
    )


def test_all_files_parse_in_seconds() -> None:
    root = shared_path("lists")
    targets = [
        root / "us_csl" / "consolidated-2022.csv.gz",
        root / "ofac" / "2019",
        root / "ofac" / "sdn-2024-05-03.csv",
        root / "ofac" / "consolidated-2025-12",
        root / "un" / "consolidated-2026-02-27.xml",
        root / "bis" / "dpl-2019.txt",
        *(root / "us_extract_2026-07" / f"{s}.json" for s in US_EXTRACT_CODES),
    ]
    start = time.perf_counter()
    total = sum(len(parse_feed(t).entries) for t in targets)
    elapsed = time.perf_counter() - start
    assert total > 40_000
    assert elapsed < 30, f"parsing all lists took {elapsed:.1f} s"


def test_bundled_snapshot_matches_shared_data() -> None:
    feeds = bundled_feeds()
    assert len(feeds) == 14
    size = sum(p.stat().st_size for p in BUNDLED_DIR.iterdir())
    assert size <= 6 * 1024 * 1024
    counts = {parse_feed(p, fmt, m).feed: 0 for p, fmt, m in feeds}
    assert "csl" in counts and "custom:bis_entity_list" in counts
    bundled_csl = next(p for p, fmt, _ in feeds if fmt == "csl")
    original = shared_path("lists", "us_csl", "consolidated-2022.csv.gz")
    assert gzip.decompress(bundled_csl.read_bytes()) == gzip.decompress(original.read_bytes())
