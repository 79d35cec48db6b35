"""Re-screening on every engine (issue 12): after a list change and after an algorithm change,
the monitor's re-screening of the stored counterparties gives the same reports and leaves the
same cases, case events (decisions, reopenings) and audit records whether it runs in this
process, on the forked local pool or on a 2-worker LocalCluster; a worker killed mid-run costs
only its chunk. Real lists (the bundled US extract: every bundled feed but the 2022 CSL, 5,929
entries, to keep the index builds short), real stores (SQLite; PostgreSQL when
CHAINWATCH_TEST_POSTGRES_URL is set). The session's LocalCluster serves the Dask runs."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.service.data import DAHUA, DJI, HUAWEI, SMIC, changed, write_entries

from chainwatch.engine.base import Engine, open_engine
from chainwatch.lists.registry import bundled_feeds, parse_feed
from chainwatch.model.screening import Match, Query
from chainwatch.screening import registry
from chainwatch.screening.registry import MatcherProtocol
from chainwatch.store import schema
from chainwatch.store.engine import open_engine as open_store
from chainwatch.store.lists import ListStore
from chainwatch.workflows import parallel
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.parallel import screen_chunk
from chainwatch.workflows.refresh import (
    ListSource,
    Refresher,
    default_parser,
    files_fetcher,
)
from conftest import SCRATCH_ENV, DaskCluster, fresh_store_url, require_dask, restore_env

require_dask()

OLD, NEW = "chainwatch-v2", "chainwatch-v3"  # the upgrade the monitor re-screens everyone for
KILLED = "rescreen-worker-killed"  # the kill marker, in the scratch directory of every process
UNRELATED = [
    "Bosch Rexroth AG",
    "Acme Bakery Ltd",
    "Nordic Timber Oy",
    "Banco Andino S.A.",
    "Maple Leaf Logistics Inc.",
    "Sakura Precision KK",
]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, dask_cluster: DaskCluster
) -> Iterator[dict[str, Any]]:
    """The bundled US feeds parsed once, the two versions of a small extra feed, a store
    seeded with them, and the session's 2-worker LocalCluster (this process uses its
    workers' index cache)."""
    root = tmp_path_factory.mktemp("rescreen")
    saved = os.environ.get("CHAINWATCH_CACHE")
    os.environ["CHAINWATCH_CACHE"] = str(dask_cluster.cache)
    bundled = [parse_feed(p, f, m) for p, f, m in bundled_feeds() if "consolidated" not in p.name]
    extra_v1 = write_entries(root / "extra-v1.json", [DAHUA, HUAWEI, SMIC], name="extra")
    # v2: SMIC's programs change, Dahua is delisted, DJI is listed
    v2 = [HUAWEI, changed(SMIC, programs=("EAR", "FDP")), DJI]
    extra_v2 = write_entries(root / "extra-v2.json", v2, name="extra")
    world = {"root": root, "bundled": bundled, "extra": (extra_v1, extra_v2)}
    _seed(f"sqlite:///{root / 'seeded.db'}", world)  # copied for each SQLite run
    yield {**world, "cluster": dask_cluster.engine, "scratch": dask_cluster.scratch}
    restore_env("CHAINWATCH_CACHE", saved)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Service:
    def __init__(self, url: str, engine: Engine | None, chunk_size: int = 7) -> None:
        self.store_engine = open_store(url)
        self.store = ListStore(self.store_engine)
        self.audit = AuditLog(self.store_engine)
        self.cases = CaseService(self.store_engine, self.audit)
        self.refresher = Refresher(
            self.store,
            self.cases,
            Notices(self.store_engine, self.audit),
            self.audit,
            engine=engine,
            chunk_size=chunk_size,
        )

    def refresh(self, path: Path) -> dict[str, Any]:
        fetch = files_fetcher([ListSource(path, "entries-json")])
        return self.refresher.refresh(fetch, default_parser, "test").as_dict()


