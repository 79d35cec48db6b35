"""Networks, exposure and resilience runs of the service: computed here, stored as results.

* A network is uploaded as a zip of the CSV tables or an XLSX workbook
  (``docs/network-format.md``), validated by :func:`chainwatch.network.io.load_network`
  (errors name file, row and field, with the upload's own name) and kept as a ``network``
  result (the upload itself, base64, and its counts).
* An exposure run screens the network's parties against the active snapshot (the service's
  live matcher), adds names and what-if designations, runs
  :func:`chainwatch.workflows.network.run_exposure` and stores summary, tables and the SVG
  network picture as an ``exposure`` result.
* A resilience run (sweep of :mod:`chainwatch.workflows.resilience`, stockpile of
  :mod:`chainwatch.workflows.stockpile`) runs in a child process with a time limit, so a
  request cannot run away: on timeout the child is killed and the job fails. It stores the
  sweep table, the stock plan, the frontier and the SVG charts (exposure bars, survival
  curves, stockpile frontier) as a ``resilience`` result.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from chainwatch.model.errors import ChainwatchError, InputError
from chainwatch.model.network import SupplyNetwork
from chainwatch.network.draw import render
from chainwatch.network.io import TABLES, load_network
from chainwatch.network.scenario import PartyScreener
from chainwatch.text.spreadsheets import check_xlsx


class Documents(Protocol):
    """Where results are kept (:class:`chainwatch.workflows.documents.ResultDocuments`)."""

    def put_result(self, kind: str, name: str, document: dict[str, Any], actor: str) -> None: ...

    def result(self, kind: str, name: str) -> dict[str, Any] | None: ...


MAX_TABLE_ROWS = 2000  # rows of each table kept in a stored result
MAX_ZIP_MEMBERS = 200
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024


class NetworkInputError(ChainwatchError):
    """An uploaded network is invalid: where (file, row, field) and what."""

    def __init__(self, message: str, file: str | None, row: int | None, field: str | None):
        super().__init__(message)
        self.file, self.row, self.field = file, row, field

    def as_dict(self) -> dict[str, Any]:
        return {"error": str(self), "file": self.file, "row": self.row, "field": self.field}


def _image(title: str, svg: bytes) -> dict[str, str]:
    return {
        "title": title,
        "media_type": "image/svg+xml",
        "base64": base64.b64encode(svg).decode("ascii"),
    }


def _unpack(data: bytes, filename: str, directory: Path) -> Path:
    """The upload as a path load_network reads: a CSV folder (from a zip) or an XLSX file.
    Zip members are never extracted by their own names: only ``<table>.csv`` members are
    read (anywhere in the archive), size-limited, and written under fixed names."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        path = directory / "network.xlsx"
        path.write_bytes(data)
        try:
            check_xlsx(path, label=filename)  # a zip bomb is refused before openpyxl sees it
        except InputError as exc:
            raise NetworkInputError(exc.reason, filename, None, exc.field) from None
        return path
    if suffix != ".zip":
        raise NetworkInputError(
            "a network is a .zip of CSV files or an .xlsx workbook", filename, None, None
        )
    folder = directory / "network"
    folder.mkdir()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise NetworkInputError(f"not a zip archive: {exc}", filename, None, None) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise NetworkInputError(f"more than {MAX_ZIP_MEMBERS} files", filename, None, None)
        total = 0
        for info in members:
            stem = Path(info.filename.replace("\\", "/")).name.lower()
            if info.is_dir() or "__macosx" in info.filename.lower() or stem.startswith("."):
                continue
            if not stem.endswith(".csv") or stem[:-4] not in TABLES:
                continue
            target = folder / stem
            if target.exists():
                raise NetworkInputError(
                    f"table {stem} appears twice in the archive", filename, None, None
                )
            with archive.open(info) as src, target.open("wb") as out:
                while chunk := src.read(1 << 16):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        raise NetworkInputError(
                            f"unpacks to more than {MAX_UNZIPPED_BYTES} bytes", filename, None, None
                        )
                    out.write(chunk)
    return folder


def _load(data: bytes, filename: str, directory: Path, name: str) -> SupplyNetwork:
    path = _unpack(data, filename, directory)
    try:
        return load_network(path, name=name)
    except InputError as exc:
        file = exc.file.replace(str(path), filename) if exc.file else filename
        message = str(exc).replace(str(path), filename)
        raise NetworkInputError(message, file, exc.row, exc.field) from None
    except ChainwatchError as exc:
        message = str(exc).replace(str(path), filename)
        raise NetworkInputError(message, filename, None, None) from None


