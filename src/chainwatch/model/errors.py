"""Errors that name where bad input was found."""

from __future__ import annotations


class ChainwatchError(Exception):
    """Base class for errors a user should see as a clear message."""


class InputError(ChainwatchError):
    """Bad input: names the file, the row and the field where it was found."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if file is not None:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
