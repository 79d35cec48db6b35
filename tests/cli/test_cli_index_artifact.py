"""`chainwatch screen NAME` opens the index artifact when it is there (without the store's
SQLAlchemy) and answers as when it built the index."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chainwatch.cli.main import app


def _screen(env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["screen", "Hikvision", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_screen_with_and_without_the_artifact(env: dict[str, str]) -> None:
    from chainwatch.workflows import screening as ws

    ws._MEMORY.clear()
    built = _screen(env)  # builds and writes the artifact
    artifacts = list(Path(env["CHAINWATCH_CACHE"]).glob("index-chainwatch-v3-*.cwidx"))
    assert len(artifacts) == 1
    ws._MEMORY.clear()
    opened = _screen(env)  # opens it
    assert opened == built and built
    assert _screen(env, "--threshold", "0.99") == [h for h in built if float(h["score"]) >= 0.99]
    artifacts[0].write_bytes(b"damaged")
    ws._MEMORY.clear()
    assert _screen(env) == built  # rebuilt
