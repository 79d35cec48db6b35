"""List monitoring: targeted re-screening, webhook, failures, and a refresh killed half-way."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.service.data import BASE, DJI, HUAWEI, changed, filler, write_entries

from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.store.schema import counterparty_tokens
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService, name_tokens
from chainwatch.workflows.live import LiveScreener
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.refresh import (
    ALGORITHM_KEY,
    ListSource,
    Refresher,
    default_parser,
    files_fetcher,
)

REPO = Path(__file__).resolve().parents[2]


class Service:
    def __init__(self, db_url: str, **kwargs: Any) -> None:
        self.engine = open_engine(db_url)
        self.store = ListStore(self.engine)
        self.audit = AuditLog(self.engine)
        self.cases = CaseService(self.engine, self.audit)
        self.notices = Notices(self.engine, self.audit)
        self.refresher = Refresher(self.store, self.cases, self.notices, self.audit, **kwargs)

    def refresh(self, path: Path) -> Any:
        return self.refresher.refresh(
            files_fetcher([ListSource(path, "entries-json")]), default_parser, "test"
        )


def test_refresh_rescreens_only_affected_counterparties(db_url: str, tmp_path: Path) -> None:
    svc = Service(db_url)
    first = svc.refresh(write_entries(tmp_path / "v1.json", BASE))
    assert first.status == "updated" and first.added == len(BASE)
    ids = svc.cases.add_counterparties(
        [
            _q("SZ DJI Technology Company Limited"),  # will be listed in v2
            _q("Da-Jiang Innovations DJI"),  # shares the token "dji"
            _q("Bosch Rexroth AG"),  # shares nothing
            _q("Huawei Technologies Co Ltd"),  # its entry's programs change in v2
        ],
        "test",
    )
    v2 = [*BASE, DJI]
    v2 = [changed(e, programs=("EAR", "FDP")) if e.entry_id == HUAWEI.entry_id else e for e in v2]
    report = svc.refresh(write_entries(tmp_path / "v2.json", v2))
    assert report.status == "updated"
    assert (report.added, report.removed, report.changed) == (1, 0, 1)
    # Bosch is not re-screened; the DJI-like and the Huawei counterparties are
    assert report.rescreened == 3
    affected = svc.cases.affected(
        name_tokens(DJI.name) | name_tokens("DJI") | name_tokens(HUAWEI.name)
    )
    assert ids[2] not in affected
    opened = {svc.cases.case(c)["entry_id"]: svc.cases.case(c) for c in report.new_cases}
    assert opened["EL:dji"]["counterparty_id"] == ids[0]
    assert opened["EL:huawei"]["counterparty_id"] == ids[3]
    # the dashboard is told, and the audit log has the list change
    assert svc.notices.notifications()[0]["kind"] == "refresh"
    assert "lists.loaded" in [r["action"] for r in svc.audit.records(limit=1000)]
    # nothing new: nothing re-screened
    again = svc.refresh(write_entries(tmp_path / "v2-again.json", v2))
    assert again.status == "unchanged" and again.rescreened == 0


def _q(name: str) -> Any:
    from chainwatch.model.screening import Query

    return Query(name=name)


def test_a_new_algorithm_rescreens_every_counterparty(db_url: str, tmp_path: Path) -> None:
    """Counterparties last screened with another algorithm (say `chainwatch-v1`, before an
    upgrade) are all re-screened, with lookup tokens recomputed by the current normalisation,
    even when the lists did not change."""
    svc = Service(db_url)
    svc.refresh(write_entries(tmp_path / "v1.json", [*BASE, DJI]))
    ids = svc.cases.add_counterparties(
        [_q("SZ DJI Technology Company Limited"), _q("Bosch Rexroth AG")], "test"
    )
    svc.refresher._set_state(ALGORITHM_KEY, "chainwatch-v1")
    with svc.engine.begin() as conn:  # tokens as an older normalisation may have left them
        conn.execute(counterparty_tokens.delete())
    report = svc.refresher.rescreen("test")
    assert report.status == "updated" and report.rescreened == 2
    assert "the algorithm is now chainwatch-v" in report.message
    assert [svc.cases.case(c)["entry_id"] for c in report.new_cases] == ["EL:dji"]
    assert ids[0] in svc.cases.affected(name_tokens("DJI"))
    assert svc.refresher.rescreen("test").status == "unchanged"


def test_upgrading_the_default_algorithm_rescreens_with_it(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the registry's default changes (a release makes another version the default), the
    next refresh re-screens every counterparty with the new version, and each new case records
    the algorithm that raised it; live screening switches too."""
    from chainwatch.model.screening import Query
    from chainwatch.screening import registry

    svc = Service(db_url)
    svc.refresh(write_entries(tmp_path / "v1.json", [*BASE, DJI]))
    svc.cases.add_counterparties([_q("SZ DJI Technology Company Limited")], "test")
    assert svc.refresher.rescreen("test").status == "unchanged"
    other = next(name for name in registry.ALGORITHMS if name != registry.DEFAULT_ALGORITHM_NAME)
    monkeypatch.setattr(registry, "DEFAULT_ALGORITHM_NAME", other)
    report = svc.refresher.rescreen("test")
    assert report.status == "updated" and report.rescreened == 1
    assert f"the algorithm is now {other}" in report.message
    assert [svc.cases.case(c)["algorithm"] for c in report.new_cases] == [other]
    live = LiveScreener(svc.store)
    matches, _ = live.screen(Query(name="SZ DJI Technology Company Limited"))
    assert matches and {m.algorithm for m in matches} == {other}


