"""Reading a supply network from a directory of CSV files or one XLSX workbook, with validation.

The format is documented in ``docs/network-format.md``: one table per file (``items.csv``,
``bom.csv``, ``parties.csv``, ``ownership.csv``, ``sources.csv``, ``sites.csv``,
``inventory.csv``, ``shipments.csv``, optional ``assumptions.csv``) or one sheet per table with
the same names. Only ``items`` is required. Headers are case-insensitive.

Every problem is an :class:`~chainwatch.model.errors.InputError` naming the file (for a
workbook ``book.xlsx[sheet]``), the row (the header is row 1) and the field. Nothing is returned
until the whole network has been read and validated, so a caller never sees half a network.

This module only parses files; it keeps nothing and writes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainwatch.model.errors import InputError
from chainwatch.model.network import (
    ITEM_KINDS,
    Assumption,
    BomEdge,
    Device,
    Inventory,
    Item,
    Ownership,
    Party,
    Shipment,
    Site,
    Source,
    SupplyNetwork,
)
from chainwatch.network.bom import find_cycle
from chainwatch.network.covered import OuiRegistry, oui_registry_from_rows
from chainwatch.text.spreadsheets import check_xlsx

TABLES = (
    "items",
    "bom",
    "parties",
    "ownership",
    "sources",
    "sites",
    "inventory",
    "shipments",
    "assumptions",
)
SHARE_TOLERANCE = 0.005
DEFAULT_OUI_FILES = (
    "/usr/share/ieee-data/oui.csv",
    "/usr/share/ieee-data/mam.csv",
    "/usr/share/ieee-data/oui36.csv",
)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its values by lower-case header, where it came from."""

    values: dict[str, str]
    file: str
    row: int

    def error(self, message: str, field: str | None = None) -> InputError:
        return InputError(message, file=self.file, row=self.row, field=field)

    def text(self, field: str, *, required: bool = False) -> str:
        value = self.values.get(field, "").strip()
        if required and not value:
            raise self.error("required value is empty", field)
        return value

    def number(
        self, field: str, *, default: float = 0.0, required: bool = False, positive: bool = False
    ) -> float:
        raw = self.text(field, required=required)
        if not raw:
            return default
        try:
            value = float(raw.rstrip("%")) / (100.0 if raw.endswith("%") else 1.0)
        except ValueError:
            raise self.error(f"not a number: {raw!r}", field) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.error(f"not a finite number: {raw!r}", field)
        if value < 0:
            raise self.error(f"negative value {raw!r} is not allowed", field)
        if positive and value == 0:
            raise self.error("must be greater than zero", field)
        return value

    def flag(self, field: str, *, default: bool = False) -> bool:
        raw = self.text(field).lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "y", "t", "x"):
            return True
        if raw in ("0", "false", "no", "n", "f"):
            return False
        raise self.error(f"not a yes/no value: {raw!r}", field)

    def listed(self, field: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.text(field).split(";") if v.strip())


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    file: str
    rows: tuple[Row, ...]


REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "items": ("id", "name", "kind"),
    "bom": ("parent", "child", "quantity_per"),
    "parties": ("id", "name"),
    "ownership": ("owner", "owned", "share"),
    "sources": ("supplier", "item", "share_of_volume"),
    "sites": ("id", "name"),
    "inventory": ("site", "item", "quantity_on_hand"),
    "shipments": ("customer", "item", "destination_country"),
    "assumptions": ("name", "value"),
}


