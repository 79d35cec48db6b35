"""The index cache of screening: chainwatch-v3's artifact is written once, opened after, and a
damaged or stale one is built again with a warning (never used); a cache directory that
cannot be written costs a warning, not the screen. Engine workers open the artifact
themselves."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from chainwatch.model.screening import Query
from chainwatch.screening import v3_artifact as A
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows import screening as ws
from chainwatch.workflows.lists import load_path
from chainwatch.workflows.parallel import IndexRecipe, recipe

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
QUERY = Query(name="Hikvision")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ListStore:
    monkeypatch.setenv("CHAINWATCH_CACHE", str(tmp_path / "cache"))
    ws._MEMORY.clear()
    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    load_path(store, FIXTURES / "csl" / "consolidated-sample.csv")
    yield store
    ws._MEMORY.clear()
    store.engine.dispose()


def _fresh(store: ListStore) -> Any:
    """The index as a new process gets it (nothing in memory)."""
    ws._MEMORY.clear()
    snapshot = store.active()
    assert snapshot is not None
    return ws.load_index(store, snapshot)


def _path(store: ListStore) -> Path:
    snapshot = store.active()
    assert snapshot is not None
    path = ws.artifact_path(snapshot.content_hash)
    assert path is not None
    return path


def test_the_artifact_is_written_once_then_opened(
    store: ListStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "chainwatch.index")
    first = _fresh(store)
    path = _path(store)
    assert path.exists() and path.parent == Path(os.environ["CHAINWATCH_CACHE"])
    assert first.artifact == str(path)
    assert "built the chainwatch-v3 index" in caplog.text
    caplog.clear()
    mtime = path.stat().st_mtime_ns
    second = _fresh(store)
    assert second.artifact == str(path) and path.stat().st_mtime_ns == mtime
    assert "built" not in caplog.text
    matches = ws.Screener(store).screen(QUERY)
    assert matches and "HIKVISION" in matches[0].listed_name.upper()


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_damaged_artifact_is_rebuilt_with_a_warning(
    store: ListStore, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    expected = ws.Screener(store).screen(QUERY)
    path = _path(store)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"not an index" * 10)
    path.write_bytes(bytes(data))
    caplog.set_level(logging.WARNING, "chainwatch.index")
    ws._MEMORY.clear()
    assert ws.Screener(store).screen(QUERY) == expected
    assert "building the index again" in caplog.text
    A.open_index(path)  # rebuilt whole


def test_a_stale_artifact_under_the_key_is_rebuilt(
    store: ListStore, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """An artifact of another snapshot (or weights, code) put under this key's name."""
    _fresh(store)
    path = _path(store)
    other = tmp_path / "other.cwidx"
    index = ws.build_index("chainwatch-v3", [], "0" * 64)
    A.write_index(index, other, A.ArtifactKey("chainwatch-v3", "0" * 64, "x" * 16))
    os.replace(other, path)
    caplog.set_level(logging.WARNING, "chainwatch.index")
    index = _fresh(store)
    assert "built for snapshot" in caplog.text
    assert len(index.entries) > 0