def test_webhook_is_signed(db_url: str, tmp_path: Path) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    try:
        secret = "s3cret-webhook-key"
        svc = Service(
            db_url, webhook_url=f"http://127.0.0.1:{hook.server_port}/hook", webhook_secret=secret
        )
        svc.refresh(write_entries(tmp_path / "v1.json", BASE))
        svc.cases.add_counterparties([_q("SZ DJI Technology Co Ltd")], "test")
        report = svc.refresh(write_entries(tmp_path / "v2.json", [*BASE, DJI]))
    finally:
        hook.shutdown()
    headers, body = received[-1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Chainwatch-Signature"], expected)
    payload = json.loads(body)
    assert payload["event"] == "lists.refreshed"
    assert payload["new_cases"] == report.new_cases and payload["added"] == 1
    assert svc.notices.notifications()[0]["delivered"] == "204"


def test_failed_refresh_keeps_snapshot_and_alerts(db_url: str, tmp_path: Path) -> None:
    svc = Service(db_url)
    svc.refresh(write_entries(tmp_path / "v1.json", BASE))
    before = svc.store.active()
    broken = tmp_path / "broken.json"
    broken.write_text('{"entries": [{"entry_id": "x"}', encoding="utf-8")
    report = svc.refresh(broken)
    assert report.status == "failed" and "not a chainwatch entries file" in report.message
    assert svc.store.active() == before
    [alert] = svc.notices.alerts()
    assert "list refresh failed" in alert["message"] and before is not None
    assert before.content_hash[:12] in alert["message"]
    missing = svc.refresher.refresh(
        files_fetcher([ListSource(tmp_path / "nope.json", "entries-json")]), default_parser
    )
    assert missing.status == "failed" and svc.store.active() == before
    assert svc.store.recent_loads(1)[0].status == "failed"


def test_stale_warning(db_url: str, tmp_path: Path) -> None:
    svc = Service(db_url)
    svc.refresh(write_entries(tmp_path / "v1.json", BASE))
    fresh = LiveScreener(svc.store, max_age_hours=24)
    assert fresh.freshness().stale is False
    old = LiveScreener(svc.store, max_age_hours=0)
    matches, freshness = old.screen(_q("Hikvision"))
    assert matches and freshness.stale and "STALE LISTS" in freshness.warning


@pytest.mark.slow
def test_refresh_killed_halfway_loses_nothing(db_url: str, tmp_path: Path) -> None:
    svc = Service(db_url)
    svc.refresh(write_entries(tmp_path / "v1.json", BASE))
    [party] = svc.cases.add_counterparties([_q("SZ DJI Technology Co Ltd")], "test")
    before = svc.store.active()
    counts = svc.store.counts()
    big = write_entries(tmp_path / "big.json", [*BASE, DJI, *filler(60_000)])
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("refresh_child.py")), db_url, str(big)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("loading"):
            break
    time.sleep(0.4)  # inside the load transaction (60 000 entries take over a second)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL
    svc.engine.dispose()
    svc = Service(db_url)
    assert svc.store.active() == before, "the previous snapshot must stay active"
    assert svc.store.counts() == counts, "nothing of the killed load may be kept"
    assert svc.store.entries(before)  # and it is readable
    report = svc.refresh(big)
    assert report.status == "updated" and report.added == 1 + 60_000
    assert [svc.cases.case(c)["counterparty_id"] for c in report.new_cases] == [party]
