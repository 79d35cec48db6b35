"""schemathesis against the OpenAPI document of a running server: no server error (5xx)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.service.conftest import Server, seed, start_server, stop_server


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'chainwatch.db'}"
    keys = seed(url)
    server = start_server(url, tmp)
    server.keys = keys
    yield server
    stop_server(server)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_no_server_error(fuzzed: Server, role: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is not installed"
    done = subprocess.run(
        [
            st,
            "run",
            f"{fuzzed.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "12",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--no-color",
            "-H",
            f"Authorization: Bearer {fuzzed.keys[role]}",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path,  # schemathesis keeps a cache directory in its working directory
    )
    out = done.stdout
    # Exit code 1 also covers schemathesis' own client-side errors (it sometimes generates
    # headers its HTTP client refuses to send); what must never appear is a server error.
    assert "FAILURES" not in out and "Server error" not in out, out[-6000:]
    assert "generated" in out and "passed" in out, out[-6000:] + done.stderr[-2000:]
    log = fuzzed.log.read_text() if fuzzed.log else ""
    assert "Traceback" not in log, log[-4000:]