def network_summary(net: SupplyNetwork) -> dict[str, Any]:
    return {
        "network": net.name,
        "items": len(net.items),
        "products": len(net.products()),
        "parties": len(net.parties),
        "sources": len(net.sources),
        "bom_lines": len(net.bom),
        "ownership_links": len(net.ownership),
        "shipments": len(net.shipments),
        "assumptions": len(net.assumptions),
    }


def store_network(
    state: Documents, name: str, data: bytes, filename: str, actor: str
) -> dict[str, Any]:
    """Validate an uploaded network completely, then keep it (replacing one of that name)."""
    original = Path(filename).name[:200] or "network"
    with tempfile.TemporaryDirectory(prefix="chainwatch-network-") as directory:
        net = _load(data, original, Path(directory), name)
    summary = network_summary(net)
    document = {
        "summary": summary,
        "filename": original,
        "upload": base64.b64encode(data).decode("ascii"),
    }
    state.put_result("network", name, document, actor)
    return summary


@dataclass
class StoredNetwork:
    """A stored network unpacked into a temporary directory (deleted on exit)."""

    state: Documents
    name: str
    path: Path = field(init=False)
    network: SupplyNetwork = field(init=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False)

    def __enter__(self) -> StoredNetwork:
        found = self.state.result("network", self.name)
        if found is None:
            raise NetworkNotFound(f"no network {self.name!r}: upload it first")
        doc = found["document"]
        if not isinstance(doc.get("upload"), str) or not isinstance(doc.get("filename"), str):
            raise NetworkNotFound(f"{self.name!r} is not an uploaded network: upload it again")
        try:
            data = base64.b64decode(doc["upload"], validate=True)
        except ValueError as exc:
            raise NetworkNotFound(
                f"stored network {self.name!r} is damaged: upload it again"
            ) from exc
        self._tmp = tempfile.TemporaryDirectory(prefix="chainwatch-network-")
        self.path = _unpack(data, str(doc["filename"]), Path(self._tmp.name))
        self.network = load_network(self.path, name=self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


class NetworkNotFound(ChainwatchError):
    """No network of that name is stored."""


def _cap(tables: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, int]]:
    kept = {name: rows[:MAX_TABLE_ROWS] for name, rows in tables.items()}
    counts = {name: len(rows) for name, rows in tables.items()}
    return kept, counts


