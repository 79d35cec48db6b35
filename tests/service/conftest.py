"""A real chainwatch server (uvicorn in a subprocess on 127.0.0.1) per store backend."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.service.data import BASE, feed

from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.audit import AuditLog
from chainwatch.workflows.auth import AuthService
from conftest import fresh_store_url

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    db_url: str
    keys: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def client(self, role: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def seed(db_url: str) -> dict[str, str]:
    """Lists, users (viewer, analyst, admin with PASSWORD) and one API key per role."""
    engine = open_engine(db_url)
    ListStore(engine).load(feed(*BASE))
    auth = AuthService(engine, AuditLog(engine))
    keys = {}
    for role in ("viewer", "analyst", "admin"):
        auth.create_user(role, PASSWORD, role, "tests")
        keys[role] = auth.create_key(f"{role}-key", role, "tests")["key"]
    engine.dispose()
    return keys


def start_server(
    db_url: str, tmp: Path, settings: dict[str, Any] | None = None, workers: int = 1
) -> Server:
    port = free_port()
    # never the official hosts from a test: downloads go to a mirror (or a closed port)
    settings = {
        "download_base_url": "http://127.0.0.1:9",
        "download_dir": str(tmp / "downloads"),
        "download_timeout_seconds": 5,
        "session_secret_file": str(tmp / "session-secret"),
        **(settings or {}),
    }
    env = {
        **os.environ,
        "CHAINWATCH_DB": db_url,
        "CHAINWATCH_SERVICE_SETTINGS": json.dumps(settings),
        "CHAINWATCH_CACHE": str(tmp / "cache"),
        "PYTHONPATH": str(REPO / "src"),
    }
    log = tmp / f"server-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "chainwatch.api.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return Server(url, db_url, process=process, log=log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


def stop_server(server: Server) -> None:
    if server.process is not None:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh store for a module: a SQLite file, and a PostgreSQL schema when configured."""
    with fresh_store_url(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def server(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running server on a seeded store; `server.keys[role]` are API keys."""
    keys = seed(store_url)
    running = start_server(store_url, tmp_path_factory.mktemp("server"))
    running.keys = keys
    yield running
    stop_server(running)
