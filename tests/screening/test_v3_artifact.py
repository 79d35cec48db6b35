"""chainwatch-v3's index artifact: the opened index is the built one, and a damaged or stale
file is never used.

Round trip: every part of the index (arrays, strings, lazy rows and entries) equals the built
index's, and screening gives the same hits, scores, order and features, on the fixture index
of test_v3_retrieval and on the bundled lists (their names and SEC company names). Damage: a
flipped byte anywhere, a truncated file, a rewritten header, another key -> an error, never
an index.
"""

from __future__ import annotations

import json
import os
import random
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Query
from chainwatch.screening import v3_artifact as A
from chainwatch.screening.v3 import V3Index, V3Matcher
from chainwatch.screening.v3_index import PARTS
from conftest import shared_path

KEY = A.ArtifactKey("chainwatch-v3", "f" * 64, "0123456789abcdef")


def _entries() -> list[ListEntry]:
    from test_v3_retrieval import _entries as retrieval_entries

    extra = [
        ListEntry(
            "X:1",
            "EL",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "company",
            programs=("EAR",),
            aliases=("Hikvision", "海康威视"),
            countries=("CN",),
            remarks="ünïcode — remarks\nwith a newline",
            extra=(("listed_in", "EL"),),
        ),
        ListEntry("X:2", "SDN", "Ivan Petrov", "person", dates_of_birth=("1970-01-02",)),
        ListEntry("X:3", "SDN", "Общество с ограниченной ответственностью Ромашка", "company"),
    ]
    return retrieval_entries() + extra


@pytest.fixture(scope="module")
def built() -> V3Index:
    return V3Index(_entries(), "f" * 64)


@pytest.fixture(scope="module")
def artifact(built: V3Index, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return A.write_index(built, tmp_path_factory.mktemp("artifact") / KEY.filename, KEY)


def _same_parts(built: V3Index, opened: V3Index) -> None:
    for name in PARTS:
        a, b = getattr(built, name), getattr(opened, name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        elif name in ("deletions", "legal_deletions"):
            assert a.vocabulary == b.vocabulary, name
            assert set(vars(a)) == set(vars(b)), name
            for attribute, value in vars(a).items():
                other = getattr(b, attribute)
                if isinstance(value, np.ndarray):
                    assert value.dtype == other.dtype and np.array_equal(value, other), name
                else:
                    assert value == other and type(value) is type(other), (name, attribute)
        elif name == "postings":
            assert len(a) == len(b)
            assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)), name
        elif name == "joined":
            assert set(a) == set(b) and len(a) == len(b)
            assert all(np.array_equal(a[k], b[k]) for k in a), name
        elif isinstance(a, dict):
            assert dict(b) == a, name
        elif isinstance(a, list | tuple):
            assert list(b) == list(a), name
        else:
            assert a == b, name


def test_every_attribute_of_the_index_has_a_codec(built: V3Index) -> None:
    """A field added to V3Index without its line in FIELDS (and PARTS) fails here."""
    assert set(vars(built)) == set(PARTS) | {"_legal_like", "artifact"}
    assert set(A.FIELDS) == set(PARTS)


def test_format_version_is_in_the_cache_key() -> None:
    from chainwatch.workflows import screening

    assert screening.ARTIFACT_FORMAT == A.FORMAT_VERSION


def test_round_trip_gives_the_built_index(built: V3Index, artifact: Path) -> None:
    opened = A.open_index(artifact, KEY)
    assert opened.artifact == str(artifact) and built.artifact == ""
    _same_parts(built, opened)
    assert opened.entries[-1] == built.entries[-1]  # negative positions
    assert opened.rows[-3:] == list(built.rows[-3:])
    for sequence in (opened.postings, opened.rows, opened.entries):
        with pytest.raises(IndexError):
            sequence[len(sequence)]
        with pytest.raises(IndexError):
            sequence[-len(sequence) - 1]


def _same_screens(a: V3Matcher, b: V3Matcher, names: list[str]) -> None:
    for name in names:
        for query in (Query(name=name), Query(name=name, country="CN")):
            expected = a.screen(query, threshold=0.5, limit=10)
            assert b.screen(query, threshold=0.5, limit=10) == expected, name


def test_opened_index_screens_like_the_built_one(built: V3Index, artifact: Path) -> None:
    opened = A.open_index(artifact, KEY)
    rng = random.Random(12)
    names = [e.name for e in built.entries] + [
        "Hikvison Digital",
        "hik vision",
        "Ivan Petrof",
        "ООО Ромашка",
        "海康威视",
        "".join(rng.choice("abcdefgh ") for _ in range(14)),
    ]
    _same_screens(V3Matcher(built), V3Matcher(opened), names)
    assert V3Matcher(opened).score_pair("Hikvision", "Hikvison") == V3Matcher(built).score_pair(
        "Hikvision", "Hikvison"
    )


def test_an_opened_index_pickles_as_its_path(artifact: Path) -> None:
    import pickle

    opened = A.open_index(artifact, KEY)
    data = pickle.dumps(opened)
    assert len(data) < 1000  # the path, not the arrays
    again = pickle.loads(data)
    assert again.artifact == opened.artifact and list(again.rows) == list(opened.rows)


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    empty = V3Index([], "e" * 64)
    path = A.write_index(empty, tmp_path / "empty.cwidx", KEY)
    opened = A.open_index(path)
    _same_parts(empty, opened)
    assert V3Matcher(opened).screen(Query(name="anything")) == []


