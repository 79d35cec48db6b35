"""Rows of a table file: CSV in any encoding and delimiter, XLSX, Parquet.

Counterparty files come from ERP and CRM exports: UTF-8 or UTF-16 with a byte-order mark, or a
legacy code page (detected by :func:`guess_legacy_encoding`, reported so a wrong guess can be
seen and overridden); ``,`` ``;`` tab or ``|`` (:func:`sniff_delimiter`). Each reader stops at
the caller's row limit (:class:`TooManyRows`) while streaming, so a huge file costs no more
than the limit. What the columns mean is :mod:`chainwatch.workflows.counterparties`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.text.spreadsheets import check_xlsx

MAX_ROWS = 1_000_000
DELIMITERS = (",", ";", "\t", "|")
LEGACY_ENCODINGS = (
    "cp1252",  # Western Europe, the Americas: Excel's and most ERP systems' "ANSI"
    "cp1250",  # Central Europe
    "cp1251",  # Cyrillic
    "cp1253",  # Greek
    "cp1254",  # Turkish
    "cp1257",  # Baltic
    "cp850",  # DOS Western Europe (older AS/400 and SAP GUI exports)
    "mac_roman",
    "shift_jis",
    "gb18030",
    "big5",
    "euc_kr",
)
_COMMON_PUNCTUATION = frozenset(".,;:'\"&()-/+#@!?%*_[]<>=$€|\\~^`{}")
_WORD = re.compile(r"[^\W\d_]+")


class TooManyRows(InputError):
    """The file has more rows than the caller's limit (found while streaming)."""


def _too_many(path: Path, max_rows: int) -> InputError:
    return TooManyRows(
        f"more than {max_rows:,} rows (the limit); split the file", file=str(path), row=max_rows + 2
    )


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str, str]:
    """(text, codec, note). An explicit encoding is used as given; otherwise UTF-8, UTF-16 with
    a byte-order mark, or the legacy codec that reads best."""
    if encoding:
        try:
            return data.decode(encoding), encoding, ""
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", file=str(path)) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                file=str(path),
                row=line,
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", ""
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16 text: {exc.reason}", file=str(path)) from exc
    try:
        return data.decode("utf-8-sig"), "utf-8", ""
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    codec = guess_legacy_encoding(data)
    if codec is None:
        line = data[:first_bad].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte 0x{data[first_bad]:02x} at offset {first_bad}) and no other "
            "encoding fits; give it with --encoding (e.g. cp1252)",
            file=str(path),
            row=line,
        )
    return data.decode(codec), codec, legacy_note(path, codec)


def legacy_note(path: Path, codec: str) -> str:
    """What the user is told when a file that is not UTF-8 is read as a guessed codec."""
    return (
        f"{path.name}: read as {codec} (detected; the file is not UTF-8). "
        "If names look wrong, give --encoding."
    )


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split()[0]
    except ValueError:
        return "?"


def implausibility(text: str) -> int:
    """How unlike names and addresses a decoded text is: symbols that names do not hold
    (``£``, ``³``, box drawing, C1 controls), words mixing scripts (``M〕ler``), and Latin words
    made mostly of accented letters (``Ðîìàøêà``, which is Cyrillic read as Windows-1252)."""
    odd = sum(
        1
        for ch in text
        if not (ch.isalpha() or ch.isdigit() or ch.isspace() or ch in _COMMON_PUNCTUATION)
    )
    for word in _WORD.findall(text):
        scripts = {_script(c) for c in word}
        if len(scripts) > 1 or (
            scripts == {"LATIN"}
            and len(word) >= 3
            and sum(ord(c) > 127 for c in word) * 2 > len(word)
        ):
            odd += 1
    return odd


