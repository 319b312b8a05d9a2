"""The main interaction of each job, done in a real browser the way a user would."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
    assert "Loaded" in main_text(page)
    first_item = page.locator("[data-testid='stExpander']").filter(has_text="Not answered").first
    first_item.locator("summary").click()
    page.wait_for_timeout(300)
    evidence = first_item.inner_text()
    assert "Good reporting" in evidence and "sentence" in evidence  # candidates carry their location
    assert_healthy(page)
    screenshot(page, "appraise_paper_sample")


def test_simulate_a_recording_and_see_its_quality_and_features(page, app_url):
    open_page(page, app_url, "signal_explorer")
    click(page, "Simulate")
    text = main_text(page)
    assert "Quality verdict" in text and "Features" in text
    assert "simulated" in text.lower()
    assert_healthy(page)
    screenshot(page, "signal_explorer_simulated")


def search_cases(page, app_url, query: str) -> str:
    open_page(page, app_url, "case_library")
    box = page.get_by_label("Search the cases")
    box.fill(query)
    box.press("Enter")
    wait_idle(page)
    return main_text(page)


def test_search_the_case_library(page, app_url):
    text = search_cases(page, app_url, "sepsis external validation")
    assert "best matches first" in text or "some of your words" in text
    assert "Epic Sepsis Model" in text or "sepsis" in text.lower()
    assert_healthy(page)
    screenshot(page, "case_library_search")


def test_unbalanced_query_is_safe(page, app_url):
    text = search_cases(page, app_url, 'carpal "tunnel AND -:*')
    assert "No cases match" in text or "matches first" in text or "some of your words" in text
    assert_healthy(page)


def test_predict_a_demo_recording_then_see_it_in_the_audit_log(page, app_url):
    open_page(page, app_url, "explained_prediction")
    text = main_text(page)
    assert "15 people" in text and "not a medical device" in text.lower()  # the default model's population
    page.get_by_role("tab", name="Simulated demo recording (teaching)").click()
    click(page, "Predict on the demo recording")
    text = main_text(page)
    assert "Signal quality" in text
    assert "Why (top reasons)" in text or "No prediction" in text
    assert_healthy(page)
    screenshot(page, "decision_support_prediction")
    open_page(page, app_url, "audit_log")
    assert "logged prediction" in main_text(page)
    assert_healthy(page)
    screenshot(page, "audit_log")


def test_log_in_to_curate(page, app_url, e2e_curator):
    open_page(page, app_url, "curate")
    # Streamlit sends a text input's value on Enter or blur: commit each field before logging in.
    for name, value in (("User name", e2e_curator[0]), ("Password", e2e_curator[1])):
        field = page.get_by_role("textbox", name=name)
        field.fill(value)
        field.press("Enter")
        wait_idle(page)
    click(page, "Log in")
    expect(page.get_by_text("Logged in as").first).to_be_visible(timeout=30_000)
    assert_healthy(page)
    screenshot(page, "curate_logged_in")


def test_model_report_shows_subject_grouped_validation(page, app_url):
    open_page(page, app_url, "model_report")
    text = main_text(page).lower()
    # The default model is the real one: the page names its cohort and validation on unseen subjects.
    assert "subjects it never saw" in text and "not a medical device" in text
    assert "subjects," in text and "recordings;" in text
    assert_healthy(page)
    screenshot(page, "model_report")
