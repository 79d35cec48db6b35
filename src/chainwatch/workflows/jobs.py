"""One runner for background work: batch uploads, list refreshes and resilience analyses.

A job is a row of ``jobs`` that moves ``queued -> running -> done | failed``. :meth:`JobRunner
.submit` queues it and runs its *work* on the runner's thread pool; the work reports progress
through a :class:`Progress` and returns a :class:`JobOutcome`. Whatever the work raises ends
the job ``failed``: a :class:`~chainwatch.model.errors.ChainwatchError` with its own message
(it is meant for people), anything else with a reference to the server log only, never the
exception's text (a database error would show SQL and parameters to viewers).

Each job names the worker process running it (``host:pid:start``); at start-up
:meth:`JobRunner.fail_orphaned_jobs` fails the jobs left queued or running by a worker that has
died (a killed or restarted server), so none stays "running" forever.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.store import jobs as jobs_store
from chainwatch.store.engine import Engine

log = logging.getLogger("chainwatch.jobs")
KINDS = ("batch", "refresh", "resilience")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _process_start(pid: int) -> str:
    """The start time of a process (Linux /proc, clock ticks since boot); "" elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _worker_id() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}"


WORKER = _worker_id()  # "host:pid:start" of this process, kept with the jobs it runs


def worker_alive(worker: str) -> bool:
    """Is the process named by a job's worker id still running? Unknown (another host):
    assumed alive. Jobs without a worker id (older versions) count as dead."""
    host, _, rest = worker.partition(":")
    pid_text, _, start = rest.partition(":")
    if not host or not pid_text.isdigit():
        return False
    if host != socket.gethostname():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return worker == WORKER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return not start or _process_start(pid) in ("", start)


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What finished work reports: `failed` ends the job failed with the same message."""

    message: str
    result: dict[str, Any] = field(default_factory=dict)
    failed: bool = False


class Progress:
    """What running work may tell its job."""

    def __init__(self, runner: JobRunner, job_id: str) -> None:
        self.runner = runner
        self.job_id = job_id

    def done(self, count: int) -> None:
        self.runner.update_job(self.job_id, done=count)

    def say(self, message: str) -> None:
        self.runner.update_job(self.job_id, message=message[:2000])


Work = Callable[[Progress], JobOutcome]


class JobRunner:
    """Queues, runs and reports background jobs on one store."""

    def __init__(self, engine: Engine, executor: Executor | None = None) -> None:
        self.engine = engine
        self.executor = executor

    def new_job(self, kind: str, total: int, actor: str) -> str:
        """A queued job, owned by this process (its result names the worker until done)."""
        job_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            jobs_store.insert(
                conn, job_id, kind, total, actor, json.dumps({"worker": WORKER}), now_iso()
            )
        return job_id

    def update_job(self, job_id: str, **values: Any) -> None:
        values["updated_at"] = now_iso()
        with self.engine.begin() as conn:
            jobs_store.update(conn, job_id, values)

    def start(self, job_id: str, work: Work) -> None:
        """Run `work` for a queued job on the thread pool."""
        if self.executor is None:
            raise RuntimeError("this job runner has no executor: use run()")
        self.executor.submit(self.run, job_id, work)

    def submit(self, kind: str, total: int, actor: str, work: Work) -> str:
        """Queue a job and start it; its id."""
        job_id = self.new_job(kind, total, actor)
        self.start(job_id, work)
        return job_id

    def run(self, job_id: str, work: Work) -> None:
        """Run a queued job's work here: running, then done or failed (never raises)."""
        try:
            self.update_job(job_id, status="running")
            job = self.job(job_id)
            outcome = work(Progress(self, job_id))
            self.update_job(
                job_id,
                status="failed" if outcome.failed else "done",
                done=job["total"] if job else 0,
                message=outcome.message[:2000],
                result=outcome.result,
            )
        except ChainwatchError as exc:
            self.update_job(job_id, status="failed", message=str(exc)[:2000], result={})
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("job %s failed (reference %s)", job_id, reference)
            self.update_job(
                job_id,
                status="failed",
                message=f"the job failed (reference {reference}); the team can look it up in "
                "the server log",
                result={},
            )

    def fail_orphaned_jobs(self) -> list[str]:
        """Mark failed the jobs left queued or running by a worker process that has died (a
        killed or restarted server); run at startup. Jobs of live processes (other workers)
        and of other hosts are left alone. Returns the ids marked."""
        with self.engine.connect() as conn:
            rows = jobs_store.unfinished(conn)
        orphans = []
        for job_id, result in rows:
            try:
                worker = str(json.loads(result or "{}").get("worker", ""))
            except (ValueError, AttributeError):
                worker = ""
            if not worker_alive(worker):
                orphans.append(job_id)
        for job_id in orphans:
            self.update_job(
                job_id,
                status="failed",
                message="interrupted: the server process running this job stopped; run it again",
                result={},
            )
            log.warning("job %s was left unfinished by a stopped worker: marked failed", job_id)
        return orphans

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A job with its result and progress (0..1); None when there is none."""
        with self.engine.connect() as conn:
            found = jobs_store.get(conn, job_id)
        if found is None:
            return None
        item = found.as_dict()
        item["result"] = json.loads(item["result"] or "{}")
        item["progress"] = round(item["done"] / item["total"], 4) if item["total"] else 0.0
        return item
