"""`screen --file` streamed: --engine dask equals local, --resume, errors for what cannot stream."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainwatch.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {
        "CHAINWATCH_DB": f"sqlite:///{tmp_path / 'store.db'}",
        "CHAINWATCH_CACHE": str(tmp_path / "cache"),
    }
    result = runner.invoke(
        app, ["lists", "load", str(FIXTURES / "csl" / "consolidated-sample.csv")], env=environment
    )
    assert result.exit_code == 0, result.output
    return environment


def test_dask_engine_from_the_command_line_equals_local(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
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
