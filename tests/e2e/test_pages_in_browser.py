"""Every page of the real app in a real browser: it renders, shows no exception and logs no console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.navigation import PAGES
from tests.e2e.conftest import screenshot
from tests.e2e.server import IDLE_SELECTOR, url_path

pytestmark = pytest.mark.e2e

# Chromium's own noise on a machine without network access; not errors of the app.
BENIGN_CONSOLE = re.compile(r"favicon|net::ERR_|Failed to load resource|websocket|ResizeObserver", re.I)


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_timeout(300)  # let a rerun start before waiting for it to finish
    page.wait_for_selector(IDLE_SELECTOR, timeout=timeout_ms)


def assert_healthy(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Something went wrong" not in body, body[:2000]
    assert "Traceback" not in body
    errors = [e for e in page.console_errors if not BENIGN_CONSOLE.search(e)]
    assert errors == []


@pytest.mark.parametrize("spec", PAGES, ids=[p.title for p in PAGES])
def test_page_renders_in_browser(page, app_url, spec):
    target = app_url if spec.path == "views/home.py" else f"{app_url}/{url_path(spec.path)}"
    page.goto(target)
    wait_idle(page)
    heading = spec.title if spec.title != "Home" else "medlens"
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=15_000)
    assert_healthy(page)
    screenshot(page, url_path(spec.path))


def test_home_links_every_page(page, app_url):
    page.goto(app_url)
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    for spec in PAGES[1:]:
        expect(main.get_by_text(spec.title, exact=True).first).to_be_visible(timeout=15_000)