def test_the_key_holds_snapshot_algorithm_and_weights(
    store: ListStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another snapshot, another fingerprint (e.g. changed feature weights) -> another
    artifact; an artifact is never opened for another key."""
    _fresh(store)
    path = _path(store)
    snapshot = store.active()
    assert snapshot is not None
    assert snapshot.content_hash[:32] in path.name and "chainwatch-v3" in path.name
    ws._code_fingerprint.cache_clear()
    monkeypatch.setattr(ws, "__version__", "0+other")
    try:
        other = _path(store)
        assert other != path
        assert ws.open_artifact(path, snapshot.content_hash, "chainwatch-v3") is None
        _fresh(store)
        assert other.exists() and path.exists()
    finally:
        ws._code_fingerprint.cache_clear()


def test_the_fingerprint_covers_every_table_the_index_reads() -> None:
    """A table added to data/ in a kind of file the fingerprint skips (the .tsv tables were
    skipped once) would let an index built from the old table be used."""
    from importlib import resources

    for folder in ("data/text", "data/screening"):
        for item in resources.files("chainwatch").joinpath(folder).iterdir():
            if item.is_file() and not item.name.startswith("__"):
                assert item.name.endswith(ws.FINGERPRINTED), item.name


def test_the_fingerprint_covers_the_feature_weights() -> None:
    import hashlib
    from importlib import resources

    weights = resources.files("chainwatch") / "data" / "screening" / "chainwatch-v3.json"
    assert weights.is_file()
    # the fingerprint hashes the file by name and content: recompute it without the file
    digest = hashlib.sha256(ws.__version__.encode())
    digest.update(f"artifact-format-{ws.ARTIFACT_FORMAT}".encode())
    package = resources.files("chainwatch")
    for folder in ("text", "screening", "data/text", "data/screening", "lists"):
        for item in sorted(package.joinpath(folder).iterdir(), key=lambda p: p.name):
            if item.is_file() and item.name.endswith(ws.FINGERPRINTED):
                if item.name == "chainwatch-v3.json":
                    continue
                digest.update(item.name.encode())
                digest.update(item.read_bytes())
    assert digest.hexdigest()[:16] != ws._code_fingerprint()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_a_read_only_cache_costs_a_warning_not_the_screen(
    store: ListStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o555)
    monkeypatch.setenv("CHAINWATCH_CACHE", str(cache))
    caplog.set_level(logging.WARNING, "chainwatch.index")
    try:
        index = _fresh(store)
        assert index.artifact == ""
        assert "cannot write the index artifact" in caplog.text
        assert ws.Screener(store).screen(QUERY)
    finally:
        cache.chmod(0o755)


def test_an_unwritable_cache_costs_a_warning_not_the_screen(
    store: ListStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The cache "directory" is a file: nothing can be written under it (even as root)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CHAINWATCH_CACHE", str(blocker / "cache"))
    caplog.set_level(logging.WARNING, "chainwatch.index")
    index = _fresh(store)
    assert index.artifact == ""
    assert "cannot write the index artifact" in caplog.text
    assert ws.Screener(store).screen(QUERY)


def test_v2_stays_in_memory_with_its_pickle(store: ListStore) -> None:
    snapshot = store.active()
    assert snapshot is not None
    assert ws.artifact_path(snapshot.content_hash, "chainwatch-v2") is None
    ws._MEMORY.clear()
    index = ws.load_index(store, snapshot, algorithm="chainwatch-v2")
    assert type(index).__name__ == "ScreeningIndex"
    assert list(Path(os.environ["CHAINWATCH_CACHE"]).glob("index-chainwatch-v2-*.pickle"))


def test_a_worker_recipe_opens_the_artifact_without_the_store(store: ListStore) -> None:
    screener = ws.Screener(store)
    expected = screener.screen(QUERY)
    shared = recipe(screener)
    assert shared.artifact == str(_path(store))
    broken = IndexRecipe("sqlite:////nonexistent/none.db", shared.snapshot, shared.algorithm,
                         shared.artifact)  # fmt: skip
    ws._MEMORY.clear()
    assert broken.build().screen(QUERY) == expected  # never touched the store


def test_a_worker_recipe_falls_back_to_the_store(store: ListStore, tmp_path: Path) -> None:
    screener = ws.Screener(store)
    expected = screener.screen(QUERY)
    shared = recipe(screener)
    moved = IndexRecipe(shared.store_url, shared.snapshot, shared.algorithm,
                        str(tmp_path / "elsewhere.cwidx"))  # fmt: skip
    ws._MEMORY.clear()
    assert moved.build().screen(QUERY) == expected


def test_the_active_snapshot_without_sqlalchemy_is_the_stores(
    store: ListStore, tmp_path: Path
) -> None:
    from chainwatch.store.active import active_snapshot_hash

    url = f"sqlite:///{tmp_path / 'store.db'}"
    snapshot = store.active()
    assert snapshot is not None
    assert active_snapshot_hash(url) == snapshot.content_hash
    load_path(store, FIXTURES / "ofac" / "sdn" / "sdn.csv")
    again = store.active()
    assert again is not None and again.content_hash != snapshot.content_hash
    assert active_snapshot_hash(url) == again.content_hash
    for other in (
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql://u@localhost/db",
        f"sqlite:///{tmp_path / 'none.db'}",
        f"sqlite:///{tmp_path / 'store.db'}?mode=ro",
    ):
        assert active_snapshot_hash(other) is None, other
    assert not (tmp_path / "none.db").exists()
    empty = ListStore(open_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert active_snapshot_hash(f"sqlite:///{tmp_path / 'empty.db'}") is None
    empty.engine.dispose()


def test_the_artifact_matcher_screens_like_the_screener(store: ListStore, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    ws._MEMORY.clear()
    assert ws.artifact_matcher(url) is None  # no artifact yet: the caller takes the Screener
    expected = ws.Screener(store).screen(QUERY)
    ws._MEMORY.clear()
    matcher = ws.artifact_matcher(url)
    assert matcher is not None and matcher.screen(QUERY) == expected
    assert ws.artifact_matcher(url, "chainwatch-v2") is None
