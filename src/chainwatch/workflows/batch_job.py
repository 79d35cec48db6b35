"""The service's batch job: an uploaded file of counterparties stored, screened, cases opened.

Run by the job runner (:mod:`chainwatch.workflows.jobs`), which marks the job running, then done
with this outcome, or failed with a safe message when anything here raises.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from chainwatch.model.lists import ListEntry
from chainwatch.model.screening import Match, Query
from chainwatch.screening.algorithm import DEFAULT_THRESHOLD
from chainwatch.workflows.cases import HIT_LIMIT
from chainwatch.workflows.jobs import JobOutcome, Progress
from chainwatch.workflows.live import LiveScreener

MAX_HITS_KEPT = 5000


class Counterparties(Protocol):
    """Where the parties and their cases go (:class:`chainwatch.workflows.cases.CaseService`)."""

    def add_counterparties(
        self,
        parties: Sequence[Query],
        origin: str,
        references: Sequence[str] | None = None,
        batch: str = "",
    ) -> list[int]: ...

    def record_hits(
        self,
        counterparty_id: int,
        matches: Sequence[Match],
        entries: Mapping[str, ListEntry],
        actor: str = "screening",
    ) -> list[int]: ...


def run_batch(
    progress: Progress,
    parties: Sequence[Query],
    references: Sequence[str],
    origin: str,
    live: LiveScreener,
    cases: Counterparties,
    actor: str,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = HIT_LIMIT,
    *,
    filename: str = "",
) -> JobOutcome:
    """Store the counterparties of an upload, screen them, open cases; report progress.

    The result keeps the file's name, the uploader, the row counts and the first 5000 hits
    (``hits_total`` counts them all)."""
    ids = cases.add_counterparties(parties, origin, references, batch=progress.job_id)
    entries = live.entries()
    hits: list[dict[str, object]] = []
    hits_total = 0
    with_hits = 0
    opened: list[int] = []
    last = time.monotonic()
    for done, (counterparty_id, party) in enumerate(zip(ids, parties, strict=True), start=1):
        matches, _fresh = live.screen(party, threshold=threshold, limit=limit)
        opened.extend(cases.record_hits(counterparty_id, matches, entries, actor))
        hits_total += len(matches)
        with_hits += bool(matches)
        for rank, match in enumerate(matches, start=1):
            if len(hits) < MAX_HITS_KEPT:
                hits.append(
                    {
                        "row": references[done - 1],
                        "counterparty_id": counterparty_id,
                        "query": party.name,
                        "rank": rank,
                        "score": round(match.score, 4),
                        "entry_id": match.entry_id,
                        "listed_name": match.listed_name,
                        "matched_name": match.matched_name,
                        "source": match.source,
                    }
                )
        if time.monotonic() - last > 0.2 or done == len(parties):
            progress.done(done)
            last = time.monotonic()
    fresh = live.freshness()
    return JobOutcome(
        f"{len(parties):,} counterparties screened, {with_hits:,} with hits, "
        f"{len(opened):,} case(s) opened",
        {
            "file": filename,
            "uploaded_by": actor,
            "counterparties": len(parties),
            "with_hits": with_hits,
            "hits_total": hits_total,
            "hits": hits,
            "cases_opened": opened,
            "snapshot": fresh.snapshot,
            "freshness": fresh.as_dict(),
        },
    )
