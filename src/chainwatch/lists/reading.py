"""Reading list files safely: gzip, encodings, streamed CSV with row numbers, JSON, JSON lines.

Every problem becomes an :class:`~chainwatch.model.errors.InputError` that names the file, the
row and, where there is one, the field. Rows are numbered as a user sees them: the 1-based line
number in the file, the header line included (for a CSV record spanning several lines, the line
where it starts). JSON syntax errors give the line; errors in a JSON record give the record's
1-based position in its array.

Encodings: UTF-8 is required (a UTF-8 byte-order mark is accepted); UTF-16 is decoded when it
has a byte-order mark or is recognisable by its zero bytes (Excel's "Unicode text" export).
Anything else that is not valid UTF-8 (typically Latin-1 / Windows-1252 bytes) is an error
naming the row and field, rather than a silent guess that would corrupt names.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from chainwatch.model.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
EOF_MARKER = "\x1a"  # DOS end-of-file byte that OFAC's CSV files end with
_STREAM_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)

csv.field_size_limit(64 * 1024 * 1024)


def label(path: Path) -> str:
    """How a file is named in error messages."""
    return str(path)


def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name)."""
    try:
        with path.open("rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError:
        return False


def logical_name(path: Path) -> str:
    """The file name without a trailing ``.gz``: ``sdn.csv.gz`` → ``sdn.csv``."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (detected by content, not by name)."""
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise InputError("file not found", file=label(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", file=label(path)) from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=label(path)) from None
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(codec, length of the byte-order mark) for the first bytes of a text file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if len(head) >= 4 and head[0] != 0 and head[1] == 0 and head[3] == 0:
        return "utf-16-le", 0
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be", 0
    return "utf-8", 0


class TextLines:
    """Decoded lines of a (possibly gzipped) text file, read lazily.

    Invalid UTF-8 on a line does not stop the iteration: the line is decoded with
    ``surrogateescape`` and its number kept in :attr:`bad_line`, so that the CSV layer can
    name the field that holds the bad bytes. `pending` keeps the lines read since the caller
    last cleared it (the raw text of the record being parsed).
    """

    def __init__(self, fh: IO[bytes], file: str, *, eof_marker: bool = False) -> None:
        self._fh = fh
        self.file = file
        self.eof_marker = eof_marker
        self.line_no = 0
        self.bad_line: int | None = None
        self.pending: list[str] = []
        self.encoding = "utf-8"

    def _raw_lines(self) -> Iterator[str]:
        try:
            head = self._fh.read(4)
        except _STREAM_ERRORS as exc:
            raise self._stream_error(exc) from None
        encoding, bom = sniff_encoding(head)
        self.encoding = encoding
        if encoding.startswith("utf-16"):
            yield from self._utf16_lines(head[bom:], encoding)
            return
        first = True
        while True:
            try:
                raw = self._fh.readline()
                if first:
                    raw = head[bom:] + raw
                    first = False
            except _STREAM_ERRORS as exc:
                raise self._stream_error(exc) from None
            if not raw:
                return
            self.line_no += 1
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                if self.bad_line is None:
                    self.bad_line = self.line_no
                yield raw.decode("utf-8", "surrogateescape")

    def _utf16_lines(self, rest: bytes, encoding: str) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        buffer = ""
        chunk = rest
        while True:
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise InputError(
                    f"not valid {encoding.upper()} text", file=self.file, row=self.line_no + 1
                ) from None
            buffer += text
            *complete, buffer = buffer.split("\n")
            for line in complete:
                self.line_no += 1
                yield line + "\n"
            if not chunk:
                break
            try:
                chunk = self._fh.read(1 << 16)
            except _STREAM_ERRORS as exc:
                raise self._stream_error(exc) from None
        if buffer:
            self.line_no += 1
            yield buffer

    def _stream_error(self, exc: BaseException) -> InputError:
        return InputError(
            f"compressed data is truncated or corrupt ({exc})",
            file=self.file,
            row=self.line_no + 1,
        )

    def __iter__(self) -> Iterator[str]:
        for line in self._raw_lines():
            if self.eof_marker and EOF_MARKER in line:
                line = line.replace(EOF_MARKER, "")
            self.pending.append(line)
            yield line


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


class CsvFile:
    """A delimited text file read record by record, with validated width and row numbers.

    With `fieldnames` the file has no header (OFAC); otherwise the first record is the header
    and every name in `required` must be in it. Each record must have exactly as many fields
    as there are columns. Blank lines are skipped. Use as a context manager::

        with CsvFile(path, required=("name",)) as table:
            for row, values in table.records():
                ...
    """

    def __init__(
        self,
        path: Path,
        *,
        delimiter: str = ",",
        fieldnames: Sequence[str] | None = None,
        required: Sequence[str] = (),
        eof_marker: bool = False,
        header_marker: str | None = None,
    ) -> None:
        self.path = path
        # With `header_marker`, records before the first one holding this value are a preamble
        # (the UK Sanctions List CSV starts with a "Report Date: ..." line) and are skipped.
        self.header_marker = header_marker
        self.file = label(path)
        self.delimiter = delimiter
        self.fieldnames = list(fieldnames) if fieldnames is not None else None
        self.required = tuple(required)
        self.eof_marker = eof_marker
        self.columns: list[str] = []
        self.index: dict[str, int] = {}
        self._fh: IO[bytes] | None = None
        self._lines: TextLines | None = None
        self._reader: Any = None
        self._last_line = 0
        self._started = False

    def __enter__(self) -> CsvFile:
        self._fh = open_binary(self.path)
        self._lines = TextLines(self._fh, self.file, eof_marker=self.eof_marker)
        self._reader = csv.reader(self._lines, delimiter=self.delimiter, strict=True)
        if self.fieldnames is None:
            first = self._next_record()
            if first is not None and self.header_marker is not None:
                while first is not None and self.header_marker not in (
                    v.strip().lstrip("\ufeff") for v in first[1]
                ):
                    first = self._next_record()
                if first is None:
                    raise InputError(
                        f"no header row with a column {self.header_marker!r} found",
                        file=self.file,
                        row=max(self._last_line, 1),
                        field=self.header_marker,
                    )
            if first is None:
                raise InputError("file is empty: expected a header row", file=self.file, row=1)
            line, header = first
            self._check_bytes(line, [f"column {i + 1}" for i in range(len(header))], header)
            self.columns = [h.strip().lstrip("\ufeff") for h in header]
            self.index = {name: i for i, name in enumerate(self.columns)}
            for name in self.required:
                if name not in self.index:
                    raise InputError(
                        f"required column {name!r} is missing from the header",
                        file=self.file,
                        row=line,
                        field=name,
                    )
        else:
            self.columns = list(self.fieldnames)
            self.index = {name: i for i, name in enumerate(self.columns)}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fh is not None:
            self._fh.close()

    def error(self, message: str, row: int | None, field: str | None = None) -> InputError:
        """An InputError located in this file."""
        return InputError(message, file=self.file, row=row, field=field)

    def _field_at(self, index: int) -> str:
        if index < len(self.columns):
            return self.columns[index]
        return f"column {index + 1}"

    def _next_record(self) -> tuple[int, list[str]] | None:
        """The next non-blank record as (first line number, values), or None at the end."""
        assert self._lines is not None
        while True:
            self._lines.pending.clear()
            start = self._last_line + 1
            try:
                values = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                raise self._csv_error(exc, start) from None
            self._last_line = self._reader.line_num
            if values:
                return start, values

    def _csv_error(self, exc: csv.Error, start: int) -> InputError:
        assert self._lines is not None
        text = "".join(self._lines.pending)
        field: str | None = None
        try:
            partial = next(csv.reader([text + '"'], delimiter=self.delimiter))
            field = self._field_at(max(len(partial) - 1, 0))
        except (csv.Error, StopIteration):
            field = None
        message = str(exc)
        if "unexpected end of data" in message or "EOF" in message:
            message = "file ends inside a quoted field (truncated?)"
        else:
            message = f"malformed CSV: {message}"
        return self.error(message, start, field)

    def _check_bytes(self, line: int, columns: Sequence[str], values: Sequence[str]) -> None:
        assert self._lines is not None
        if self._lines.bad_line is None:
            return
        name = next(
            (c for c, v in zip(columns, values, strict=False) if _has_surrogates(v)),
            columns[0] if columns else "column 1",
        )
        raise self.error(
            "invalid UTF-8 bytes (the file must be UTF-8 or UTF-16; this looks like "
            "Latin-1/Windows-1252 text: re-save it as UTF-8)",
            self._lines.bad_line,
            name,
        )

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, values) of every data record, each exactly as wide as the columns."""
        width = len(self.columns)
        seen_any = False
        while True:
            record = self._next_record()
            if record is None:
                break
            line, values = record
            if self._lines is not None and self._lines.bad_line is not None:
                self._check_bytes(line, self.columns, values)
            if len(values) != width:
                if len(values) == 1 and not values[0].strip():
                    continue  # a line holding only spaces or the EOF byte
                if len(values) < width:
                    raise self.error(
                        f"row has {len(values)} fields, expected {width} (truncated row?)",
                        line,
                        self._field_at(len(values)),
                    )
                raise self.error(
                    f"row has {len(values)} fields, expected {width}",
                    line,
                    self._field_at(width),
                )
            seen_any = True
            yield line, values
        if not seen_any and self.fieldnames is not None:
            raise self.error("file is empty: no records", 1)


def read_text(path: Path) -> str:
    """A whole (possibly gzipped) text file, decoded by the rules above."""
    with open_binary(path) as fh:
        try:
            data = fh.read()
        except _STREAM_ERRORS as exc:
            raise InputError(
                f"compressed data is truncated or corrupt ({exc})", file=label(path)
            ) from None
    encoding, bom = sniff_encoding(data[:4])
    try:
        return data[bom:].decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"invalid {encoding.upper()} bytes at byte {exc.start} (the file must be UTF-8)",
            file=label(path),
            row=line,
        ) from None


def load_json(path: Path) -> Any:
    """A JSON document (plain or gzipped); syntax errors name the line."""
    text = read_text(path)
    if not text.strip():
        raise InputError("file is empty", file=label(path), row=1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        last_line = text.rstrip().count("\n") + 1
        where = f"file ends early (truncated?): {exc.msg}" if exc.lineno >= last_line else exc.msg
        raise InputError(
            f"invalid JSON: {where} (column {exc.colno})",
            file=label(path),
            row=exc.lineno,
        ) from None


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, object) for each non-blank line of a JSON-lines file, streamed."""
    file = label(path)
    seen = False
    with open_binary(path) as fh:
        lines = TextLines(fh, file)
        for text in lines:
            lines.pending.clear()
            if lines.bad_line is not None:
                raise InputError("invalid UTF-8 bytes", file=file, row=lines.bad_line)
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                hint = " (truncated?)" if not text.endswith("\n") else ""
                raise InputError(
                    f"invalid JSON{hint}: {exc.msg} (column {exc.colno})",
                    file=file,
                    row=lines.line_no,
                ) from None
            seen = True
            yield lines.line_no, value
    if not seen:
        raise InputError("file is empty", file=file, row=1)


def peek_bytes(path: Path, size: int = 4096) -> bytes:
    """The first decompressed bytes of a file (for format detection)."""
    with open_binary(path) as fh:
        try:
            return fh.read(size)
        except _STREAM_ERRORS:
            return b""
