"""The audit log's hash chain detects an altered or a deleted record (SQL behind its back)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from chainwatch.store.engine import open_engine
from chainwatch.workflows.audit import GENESIS, AuditLog, canonical, record_hash

REPO = Path(__file__).resolve().parents[2]


def _log(db_url: str, records: int = 6) -> tuple[sa.Engine, AuditLog]:
    engine = open_engine(db_url)
    audit = AuditLog(engine)
    for i in range(records):
        audit.append(f"user{i}", "case.decided", f"case:{i}", {"status": "false_positive", "i": i})
    return engine, audit


def _cli_verify(db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from chainwatch.cli.main import app; app()",
            "audit",
            "verify",
            "--db",
            db_url,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_chain_is_verifiable(db_url: str) -> None:
    _engine, audit = _log(db_url)
    result = audit.verify()
    assert result.ok and result.records == 6
    first = audit.records(limit=1)[0]
    record = {k: first[k] for k in ("seq", "at", "actor", "action", "target")}
    record["detail"] = canonical(first["detail"])
    assert first["prev_hash"] == GENESIS and first["hash"] == record_hash(GENESIS, record)
    assert audit.verify(expect_head=result.head).ok
    assert not audit.verify(expect_head="f" * 64).ok
    done = _cli_verify(db_url)
    assert done.returncode == 0 and "ok: 6 records" in done.stdout


def test_altered_record_is_detected(db_url: str) -> None:
    engine, audit = _log(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text('UPDATE audit_log SET detail = \'{"status":"true_match"}\' WHERE seq = 3')
        )
    result = audit.verify()
    assert not result.ok and result.first_bad == 3 and "altered" in result.reason
    done = _cli_verify(db_url)
    assert done.returncode == 1 and "record 3" in done.stderr


def test_altered_record_with_recomputed_hash_is_detected(db_url: str) -> None:
    engine, audit = _log(db_url)
    row = audit.records(after=3, limit=1)[0]
    record = {k: row[k] for k in ("seq", "at", "actor", "action", "target")}
    record["actor"] = "someone-else"
    record["detail"] = canonical(row["detail"])
    forged = record_hash(row["prev_hash"], record)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_log SET actor = 'someone-else', hash = :h WHERE seq = 4"),
            {"h": forged},
        )
    result = audit.verify()
    assert not result.ok and result.first_bad == 5  # the next record no longer links


def test_deleted_record_is_detected(db_url: str) -> None:
    engine, audit = _log(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 2"))
    result = audit.verify()
    assert not result.ok and result.first_bad == 2 and "missing" in result.reason
    done = _cli_verify(db_url)
    assert done.returncode == 1 and "record 2" in done.stderr


def test_deleted_last_record_is_detected(db_url: str) -> None:
    engine, audit = _log(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 6"))
    result = audit.verify()
    assert not result.ok and result.first_bad == 6


def test_concurrent_appends_keep_one_chain(db_url: str) -> None:
    import threading

    engine = open_engine(db_url)
    audit = AuditLog(engine)
    other = AuditLog(open_engine(db_url))  # a second "process"

    def write(log: AuditLog, who: str) -> None:
        for i in range(15):
            log.append(who, "key.created", f"k{i}")

    threads = [
        threading.Thread(target=write, args=(log, name))
        for log, name in ((audit, "a"), (other, "b"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = audit.verify()
    assert result.ok and result.records == 30
