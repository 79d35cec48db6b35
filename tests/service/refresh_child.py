"""Runs one refresh in its own process (the SIGKILL test kills it half-way).

usage: python refresh_child.py DB_URL ENTRIES_JSON
"""

from __future__ import annotations

import sys
from pathlib import Path

from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService
from chainwatch.workflows.notify import Notices
from chainwatch.workflows.refresh import ListSource, Refresher, default_parser, files_fetcher


def main() -> None:
    db_url, path = sys.argv[1], Path(sys.argv[2])
    engine = open_engine(db_url)
    audit = AuditLog(engine)
    refresher = Refresher(
        ListStore(engine), CaseService(engine, audit), Notices(engine, audit), audit
    )

    def progress(step: str) -> None:
        print(step, flush=True)

    report = refresher.refresh(
        files_fetcher([ListSource(path, "entries-json")]), default_parser, "child", progress
    )
    print("report", report.status, flush=True)


if __name__ == "__main__":
    main()
