"""End to end in real headless Chromium (Debian's package) driven by Playwright:
log in, screen, open and decide a case, see the decision in the audit log.

Screenshots go to test-artifacts/. Skipped when /usr/bin/chromium is absent locally, unless
CHAINWATCH_REQUIRE_BROWSER=1 (CI); `make install` installs Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.service.conftest import ARTIFACTS, PASSWORD, Server, seed, start_server, stop_server

CHROMIUM = os.environ.get("CHAINWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# CI sets CHAINWATCH_REQUIRE_BROWSER=1: there a missing Chromium fails instead of skipping.
REQUIRED = os.environ.get("CHAINWATCH_REQUIRE_BROWSER") == "1"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not REQUIRED and not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"
    ),
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'chainwatch.db'}"
    keys = seed(url)
    server = start_server(url, tmp)
    server.keys = keys
    yield server
    stop_server(server)


def test_login_screen_decide_audit(web: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{web.url}/")
            expect(page).to_have_url(f"{web.url}/login")
            page.fill("input[name=username]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("#login")
            expect(page.locator(".who")).to_contain_text("analyst")

            page.fill("input[name=q]", "Hangzhou Hikvision Digital Tech Co")
            page.fill("input[name=country]", "CN")
            page.click("#search")
            first = page.locator("article.hit").first
            expect(first).to_contain_text("Hangzhou Hikvision Digital Technology Co., Ltd.")
            expect(first.locator("table.explain")).to_contain_text("name")
            page.screenshot(path=str(ARTIFACTS / "browser-1-search.png"), full_page=True)

            page.click("#monitor")
            expect(page).to_have_url(f"{web.url}/cases?status=open")
            page.locator("#cases a").first.click()
            expect(page.locator("#case-status")).to_have_text("open")
            page.fill("#reason", "Same company: address and country match the listing")
            page.click("#decide-true_match")
            expect(page.locator("#case-status")).to_have_text("true_match")
            expect(page.locator("#history")).to_contain_text("decided")
            page.screenshot(path=str(ARTIFACTS / "browser-2-case.png"), full_page=True)

            page.click("text=Audit log")
            row = page.locator("#audit tr", has_text="case.decided").first
            expect(row).to_contain_text("analyst")
            expect(row).to_contain_text("true_match")
            page.screenshot(path=str(ARTIFACTS / "browser-3-audit.png"), full_page=True)

            page.click("text=Lists")
            expect(page.locator("main")).to_contain_text("Active snapshot")
            page.click("text=Exposure")
            expect(page.locator("main")).to_contain_text("No exposure result yet")
            page.click("text=Resilience")
            expect(page.locator("main")).to_contain_text("No resilience result yet")
            page.screenshot(path=str(ARTIFACTS / "browser-4-resilience.png"), full_page=True)
        finally:
            browser.close()


def test_upload_shows_progress_to_done(web: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    rows = ["name,country", "Zhejiang Dahua Technology Co Ltd,CN"]
    rows += [f"Harmless Bakery {i},US" for i in range(300)]
    upload = tmp_path / "counterparties.csv"
    upload.write_text("\n".join(rows), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{web.url}/login")
            page.fill("input[name=username]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("#login")
            page.click("text=Upload")
            page.set_input_files("input[name=file]", str(upload))
            page.click("#upload")
            expect(page.locator("#progress")).to_be_visible()
            expect(page.locator("#job-status")).to_have_text("done", timeout=60_000)
            expect(page.locator("main")).to_contain_text("Zhejiang Dahua Technology")
            assert page.locator("#progress").get_attribute("value") == "301"
            page.screenshot(path=str(ARTIFACTS / "browser-5-upload.png"), full_page=True)
        finally:
            browser.close()


def test_network_exposure_and_resilience_pages(web: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright
    from tests.service.test_networks import network_zip

    archive = tmp_path / "ipcamera.zip"
    archive.write_bytes(network_zip())
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{web.url}/login")
            page.fill("input[name=username]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("#login")
            page.click("text=Networks")
            page.fill("#network-upload input[name=name]", "ipcamera")
            page.set_input_files("#network-upload input[name=file]", str(archive))
            page.click("#network-upload button")
            expect(page.locator("#networks")).to_contain_text("ipcamera")

            page.locator("#networks .run-exposure").first.click()
            expect(page).to_have_url(f"{web.url}/exposure?name=ipcamera")
            picture = page.locator("figure.chart img").first
            expect(picture).to_be_visible()
            assert page.evaluate("(img) => img.naturalWidth", picture.element_handle()) > 100
            expect(page.locator("#table-designations + div")).to_contain_text("HUAWEI")
            expect(page.locator("#summary")).to_contain_text("designated parties")
            page.screenshot(path=str(ARTIFACTS / "browser-6-exposure.png"), full_page=True)

            page.click("text=Networks")
            page.locator("#networks .run-resilience").first.click()
            expect(page.locator("#job-status")).to_have_text("done", timeout=90_000)
            page.click("#result-link")
            expect(page.locator("main")).to_contain_text("Survival curves")
            expect(page.locator("main")).to_contain_text("Stockpile frontier")
            assert page.locator("figure.chart img").count() == 3
            page.screenshot(path=str(ARTIFACTS / "browser-7-resilience.png"), full_page=True)
        finally:
            browser.close()
