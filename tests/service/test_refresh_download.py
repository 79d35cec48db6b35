"""The refresh downloads the official lists (here from a local mirror over real HTTP)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
from tests.service.conftest import Server, seed, start_server, stop_server
from typer.testing import CliRunner

from chainwatch.model.screening import Query
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.refresh import Refresher, download_fetcher

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
SOURCES = ["ofac-sdn", "bis-dpl"]


def _services(db_url: str) -> tuple[Refresher, ListStore, CaseService, Notices]:
    engine = open_engine(db_url)
    store, audit = ListStore(engine), AuditLog(engine)
    cases, notices = CaseService(engine, audit), Notices(engine, audit)
    return Refresher(store, cases, notices, audit), store, cases, notices


def test_refresh_downloads_loads_and_survives_a_failing_source(
    db_url: str, mirror: tuple[str, Path], tmp_path: Path
) -> None:
    base_url, root = mirror
    refresher, store, cases, state = _services(db_url)
    fetch = download_fetcher(tmp_path / "dl", SOURCES, base_url=base_url, timeout_s=10)

    first = refresher.refresh(fetch, actor="test")
    assert first.status == "updated" and first.failed_sources == {}
    snapshot = store.active()
    assert snapshot is not None and {f.feed for f in snapshot.feeds} == set(SOURCES)
    assert first.added == snapshot.entry_count
    [party] = cases.add_counterparties([Query(name="Fuyi Sun")], "test")

    # the same files again: nothing parsed or loaded, but the check is recorded (freshness)
    again = refresher.refresh(fetch, actor="test")
    assert again.status == "unchanged" and store.active() == snapshot
    assert store.recent_loads(1)[0].status == "unchanged"

    # one source fails (404): the snapshot stays, an alert names it
    (root / "ofac" / "downloads" / "sdn.csv").unlink()
    broken = refresher.refresh(fetch, actor="test")
    assert "ofac-sdn" in broken.failed_sources and "404" in broken.failed_sources["ofac-sdn"]
    assert store.active() == snapshot
    assert any("ofac-sdn" in a["message"] for a in state.alerts())
    assert store.recent_loads(1)[0].status == "failed"

    # every source fails: the refresh fails, the snapshot stays
    (root / "dpl" / "dpl.txt").unlink()
    failed = refresher.refresh(fetch, actor="test")
    assert failed.status == "failed" and set(failed.failed_sources) == set(SOURCES)
    assert store.active() == snapshot

    # the OFAC files come back, the DPL changes: only the DPL feed is new, and the party
    # matching the changed DPL entry is re-screened and gets a case
    shutil.copy(FIXTURES / "ofac" / "sdn" / "sdn.csv", root / "ofac" / "downloads" / "sdn.csv")
    lines = (FIXTURES / "bis" / "dpl-sample.txt").read_text(encoding="utf-8").splitlines()
    assert '"08/31/2027"' in lines[3]  # the denial order of FUYI SUN is extended
    lines[3] = lines[3].replace('"08/31/2027"', '"08/31/2030"')
    (root / "dpl" / "dpl.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    later = time.time() + 5  # http.server answers If-Modified-Since to the second
    os.utime(root / "dpl" / "dpl.txt", (later, later))
    updated = refresher.refresh(fetch, actor="test")
    assert updated.status == "updated" and updated.failed_sources == {}
    new = store.active()
    assert new is not None and new != snapshot
    kept = {f.feed: f.id for f in snapshot.feeds}
    assert {f.feed: f.id for f in new.feeds}["ofac-sdn"] == kept["ofac-sdn"]
    assert (updated.added, updated.removed, updated.changed) == (0, 0, 1)
    assert updated.rescreened == 1
    assert [cases.case(c)["counterparty_id"] for c in updated.new_cases] == [party]


def test_watch_downloads_from_a_mirror(mirror: tuple[str, Path], tmp_path: Path) -> None:
    from chainwatch.cli.main import app

    base_url, root = mirror
    db = f"sqlite:///{tmp_path / 'watch.db'}"
    args = ["watch", "--db", db, "--base-url", base_url, "--download-dir", str(tmp_path / "dl")]
    args += [x for name in SOURCES for x in ("--list", name)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["status"] == "updated" and report["added"] > 0
    (root / "dpl" / "dpl.txt").unlink()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1  # a source failed: cron sees it
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert "bis-dpl" in report["failed_sources"]


def _wait_job(client: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_serve_refresh_downloads(mirror: tuple[str, Path], tmp_path: Path) -> None:
    base_url, root = mirror
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    keys = seed(db)
    settings = {"download_base_url": base_url, "download_sources": SOURCES}
    server: Server = start_server(db, tmp_path, settings)
    server.keys = keys
    try:
        with server.client("admin") as admin:
            started = admin.post("/api/v1/lists/refresh")
            assert started.status_code == 202, started.text
            job = _wait_job(admin, started.json()["job_id"])
            assert job["status"] == "done", job
            status = admin.get("/api/v1/lists/status").json()
            assert {"ofac-sdn", "bis-dpl"} <= {f["feed"] for f in status["active"]["feeds"]}
            before = status["active"]["content_hash"]
            (root / "dpl" / "dpl.txt").unlink()
            job = _wait_job(admin, admin.post("/api/v1/lists/refresh").json()["job_id"])
            assert "bis-dpl" in job["result"]["failed_sources"]
            assert admin.get("/api/v1/lists/status").json()["active"]["content_hash"] == before
            alerts = admin.get("/api/v1/alerts").json()
            assert any("bis-dpl" in a["message"] for a in alerts)
    finally:
        stop_server(server)
