"""`screen --file` streamed: --engine dask equals local, --resume, errors for what cannot stream."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app
from conftest import require_dask

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
runner = CliRunner()


def test_dask_engine_from_the_command_line_equals_local(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_dask()
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # the cluster's workers read the same store and cache
    path = tmp_path / "many.csv"
    path.write_text("name\n" + "\n".join(["Hikvision Digital", "Acme Ltd", "Dahua"] * 50) + "\n")
    texts = []
    for extra in (["--workers", "1"], ["--engine", "dask", "--workers", "2"]):
        out = tmp_path / f"hits-{len(extra)}.csv"
        result = runner.invoke(
            app, ["screen", "--file", str(path), "--out", str(out), "--chunk-size", "16", *extra]
        )
        assert result.exit_code == 0, result.output
        assert "screened 150 counterparties" in result.output
        assert "screening" not in result.stderr  # no progress bar when stderr is no terminal
        texts.append(out.read_text(encoding="utf-8"))
    assert texts[0] == texts[1] and texts[0].count("\n") > 150


def test_resume_and_dask_need_a_streamed_file(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text("name\nAcme Ltd\n")
    for extra in (["--json", "--resume"], ["--out", str(tmp_path / "x.xlsx"), "--resume"]):
        result = runner.invoke(app, ["screen", "--file", str(path), *extra], env=env)
        assert result.exit_code != 0 and "--resume and --engine dask stream" in result.output
    quiet = runner.invoke(
        app,
        ["--quiet", "screen", "--file", str(path), "--out", str(tmp_path / "q.csv"), "--resume"],
        env=env,
    )
    assert quiet.exit_code == 0 and quiet.output == ""


def test_a_killed_run_resumes_to_the_same_file(env: dict[str, str], tmp_path: Path) -> None:
    """The whole command killed (SIGKILL) mid-run, then `--resume`: the output equals an
    uninterrupted run's, and the finished chunks were not screened again."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "many.csv"
    path.write_text("name\n" + "\n".join(f"Hikvision Digital {i}" for i in range(1500)) + "\n")
    clean, out = tmp_path / "clean.csv", tmp_path / "hits.csv"
    state = tmp_path / "hits.csv.resume.json"
    command = [sys.executable, "-c", "from chainwatch.cli.main import main; main()", "--quiet"]
    command += ["screen", "--file", str(path), "--chunk-size", "25", "--workers", "1"]
    src = str(Path(__file__).resolve().parents[2] / "src")
    environment = {**os.environ, **env, "PYTHONPATH": src}
    args = ["screen", "--file", str(path), "--chunk-size", "25", "--workers", "1"]
    made = runner.invoke(app, [*args, "--out", str(clean)], env=env)
    assert made.exit_code == 0, made.output
    proc = subprocess.Popen([*command, "--out", str(out)], env=environment)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if state.exists() and json.loads(state.read_text())["chunks_done"] >= 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads(state.read_text())["chunks_done"]
    assert 3 <= done < 60 and not out.exists()
    loud = [c for c in command if c != "--quiet"]
    result = subprocess.run(
        [*loud, "--out", str(out), "--resume"],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    assert f"resumed: {done} of 60 chunks were already done" in result.stderr
    assert out.read_text(encoding="utf-8") == clean.read_text(encoding="utf-8")
    assert not state.exists()


def test_watch_rescreens_on_the_dask_engine_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`watch --engine dask` re-screens every counterparty after an algorithm change on a
    LocalCluster, with the same report and cases as the default (this process)."""
    import json

    from chainwatch.model.screening import Query
    from chainwatch.store import state
    from chainwatch.store.engine import open_engine
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.cases import CaseService
    from chainwatch.workflows.refresh import ALGORITHM_KEY

    require_dask()
    monkeypatch.setenv("CHAINWATCH_CACHE", str(tmp_path / "cache"))  # the workers' too
    lists = f"{FIXTURES / 'csl' / 'consolidated-sample.csv'}::csl"
    bases = ["Hikvision Digital", "Acme Bakery", "Dahua Technology", "Huawei Technologies"]
    names = [base + suffix for base in bases for suffix in ("", " Co", " Ltd", " Group")]
    seen = []
    for n, extra in enumerate((["--workers", "1"], ["--engine", "dask", "--chunk-size", "3"])):
        db = f"sqlite:///{tmp_path / f'store-{n}.db'}"
        assert runner.invoke(app, ["watch", "--list-file", lists, "--db", db]).exit_code == 0
        store = open_engine(db)
        cases = CaseService(store, AuditLog(store))
        cases.add_counterparties([Query(name=name) for name in names], "test")
        with store.begin() as conn:  # screened with an older algorithm: everyone is re-screened
            state.put(conn, ALGORITHM_KEY, "chainwatch-v1")
        result = runner.invoke(app, ["watch", "--list-file", lists, "--db", db, *extra])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["rescreened"] == len(names) and report["new_cases"]
        keys = ("counterparty_id", "entry_id", "score", "status", "algorithm", "entry_hash")
        stored = [{k: cases.case(c)[k] for k in keys} for c in report["new_cases"]]
        store.dispose()
        seen.append((report, stored))
    assert seen[0] == seen[1]


def test_watch_takes_a_scheduler_only_with_the_dask_engine(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["watch", "--scheduler", "tcp://127.0.0.1:9"], env=env)
    assert result.exit_code == 2 and "--scheduler is for --engine dask" in result.stderr
