"""Streamed batch screening on every engine: the same hits, scores and order as the in-memory
batch whatever the engine and the chunk size; resume after an interruption; a worker killed
mid-run costs only its chunk. Real list fixture (CSL sample), real SQLite store."""

from __future__ import annotations

import csv
import functools
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from chainwatch.engine.base import Engine, chunked, open_engine
from chainwatch.model.errors import InputError
from chainwatch.model.screening import Match, Query
from chainwatch.screening.registry import MatcherProtocol
from chainwatch.workflows.batch import screen_counterparty_file, write_batch
from chainwatch.workflows.lists import load_path
from chainwatch.workflows.parallel import recipe, screen_chunk
from chainwatch.workflows.screening import Screener, store_for
from chainwatch.workflows.streaming import partial_paths, screen_file_streaming
from conftest import DaskCluster, require_dask, restore_env

require_dask()

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
NAMES = [
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "Dahua Technology",
    '=HYPERLINK("http://x","Acme")',
    "Acme Bakery Ltd",
    "Huawei Technologies",
    "Zhejiang Dahua Tech",
    "Bank Melli Iran",
]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, dask_cluster: DaskCluster
) -> Iterator[dict[str, Any]]:
    """A store with the CSL sample, the session's 2-worker LocalCluster (this process uses
    its workers' index cache), and a 300-row counterparty file."""
    root = tmp_path_factory.mktemp("streaming")
    saved = os.environ.get("CHAINWATCH_CACHE")
    os.environ["CHAINWATCH_CACHE"] = str(dask_cluster.cache)
    url = f"sqlite:///{root / 'store.db'}"
    store = store_for(url)
    load_path(store, FIXTURES / "csl" / "consolidated-sample.csv")
    parties = root / "parties.csv"
    with parties.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["vendor_id", "name", "country"])
        for i in range(300):
            w.writerow([f"V{i:04d}", NAMES[i % len(NAMES)] + ("" if i % 3 else f" {i}"), "CN"])
    yield {"store": store, "parties": parties, "cluster": dask_cluster.engine, "root": root}
    restore_env("CHAINWATCH_CACHE", saved)


def _run(world: dict[str, Any], engine: Engine, out: Path, **kw: Any) -> str:
    screener = Screener(world["store"])
    screen_file_streaming(
        screener, world["parties"], out, engine=engine, threshold=0.8, limit=5, **kw
    )
    return out.read_text(encoding="utf-8")


def test_same_hits_on_every_engine_and_chunk_size(world: dict[str, Any], tmp_path: Path) -> None:
    screener = Screener(world["store"])
    batch = screen_counterparty_file(screener, world["parties"], threshold=0.8, limit=5)
    write_batch(batch, str(tmp_path / "memory.csv"), "csv")
    reference = (tmp_path / "memory.csv").read_text(encoding="utf-8")
    assert reference.count("\n") > 300 and "'=HYPERLINK" in reference  # hits, formulas escaped
    outputs = {}
    with open_engine("local", workers=1) as inline:
        for size in (1, 37, 1000):
            outputs[f"inline-{size}"] = _run(
                world, inline, tmp_path / f"i{size}.csv", chunk_size=size
            )
    with open_engine("local", workers=2) as pool:
        outputs["local-2"] = _run(world, pool, tmp_path / "l.csv", chunk_size=23)
    outputs["dask-2"] = _run(world, world["cluster"], tmp_path / "d.csv", chunk_size=41)
    for name, text in outputs.items():
        assert text == reference, name
    assert not partial_paths(tmp_path / "d.csv")[1].exists()  # state removed when done


def test_jsonl_is_streamed_too(world: dict[str, Any], tmp_path: Path) -> None:
    with open_engine("local", workers=1) as inline:
        text = _run(world, inline, tmp_path / "hits.jsonl", fmt="jsonl", chunk_size=50)
    assert text.count("\n") > 300 and text.startswith('{"row":2,"vendor_id":"V0000"')


class _Interrupt(Exception):
    pass


class _StopAfter:
    """A progress sink that interrupts the run after `chunks` chunks (like Ctrl-C would)."""

    def __init__(self, chunks: int) -> None:
        self.left = chunks
        self.rows = 0

    def start(self, total: int | None, done: int) -> None:
        self.rows = done

    def advance(self, rows: int) -> None:
        self.rows += rows
        self.left -= 1
        if self.left == 0:
            raise _Interrupt


