"""The caller owns the transaction: a case decision and its audit record commit together.

The audit insert is made to fail by the database itself (a trigger that aborts every insert
into ``audit_log``), so the failure happens where a real one would: after the case was
updated and its event written, inside the same transaction.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.service.data import HIKVISION

from chainwatch.model.screening import Match, Query
from chainwatch.store.engine import open_engine
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.cases import CaseService
from conftest import fresh_store_url

SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit insert refused by the test'); END",
)
POSTGRES_TRIGGER = (
    "CREATE FUNCTION audit_refused() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit insert refused by the test'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_refused()",
)


def _hit() -> Match:
    return Match(
        entry_id=HIKVISION.entry_id,
        source=HIKVISION.source,
        listed_name=HIKVISION.name,
        matched_name=HIKVISION.name,
        score=0.97,
        programs=HIKVISION.programs,
        countries=HIKVISION.countries,
        entity_type="company",
        features=(),
        algorithm="test",
        snapshot="0" * 64,
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_decision_does_not_commit_when_its_audit_record_fails(kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as url:
        engine = open_engine(url)
        audit = AuditLog(engine)
        cases = CaseService(engine, audit)
        (party,) = cases.add_counterparties([Query(name="Hikvision", country="CN")], "test")
        (case_id,) = cases.record_hits(party, [_hit()], {HIKVISION.entry_id: HIKVISION})
        before = cases.case(case_id)
        records_before = len(audit.records(limit=1000))

        with engine.begin() as conn:
            for statement in SQLITE_TRIGGER if kind == "sqlite" else POSTGRES_TRIGGER:
                conn.execute(sa.text(statement))
        with pytest.raises(sa.exc.DBAPIError, match="audit insert refused"):
            cases.decide(case_id, "false_positive", "another company", "alice", before["version"])

        after = cases.case(case_id)
        assert after["status"] == "open"
        assert after["version"] == before["version"]
        assert after["reviewer"] == "" and after["reason"] == ""
        assert [e["action"] for e in after["history"]] == ["opened"]  # no "decided" event
        assert len(audit.records(limit=1000)) == records_before

        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "DROP TRIGGER audit_refused" + ("" if kind == "sqlite" else " ON audit_log")
                )
            )
        decided = cases.decide(
            case_id, "false_positive", "another company", "alice", before["version"]
        )
        assert decided["status"] == "false_positive"
        assert audit.records(limit=1000, newest_first=True)[0]["action"] == "case.decided"
        assert audit.verify().ok
        engine.dispose()
