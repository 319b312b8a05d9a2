"""The main interaction of each job, done in a real browser the way a user would."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_pages_in_browser import assert_healthy, wait_idle

pytestmark = pytest.mark.e2e


def open_page(page, app_url, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_idle(page)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    wait_idle(page)


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_check_a_2x2_table(page, app_url):
    open_page(page, app_url, "check_numbers")
    click(page, "Recompute")
    # The metrics table is drawn on a canvas: check it exists, then read the plain-words summary.
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    text = main_text(page)
    assert "What a result means at your prevalence" in text and "PPV" in text
    assert_healthy(page)
    screenshot(page, "check_numbers_result")


def test_appraise_the_sample_paper(page, app_url):
    open_page(page, app_url, "appraise_paper")
    click(page, "Load the sample paper")
    text = main_text(page)
    assert "Suggestion" in text or "suggestion" in text
    assert_healthy(page)
    screenshot(page, "appraise_paper_sample")
