"""Uploaded files: saved within the size limit under a name of our own, then read completely
with errors that name the upload (never the server's temporary path)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import HTTPException, UploadFile

from chainwatch.api.deps import Services
from chainwatch.model.errors import ChainwatchError
from chainwatch.model.screening import Query as ScreenQuery
from chainwatch.workflows.counterparties import TooManyRows, read_counterparties

UPLOAD_SUFFIXES = (".csv", ".xlsx", ".parquet")


def save_upload(svc: Services, file: UploadFile, directory: Path) -> tuple[Path, str]:
    """Write an upload into `directory` (as upload<suffix>; its own name is never a path),
    within the size limit; (path, the file's own name)."""
    original = Path(file.filename or "upload.csv").name
    suffix = Path(original).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise HTTPException(400, f"file must be one of {', '.join(UPLOAD_SUFFIXES)}")
    path = directory / f"upload{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > svc.settings.upload_limit_bytes:
                raise HTTPException(
                    413, f"file larger than {svc.settings.upload_limit_bytes} bytes"
                )
            out.write(chunk)
    return path, original


def read_saved(
    svc: Services, path: Path, original: str, mapping: dict[str, str | None]
) -> tuple[list[ScreenQuery], list[str]]:
    """Read a saved counterparty file completely with a column mapping (clear errors)."""
    try:
        rows = read_counterparties(
            path,
            mapping.get("name") or None,
            mapping.get("country") or None,
            max_rows=svc.settings.batch_max_rows,
            address_column=mapping.get("address") or None,
            id_column=mapping.get("identifier") or None,
        )
    except TooManyRows as exc:
        raise HTTPException(413, str(exc).replace(str(path), original)) from exc
    except ChainwatchError as exc:
        raise HTTPException(400, str(exc).replace(str(path), original)) from exc
    except Exception as exc:  # a parser library choking on a hostile file
        raise HTTPException(400, f"file {original}: cannot be read ({type(exc).__name__})") from exc
    if len(rows) > svc.settings.batch_max_rows:
        raise HTTPException(413, f"more than {svc.settings.batch_max_rows} counterparties")
    return [r.query for r in rows], [str(r.row) for r in rows]


def read_upload(
    svc: Services, file: UploadFile, column: str | None
) -> tuple[list[ScreenQuery], list[str]]:
    """Read an uploaded counterparty file completely (clear errors for a bad file)."""
    with tempfile.TemporaryDirectory(prefix="chainwatch-upload-") as directory:
        path, original = save_upload(svc, file, Path(directory))
        return read_saved(svc, path, original, {"name": column})


def read_network_upload(svc: Services, file: UploadFile) -> bytes:
    limit = svc.settings.network_limit_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"network file larger than {limit} bytes")
    return data
