"""Networks, exposure and resilience computed by the service, over real HTTP."""

from __future__ import annotations

import base64
import csv
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
from tests.service.conftest import Server

REPO = Path(__file__).resolve().parents[2]
IPCAMERA = REPO / "examples" / "networks" / "ipcamera"


def network_zip(folder: Path = IPCAMERA, replace: dict[str, str] | None = None) -> bytes:
    """The example network's CSV tables as a zip (in a subfolder, as people zip them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            text = (replace or {}).get(path.name, path.read_text(encoding="utf-8"))
            archive.writestr(f"ipcamera/{path.name}", text)
    return out.getvalue()


def network_xlsx(folder: Path = IPCAMERA) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    for path in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: httpx.Client, name: str, filename: str, data: bytes) -> httpx.Response:
    return client.post("/api/v1/networks", files={"file": (filename, data)}, data={"name": name})


def wait_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_network_upload_validates_and_names_the_problem(server: Server) -> None:
    with server.client("analyst") as analyst, server.client("viewer") as viewer:
        refused = upload(viewer, "ipcamera", "ipcamera.zip", network_zip())
        assert refused.status_code == 403
        ok = upload(analyst, "ipcamera", "ipcamera.zip", network_zip())
        assert ok.status_code == 201, ok.text
        assert ok.json()["summary"]["items"] > 5 and ok.json()["summary"]["parties"] > 5
        book = upload(analyst, "ipcamera-book", "ipcamera.xlsx", network_xlsx())
        assert book.status_code == 201, book.text
        assert book.json()["summary"] == {**ok.json()["summary"], "network": "ipcamera-book"}

        bom = (IPCAMERA / "bom.csv").read_text(encoding="utf-8").splitlines()
        bom[2] = bom[2].replace("SENSOR", "NO-SUCH-ITEM")
        bad = upload(analyst, "bad", "bad.zip", network_zip(replace={"bom.csv": "\n".join(bom)}))
        assert bad.status_code == 400
        error = bad.json()
        assert error["file"] == "bad.zip/bom.csv" and error["row"] == 3
        assert error["field"] == "child" and "NO-SUCH-ITEM" in error["error"]
        assert "/tmp" not in error["error"]  # the server's paths are never shown
        junk = upload(analyst, "junk", "junk.zip", b"PK\x03\x04 not really a zip")
        assert junk.status_code == 400 and "zip" in junk.json()["error"]
        other = upload(analyst, "junk", "network.txt", b"id,name\n")
        assert other.status_code == 400
        listed = [n["name"] for n in viewer.get("/api/v1/networks").json()]
        assert {"ipcamera", "ipcamera-book"} <= set(listed) and "bad" not in listed
        got = viewer.get("/api/v1/networks/ipcamera").json()
        assert "upload" not in got["document"]


def test_exposure_is_computed_with_the_active_lists(server: Server) -> None:
    with server.client("analyst") as analyst, server.client("viewer") as viewer:
        assert upload(analyst, "ipcamera", "ipcamera.zip", network_zip()).status_code == 201
        assert viewer.post("/api/v1/networks/ipcamera/exposure", json={}).status_code == 403
        response = analyst.post("/api/v1/networks/ipcamera/exposure", json={"screen": True})
        assert response.status_code == 200, response.text
        result = response.json()
        # Huawei is on the seeded Entity List; HiSilicon (its subsidiary) is cut off with it
        designated = {row["party_id"] for row in result["tables"]["designations"]}
        assert "HUAWEI" in designated, result["tables"]["designations"]
        assert result["summary"]["designated_parties"] >= 1
        assert result["snapshot"] and result["tables"]["screening"]
        stored = viewer.get("/api/v1/results/exposure/ipcamera").json()["document"]
        [picture] = stored["images"]
        svg = base64.b64decode(picture["base64"])
        assert picture["media_type"] == "image/svg+xml" and svg.lstrip().startswith(b"<?xml")
        # what-if by hand, without screening
        what_if = analyst.post(
            "/api/v1/networks/ipcamera/exposure", json={"screen": False, "designate": ["SONY"]}
        ).json()
        assert {r["party_id"] for r in what_if["tables"]["designations"]} == {"SONY"}
        unknown = analyst.post(
            "/api/v1/networks/ipcamera/exposure", json={"screen": False, "designate": ["NOPE"]}
        )
        assert unknown.status_code == 400 and "NOPE" in unknown.json()["error"]
        missing = analyst.post("/api/v1/networks/none/exposure", json={})
        assert missing.status_code == 404
        page = viewer.get("/exposure", params={"name": "ipcamera"})
        assert page.status_code in (200, 303)  # API key clients are not browser sessions


def test_a_network_cannot_be_stored_as_a_plain_result(server: Server) -> None:
    """Found by schemathesis: a `network` document PUT by hand made exposure fail with a 500."""
    with server.client("admin") as admin, server.client("analyst") as analyst:
        refused = admin.put("/api/v1/results/network/hand", json={"document": {"x": 1}})
        assert refused.status_code == 400 and "POST /api/v1/networks" in refused.json()["error"]
        exposure = analyst.post("/api/v1/networks/hand/exposure", json={})
        assert exposure.status_code == 404


def test_resilience_runs_bounded_in_a_job(server: Server) -> None:
    with server.client("analyst") as analyst, server.client("viewer") as viewer:
        assert upload(analyst, "ipcamera", "ipcamera.zip", network_zip()).status_code == 201
        too_many = analyst.post("/api/v1/networks/ipcamera/resilience", json={"scenarios": 5000})
        assert too_many.status_code == 422
        started = analyst.post(
            "/api/v1/networks/ipcamera/resilience",
            json={"scenarios": 20, "probability": 0.05, "frontier_points": 4},
        )
        assert started.status_code == 202, started.text
        job = wait_job(viewer, started.json()["job_id"])
        assert job["status"] == "done", job
        stored = viewer.get("/api/v1/results/resilience/ipcamera").json()["document"]
        titles = [image["title"] for image in stored["images"]]
        assert any("Survival" in t for t in titles) and any("frontier" in t for t in titles)
        assert len(stored["tables"]["sweep"]) == stored["summary"]["suppliers"] > 0
        frontier = stored["tables"]["frontier"]
        assert len(frontier) == 4
        losses = [point["expected_loss"] for point in frontier]
        assert losses == sorted(losses, reverse=True)  # more budget, less expected loss
        bad = analyst.post(
            "/api/v1/networks/ipcamera/resilience", json={"overrides": {"no_such_knob": "1"}}
        )
        failed = wait_job(viewer, bad.json()["job_id"])
        assert failed["status"] == "failed" and "no_such_knob" in failed["message"]


def test_a_resilience_run_cannot_run_away(tmp_path: Path) -> None:
    """The child process is killed at the time limit and the job fails saying so."""
    from tests.service.conftest import seed, start_server, stop_server

    db = f"sqlite:///{tmp_path / 'limits.db'}"
    keys = seed(db)
    server = start_server(db, tmp_path, {"resilience_timeout_seconds": 0.3})
    server.keys = keys
    try:
        with server.client("analyst") as analyst:
            assert upload(analyst, "ipcamera", "ipcamera.zip", network_zip()).status_code == 201
            started = analyst.post("/api/v1/networks/ipcamera/resilience", json={})
            job = wait_job(analyst, started.json()["job_id"], timeout=30)
            assert job["status"] == "failed" and "longer than 0.3 s" in job["message"]
            assert analyst.get("/api/v1/results/resilience/ipcamera").status_code == 404
    finally:
        stop_server(server)
