"""Loading lists through the workflow: bad files change nothing; updates over real HTTP."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest

from chainwatch.model.errors import ChainwatchError, InputError
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.lists import load_path, update_lists

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"

# (format, a good fixture) for every adapter
ADAPTERS = [
    ("csl", FIXTURES / "csl" / "consolidated-sample.csv"),
    ("ofac", FIXTURES / "ofac" / "sdn" / "sdn.csv"),
    ("un", FIXTURES / "un" / "consolidated-sample.xml"),
    ("bis-dpl", FIXTURES / "bis" / "dpl-sample.txt"),
    ("opensanctions", FIXTURES / "opensanctions" / "targets.simple-sample.csv"),
    ("custom", FIXTURES / "custom" / "example_list.csv"),
    ("ofac", FIXTURES / "ofac" / "sls" / "SDN.CSV"),
    ("ofac-xml", FIXTURES / "ofac" / "advanced" / "SDN_ADVANCED.XML"),
    ("eu-fsf", FIXTURES / "eu" / "eu-fsf-sample.xml"),
    ("uk-sl", FIXTURES / "uk" / "UK-Sanctions-List-sample.csv"),
    ("au-dfat", FIXTURES / "au" / "regulation8_consolidated-sample.xlsx"),
]


def _mapping(fmt: str) -> Path | None:
    return FIXTURES / "custom" / "example_list.toml" if fmt == "custom" else None


def _bad_variants(good: Path, tmp: Path) -> dict[str, Path]:
    """Malformed, truncated, wrongly encoded and empty copies of a good file."""
    data = good.read_bytes()
    out: dict[str, Path] = {}
    if good.parent.name in ("sdn", "sls"):  # OFAC files: damage the primary of a copied set
        for kind in ("truncated", "wrong_encoding", "empty", "malformed"):
            folder = tmp / kind
            shutil.copytree(good.parent, folder)
            out[kind] = folder / good.name
    else:
        for kind in ("truncated", "wrong_encoding", "empty", "malformed"):
            out[kind] = tmp / f"{kind}-{good.name}"
    out["truncated"].write_bytes(data[: len(data) * 2 // 3])
    if good.suffix == ".xlsx":  # a workbook: a cut zip, UTF-16 text, nothing, a bad zip
        out["wrong_encoding"].write_bytes("Reference\tName\n1\tX\n".encode("utf-16"))
        out["empty"].write_bytes(b"")
        out["malformed"].write_bytes(b"PK\x03\x04" + data[4:200] + b"\x00" * 50)
        return out
    # Latin-1 bytes where UTF-8 is required (UTF-16 with a BOM is read, not refused).
    lines = data.decode("utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("A", "\u00c9", 1).replace("a", "\u00e9", 1)
    out["wrong_encoding"].write_bytes("".join(lines).encode("latin-1", "replace"))
    out["empty"].write_bytes(b"")
    if good.suffix.lower() == ".xml":  # a closing tag inside the first record loses its ">"
        out["malformed"].write_bytes(re.sub(rb"(</[A-Za-z_]+)>", rb"\1", data[200:], count=1))
        out["malformed"].write_bytes(data[:200] + out["malformed"].read_bytes())
    else:
        lines = data.splitlines(keepends=True)
        broken = [*lines[:2], b'"unterminated,\x00\xff\xfe garbage\n', *lines[2:]]
        out["malformed"].write_bytes(b"".join(broken))
    return out


@pytest.mark.parametrize(("fmt", "good"), ADAPTERS, ids=[f"{a[0]}-{a[1].name}" for a in ADAPTERS])
def test_bad_list_files_leave_the_store_exactly_as_it_was(
    fmt: str, good: Path, tmp_path: Path
) -> None:
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    load_path(store, good, fmt, _mapping(fmt))
    before_counts = store.counts()
    before = store.active()
    rejected = 0
    for kind, bad in _bad_variants(good, tmp_path).items():
        try:
            load_path(store, bad, fmt, _mapping(fmt))
        except InputError as exc:
            rejected += 1
            assert exc.file is not None and Path(exc.file).name == bad.name, (kind, str(exc))
            assert str(exc), kind
        except ChainwatchError:
            rejected += 1
        else:
            # A damaged copy may still be a valid, smaller file (e.g. a cut at a row boundary);
            # it then loads as its own snapshot, which is fine, but must not be silent.
            pytest.fail(f"{fmt} {kind}: damaged file loaded without error")
        assert store.counts() == before_counts, kind
        assert store.active() == before, kind
    assert rejected == 4
    failed = [row for row in store.recent_loads(10) if row.status == "failed"]
    assert len(failed) == 4  # each failure is recorded, so `lists status` can say so


def test_update_downloads_and_loads_over_http(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    report = update_lists(store, tmp_path / "dl", ["ofac-sdn", "bis-dpl"], base_url=base_url)
    assert report.failed == {}
    assert sorted(report.downloaded) == ["bis-dpl", "ofac-sdn"]
    assert report.result is not None
    first = report.result.snapshot
    assert {f.feed for f in first.feeds} == {"ofac-sdn", "bis-dpl"}
    # Same files again: nothing new is loaded.
    again = update_lists(store, tmp_path / "dl", ["ofac-sdn", "bis-dpl"], base_url=base_url)
    assert again.result is None and sorted(again.unchanged) == ["bis-dpl", "ofac-sdn"]
    # A source that disappears fails alone; the other keeps working and the snapshot stays.
    (root / "dpl" / "dpl.txt").unlink()
    broken = update_lists(store, tmp_path / "dl", ["ofac-sdn", "bis-dpl"], base_url=base_url)
    assert "bis-dpl" in broken.failed and "404" in broken.failed["bis-dpl"]
    assert store.active() == first
    assert (tmp_path / "dl" / "bis-dpl" / "dpl.txt").exists()  # previous good file kept


def test_truncated_gzip_list_is_refused(tmp_path: Path) -> None:
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    data = gzip.compress((FIXTURES / "csl" / "consolidated-sample.csv").read_bytes())
    bad = tmp_path / "consolidated.csv.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        load_path(store, bad)
    assert "consolidated.csv.gz" in str(info.value)
    assert store.active() is None


@pytest.mark.shared
def test_every_shared_list_file_loads_into_one_store(tmp_path: Path) -> None:
    """Acceptance 1 through the store: each list file in ../shared/data/lists becomes a feed of
    the active snapshot, with as many entries per list as the adapter read from the file."""
    from chainwatch.lists.registry import MAPPINGS_DIR, parse_feed
    from conftest import shared_path

    lists = shared_path("lists")
    files: list[tuple[Path, str | None, Path | None, str | None]] = [
        (lists / "us_csl" / "consolidated-2022.csv.gz", None, None, None),
        (lists / "ofac" / "2019" / "sdn.csv", None, None, "ofac-sdn-2019"),
        (lists / "ofac" / "sdn-2024-05-03.csv", None, None, None),
        (lists / "ofac" / "consolidated-2025-12" / "cons_prim.csv", None, None, None),
        (lists / "un" / "consolidated-2026-02-27.xml", None, None, None),
        (lists / "bis" / "dpl-2019.txt", None, None, None),
    ]
    for path in sorted((lists / "us_extract_2026-07").glob("*.json")):
        if path.stem != "lists":  # metadata of the extract, not a list
            files.append((path, "custom", MAPPINGS_DIR / f"{path.stem}.toml", None))
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    expected: dict[str, dict[str, int]] = {}
    for path, fmt, mapping, feed in files:
        result = load_path(store, path, fmt, mapping, feed)
        version = result.feeds[0]
        parsed = parse_feed(path, fmt, mapping, feed)
        counts: dict[str, int] = {}
        for entry in parsed.entries:
            counts[entry.source] = counts.get(entry.source, 0) + 1
        assert version.source_counts == counts, path.name
        expected[version.feed] = counts
    active = store.active()
    assert active is not None
    assert {f.feed: f.source_counts for f in active.feeds} == expected
    assert active.entry_count == sum(sum(c.values()) for c in expected.values())
    assert sum(expected["csl"].values()) == 14_160
    assert sum(expected["ofac-sdn-2019"].values()) == 7_379
