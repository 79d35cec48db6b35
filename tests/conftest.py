"""Shared test fixtures: paths to ../shared/data (skipped when absent) and store URLs."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("CHAINWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data; skips the calling test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path


def dask_required() -> bool:
    """In CI (``CI=true``, or ``CHAINWATCH_REQUIRE_DASK=1`` as .ci/run sets it) the engine
    tests must run: a missing Dask fails them instead of skipping (issue 12, acceptance 1)."""
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return ci or os.environ.get("CHAINWATCH_REQUIRE_DASK") == "1"


def require_dask() -> None:
    """Skip the calling test (module) when ``distributed`` is not installed, except in CI."""
    if dask_required():
        import distributed  # noqa: F401 - an ImportError here fails the run, as it should
    else:
        pytest.importorskip("distributed")


@dataclasses.dataclass(frozen=True)
class DaskCluster:
    """The session's 2-worker LocalCluster. Its workers (and any worker the nanny starts
    again after a kill) run with CHAINWATCH_CACHE set to `cache` (a test sets the same in its
    own process to share the index cache with them) and CHAINWATCH_TEST_SCRATCH set to
    `scratch` (a directory every process can find: kill markers)."""

    engine: Any
    cache: Path
    scratch: Path


SCRATCH_ENV = "CHAINWATCH_TEST_SCRATCH"


def restore_env(key: str, value: str | None) -> None:
    """Put an environment variable back as it was (None: unset)."""
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    """One LocalCluster of 2 worker processes for every test of the session that needs one
    (starting one takes seconds)."""
    require_dask()
    import dask

    from chainwatch.engine.base import open_engine

    root = tmp_path_factory.mktemp("dask-cluster")
    workers_env = {
        "CHAINWATCH_CACHE": os.environ.get("CHAINWATCH_CACHE", str(root / "cache")),
        SCRATCH_ENV: os.environ.get(SCRATCH_ENV, str(root / "scratch")),
    }
    Path(workers_env[SCRATCH_ENV]).mkdir(parents=True, exist_ok=True)
    with dask.config.set({"distributed.nanny.environ": workers_env}):  # every (re)spawn
        engine = open_engine("dask", workers=2)
    with engine:
        yield DaskCluster(
            engine, Path(workers_env["CHAINWATCH_CACHE"]), Path(workers_env[SCRATCH_ENV])
        )


@pytest.fixture
def shared() -> type:
    """Access to ../shared/data as `shared.path("lists", "un", ...)`."""

    class _Shared:
        path = staticmethod(shared_path)

    return _Shared


@contextlib.contextmanager
def fresh_store_url(kind: str, directory: Path) -> Iterator[str]:
    """An empty store: a SQLite file in `directory`, or (kind "postgres") a schema of its own
    on CHAINWATCH_TEST_POSTGRES_URL, dropped afterwards; skips when PostgreSQL is not set."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'chainwatch.db'}"
        return
    url = os.environ.get("CHAINWATCH_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CHAINWATCH_TEST_POSTGRES_URL not set")
    import uuid

    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL: a SQLite file, and PostgreSQL when configured."""
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server laid out like the official hosts (OFAC SDN trio, BIS DPL), serving
    the fixture files; yields its base URL and its document root."""
    lists = FIXTURES / "lists"
    root = tmp_path / "www"
    (root / "ofac" / "downloads").mkdir(parents=True)
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        shutil.copy(lists / "ofac" / "sdn" / name, root / "ofac" / "downloads" / name)
    (root / "ofac" / "downloads" / "sdn_comments.csv").write_bytes(b"\x1a")  # no overflow
    # OFAC is fetched from its Sanctions List Service paths; they link to the files above, so
    # a test that changes or removes /ofac/downloads/sdn.csv changes what SLS serves.
    sls = root / "api" / "PublicationPreview" / "exports"
    sls.mkdir(parents=True)
    for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
        (sls / name.upper()).symlink_to(root / "ofac" / "downloads" / name)
    (root / "dpl").mkdir()
    shutil.copy(lists / "bis" / "dpl-sample.txt", root / "dpl" / "dpl.txt")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
