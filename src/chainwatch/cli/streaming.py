"""`chainwatch screen --file` streamed through an engine: options, progress bar, summary.

The progress bar (rows, rate, time left) goes to standard error, and only to a terminal:
``--quiet`` or a redirected stderr (a cron job, CI) keeps it silent.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from chainwatch.cli import output


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class RichProgress:
    """A :class:`~chainwatch.workflows.streaming.ProgressSink` drawing a Rich bar."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("screening"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("elapsed,"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int | None, done: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("rows", total=total, completed=done, rate="")

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)
            speed = self._progress.tasks[0].speed
            rate = f"{speed:,.0f} rows/s" if speed else ""
            self._progress.update(self._task, rate=rate)

    def stop(self) -> None:
        self._progress.stop()


def screen_file_streamed(
    screener: Any,
    file: Path,
    out: Path,
    fmt: str,
    *,
    engine: str,
    scheduler: str | None,
    workers: int,
    resume: bool,
    chunk_size: int,
    lists: tuple[str, ...],
    threshold: float,
    limit: int,
    encoding: str | None,
    sheet: str | None,
    columns: dict[str, Any],
) -> dict[str, int]:
    """Run the streamed batch; print the summary; the counts."""
    from chainwatch.engine.base import open_engine
    from chainwatch.workflows.counterparties import ColumnMap
    from chainwatch.workflows.streaming import screen_file_streaming

    bar = RichProgress() if not output.SETTINGS.quiet and _stderr_is_terminal() else None
    with open_engine(engine, workers=workers, scheduler=scheduler) as run:
        output.debug(f"engine: {run.describe()}")
        try:
            result = screen_file_streaming(
                screener,
                file,
                out,
                engine=run,
                fmt=fmt,
                columns=ColumnMap(**columns),
                encoding=encoding,
                sheet=sheet,
                lists=lists,
                threshold=threshold,
                limit=limit,
                chunk_size=chunk_size,
                resume=resume,
                progress=bar,
            )
        finally:
            if bar is not None:
                bar.stop()
    if result.note:
        output.note(result.note)
    if result.resumed:
        output.note(f"resumed: {result.resumed} of {result.chunks} chunks were already done")
    counts = result.counts
    if not output.SETTINGS.quiet:
        output.make_console().print(
            f"screened {counts['counterparties']} counterparties: {counts['with_hits']} with "
            f"hits ({counts['hits']} hits) -> {out}",
            highlight=False,
        )
    return counts