def _table(name: str, file: str, header: list[str], body: Iterable[list[str]]) -> Table:
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in cols]
    if missing:
        raise InputError(
            f"missing required column(s): {', '.join(missing)} (found: {', '.join(cols)})",
            file=file,
            row=1,
            field=missing[0],
        )
    rows = []
    for n, values in enumerate(body, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(cols) and any(v.strip() for v in values[len(cols) :]):
            raise InputError(
                f"{len(values)} values for {len(cols)} columns", file=file, row=n, field=None
            )
        rows.append(Row(dict(zip(cols, values, strict=False)), file, n))
    return Table(name, file, tuple(rows))


def read_csv_dir(path: str | Path) -> dict[str, Table]:
    """The tables of a directory of CSV files (UTF-8, a BOM is allowed)."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("not a directory", file=str(folder))
    tables: dict[str, Table] = {}
    for name in TABLES:
        file = folder / f"{name}.csv"
        if not file.exists():
            continue
        try:
            with file.open(newline="", encoding="utf-8-sig") as fh:
                data = list(csv.reader(fh))
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text: {exc}", file=str(file)) from None
        if not data:
            raise InputError("empty file: no header row", file=str(file), row=1)
        tables[name] = _table(name, str(file), data[0], data[1:])
    return tables


def read_xlsx(path: str | Path) -> dict[str, Table]:
    """The tables of a workbook with one sheet per table (sheet names as the CSV file names)."""
    from openpyxl import load_workbook

    file = Path(path)
    if not file.exists():
        raise InputError("file not found", file=str(file))
    check_xlsx(file)  # a zip bomb is refused before openpyxl unpacks it
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a bad file
        raise InputError(f"not a readable XLSX workbook: {exc}", file=str(file)) from None
    try:
        sheets = {s.strip().lower(): s for s in wb.sheetnames}
        tables: dict[str, Table] = {}
        for name in TABLES:
            if name not in sheets:
                continue
            label = f"{file}[{sheets[name]}]"
            data = [
                ["" if v is None else _cell(v) for v in r]
                for r in wb[sheets[name]].iter_rows(values_only=True)
            ]
            if not data:
                raise InputError("empty sheet: no header row", file=label, row=1)
            tables[name] = _table(name, label, data[0], data[1:])
        return tables
    finally:
        wb.close()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_network(path: str | Path, *, name: str = "") -> SupplyNetwork:
    """Read and validate a network from a CSV directory or an ``.xlsx`` workbook."""
    p = Path(path)
    tables = read_xlsx(p) if p.suffix.lower() in (".xlsx", ".xlsm") else read_csv_dir(p)
    return build_network(tables, name=name or p.stem)


def _unique(table: Table, key: str) -> dict[str, Row]:
    seen: dict[str, Row] = {}
    for row in table.rows:
        value = row.text(key, required=True)
        if value in seen:
            raise row.error(f"duplicate id {value!r} (first at row {seen[value].row})", key)
        seen[value] = row
    return seen


def build_network(tables: dict[str, Table], *, name: str = "") -> SupplyNetwork:
    """Validate parsed tables and build the network (see the module doc)."""
    if "items" not in tables:
        raise InputError("the items table is required (items.csv or an 'items' sheet)")
    empty = Table("", "", ())
    t = {n: tables.get(n, empty) for n in TABLES}

    item_rows = _unique(t["items"], "id")
    party_rows = _unique(t["parties"], "id")
    site_rows = _unique(t["sites"], "id")

    def known(
        row: Row, field: str, ids: dict[str, Row], what: str, *, optional: bool = False
    ) -> str:
        value = row.text(field, required=not optional)
        if value and value not in ids:
            raise row.error(f"unknown {what} id {value!r}", field)
        return value

    items = []
    for row in t["items"].rows:
        kind = row.text("kind", required=True).lower()
        if kind not in ITEM_KINDS:
            raise row.error(f"kind must be one of {', '.join(ITEM_KINDS)}, not {kind!r}", "kind")
        items.append(
            Item(
                id=row.text("id"),
                name=row.text("name", required=True),
                kind=kind,  # type: ignore[arg-type]
                demand_per_day=row.number("demand_per_day"),
                revenue_per_unit=row.number("revenue_per_unit"),
                margin_per_unit=row.number("margin_per_unit"),
                unit_cost=row.number("unit_cost"),
                holding_cost_per_unit_day=row.number("holding_cost_per_unit_day"),
                capacity_per_day=row.number("capacity_per_day"),
                lead_time_days=row.number("lead_time_days"),
                site_id=known(row, "site_id", site_rows, "site", optional=True),
                country=row.text("country").upper(),
                eccn=row.text("eccn").upper(),
                us_origin=row.flag("us_origin"),
                de_minimis_eligible=row.flag("de_minimis_eligible", default=True),
                part_number=row.text("part_number"),
                manufacturer=row.text("manufacturer"),
            )
        )

    parties = [
        Party(
            id=row.text("id"),
            name=row.text("name", required=True),
            country=row.text("country").upper(),
            identifiers=row.listed("identifiers"),
            roles=row.listed("roles"),
            aliases=row.listed("aliases"),
        )
        for row in t["parties"].rows
    ]
    sites = [
        Site(
            id=row.text("id"),
            name=row.text("name", required=True),
            country=row.text("country").upper(),
            owner=known(row, "owner", party_rows, "party", optional=True),
            capacity_per_day=row.number("capacity_per_day"),
        )
        for row in t["sites"].rows
    ]

    bom: list[BomEdge] = []
    bom_row: dict[tuple[str, str], Row] = {}
    for row in t["bom"].rows:
        parent = known(row, "parent", item_rows, "item")
        child = known(row, "child", item_rows, "item")
        if parent == child:
            raise row.error(f"item {parent!r} cannot contain itself", "child")
        if (parent, child) in bom_row:
            raise row.error(
                f"duplicate BOM line {parent} -> {child} (first at row "
                f"{bom_row[parent, child].row})",
                "child",
            )
        bom_row[parent, child] = row
        bom.append(BomEdge(parent, child, row.number("quantity_per", positive=True)))
    graph: dict[str, list[str]] = {}
    for e in bom:
        graph.setdefault(e.parent, []).append(e.child)
    cycle = find_cycle(graph)
    if cycle:
        raise bom_row[cycle[-2], cycle[-1]].error(
            "the bill of materials has a cycle: " + " -> ".join(cycle), "child"
        )

    ownership: list[Ownership] = []
    owned_total: dict[str, tuple[float, Row]] = {}
    for row in t["ownership"].rows:
        owner = known(row, "owner", party_rows, "party")
        owned = known(row, "owned", party_rows, "party")
        if owner == owned:
            raise row.error(f"party {owner!r} cannot own itself", "owned")
        share = row.number("share", required=True, positive=True)
        if share > 1.0 + 1e-9:
            raise row.error(f"share {share:g} is more than 100 %", "share")
        total = owned_total.get(owned, (0.0, row))[0] + share
        if total > 1.0 + SHARE_TOLERANCE:
            raise row.error(f"stakes in {owned!r} add up to {total:.1%}, more than 100 %", "share")
        owned_total[owned] = (total, row)
        ownership.append(Ownership(owner, owned, share))

    sources: list[Source] = []
    primary_total: dict[str, tuple[float, Row]] = {}
    for row in t["sources"].rows:
        supplier = known(row, "supplier", party_rows, "party")
        item_id = known(row, "item", item_rows, "item")
        share = row.number("share_of_volume", required=True)
        if share > 1.0 + 1e-9:
            raise row.error(f"share of volume {share:g} is more than 100 %", "share_of_volume")
        alternate = row.flag("is_alternate")
        src = Source(
            supplier=supplier,
            item=item_id,
            share_of_volume=share,
            unit_cost=row.number("unit_cost"),
            lead_time_days=row.number("lead_time_days"),
            origin_country=row.text("origin_country").upper(),
            eccn=row.text("eccn").upper(),
            us_origin=row.flag("us_origin"),
            us_controlled_content_value=row.number("us_controlled_content_value"),
            is_alternate=alternate,
            qualification_days=row.number("qualification_days"),
            us_content_value=row.number("us_content_value"),
            us_direct_product=row.flag("us_direct_product"),
        )
        if not alternate:
            prev = primary_total.get(item_id)
            primary_total[item_id] = ((prev[0] if prev else 0.0) + share, prev[1] if prev else row)
        sources.append(src)
    for item_id, (total, first) in primary_total.items():
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise InputError(
                f"primary sources of item {item_id!r} have shares of volume adding up to "
                f"{total:.1%}, not 100 % (alternates excluded)",
                file=first.file,
                row=first.row,
                field="share_of_volume",
            )

    inventory = [
        Inventory(
            known(row, "site", site_rows, "site"),
            known(row, "item", item_rows, "item"),
            row.number("quantity_on_hand", required=True),
        )
        for row in t["inventory"].rows
    ]
    shipments = [
        Shipment(
            customer=known(row, "customer", party_rows, "party"),
            item=known(row, "item", item_rows, "item"),
            destination_country=row.text("destination_country", required=True).upper(),
            quantity_per_day=row.number("quantity_per_day"),
            unit_price=row.number("unit_price"),
        )
        for row in t["shipments"].rows
    ]
    assumptions = [
        Assumption(row.text("name", required=True), row.text("value"), row.text("description"))
        for row in t["assumptions"].rows
    ]
    return SupplyNetwork(
        name=name,
        items=tuple(items),
        bom=tuple(bom),
        parties=tuple(parties),
        ownership=tuple(ownership),
        sources=tuple(sources),
        sites=tuple(sites),
        inventory=tuple(inventory),
        shipments=tuple(shipments),
        assumptions=tuple(assumptions),
    )


# -- device inventories and the IEEE registry ---------------------------------------------


def load_devices(path: str | Path) -> tuple[Device, ...]:
    """A device inventory: CSV with columns ``id, vendor, model, mac`` (``location`` optional);
    ``vendor`` or ``mac`` must be given on each row."""
    file = Path(path)
    if not file.exists():
        raise InputError("file not found", file=str(file))
    with file.open(newline="", encoding="utf-8-sig") as fh:
        data = list(csv.reader(fh))
    if not data:
        raise InputError("empty file: no header row", file=str(file), row=1)
    cols = [h.strip().lower() for h in data[0]]
    for col in ("id", "vendor", "mac"):
        if col not in cols:
            raise InputError(f"missing required column: {col}", file=str(file), row=1, field=col)
    devices = []
    for n, values in enumerate(data[1:], start=2):
        row = Row(dict(zip(cols, values, strict=False)), str(file), n)
        if not any(v.strip() for v in values):
            continue
        if not row.text("vendor") and not row.text("mac"):
            raise row.error("give a vendor or a MAC address", "vendor")
        devices.append(
            Device(
                row.text("id", required=True),
                row.text("vendor"),
                row.text("model"),
                row.text("mac"),
                row.text("location"),
            )
        )
    return tuple(devices)


def load_oui_registry(paths: Iterable[str | Path] = DEFAULT_OUI_FILES) -> OuiRegistry | None:
    """The IEEE registry from Debian's ieee-data CSVs (absent files are skipped; None if none)."""
    rows: list[list[str]] = []
    used: list[str] = []
    for p in paths:
        file = Path(p)
        if not file.exists():
            continue
        with file.open(newline="", encoding="utf-8", errors="replace") as fh:
            rows.extend(csv.reader(fh))
        used.append(str(file))
    if not used:
        return None
    return oui_registry_from_rows(rows, origin=", ".join(used))