def test_an_interrupted_run_resumes_without_redoing_finished_chunks(
    world: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "hits.csv"
    with open_engine("local", workers=1) as inline:
        reference = _run(world, inline, tmp_path / "ref.csv", chunk_size=40)
        with pytest.raises(_Interrupt):
            _run(world, inline, out, chunk_size=40, progress=_StopAfter(3))
        partial, state = partial_paths(out)
        assert not out.exists() and partial.exists() and state.exists()
        with partial.open("a", encoding="utf-8") as fh:
            fh.write("12,half a row of a chunk that was being written")
        with pytest.raises(InputError, match="chunk_size differ"):
            _run(world, inline, out, chunk_size=50, resume=True)
        sink = _StopAfter(-1)
        screener = Screener(world["store"])
        result = screen_file_streaming(
            screener,
            world["parties"],
            out,
            engine=inline,
            threshold=0.8,
            limit=5,
            chunk_size=40,
            resume=True,
            progress=sink,
        )
    assert result.resumed == 3 and result.chunks == 8
    assert sink.rows == 300 and result.counts["counterparties"] == 300
    assert out.read_text(encoding="utf-8") == reference
    assert not partial.exists() and not state.exists()


def _die_once(
    queries: Sequence[Query], matcher: MatcherProtocol, *, marker: str, threshold: float
) -> list[list[Match]]:
    if any("Huawei" in q.name for q in queries) and not os.path.exists(marker):
        Path(marker).write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)
    return screen_chunk(queries, matcher, threshold=threshold, limit=5)


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_a_killed_screening_worker_costs_only_its_chunk(
    world: dict[str, Any], tmp_path: Path, kind: str
) -> None:
    screener = Screener(world["store"])
    queries = [Query(name=n, country="CN") for n in NAMES * 6]
    expected = [screener.screen(q, threshold=0.8, limit=5) for q in queries]
    marker = tmp_path / "killed"
    function = functools.partial(_die_once, marker=str(marker), threshold=0.8)
    shared = recipe(screener)
    if kind == "local":
        from chainwatch.engine.base import prime

        prime(shared, screener.matcher())
        engine: Engine = open_engine("local", workers=2)
    else:
        engine = world["cluster"]
    got = [m for c in engine.map_chunks(function, chunked(queries, 4), shared) for m in c]
    assert marker.exists()
    assert [[(m.entry_id, m.score) for m in ms] for ms in got] == [
        [(m.entry_id, m.score) for m in ms] for ms in expected
    ]


def test_a_bad_row_names_file_row_field_and_leaves_nothing(
    world: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,country\n" + "Acme Ltd,US\n" * 60 + ",US\n", encoding="utf-8")
    out = tmp_path / "hits.csv"
    with open_engine("local", workers=1) as inline, pytest.raises(InputError) as caught:
        screen_file_streaming(
            Screener(world["store"]), bad, out, engine=inline, threshold=0.8, chunk_size=25
        )
    assert "bad.csv" in str(caught.value) and "row 62" in str(caught.value)
    assert "empty name" in str(caught.value) and "name" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def _write_inputs(tmp_path: Path) -> list[Path]:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [["Kunde", "Name 1", "Land"], ["100234", "Müller Maschinenbau GmbH", "DE"]]
    rows += [[str(200000 + i), f"Société Générale {i}", "FR"] for i in range(30)]
    latin = tmp_path / "kna1.csv"
    latin.write_bytes(("\n\n" + "\n".join(";".join(r) for r in rows) + "\n").encode("cp1252"))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append(r)
    xlsx = tmp_path / "kna1.xlsx"
    book.save(xlsx)
    parquet = tmp_path / "kna1.parquet"
    pq.write_table(pa.table({h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}), parquet)
    return [latin, xlsx, parquet]


def test_the_streaming_reader_reads_like_the_in_memory_one(tmp_path: Path) -> None:
    from chainwatch.workflows.counterparties import ColumnMap, read_counterparty_file
    from chainwatch.workflows.streaming import open_source

    columns = ColumnMap(name="Name 1", reference="Kunde")
    for path in _write_inputs(tmp_path):
        whole = read_counterparty_file(path, columns)
        source = open_source(path, columns)
        assert list(source.parties()) == whole.parties, path.name
        assert (source.encoding, source.delimiter, source.note) == (
            whole.encoding,
            whole.delimiter,
            whole.note,
        ), path.name


@pytest.mark.postgres
def test_dask_workers_open_a_postgresql_store_themselves(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from conftest import fresh_store_url

    with fresh_store_url("postgres", tmp_path) as url:
        store = store_for(url)
        load_path(store, FIXTURES / "csl" / "consolidated-sample.csv")
        texts = []
        with open_engine("local", workers=1) as inline:
            for engine in (inline, world["cluster"]):
                out = tmp_path / f"hits-{engine.name}.csv"
                screen_file_streaming(
                    Screener(store),
                    world["parties"],
                    out,
                    engine=engine,
                    threshold=0.8,
                    chunk_size=60,
                )
                texts.append(out.read_text(encoding="utf-8"))
        store.engine.dispose()
    assert texts[0] == texts[1] and texts[0].count("\n") > 300
