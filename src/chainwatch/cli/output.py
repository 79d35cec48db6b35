"""What every `chainwatch` command prints where, shared by the command modules.

* Standard output carries the result only: a table, a JSON document (``--json``), a file's
  content (``--out -``). Notes, progress, warnings and errors go to standard error; so does the
  banner HiGHS prints from C when the first solver is made (:func:`solver_banner_to_stderr`).
* When standard output is not a terminal, lines are not wrapped and tables are not squeezed to
  80 columns (a pipe or a file gets whole lines).
* ``--quiet`` drops the notes (:func:`note`), ``--verbose`` adds log lines on standard error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console

UNWRAPPED_WIDTH = 10_000  # columns when standard output is not a terminal


@dataclass
class OutputSettings:
    quiet: bool = False
    verbose: int = 0


SETTINGS = OutputSettings()


def make_console(stderr: bool = False) -> Console:
    """A console that wraps only on a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        return Console(stderr=stderr)
    return Console(stderr=stderr, soft_wrap=True, width=UNWRAPPED_WIDTH)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    _chainwatch_cli = True

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure(quiet: bool, verbose: int) -> None:
    """Apply the global options (the app's callback calls this)."""
    SETTINGS.quiet = quiet
    SETTINGS.verbose = 0 if quiet else verbose
    level = logging.WARNING
    if SETTINGS.verbose == 1:
        level = logging.INFO
    elif SETTINGS.verbose >= 2:
        level = logging.DEBUG
    elif quiet:
        level = logging.ERROR
    root = logging.getLogger("chainwatch")
    root.setLevel(level)
    if not any(getattr(h, "_chainwatch_cli", False) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def note(message: str) -> None:
    """An informational line on standard error; dropped by ``--quiet``."""
    if not SETTINGS.quiet:
        typer.echo(message, err=True)


def debug(message: str) -> None:
    """A line on standard error with ``--verbose`` only."""
    if SETTINGS.verbose:
        typer.echo(message, err=True)


def emit_json(document: Any) -> None:
    """A JSON document on standard output (UTF-8, not ASCII-escaped)."""
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


@contextlib.contextmanager
def c_stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at standard error for the duration (for C libraries that write
    to stdout directly; Python's own `sys.stdout` is not touched)."""
    try:
        stdout_fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        stderr_fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, ValueError, OSError):
        yield
        return
    with contextlib.suppress(Exception):
        sys.__stdout__.flush()  # type: ignore[union-attr]
    saved = os.dup(stdout_fd)
    try:
        os.dup2(stderr_fd, stdout_fd)
        yield
    finally:
        os.dup2(saved, stdout_fd)
        os.close(saved)


def solver_banner_to_stderr() -> None:
    """Make the first HiGHS instance now, with its banner sent to standard error.

    HiGHS prints "Running HiGHS ..." from C to file descriptor 1 when the first solver of a
    process is made, before any option can silence it; later instances print nothing."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - highspy is a dependency
        return
    with c_stdout_to_stderr():
        highspy.Highs()  # type: ignore[no-untyped-call]


def split_sources(values: list[str] | None) -> tuple[list[str], list[str]]:
    """`--source` values as (download source names, local list files).

    ``--source`` names a download source (`chainwatch.lists.download.SOURCES`: csl, ofac-sdn
    ...) in every command. `serve` and `watch` once took a local file PATH[::FORMAT] under that
    name; such a value is still accepted, with a note that ``--list-file`` is its name now."""
    from chainwatch.lists.download import SOURCES

    names: list[str] = []
    files: list[str] = []
    for value in values or []:
        if value in SOURCES:
            names.append(value)
        else:
            files.append(value)
    if files:
        note(
            "note: --source PATH is deprecated; use --list-file PATH (--source names a download "
            f"source: {', '.join(SOURCES)})"
        )
    return names, files
