"""Build this example network from the real HackRF One bill of materials.

Source: ../shared/data/supply/bom/hackrf-one-bom.csv (HackRF One, Great Scott Gadgets,
Copyright 2012-2018 Michael Ossmann, GPL-2.0; BOM dated 2018-04-17). Every fitted line with a
named manufacturer becomes a component (manufacturer + part number, quantity per board);
DNP lines and lines without a manufacturer are left out and counted. Each manufacturer is a
supplier party with the country of its headquarters (public company information).

Run from the repository root:  python examples/networks/hackrf/make_network.py
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOM = HERE.parents[2].parent / "shared" / "data" / "supply" / "bom" / "hackrf-one-bom.csv"

# Manufacturer as written in the BOM -> (party id, legal name, headquarters country).
MAKERS = {
    "Murata": ("MURATA", "Murata Manufacturing Co., Ltd.", "JP"),
    "Stackpole": ("STACKPOLE", "Stackpole Electronics, Inc.", "US"),
    "Taiyo Yuden": ("TAIYOYUDEN", "Taiyo Yuden Co., Ltd.", "JP"),
    "Lite-On": ("LITEON", "Lite-On Technology Corporation", "TW"),
    "Sullins": ("SULLINS", "Sullins Connector Solutions", "US"),
    "Molex": ("MOLEX", "Molex, LLC", "US"),
    "Laird": ("LAIRD", "Laird Technologies", "GB"),
    "Panasonic": ("PANASONIC", "Panasonic Holdings Corporation", "JP"),
    "TE Connectivity": ("TE", "TE Connectivity Ltd.", "CH"),
    "Anaren": ("ANAREN", "Anaren, Inc.", "US"),
    "Johanson Technology": ("JOHANSON", "Johanson Technology, Inc.", "US"),
    "Maxim": ("MAXIM", "Maxim Integrated Products, Inc.", "US"),
    "Abracon": ("ABRACON", "Abracon LLC", "US"),
    "Skyworks Solutions": ("SKYWORKS", "Skyworks Solutions, Inc.", "US"),
    "Skyworks": ("SKYWORKS", "Skyworks Solutions, Inc.", "US"),
    "FCI": ("FCI", "FCI (Amphenol FCI)", "FR"),
    "Harwin": ("HARWIN", "Harwin plc", "GB"),
    "Sunlord": ("SUNLORD", "Shenzhen Sunlord Electronics Co., Ltd.", "CN"),
    "Fairchild": ("FAIRCHILD", "Fairchild Semiconductor International, Inc.", "US"),
    "Diodes Inc.": ("DIODES", "Diodes Incorporated", "US"),
    "Alpha and Omega": ("AOS", "Alpha and Omega Semiconductor Limited", "US"),
    "Rohm": ("ROHM", "ROHM Co., Ltd.", "JP"),
    "AVX": ("AVX", "AVX Corporation", "US"),
    "RFMD": ("RFMD", "RF Micro Devices, Inc. (now Qorvo)", "US"),
    "TDK": ("TDK", "TDK Corporation", "JP"),
    "Silicon Laboratories Inc": ("SILABS", "Silicon Laboratories Inc.", "US"),
    "Winbond": ("WINBOND", "Winbond Electronics Corporation", "TW"),
    "Texas Instruments": ("TI", "Texas Instruments Incorporated", "US"),
    "NXP": ("NXP", "NXP Semiconductors N.V.", "NL"),
    "Xilinx": ("XILINX", "Xilinx, Inc. (AMD)", "US"),
    "TXC": ("TXC", "TXC Corporation", "TW"),
}


def main() -> None:
    rows = list(csv.reader(BOM.open(encoding="utf-8-sig")))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Ref") + 1
    parts: dict[str, dict[str, object]] = {}
    skipped_dnp = skipped_no_maker = 0
    for r in rows[start:]:
        if len(r) < 10 or not r[0].strip():
            continue
        qty, desc, maker, note, pn = r[3], r[5].strip(), r[6].strip(), r[7].strip(), r[9].strip()
        if note == "DNP":
            skipped_dnp += 1
            continue
        if not maker or not pn:
            skipped_no_maker += 1
            continue
        pid = MAKERS[maker][0]
        item_id = re.sub(r"[^A-Za-z0-9]+", "-", f"{pid}-{pn}").strip("-")
        part = parts.setdefault(
            item_id,
            {"name": desc or pn, "pn": pn, "maker": maker, "qty": 0, "value": r[1].strip()},
        )
        part["qty"] = int(part["qty"]) + int(qty)  # type: ignore[call-overload]
    w = lambda name: csv.writer((HERE / name).open("w", newline=""), lineterminator="\n")  # noqa: E731
    items = w("items.csv")
    items.writerow(["id", "name", "kind", "demand_per_day", "revenue_per_unit",
                    "margin_per_unit", "site_id", "country", "us_origin", "part_number",
                    "manufacturer"])  # fmt: skip
    items.writerow(["HACKRF-ONE", "HackRF One software-defined radio", "product", 20, 340, 119,
                    "SITE-GSG", "US", "no", "HackRF One", "Great Scott Gadgets"])  # fmt: skip
    items.writerow(["HACKRF-PCBA", "HackRF One board assembly", "assembly", "", "", "",
                    "SITE-GSG", "", "no", "", ""])  # fmt: skip
    bom = w("bom.csv")
    bom.writerow(["parent", "child", "quantity_per"])
    bom.writerow(["HACKRF-ONE", "HACKRF-PCBA", 1])
    sources = w("sources.csv")
    sources.writerow(["supplier", "item", "share_of_volume", "origin_country", "us_origin"])
    for item_id, p in parts.items():
        pid, _, country = MAKERS[str(p["maker"])]
        items.writerow([item_id, f"{p['name']} ({p['pn']})", "component", "", "", "", "",
                        country, "yes" if country == "US" else "no", p["pn"], p["maker"]])  # fmt: skip
        bom.writerow(["HACKRF-PCBA", item_id, p["qty"]])
        sources.writerow([pid, item_id, 1.0, country, "yes" if country == "US" else "no"])
    parties = w("parties.csv")
    parties.writerow(["id", "name", "country", "roles"])
    parties.writerow(["GSG", "Great Scott Gadgets", "US", "self;site_owner"])
    for pid, name, country in sorted(set(MAKERS.values())):
        parties.writerow([pid, name, country, "supplier;manufacturer"])
    sites = w("sites.csv")
    sites.writerow(["id", "name", "country", "owner", "capacity_per_day"])
    sites.writerow(["SITE-GSG", "Board assembly (contract manufacturer)", "US", "GSG", 40])
    assumptions = w("assumptions.csv")
    assumptions.writerow(["name", "value", "description"])
    for row in (
        ("bom_source", BOM.name, f"{len(parts)} fitted parts with a named manufacturer; "
         f"{skipped_dnp} DNP lines and {skipped_no_maker} lines without a manufacturer left out"),
        ("bought_from_maker", "yes", "each part is bought from its manufacturer, sole-sourced "
         "(the BOM names no distributors or second sources)"),
        ("origin_country", "maker headquarters", "origin = the maker's headquarters country; "
         "us_origin = yes for US makers (their parts may in fact be made abroad)"),
        ("commercials", "illustrative", "demand 20/day, price 340 and margin 119 per unit "
         "are illustrative; the BOM has no prices, so no de minimis figures are given"),
    ):  # fmt: skip
        assumptions.writerow(row)
    print(f"{len(parts)} parts, {skipped_dnp} DNP, {skipped_no_maker} without maker")


if __name__ == "__main__":
    main()