# -- damage ------------------------------------------------------------------------------


def _copy(artifact: Path, tmp_path: Path) -> Path:
    target = tmp_path / artifact.name
    target.write_bytes(artifact.read_bytes())
    return target


@pytest.mark.parametrize("where", [0, 9, 44, 60, 0.3, 0.6, 0.999])
def test_a_flipped_byte_is_detected(artifact: Path, tmp_path: Path, where: float) -> None:
    path = _copy(artifact, tmp_path)
    data = bytearray(path.read_bytes())
    at = where if isinstance(where, int) else int(len(data) * where)
    data[at] ^= 0x20
    path.write_bytes(bytes(data))
    with pytest.raises((A.CorruptArtifact, A.StaleArtifact)):
        A.open_index(path, KEY)


def test_a_flipped_data_byte_is_corrupt_even_for_the_right_key(
    artifact: Path, tmp_path: Path
) -> None:
    path = _copy(artifact, tmp_path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(A.CorruptArtifact, match="hash"):
        A.open_index(path, KEY)
    A.open_index(path, KEY, verify=False)  # only the hash sees it: that is why it is checked


@pytest.mark.parametrize("keep", [0, 5, 47, 200, -1])
def test_a_truncated_file_is_detected(artifact: Path, tmp_path: Path, keep: int) -> None:
    path = _copy(artifact, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:-1])
    with pytest.raises(A.CorruptArtifact):
        A.open_index(path, KEY)
    with pytest.raises(A.CorruptArtifact):
        A.open_index(path, KEY, verify=False)  # the sizes say it without the hash


def test_a_rewritten_header_is_detected(artifact: Path, tmp_path: Path) -> None:
    """A header edited into another valid one (same length) fails the hash."""
    path = _copy(artifact, tmp_path)
    data = bytearray(path.read_bytes())
    (length,) = struct.unpack("<Q", data[40:48])
    header = json.loads(data[48 : 48 + length])
    header["fields"]["entry_count"] += 1
    text = json.dumps(header, sort_keys=True, ensure_ascii=False).encode()
    assert len(text) == length
    data[48 : 48 + length] = text
    path.write_bytes(bytes(data))
    with pytest.raises(A.CorruptArtifact, match="hash"):
        A.open_index(path, KEY)


def test_another_key_is_stale(artifact: Path) -> None:
    for other in (
        A.ArtifactKey("chainwatch-v4", KEY.snapshot, KEY.fingerprint),
        A.ArtifactKey(KEY.algorithm, "0" * 64, KEY.fingerprint),
        A.ArtifactKey(KEY.algorithm, KEY.snapshot, "fedcba9876543210"),
    ):
        with pytest.raises(A.StaleArtifact):
            A.open_index(artifact, other)


def test_another_format_version_is_stale(
    artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(A, "FORMAT_VERSION", A.FORMAT_VERSION + 1)
    with pytest.raises(A.StaleArtifact, match="format"):
        A.open_index(artifact, KEY)


def test_not_an_artifact(tmp_path: Path) -> None:
    path = tmp_path / "x.cwidx"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(A.CorruptArtifact, match="magic"):
        A.open_index(path)


def test_concurrent_writers_leave_one_whole_file(built: V3Index, tmp_path: Path) -> None:
    path = tmp_path / KEY.filename
    errors: list[BaseException] = []

    def write() -> None:
        try:
            A.write_index(built, path, KEY)
        except BaseException as exc:  # pragma: no cover - the failure is the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(20):  # readers meanwhile see a whole file or none
        if path.exists():
            A.open_index(path, KEY)
    for t in threads:
        t.join()
    assert not errors
    _same_parts(built, A.open_index(path, KEY))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left


def test_replacing_an_open_artifact_leaves_the_open_index_working(
    built: V3Index, artifact: Path, tmp_path: Path
) -> None:
    path = _copy(artifact, tmp_path)
    opened = A.open_index(path, KEY)
    A.write_index(V3Index(_entries()[:10], KEY.snapshot), path, KEY)  # a new build in place
    os.sync()
    _same_parts(built, opened)  # the old mapping is the old file


# -- the bundled lists ---------------------------------------------------------------------


@pytest.mark.slow
def test_bundled_lists_round_trip(tmp_path: Path) -> None:
    """On the bundled snapshot: same parts, same screens of a sample of its names and of
    the SEC company names in ../shared/data/negatives (when present)."""
    from chainwatch.lists.registry import bundled_feeds, parse_feed

    entries = [
        e for path, fmt, mapping in bundled_feeds() for e in parse_feed(path, fmt, mapping).entries
    ]
    built = V3Index(entries, KEY.snapshot)
    opened = A.open_index(A.write_index(built, tmp_path / KEY.filename, KEY), KEY)
    _same_parts(built, opened)
    rng = random.Random(4)
    names = [e.name for e in rng.sample(entries, 150)]
    names += [a for e in rng.sample(entries, 100) for a in e.aliases[:1]]
    try:
        sec = json.loads(shared_path("negatives", "sec_company_tickers-2024-05.json").read_text())
        names += rng.sample([row["title"] for row in sec.values()], 150)
    except pytest.skip.Exception:
        pass
    _same_screens(V3Matcher(built), V3Matcher(opened), names)