def run_exposure_result(
    state: Documents,
    name: str,
    actor: str,
    *,
    screener: PartyScreener | None,
    snapshot: str,
    designate: Sequence[str] = (),
    names: Sequence[tuple[str, tuple[str, ...]]] = (),
    lists: tuple[str, ...] = ("EL", "SDN"),
    as_of: date | None = None,
    min_score: float = 0.0,
    cut_lists: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Run the exposure analysis of a stored network and store it as the `exposure` result
    of the same name; returns the stored document without its images."""
    from chainwatch.workflows.network import run_exposure

    with StoredNetwork(state, name) as stored:
        run = run_exposure(
            stored.path,
            designate=designate,
            names=names,
            lists=lists,
            as_of=as_of,
            screener=screener,
            min_score=min_score,
            cut_lists=cut_lists,
            network=stored.network,
        )
        picture = render(
            run.network,
            run.inbound,
            fmt="svg",
            cut_lines=tuple(run.listing.cut_lines()) if run.listing else (),
        )
    tables, counts = _cap(run.report.tables)
    document: dict[str, Any] = {
        "network": name,
        "snapshot": snapshot,
        "scenario": run.scenario.name,
        "summary": {**run.report.summary, "snapshot": snapshot},
        "unmatched_names": list(run.unmatched_names),
        "tables": tables,
        "table_rows": counts,
        "images": [
            _image("Network: exposed items, designated suppliers and paths in red", picture)
        ],
    }
    state.put_result("exposure", name, document, actor)
    return {k: v for k, v in document.items() if k != "images"}


# -- resilience, in a child process ---------------------------------------------------------


@dataclass(frozen=True)
class ResilienceRequest:
    probability: float = 0.02
    scenarios: int = 50
    seed: int = 0
    frontier_points: int = 6
    top: int = 20
    budget: float | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    max_nodes: int = 2000  # items + suppliers; larger networks are refused


def _compute_resilience(path: Path, request: ResilienceRequest) -> dict[str, Any]:
    from chainwatch.resilience.network_adapter import ResilienceParams, from_network
    from chainwatch.workflows.resilience import run_sweep
    from chainwatch.workflows.stockpile import run_stockpile

    net = load_network(path)
    size = len(net.items) + len({s.supplier for s in net.sources})
    if size > request.max_nodes:
        raise ChainwatchError(
            f"network of {size} items and suppliers is larger than the limit of "
            f"{request.max_nodes} for a resilience run in the service"
        )
    params = ResilienceParams().with_overrides(request.overrides)
    problem = from_network(net, params)
    with tempfile.TemporaryDirectory(prefix="chainwatch-charts-") as directory:
        charts = Path(directory)
        sweep = run_sweep(problem, params, charts / "sweep", request.top)
        stock = run_stockpile(
            problem,
            probability=request.probability,
            scenarios=request.scenarios,
            seed=request.seed,
            budget=request.budget,
            frontier_points=request.frontier_points,
            chart_dir=charts / "stockpile",
        )
        images = [
            _image(title, (charts / sub / f"{stem}.svg").read_bytes())
            for title, sub, stem in (
                ("Survival curves of the five worst cut-offs", "sweep", "survival"),
                ("Stockpile frontier: expected loss against holding cost", "stockpile", "frontier"),
                (
                    "Risk exposure by supplier (red: time-to-survive < time-to-recover)",
                    "sweep",
                    "exposure",
                ),
            )
        ]
    sweep.pop("charts", None)
    stock.pop("charts", None)
    at_risk = [s for s in sweep["scenarios"] if s.get("tts_below_ttr")]
    summary = {
        "network": net.name,
        "suppliers": len(sweep["scenarios"]),
        "suppliers_tts_below_ttr": len(at_risk),
        "horizon_days": sweep["horizon_days"],
        "stockpile_scenarios": stock["scenarios"],
        "designation_probability": request.probability,
        "expected_loss_without_stockpile": stock["expected_loss_without_stockpile"],
        "expected_loss_with_stockpile": stock["expected_loss"],
        "stockpile_holding_cost": stock["holding_cost"],
    }
    tables, counts = _cap(
        {
            "sweep": sweep["scenarios"],
            "stockpile": stock["stock"],
            "frontier": stock["frontier"],
            "assumptions": sweep["assumptions"] + stock["assumptions"],
        }
    )
    return {
        "summary": summary,
        "tables": tables,
        "table_rows": counts,
        "images": images,
        "request": request.__dict__,
    }


def run_resilience_result(
    state: Documents,
    name: str,
    actor: str,
    request: ResilienceRequest,
    timeout_s: float,
) -> dict[str, Any]:
    """Run sweep and stockpile on a stored network in a child process killed after
    `timeout_s`; store the `resilience` result. Raises ChainwatchError on failure."""
    with StoredNetwork(state, name) as stored:
        payload = json.dumps({"path": str(stored.path), "request": request.__dict__})
        try:
            done = subprocess.run(
                [sys.executable, "-m", "chainwatch.workflows.results"],
                input=payload,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ChainwatchError(
                f"the resilience run took longer than {timeout_s:g} s and was stopped: "
                "use fewer scenarios or frontier points"
            ) from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise ChainwatchError(f"the resilience run failed: {tail[0][:500]}") from None
    if "error" in answer:
        raise ChainwatchError(str(answer["error"]))
    document: dict[str, Any] = {"network": name, **answer["result"]}
    state.put_result("resilience", name, document, actor)
    return {k: v for k, v in document.items() if k != "images"}


def _child() -> None:
    """The child process: JSON request on stdin, one JSON line on stdout."""
    raw = json.loads(sys.stdin.read())
    try:
        request = ResilienceRequest(**raw["request"])
        result = _compute_resilience(Path(raw["path"]), request)
        out: dict[str, Any] = {"result": result}
    except ChainwatchError as exc:
        out = {"error": str(exc)}
    except Exception as exc:  # a solver failure: reported, never a stack trace to the user
        out = {"error": f"the resilience run failed: {type(exc).__name__}: {exc}"[:1000]}
    sys.stdout.write("\n" + json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    _child()