def guess_legacy_encoding(data: bytes) -> str | None:
    """The legacy codec under which `data` reads most like names, or None.

    Each codec of :data:`LEGACY_ENCODINGS` that decodes the bytes is scored by
    :func:`implausibility`; ties go to the codec listed first, so Windows-1252 (what Excel
    and most ERP systems write in Western locales) wins when the bytes read equally well in
    another Latin code page. Statistical detectors are not used: on files this short they
    pick rare code pages (charset-normalizer reads a German Windows-1252 export as cp775,
    ``Müller`` as ``M³ller``).

    >>> guess_legacy_encoding("Łódź Przemysł".encode("cp1250"))
    'cp1250'
    >>> guess_legacy_encoding("Müller Gerätebau".encode("cp1252"))
    'cp1252'
    """
    sample = _non_ascii_lines(data)
    scored = []
    for position, codec in enumerate(LEGACY_ENCODINGS):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((implausibility(text), position, codec))
    for _, _, codec in sorted(scored):
        if len(sample) == len(data):
            return codec
        try:  # the sample fits; the whole file must too
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _non_ascii_lines(data: bytes, limit_bytes: int = 64 * 1024) -> bytes:
    """The lines that hold non-ASCII bytes (the only ones that tell codecs apart), up to
    `limit_bytes`; a big file is judged on them, not decoded twelve times whole."""
    if len(data) <= limit_bytes:
        return data
    picked: list[bytes] = []
    size = 0
    for line in data.split(b"\n"):
        if not line.isascii():
            picked.append(line)
            size += len(line) + 1
            if size >= limit_bytes:
                break
    return b"\n".join(picked)


def _split(text: str, delimiter: str, limit: int | None = None) -> list[list[str]] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error:
        return None
    return rows


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most, equally wide, fields.

    >>> sniff_delimiter("Kunde;Land;Ort\\nAcme, Inc.;US;Boston\\n")
    ';'
    """
    sample = text[: 64 * 1024]
    if len(sample) < len(text):  # do not judge a cut record
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_width, best_consistent = ",", 1, False
    for delimiter in DELIMITERS:
        rows = _split(sample, delimiter, limit=50)
        if not rows:
            continue
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        width = len(rows[0])
        consistent = all(len(r) == width for r in rows)
        if width < 2:
            continue
        if (consistent, width) > (best_consistent, best_width):
            best, best_width, best_consistent = delimiter, width, consistent
    return best


def rows_csv(
    path: Path, encoding: str | None, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]], str, str, str, int]:
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=str(path))
    text, codec, note = _decode(path, data, encoding)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows + 1:
                raise _too_many(path, max_rows)
    except csv.Error as exc:
        # strict mode: a quote left open at the end of the file is a truncated file
        raise InputError(
            f"malformed CSV ({exc}); truncated file?", file=str(path), row=len(rows) + 1
        ) from exc
    skipped = _skip_blank_top(rows)
    if not rows:
        raise InputError("the file is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:], codec, delimiter, note, skipped


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ERP number stored as a float: 100234.0 -> 100234
    return str(value)


def choose_sheet(workbook: Any, sheet: str | None, path: Path) -> Any:
    """The first sheet, or the one named or numbered (from 1) by `sheet`."""
    names = workbook.sheetnames
    if sheet is None:
        return workbook.worksheets[0]
    if sheet in names:
        return workbook[sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return workbook.worksheets[int(sheet) - 1]
    raise InputError(
        f"no sheet {sheet!r}; the sheets are {', '.join(map(repr, names))}", file=str(path)
    )


def rows_xlsx(
    path: Path, sheet: str | None, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]], str, int]:
    """Rows of a sheet, streamed (read-only mode), after the archive's unpacked sizes were
    checked (:func:`chainwatch.text.spreadsheets.check_xlsx`); stops past `max_rows`."""
    import zipfile

    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    try:
        chosen = choose_sheet(workbook, sheet, path)
        rows: list[list[str]] = []
        for values in chosen.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > max_rows + 1:
                raise _too_many(path, max_rows)
        title = str(chosen.title)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(path)) from exc
    finally:
        workbook.close()
    skipped = _skip_blank_top(rows)
    if not rows:
        raise InputError(f"sheet {title!r} is empty", file=str(path))
    return [h.strip() for h in rows[0]], rows[1:], title, skipped


def _skip_blank_top(rows: list[list[str]]) -> int:
    """Drop the blank lines above the header; how many there were."""
    skipped = 0
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
        skipped += 1
    return skipped


def rows_parquet(path: Path, max_rows: int = MAX_ROWS) -> tuple[list[str], list[list[str]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if pq.ParquetFile(path).metadata.num_rows > max_rows:
            raise _too_many(path, max_rows)
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    columns = table.column_names
    data = table.to_pydict()
    rows = [[_cell_text(data[c][i]) for c in columns] for i in range(table.num_rows)]
    return list(columns), rows