def _counterparties(store: ListStore) -> list[Query]:
    """Names of listed parties (every 150th entry, some with a typo), the extra feed's parties
    and unrelated companies."""
    snapshot = store.active()
    assert snapshot is not None
    entries = sorted((e for _, e in store.feed_entries(snapshot)), key=lambda e: e.entry_id)
    names = []
    for i, entry in enumerate(entries[::150]):
        name = entry.name
        if i % 3 == 1 and len(name) > 8:
            name = name[:4] + name[5:]  # a letter dropped
        names.append(Query(name=name, country=entry.countries[0] if entry.countries else ""))
    names += [
        Query(name="SZ DJI Technology Company Limited", country="CN"),
        Query(name="Da-Jiang Innovations DJI"),
        Query(name="Huawei Technologies Co Ltd", country="CN"),
        Query(name="Zhejiang Dahua Technology", country="CN"),
        Query(name="Semiconductor Manufacturing International Corp."),
    ]
    return names + [Query(name=n) for n in UNRELATED]


def _seed(url: str, world: dict[str, Any]) -> None:
    """A store as a monitor leaves it: the lists and the extra feed loaded, counterparties
    screened with the old algorithm, cases opened and some decided."""
    svc = Service(url, None)
    svc.store.load(*world["bundled"], note="bundled")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "DEFAULT_ALGORITHM_NAME", OLD)
        svc.cases.add_counterparties(_counterparties(svc.store), "test")
        first = svc.refresh(world["extra"][0])
    assert first["status"] == "updated" and len(first["new_cases"]) > 10, first
    cases = [svc.cases.case(case_id) for case_id in first["new_cases"]]
    smic = [c for c in cases if c["entry_id"] == SMIC.entry_id]
    assert smic  # its entry changes in v2: a false positive on it is reopened
    for n, case in enumerate([*smic, *cases[:10]]):
        if case["status"] == "open":
            decision = "false_positive" if n % 3 != 2 else "escalated"
            svc.cases.decide(case["id"], decision, f"reviewed {n}", "reviewer", case["version"])
    svc.store_engine.dispose()


_SKIP = {"created_at", "updated_at", "decided_at", "at", "prev_hash", "hash", "loaded_at"}


def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """What the re-screening leaves in the store, without the clock's columns (timestamps,
    and the audit chain's hashes, which cover them)."""
    engine = sa.create_engine(url)
    tables = {
        "cases": schema.cases,
        "case_events": schema.case_events,
        "audit_log": schema.audit_log,
        "notifications": schema.notifications,
        "state": schema.state,
    }
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in tables.items():
            columns = [c for c in table.columns if c.name not in _SKIP]
            order = list(table.primary_key.columns)
            rows = conn.execute(sa.select(*columns).order_by(*order)).mappings().all()
            out[name] = [{k: _no_clock(v) for k, v in row.items()} for row in rows]
    for row in out["state"]:
        if row["key"] == "audit_head":  # "seq:hash": the hash covers the timestamps
            row["value"] = row["value"].split(":")[0]
    engine.dispose()
    return out


def _no_clock(value: Any) -> Any:
    """JSON values without their "at" stamps (a notification's payload has one)."""
    if isinstance(value, str) and value.startswith("{") and '"at"' in value:
        document = json.loads(value)
        document.pop("at", None)
        return json.dumps(document, sort_keys=True)
    return value


def _run(url: str, world: dict[str, Any], engine: Engine | None) -> dict[str, Any]:
    """The list change (targeted re-screening, old algorithm), then the upgrade (everyone,
    new algorithm): the reports and the store after each step."""
    if url.startswith("sqlite:///"):
        shutil.copyfile(world["root"] / "seeded.db", url.removeprefix("sqlite:///"))
    else:
        _seed(url, world)
    svc = Service(url, engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "DEFAULT_ALGORITHM_NAME", OLD)
        listed = svc.refresh(world["extra"][1])
    after_list = _dump(url)
    upgraded = svc.refresher.rescreen("test").as_dict()
    after_upgrade = _dump(url)
    svc.store_engine.dispose()
    return {
        "list change": listed,
        "after list change": after_list,
        "upgrade": upgraded,
        "after upgrade": after_upgrade,
    }


@pytest.fixture(scope="module")
def reference(world: dict[str, Any]) -> dict[str, Any]:
    """The run on a SQLite store without an engine (this process, as before engines)."""
    return _run(f"sqlite:///{world['root'] / 'reference.db'}", world, None)


