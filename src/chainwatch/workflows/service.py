"""Use cases of the team service that span several aggregates, shared by the API and the pages.

Each is one function the routes call: it validates what the domain needs, writes through the
workflows of each aggregate and raises domain errors (the API maps them to HTTP statuses in
one table, ``chainwatch.api.errors``). Routes hold no orchestration.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.batch_job import run_batch
from chainwatch.workflows.cases import HIT_LIMIT, CaseService
from chainwatch.workflows.documents import ResultDocuments
from chainwatch.workflows.jobs import JobOutcome, JobRunner, Progress
from chainwatch.workflows.lists import snapshot_status
from chainwatch.workflows.live import LiveScreener
from chainwatch.workflows.refresh import Fetcher, ListSource, Refresher, default_parser
from chainwatch.workflows.results import NetworkNotFound, ResilienceRequest, run_resilience_result
from chainwatch.workflows.screening import match_to_dict


class NotFound(ChainwatchError):
    """No such thing (a job, a result, a table of a result)."""


class NotConfigured(ChainwatchError):
    """The service is not set up for what was asked (no list sources to refresh from)."""


def status_payload(store: ListStore, live: LiveScreener) -> dict[str, Any]:
    """The active snapshot (feeds, counts, hash), its freshness and the recent loads."""
    payload = snapshot_status(store, 10, full_paths=False)
    if payload["active"] is not None:
        payload["freshness"] = live.freshness().as_dict()
    return payload


def add_counterparty(
    live: LiveScreener,
    cases: CaseService,
    audit: AuditLog,
    query: Query,
    origin: str,
    reference: str,
    actor: str,
    threshold: float,
) -> dict[str, Any]:
    """Store (or find: one counterparty per identity) a party, screen it, open cases;
    audited as ``counterparty.added``."""
    matches, fresh = live.screen(query, threshold=threshold, limit=HIT_LIMIT)
    [counterparty_id] = cases.add_counterparties([query], origin, [reference])
    opened = cases.record_hits(counterparty_id, matches, live.entries(), actor)
    audit.append(
        actor,
        "counterparty.added",
        f"counterparty:{counterparty_id}",
        {
            "name": query.name,
            "country": query.country,
            "snapshot": fresh.snapshot,
            "hits": len(matches),
            "cases_opened": opened,
        },
    )
    return {
        "counterparty_id": counterparty_id,
        "cases_opened": opened,
        "hits": [match_to_dict(m) for m in matches],
        "stale": fresh.stale,
        "warning": fresh.warning,
    }


def decide_many(
    cases: CaseService,
    status: str,
    reason: str,
    seen: dict[int, int],
    actor: str,
    four_eyes: bool,
) -> dict[str, Any]:
    """One decision for many cases ({case id: version seen}), each its own audited decision;
    those refused (changed since, four-eyes, bad input) are listed with the reason."""
    decided: list[int] = []
    refused: dict[int, str] = {}
    for case_id, version in sorted(seen.items()):
        try:
            cases.decide(case_id, status, reason, actor, version, four_eyes=four_eyes)
            decided.append(case_id)
        except ChainwatchError as exc:  # StaleDecision, SecondReviewerNeeded, bad input
            refused[case_id] = str(exc)
    return {"decided": decided, "refused": refused}


def submit_batch(
    jobs: JobRunner,
    audit: AuditLog,
    live: LiveScreener,
    cases: CaseService,
    parties: Sequence[Query],
    references: Sequence[str],
    filename: str | None,
    actor: str,
    threshold: float,
) -> str:
    """Queue the screening of uploaded counterparties as a background job; its id. The upload
    is audited (``batch.uploaded``) before the job starts."""
    shown = Path(filename or "file").name[:100]
    origin = f"upload {shown} by {actor}"
    job_id = jobs.new_job("batch", len(parties), actor)
    audit.append(
        actor,
        "batch.uploaded",
        f"job:{job_id}",
        {"file": shown, "rows": len(parties), "snapshot": live.snapshot().content_hash},
    )

    def work(progress: Progress) -> JobOutcome:
        return run_batch(
            progress, parties, references, origin, live, cases, actor, threshold, filename=shown
        )

    jobs.start(job_id, work)
    return job_id


def load_list_file(
    refresher: Refresher, live: LiveScreener, path: Path, format: str, actor: str, shown: str
) -> dict[str, Any]:
    """Load one list file into a new snapshot and re-screen the affected counterparties; a
    failure names the file as `shown` (the upload's own name, not the temporary path)."""
    source = ListSource(path, format)
    report = refresher.refresh(lambda: [source], default_parser, actor=actor)
    live.invalidate()
    if report.status == "failed":
        raise ChainwatchError(report.message.replace(str(path), shown))
    return report.as_dict()


def start_refresh(
    jobs: JobRunner, refresher: Refresher, live: LiveScreener, fetcher: Fetcher | None, actor: str
) -> str:
    """Run the configured refresh as a background job; its id."""
    if fetcher is None:
        raise NotConfigured("no list sources are configured for refresh")

    def work(_progress: Progress) -> JobOutcome:
        report = refresher.refresh(fetcher, default_parser, actor=actor)
        live.invalidate()
        return JobOutcome(report.message, report.as_dict(), failed=report.status == "failed")

    return jobs.submit("refresh", 1, actor, work)


def start_resilience(
    jobs: JobRunner,
    results: ResultDocuments,
    name: str,
    request: ResilienceRequest,
    actor: str,
    timeout_seconds: float,
) -> str:
    """Start a resilience run of a stored network as a background job; its id."""
    if results.result("network", name) is None:
        raise NetworkNotFound(f"no network {name!r}: upload it first")

    def work(progress: Progress) -> JobOutcome:
        progress.say(f"resilience of {name}")
        result = run_resilience_result(results, name, actor, request, timeout_seconds)
        return JobOutcome(
            f"resilience of {name} stored",
            {"kind": "resilience", "name": name, "summary": result["summary"]},
        )

    return jobs.submit("resilience", 1, actor, work)
