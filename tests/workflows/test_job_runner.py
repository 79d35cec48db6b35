"""The one job runner: queued -> running -> done | failed, on a real SQLite store."""

from __future__ import annotations

import socket
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chainwatch.model.errors import ChainwatchError
from chainwatch.store.engine import open_engine
from chainwatch.workflows.jobs import WORKER, JobOutcome, JobRunner, Progress


@pytest.fixture
def runner(tmp_path: Path) -> JobRunner:
    return JobRunner(open_engine(f"sqlite:///{tmp_path / 'jobs.db'}"))


def test_a_job_moves_from_queued_through_running_to_done(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    started, release = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        runner = JobRunner(engine, pool)

        def work(progress: Progress) -> JobOutcome:
            progress.done(1)
            started.set()
            assert release.wait(10)
            return JobOutcome("2 parties screened", {"hits": 3})

        job_id = runner.new_job("batch", 2, "alice")
        queued = runner.job(job_id)
        assert queued is not None and queued["status"] == "queued"
        runner.start(job_id, work)
        assert started.wait(10)
        running = runner.job(job_id)
        assert running is not None and running["status"] == "running"
        assert running["progress"] == 0.5
        release.set()
    done = runner.job(job_id)
    assert done is not None
    assert (done["status"], done["done"], done["message"]) == ("done", 2, "2 parties screened")
    assert done["result"] == {"hits": 3} and done["created_by"] == "alice"


def test_work_that_reports_failure_fails_the_job(runner: JobRunner) -> None:
    job_id = runner.new_job("refresh", 1, "admin")
    runner.run(job_id, lambda _p: JobOutcome("list refresh failed: 404", {"x": 1}, failed=True))
    job = runner.job(job_id)
    assert job is not None and job["status"] == "failed"
    assert job["message"] == "list refresh failed: 404" and job["result"] == {"x": 1}


def test_a_chainwatch_error_is_the_message_anything_else_a_reference(runner: JobRunner) -> None:
    def domain(_p: Progress) -> JobOutcome:
        raise ChainwatchError("network 'acme' has 9000 nodes, more than 5000")

    def crash(_p: Progress) -> JobOutcome:
        raise RuntimeError("INSERT INTO counterparty_tokens failed: SQL text")

    first, second = runner.new_job("resilience", 1, "a"), runner.new_job("batch", 1, "a")
    runner.run(first, domain)
    runner.run(second, crash)
    one, two = runner.job(first), runner.job(second)
    assert one is not None and one["status"] == "failed" and "9000 nodes" in one["message"]
    assert two is not None and two["status"] == "failed" and "reference" in two["message"]
    assert "SQL" not in two["message"] and "INSERT" not in two["message"]


def test_orphans_of_a_dead_worker_are_failed_and_others_kept(runner: JobRunner) -> None:
    child = subprocess.Popen(["true"])
    child.wait()  # a process of this host that no longer runs
    workers = {
        "dead": f"{socket.gethostname()}:{child.pid}:1",
        "other host": "another-host.example:1:1",
        "legacy": None,  # an older version recorded no worker
        "this process": WORKER,
    }
    ids = {}
    for label, worker in workers.items():
        ids[label] = runner.new_job("batch", 1, "a")
        result = {} if worker is None else {"worker": worker}
        runner.update_job(ids[label], status="running", result=result)
    assert set(runner.fail_orphaned_jobs()) == {ids["dead"], ids["legacy"]}
    status = {label: runner.job(job_id)["status"] for label, job_id in ids.items()}  # type: ignore[index]
    assert status == {
        "dead": "failed",
        "other host": "running",
        "legacy": "failed",
        "this process": "running",
    }
    failed = runner.job(ids["dead"])
    assert failed is not None and "interrupted" in failed["message"]
