"""The engine of a Dask cluster: chunks as tasks on a ``distributed`` scheduler.

``DaskEngine(scheduler="tcp://HOST:8786")`` connects to a running scheduler (or the address in
``CHAINWATCH_SCHEDULER``); without one it starts a ``LocalCluster`` of `workers` processes with
one thread each on this machine (no dashboard), and stops it on :meth:`close`.

Dask is an optional extra (``pip install 'chainwatch[dask]'``) and is imported here only, when
an engine is made (an import-linter contract keeps it out of every other package).

**What a worker costs.** Tasks carry the chunk and a :class:`~chainwatch.engine.base.Shared`
recipe, never the state: each worker process builds the state on its first task and keeps it
for the next ones (:func:`~chainwatch.engine.base.resolve`). For screening that is one index
per worker process: the index artifact memory-mapped (``CHAINWATCH_CACHE``, a tenth of a
second, its pages shared by the workers of one machine) when the workers can read it, else
built from the store (tens of seconds for the full lists). Later runs on the same cluster
reuse it.

**A dead worker costs only its tasks.** The scheduler gives the tasks of a worker that died
to another worker (the nanny also starts a new worker process); a task that killed
``distributed.scheduler.allowed-failures`` workers (default 3) fails the run with an
:class:`~chainwatch.engine.base.EngineError` naming the chunk.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from chainwatch.engine.base import Engine, EngineError, Shared, run_chunk

R = TypeVar("R")

SCHEDULER_ENV = "CHAINWATCH_SCHEDULER"
CONNECT_TIMEOUT = "15s"
TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise EngineError(
            "--engine dask needs Dask: pip install 'chainwatch[dask]' "
            "(or pip install 'dask[distributed]')"
        ) from None
    return distributed


class DaskEngine(Engine):
    """Chunks as tasks on a Dask cluster; at most two tasks in flight per worker thread."""

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, workers: int = 2, *, timeout: str = CONNECT_TIMEOUT
    ) -> None:
        distributed = _distributed()
        self.scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
        self._cluster: Any = None
        try:
            if self.scheduler:
                self._client = distributed.Client(self.scheduler, timeout=timeout)
            else:
                import dask

                # The nanny's default MALLOC_TRIM_THRESHOLD_=65536 makes glibc give memory
                # back on nearly every free: the matcher then ran 3 times slower (CPU) in a
                # worker than in one process (docs/batch.md). Workers keep glibc's default.
                with dask.config.set({TRIM_KEY: None}):
                    self._cluster = distributed.LocalCluster(
                        n_workers=max(workers, 1),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self._client = distributed.Client(self._cluster)
        except (OSError, TimeoutError, RuntimeError) as exc:
            self.close()
            where = self.scheduler or "a LocalCluster"
            raise EngineError(f"dask engine: cannot reach {where}: {exc}") from exc
        self.workers = max(sum(self._client.nthreads().values()), 1)

    @property
    def client(self) -> Any:
        return self._client

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> process id (tests kill one)."""
        return dict(self._client.run(os.getpid))

    def _map(
        self,
        function: Callable[..., list[R]],
        chunks: Iterable[Sequence[Any]],
        shared: Shared | None,
    ) -> Iterator[list[R]]:
        distributed = _distributed()
        window = 2 * self.workers
        source = iter(enumerate(chunks))
        pending: deque[tuple[int, Any]] = deque()

        def fill() -> None:
            while len(pending) < window:
                item = next(source, None)
                if item is None:
                    return
                number, chunk = item
                future = self._client.submit(
                    run_chunk, function, chunk, shared, True, pure=False, priority=-number
                )
                pending.append((number, future))

        try:
            fill()
            while pending:
                number, future = pending[0]
                try:
                    results: list[R] = future.result()
                except distributed.KilledWorker as exc:
                    raise EngineError(
                        f"dask engine: chunk {number} killed the workers that ran it ({exc}); "
                        "the run stops there"
                    ) from None
                pending.popleft()
                future.release()
                fill()
                yield results
        finally:
            for _, future in pending:
                future.cancel()

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
