"""The API over real HTTP against a running server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.service.conftest import Server
from tests.service.data import BASE, DAHUA, changed, write_entries

from chainwatch.model.lists import Address

DAHUA_ADDRESS = Address("No. 1199 Bin'an Road, Binjiang District, Hangzhou", "", "CN")

ROLES = ("viewer", "analyst", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}

# (method, path, json body, least role allowed). Bodies are valid, so an allowed role never
# gets 401/403; paths with ids that do not exist give 404, which is still "let in".
BOUNDARIES: list[tuple[str, str, Any, str]] = [
    ("GET", "/api/v1/me", None, "viewer"),
    ("POST", "/api/v1/screen", {"name": "Hikvision"}, "viewer"),
    ("GET", "/api/v1/lists/status", None, "viewer"),
    ("GET", "/api/v1/lists/snapshots", None, "viewer"),
    ("GET", "/api/v1/lists/diff?old=1&new=active", None, "viewer"),
    ("GET", "/api/v1/cases", None, "viewer"),
    ("GET", "/api/v1/cases/999999", None, "viewer"),
    ("GET", "/api/v1/counterparties", None, "viewer"),
    ("GET", "/api/v1/jobs/abc123", None, "viewer"),
    ("GET", "/api/v1/alerts", None, "viewer"),
    ("GET", "/api/v1/notifications", None, "viewer"),
    ("GET", "/api/v1/results/exposure", None, "viewer"),
    ("GET", "/api/v1/results/resilience/none", None, "viewer"),
    ("POST", "/api/v1/counterparties", {"name": "Acme Widgets GmbH"}, "analyst"),
    (
        "POST",
        "/api/v1/cases/999999/decision",
        {"status": "escalated", "reason": "x", "version": 1},
        "analyst",
    ),
    ("GET", "/api/v1/audit", None, "analyst"),
    ("GET", "/api/v1/audit/verify", None, "admin"),
    ("GET", "/api/v1/users", None, "admin"),
    ("PATCH", "/api/v1/users/nobody", {"disabled": True}, "admin"),
    ("DELETE", "/api/v1/users/nobody", None, "admin"),
    ("GET", "/api/v1/keys", None, "admin"),
    ("DELETE", "/api/v1/keys/000000000000", None, "admin"),
    ("POST", "/api/v1/alerts/999999/ack", None, "admin"),
    ("POST", "/api/v1/lists/refresh", None, "admin"),
    ("PUT", "/api/v1/results/exposure/boundary", {"document": {"summary": {}}}, "admin"),
    ("GET", "/api/v1/networks", None, "viewer"),
    ("GET", "/api/v1/networks/none", None, "viewer"),
    ("POST", "/api/v1/networks/none/exposure", {"screen": False}, "analyst"),
    ("POST", "/api/v1/networks/none/resilience", {"scenarios": 5}, "analyst"),
]


def test_health_needs_no_credentials(server: Server) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_every_api_route_refuses_without_credentials(server: Server) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    checked = 0
    with httpx.Client(base_url=server.url) as anonymous:
        for path, methods in spec["paths"].items():
            if path == "/health":
                continue
            concrete = (
                path.replace("{case_id}", "1")
                .replace("{alert_id}", "1")
                .replace("{job_id}", "ab")
                .replace("{kind}", "exposure")
                .replace("{name}", "x")
                .replace("{username}", "x")
                .replace("{key_id}", "x")
            )
            for method in methods:
                response = anonymous.request(method.upper(), concrete)
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"]
                checked += 1
        wrong = anonymous.get("/api/v1/me", headers={"Authorization": "Bearer cw_nope_nope"})
        assert wrong.status_code == 401
        basic = anonymous.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
        assert basic.status_code == 401
    assert checked >= 25


@pytest.mark.parametrize("role", ROLES)
def test_role_boundaries(server: Server, role: str) -> None:
    with server.client(role) as client:
        for method, path, body, least in BOUNDARIES:
            response = client.request(method, path, json=body)
            if RANK[role] >= RANK[least]:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert least in response.json()["error"]


def test_role_boundary_for_uploads(server: Server, tmp_path: Any) -> None:
    csv = b"name,country\nAcme Widgets GmbH,DE\n"
    for role in ROLES:
        with server.client(role) as client:
            batch = client.post("/api/v1/batches", files={"file": ("parties.csv", csv)})
            assert (batch.status_code == 403) == (role == "viewer"), (role, batch.text)
            path = write_entries(tmp_path / f"entries-{role}.json", list(BASE))
            load = client.post(
                "/api/v1/lists/load",
                files={"file": (path.name, path.read_bytes())},
                data={"format": "entries-json"},
            )
            assert (load.status_code == 403) == (role != "admin"), (role, load.text)


def test_screen_explains_hits_and_states_freshness(server: Server) -> None:
    with server.client("viewer") as client:
        response = client.post("/api/v1/screen", json={"name": "Hikvision", "country": "CN"})
    assert response.status_code == 200
    body = response.json()
    assert body["stale"] is False and body["warning"] == ""
    top = body["hits"][0]
    assert top["entry_id"] == "EL:hikvision"
    assert top["listed_name"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert top["score"] >= 0.9
    assert "name" in top["explanation"] or "alias" in top["explanation"]
    assert top["snapshot"] == body["snapshot"]


def test_batch_upload_progress_and_cases(server: Server) -> None:
    rows = ["name,country"] + [f"Harmless Trading Company {i},DE" for i in range(40)]
    rows.insert(5, "Zhejiang Dahua Technology Company Limited,CN")
    with server.client("analyst") as client:
        started = client.post(
            "/api/v1/batches", files={"file": ("parties.csv", "\n".join(rows).encode())}
        )
        assert started.status_code == 202, started.text
        status_url = started.json()["status_url"]
        deadline = time.monotonic() + 60
        while True:
            job = client.get(status_url).json()
            assert 0 <= job["done"] <= job["total"] == 41
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        assert job["progress"] == 1.0
        hits = job["result"]["hits"]
        assert [h["entry_id"] for h in hits] == ["EL:dahua"]
        assert hits[0]["row"] == "6"  # header is row 1
        opened = job["result"]["cases_opened"]
        case = client.get(f"/api/v1/cases/{opened[0]}").json()
        assert case["status"] == "open" and case["entry_id"] == "EL:dahua"
        assert case["history"][0]["action"] == "opened"


def test_decisions_false_positive_suppression_and_reopen(server: Server, tmp_path: Any) -> None:
    analyst = server.client("analyst")
    admin = server.client("admin")
    added = analyst.post(
        "/api/v1/counterparties", json={"name": "Dahua Technology", "country": "CN"}
    )
    assert added.status_code == 201, added.text
    party = added.json()["counterparty_id"]
    [case_id] = [
        c["id"]
        for c in analyst.get("/api/v1/cases", params={"limit": 1000}).json()["cases"]
        if c["counterparty_id"] == party
    ]
    bad = analyst.post(
        f"/api/v1/cases/{case_id}/decision", json={"status": "closed", "reason": "x"}
    )
    assert bad.status_code == 422 and "status" in bad.json()["error"]
    decided = analyst.post(
        f"/api/v1/cases/{case_id}/decision",
        json={
            "status": "false_positive",
            "reason": "Our Dahua is a bakery in Ohio",
            "version": analyst.get(f"/api/v1/cases/{case_id}").json()["version"],
        },
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "false_positive"
    assert decided.json()["reviewer"] == "key:analyst-key"

    # the same list again: nothing is raised for the decided pair
    same = write_entries(tmp_path / "same.json", list(BASE))
    report = admin.post(
        "/api/v1/lists/load",
        files={"file": (same.name, same.read_bytes())},
        data={"format": "entries-json"},
    )
    assert report.status_code == 200, report.text
    assert analyst.get(f"/api/v1/cases/{case_id}").json()["status"] == "false_positive"

    # the entry changes (a new address): the false positive reopens, showing what changed
    moved = changed(DAHUA, addresses=(*DAHUA.addresses, DAHUA_ADDRESS))
    new_list = [moved if e.entry_id == DAHUA.entry_id else e for e in BASE]
    path = write_entries(tmp_path / "changed.json", new_list)
    report = admin.post(
        "/api/v1/lists/load",
        files={"file": (path.name, path.read_bytes())},
        data={"format": "entries-json"},
    )
    assert report.status_code == 200, report.text
    assert report.json()["changed"] == 1
    assert case_id in report.json()["new_cases"]
    case = analyst.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "open"
    assert "addresses" in case["changes"]
    assert [e["action"] for e in case["history"]][-2:] == ["decided", "reopened"]

    audit = analyst.get("/api/v1/audit", params={"limit": 1000}).json()
    actions = [(r["action"], r["target"]) for r in audit]
    assert ("case.decided", f"case:{case_id}") in actions
    assert ("case.reopened", f"case:{case_id}") in actions
    assert any(a == "lists.loaded" for a, _ in actions)
    verify = admin.get("/api/v1/audit/verify").json()
    assert verify["ok"] is True and verify["records"] == len(audit)
    # restore the base lists for the other tests
    base = write_entries(tmp_path / "base.json", list(BASE))
    admin.post(
        "/api/v1/lists/load",
        files={"file": (base.name, base.read_bytes())},
        data={"format": "entries-json"},
    )
    analyst.close()
    admin.close()


def test_users_and_keys_lifecycle(server: Server) -> None:
    with server.client("admin") as admin:
        created = admin.post(
            "/api/v1/users",
            json={"username": "dana", "password": "pw-long-enough", "role": "viewer"},
        )
        assert created.status_code == 201, created.text
        again = admin.post(
            "/api/v1/users",
            json={"username": "dana", "password": "pw-long-enough", "role": "viewer"},
        )
        assert again.status_code == 400 and "already exists" in again.json()["error"]
        short = admin.post(
            "/api/v1/users", json={"username": "eve", "password": "short", "role": "viewer"}
        )
        assert short.status_code == 422
        promoted = admin.patch("/api/v1/users/dana", json={"role": "analyst"})
        assert promoted.json()["role"] == "analyst"
        key = admin.post("/api/v1/keys", json={"name": "erp-integration", "role": "viewer"}).json()
        assert key["key"].startswith("cw_") and key["role"] == "viewer"
        listed = admin.get("/api/v1/keys").json()
        assert all("key" not in k and "key_hash" not in k for k in listed)
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key['key']}"}
        ) as integration:
            assert integration.get("/api/v1/me").json()["role"] == "viewer"
            assert admin.delete(f"/api/v1/keys/{key['key_id']}").status_code == 200
            time.sleep(5.2)  # the per-worker key cache holds a key for 5 s
            assert integration.get("/api/v1/me").status_code == 401
        assert admin.delete("/api/v1/users/dana").status_code == 200
        actions = [r["action"] for r in admin.get("/api/v1/audit", params={"limit": 1000}).json()]
        for action in (
            "user.created",
            "user.updated",
            "key.created",
            "key.revoked",
            "user.deleted",
        ):
            assert action in actions


def test_results_documents(server: Server) -> None:
    with server.client("admin") as admin:
        empty = admin.get("/api/v1/results/exposure/site-a")
        assert empty.status_code == 404
        document = {"summary": {"products_cut_off": 3}, "images": []}
        stored = admin.put("/api/v1/results/exposure/site-a", json={"document": document})
        assert stored.status_code == 200, stored.text
        got = admin.get("/api/v1/results/exposure/site-a").json()
        assert got["document"] == document
        assert next(r["name"] for r in admin.get("/api/v1/results/exposure").json()) == "site-a"
        assert admin.get("/api/v1/results/bogus").status_code == 422


def test_session_login_and_csrf(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as browser:
        assert browser.get("/").status_code == 303  # to the login page
        page = browser.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        no_csrf = browser.post("/login", data={"username": "analyst", "password": "x" * 9})
        assert no_csrf.status_code == 403
        wrong = browser.post(
            "/login",
            data={"username": "analyst", "password": "wrong-password", "csrf_token": token},
        )
        assert "wrong username or password" in wrong.text
        ok = browser.post(
            "/login",
            data={"username": "analyst", "password": "correct horse battery", "csrf_token": token},
        )
        assert ok.status_code == 303
        assert browser.get("/api/v1/me").json() == {
            "name": "analyst",
            "role": "analyst",
            "via": "session",
        }
        # a state change through the session without the token is refused
        refused = browser.post("/api/v1/counterparties", json={"name": "Acme"})
        assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
        page = browser.get("/").text
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        allowed = browser.post(
            "/api/v1/counterparties", json={"name": "Acme"}, headers={"X-CSRF-Token": token}
        )
        assert allowed.status_code == 201
        assert browser.get("/audit").status_code == 200
        assert "Hikvision" in browser.get("/", params={"q": "Hikvision"}).text


def test_stale_snapshot_is_said_everywhere(server: Server, tmp_path: Any) -> None:
    from tests.service.conftest import start_server, stop_server

    stale = start_server(server.db_url, tmp_path, {"max_snapshot_age_hours": 0.0})
    stale.keys = server.keys
    try:
        with stale.client("viewer") as client:
            body = client.post("/api/v1/screen", json={"name": "Huawei"}).json()
            assert body["stale"] is True and "STALE LISTS" in body["warning"]
            assert client.get("/api/v1/lists/status").json()["freshness"]["stale"] is True
        with httpx.Client(base_url=stale.url) as browser:
            token = browser.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
            browser.post(
                "/login",
                data={
                    "username": "viewer",
                    "password": "correct horse battery",
                    "csrf_token": token,
                },
            )
            page = browser.get("/", params={"q": "Huawei"}).text
            assert 'id="stale-warning"' in page and "STALE LISTS" in page
    finally:
        stop_server(stale)


def test_openapi_document(server: Server) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    for path in (
        "/api/v1/screen",
        "/api/v1/batches",
        "/api/v1/cases/{case_id}/decision",
        "/api/v1/lists/diff",
        "/api/v1/audit",
        "/api/v1/results/{kind}/{name}",
    ):
        assert path in spec["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 200