def test_rescreening_is_the_same_on_every_engine(
    world: dict[str, Any], reference: dict[str, Any], backend: str, tmp_path: Path
) -> None:
    def run(name: str, engine: Engine | None) -> dict[str, Any]:
        (tmp_path / name).mkdir()
        with fresh_store_url(backend, tmp_path / name) as url:
            return _run(url, world, engine)

    expected = reference if backend == "sqlite" else run("none", None)
    listed, upgraded = expected["list change"], expected["upgrade"]
    # the scenario exercises both kinds of re-screening, new cases, decisions and reopenings
    assert listed["status"] == "updated" and (listed["added"], listed["removed"]) == (1, 1)
    assert 0 < listed["rescreened"] < upgraded["rescreened"] and listed["new_cases"]
    assert f"the algorithm is now {NEW}" in upgraded["message"] and upgraded["new_cases"]
    actions = {row["action"] for row in expected["after list change"]["case_events"]}
    assert {"opened", "decided", "reopened"} <= actions, actions
    assert {OLD, NEW} <= {row["algorithm"] for row in expected["after upgrade"]["cases"]}
    runs = {"dask-2": run("dask", world["cluster"])}  # its workers open the store themselves
    if backend == "sqlite":  # the forked pool screens what the parent read: one backend will do
        with open_engine("local", workers=2) as pool:
            runs["local-2"] = run("local", pool)
    for name, got in runs.items():
        for step, value in expected.items():
            assert got[step] == value, f"{name}: {step}"


def _die_once(
    queries: Sequence[Query], matcher: MatcherProtocol, *, threshold: float, limit: int
) -> list[list[Match]]:
    """screen_chunk, but SIGKILL the worker process the first time it gets the chunk holding
    DJI (never the test's own process, which screens the inline runs)."""
    marker = Path(os.environ[SCRATCH_ENV]) / KILLED
    worker = multiprocessing.parent_process() is not None  # a forked or a Dask worker
    if worker and any("DJI" in q.name for q in queries) and not marker.exists():
        marker.write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)
    return screen_chunk(queries, matcher, threshold=threshold, limit=limit)


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_a_killed_worker_costs_only_its_chunk_of_the_rescreening(
    world: dict[str, Any],
    reference: dict[str, Any],
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SCRATCH_ENV, str(world["scratch"]))  # as the Dask workers have it
    marker = world["scratch"] / KILLED
    marker.unlink(missing_ok=True)
    monkeypatch.setattr(parallel, "screen_chunk", _die_once)  # the workers get it by name
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    if kind == "dask":
        killed = _run(url, world, world["cluster"])
    else:
        with open_engine("local", workers=2) as pool:
            killed = _run(url, world, pool)
    assert marker.exists()  # a worker really died mid-run
    assert killed == reference


def test_a_rescreening_with_nothing_to_screen_starts_no_engine(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """A list change that affects no stored counterparty opens no pool and no cluster; one
    that does opens the engine once and closes it."""
    from chainwatch.model.lists import ListEntry

    url = f"sqlite:///{tmp_path / 'store.db'}"
    shutil.copyfile(world["root"] / "seeded.db", tmp_path / "store.db")
    opened: list[Engine] = []

    def opener() -> Engine:
        opened.append(open_engine("local", workers=1))
        return opened[-1]

    svc = Service(url, None)
    svc.refresher.engine = opener
    nobody = ListEntry(entry_id="EL:zz", source="EL", name="Zyxwv Quorbl Widgets")
    v1 = [DAHUA, HUAWEI, SMIC]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "DEFAULT_ALGORITHM_NAME", OLD)
        report = svc.refresh(write_entries(tmp_path / "a.json", [*v1, nobody], name="extra"))
        assert (report["status"], report["added"], report["rescreened"]) == ("updated", 1, 0)
        assert opened == []
        report = svc.refresh(write_entries(tmp_path / "b.json", [*v1, DJI], name="extra"))
    assert report["rescreened"] > 0 and len(opened) == 1
    svc.store_engine.dispose()
