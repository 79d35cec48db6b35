"""A restarted server fails the jobs a killed worker left running; logins are rate limited."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.service.conftest import PASSWORD, Server, seed, start_server, stop_server

from chainwatch.store.engine import open_engine
from chainwatch.workflows.jobs import WORKER, JobRunner, worker_alive


def _dead_worker() -> str:
    """The worker id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    host = WORKER.split(":")[0]
    return f"{host}:{child.pid}:1"


@pytest.fixture(scope="module")
def restarted(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server started on a store holding jobs of a dead worker, of a live one and of an old
    version (no worker recorded)."""
    keys = seed(store_url)
    engine = open_engine(store_url)
    state = JobRunner(engine)
    ids = {}
    for label, worker in (("dead", _dead_worker()), ("live", WORKER), ("legacy", None)):
        job_id = state.new_job("resilience", 1, "tests")
        result = {} if worker is None else {"worker": worker}
        state.update_job(job_id, status="running", result=result)
        ids[label] = job_id
    engine.dispose()
    server = start_server(store_url, tmp_path_factory.mktemp("restarted"))
    server.keys = {**keys, **{f"job-{k}": v for k, v in ids.items()}}
    yield server
    stop_server(server)


def test_jobs_of_a_killed_worker_are_failed_at_startup(restarted: Server) -> None:
    assert not worker_alive(_dead_worker()) and worker_alive(WORKER)
    with restarted.client("viewer") as viewer:
        dead = viewer.get(f"/api/v1/jobs/{restarted.keys['job-dead']}").json()
        legacy = viewer.get(f"/api/v1/jobs/{restarted.keys['job-legacy']}").json()
        live = viewer.get(f"/api/v1/jobs/{restarted.keys['job-live']}").json()
    assert dead["status"] == "failed" and "interrupted" in dead["message"]
    assert legacy["status"] == "failed"
    assert live["status"] == "running"  # this test process is alive: not the server's to fail


def _login_form(browser: httpx.Client) -> str:
    return browser.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_login_is_rate_limited_per_user_and_address(restarted: Server) -> None:
    with httpx.Client(base_url=restarted.url, timeout=30) as browser:
        token = _login_form(browser)

        def attempt(username: str, password: str) -> httpx.Response:
            data = {"username": username, "password": password, "csrf_token": token}
            return browser.post("/login", data=data)

        for _ in range(10):
            wrong = attempt("analyst", "not the password")
            assert wrong.status_code == 200 and "wrong username or password" in wrong.text
        refused = attempt("analyst", PASSWORD)  # even the right password, for a while
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/json")
        body = json.loads(refused.text)
        assert "too many failed logins" in body["error"]
        assert 0 < int(refused.headers["retry-after"]) <= 301
        # another user from the same address is not affected, and logs in
        ok = attempt("viewer", PASSWORD)
        assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_login_limit_counts_per_account_across_addresses(tmp_path: Path) -> None:
    """Behind a trusted proxy the address is X-Forwarded-For's right-most hop; an account's
    failures count from every address, so rotating addresses does not buy more guesses."""
    db = f"sqlite:///{tmp_path / 'login.db'}"
    seed(db)
    settings = {"login_max_failures": 3, "trusted_proxy_count": 1}
    server = start_server(db, tmp_path, settings)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            token = _login_form(browser)

            def attempt(password: str, address: str, user: str = "admin") -> int:
                data = {"username": user, "password": password, "csrf_token": token}
                headers = {"X-Forwarded-For": address}
                return browser.post("/login", data=data, headers=headers).status_code

            codes = [attempt("wrong password", f"203.0.113.{i}") for i in range(4)]
            assert codes == [200, 200, 200, 429]
            assert attempt(PASSWORD, "198.51.100.20") == 429  # the account waits
            assert attempt(PASSWORD, "203.0.113.7", "viewer") == 303  # others do not
    finally:
        stop_server(server)
