"""The Curate page: login, create, conflict on concurrent edits, review and publish, history, delete."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from knowledge import cases
from knowledge.db import open_db
from knowledge.users import add_user, ensure_system_users
from tests.conftest import REPO_ROOT
from tests.knowledge.conftest import make_case

PAGE = str(REPO_ROOT / "app" / "views" / "curate.py")
SLUG = "test-emg-carpal-tunnel"


@pytest.fixture
def db():
    database = open_db()
    ensure_system_users(database)
    add_user(database, "alice", "curator", "alice-password")
    add_user(database, "bob", "reviewer", "bob-password1")
    cases.create_case(database, make_case(), user="alice")  # a non-empty library: the page will not auto-seed
    yield database
    database.close()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def login(name: str, password: str) -> AppTest:
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    at.text_input(key="login_user").set_value(name)
    at.text_input(key="login_password").set_value(password)
    return _ok(at.button(key="login_button").click().run())


def open_case(at: AppTest, slug: str = SLUG) -> AppTest:
    return _ok(at.selectbox(key="curate_pick").set_value(slug).run())


def test_wrong_password_is_refused(db):
    at = login("alice", "not-her-password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert at.text_input(key="login_user")


def test_create_a_draft(db):
    at = login("alice", "alice-password")
    at.text_input(key="new_slug").set_value("test-new-draft")
    at.text_input(key="new_title").set_value("TEST: a new draft")
    at.text_area(key="new_summary").set_value("TEST summary.")
    at.text_area(key="new_sources").set_value("Invented test source 2024 | 10.9999/test-new | https://example.org/t")
    at.text_input(key="new_tags").set_value("test, emg")
    _ok(at.button(key="create_button").click().run())
    record = cases.get_case(db, "test-new-draft")
    assert (record.case.author, record.case.status, record.case.tags) == ("alice", "draft", ["test", "emg"])
    assert record.case.sources[0].doi == "10.9999/test-new"
    assert at.selectbox(key="curate_pick").value == "test-new-draft"
    assert any("created" in s.value for s in at.success)


def test_invalid_draft_names_the_field(db):
    at = login("alice", "alice-password")
    at.text_input(key="new_slug").set_value("Bad Slug!")
    at.text_input(key="new_title").set_value("TEST")
    at.text_area(key="new_summary").set_value("x")
    _ok(at.button(key="create_button").click().run())
    message = at.error[0].value
    assert message.startswith("Not saved. Please fix:")
    assert "**Short name \\(slug\\)**: use lowercase letters" in message  # one line per field, in plain words
    assert "**Sources**: needs at least one line" in message
    assert "Input should" not in message  # never pydantic's own wording


def test_concurrent_edit_shows_conflict_and_overwrites_nothing(db):
    at = open_case(login("alice", "alice-password"))
    at.text_input(key="edit_title").set_value("TEST: alice's title")
    # bob saves first, from the same version
    cases.update_case(db, SLUG, {"method": "TEST: bob's method"}, base_version=1, user="bob")
    _ok(at.button(key="save_button").click().run())
    errors = [e.value for e in at.error]
    assert errors and "Someone else saved" in errors[0] and "method" in errors[0]
    saved = cases.get_case(db, SLUG)
    assert (saved.version, saved.case.method, saved.case.title) == (2, "TEST: bob's method", make_case()["title"])
    assert any("alice's title" in t.value for t in at.text)  # her unsaved text is still on screen
    _ok(at.button(key="reload_button").click().run())
    at.text_input(key="edit_title").set_value("TEST: alice's title")
    _ok(at.button(key="save_button").click().run())
    saved = cases.get_case(db, SLUG)
    assert (saved.version, saved.case.title, saved.case.method) == (3, "TEST: alice's title", "TEST: bob's method")


def test_submit_then_publish_by_another_reviewer(db):
    at = open_case(login("alice", "alice-password"))
    _ok(at.button(key="submit_button").click().run())
    assert cases.get_case(db, SLUG).case.status == "in_review"
    reviewer = open_case(login("bob", "bob-password1"))
    _ok(reviewer.button(key="publish_button").click().run())
    record = cases.get_case(db, SLUG)
    assert (record.case.status, record.case.reviewer) == ("published", "bob")


def test_history_restore_and_delete(db):
    cases.update_case(db, SLUG, {"summary": "TEST: a worse summary"}, base_version=1, user="alice")
    at = open_case(login("alice", "alice-password"))
    at.selectbox(key=f"history_version_{SLUG}_2").set_value(1).run()
    _ok(at.button(key="restore_revision_button").click().run())
    record = cases.get_case(db, SLUG)
    assert record.version == 3 and record.case.summary == make_case()["summary"]
    _ok(at.button(key="delete_button").click().run())
    assert cases.get_case(db, SLUG).deleted_at
    _ok(at.button(key="restore_button").click().run())
    assert cases.get_case(db, SLUG).deleted_at is None


def test_reviewer_queue_publish_refreshes_the_status(db):
    cases.submit_for_review(db, SLUG, user="alice")
    at = login("bob", "bob-password1")
    assert any(e.label == "Awaiting your review (1)" for e in at.expander)
    _ok(at.button(key=f"review_{SLUG}").click().run())
    assert at.selectbox(key="curate_pick").value == SLUG
    assert [c.value for c in at.caption if "version" in c.value][0].startswith("In review")
    _ok(at.button(key="publish_button").click().run())
    assert any(s.value.startswith("Published") for s in at.success)
    assert [c.value for c in at.caption if "version" in c.value][0].startswith("Published · author alice · version 3")
    assert any(e.label == "Awaiting your review (0)" for e in at.expander)
    assert not [b for b in at.button if b.key == "publish_button"]


def test_authors_do_not_see_their_own_cases_in_the_review_queue(db):
    cases.submit_for_review(db, SLUG, user="alice")
    add_user(db, "alice2", "reviewer", "alice2-password")
    assert cases.review_queue(db, "alice") == [] and [r["slug"] for r in cases.review_queue(db, "alice2")] == [SLUG]


def test_checklist_items_are_edited_and_the_diff_opens_at_the_latest_version(db):
    at = open_case(login("alice", "alice-password"))
    at.text_area(key="edit_checklist_items").set_value("probast | 4.1 | Only 120 recordings (test data).")
    _ok(at.button(key="save_button").click().run())
    assert cases.get_case(db, SLUG).case.checklist_items[0].item == "4.1"
    assert at.selectbox(key=f"history_version_{SLUG}_2").value == 2
    diff = at.dataframe[-1].value
    assert list(diff["field"]) == ["Checklist items"] and "probast 4.1" in diff["after"][0]
    at.text_area(key="edit_checklist_items").set_value("probast | 9.9 | An item that does not exist (test).")
    _ok(at.button(key="save_button").click().run())
    assert "**Checklist items, line 1**: PROBAST has no item '9.9'" in at.error[0].value
    at.text_area(key="edit_checklist_items").set_value("probast 4.1 without bars")
    _ok(at.button(key="save_button").click().run())
    assert "Checklist items, line 1**: write checklist" in at.error[0].value
    assert cases.get_case(db, SLUG).version == 2  # nothing invalid was saved
