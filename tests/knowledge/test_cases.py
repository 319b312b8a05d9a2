"""Curation: drafts, optimistic locking, revisions, review and publication, soft delete."""

from __future__ import annotations

import pytest

from knowledge import cases
from knowledge.audit import change_log
from knowledge.cases import EditConflict, WorkflowError
from knowledge.models import CaseValidationError
from knowledge.users import PermissionDenied
from tests.knowledge.conftest import make_case


@pytest.fixture
def draft(db):
    return cases.create_case(db, make_case(), user="alice")


def test_create_makes_a_draft_by_the_user(db, draft):
    assert (draft.version, draft.case.status, draft.case.author, draft.case.reviewer) == (1, "draft", "alice", None)
    assert cases.get_case(db, draft.slug).case == draft.case
    assert [r.version for r in cases.case_history(db, draft.slug)] == [1]
    entry = change_log(db, table="cases")[0]
    assert (entry["user"], entry["action"], entry["row_id"]) == ("alice", "create", draft.id)


def test_duplicate_slug_is_refused(db, draft):
    with pytest.raises(cases.DuplicateCase, match="already exists"):
        cases.create_case(db, make_case(), user="alice")


def test_readers_cannot_write(db):
    with pytest.raises(PermissionDenied, match="curator or higher"):
        cases.create_case(db, make_case(), user="rita")
    with pytest.raises(PermissionDenied, match="no user"):
        cases.create_case(db, make_case(), user="nobody")


def test_edit_saves_a_revision_with_a_diff(db, draft):
    record = cases.update_case(db, draft.slug, {"method": "Logistic regression."}, base_version=1, user="bob")
    assert record.version == 2 and record.case.method == "Logistic regression."
    assert cases.revision_diff(db, draft.slug, 2) == {
        "method": {"old": "Random forest on time-domain features.", "new": "Logistic regression."}}
    history = cases.case_history(db, draft.slug)
    assert [(r.version, r.user, r.changed_fields) for r in history][0] == (2, "bob", ["method"])
    assert change_log(db, table="cases")[0]["user"] == "bob"


def test_stale_edit_conflicts_and_overwrites_nothing(db, draft):
    cases.update_case(db, draft.slug, {"title": "TEST: first editor's title"}, base_version=1, user="alice")
    with pytest.raises(EditConflict) as info:
        cases.update_case(db, draft.slug, {"title": "TEST: second editor's title"}, base_version=1, user="bob")
    conflict = info.value
    assert (conflict.base_version, conflict.current_version) == (1, 2)
    assert conflict.changes == {"title": {"old": make_case()["title"], "new": "TEST: first editor's title"}}
    assert "title" in str(conflict) and "Nothing was overwritten" in str(conflict)
    assert cases.get_case(db, draft.slug).case.title == "TEST: first editor's title"
    assert len(cases.case_history(db, draft.slug)) == 2


def test_edit_without_change_saves_no_revision(db, draft):
    record = cases.update_case(db, draft.slug, {"method": draft.case.method}, base_version=1, user="alice")
    assert record.version == 1


def test_invalid_edit_names_the_field_and_saves_nothing(db, draft):
    with pytest.raises(CaseValidationError, match="field 'year_start'"):
        cases.update_case(db, draft.slug, {"year_start": 1492}, base_version=1, user="alice")
    with pytest.raises(CaseValidationError, match="field 'status'"):
        cases.update_case(db, draft.slug, {"status": "published"}, base_version=1, user="alice")
    assert cases.get_case(db, draft.slug).version == 1


def test_review_and_publish_workflow(db, draft):
    with pytest.raises(WorkflowError, match="only cases in review"):
        cases.publish_case(db, draft.slug, user="bob")
    cases.submit_for_review(db, draft.slug, user="alice")
    with pytest.raises(PermissionDenied):
        cases.publish_case(db, draft.slug, user="alice")
    record = cases.publish_case(db, draft.slug, user="bob")
    assert (record.case.status, record.case.reviewer, record.version) == ("published", "bob", 3)
    assert [r.message for r in cases.case_history(db, draft.slug)][:2] == ["Published (reviewed by bob)",
                                                                          "Submitted for review"]


def test_author_cannot_publish_own_case_even_as_reviewer(db):
    cases.create_case(db, make_case("test-bobs-case"), user="bob")
    cases.submit_for_review(db, "test-bobs-case", user="bob")
    with pytest.raises(WorkflowError, match="someone else"):
        cases.publish_case(db, "test-bobs-case", user="bob")
    assert cases.publish_case(db, "test-bobs-case", user="carol").case.reviewer == "carol"


def test_incomplete_draft_cannot_be_submitted(db):
    cases.create_case(db, make_case("test-incomplete", lessons=""), user="alice")
    with pytest.raises(WorkflowError, match="fill in lessons"):
        cases.submit_for_review(db, "test-incomplete", user="alice")


def test_request_changes_returns_to_draft(db, draft):
    cases.submit_for_review(db, draft.slug, user="alice")
    record = cases.request_changes(db, draft.slug, user="bob", note="add the sample size")
    assert record.case.status == "draft"
    assert cases.case_history(db, draft.slug)[0].message == "Returned to draft: add the sample size"


def test_restore_revision_creates_a_new_revision(db, draft):
    cases.update_case(db, draft.slug, {"summary": "TEST: a worse summary."}, base_version=1, user="alice")
    record = cases.restore_revision(db, draft.slug, 1, user="alice", base_version=2)
    assert record.version == 3 and record.case.summary == draft.case.summary
    assert cases.case_history(db, draft.slug)[0].message == "Restored version 1"
    assert cases.get_revision(db, draft.slug, 2).summary == "TEST: a worse summary."
    with pytest.raises(ValueError, match="no version 9"):
        cases.revision_diff(db, draft.slug, 9)


def test_soft_delete_and_restore(db, draft):
    cases.delete_case(db, draft.slug, user="alice")
    assert cases.get_case(db, draft.slug).deleted_at
    assert cases.list_cases(db) == []
    with pytest.raises(WorkflowError, match="deleted"):
        cases.update_case(db, draft.slug, {"method": "x"}, base_version=1, user="alice")
    with pytest.raises(WorkflowError, match="already deleted"):
        cases.delete_case(db, draft.slug, user="alice")
    cases.restore_case(db, draft.slug, user="alice")
    assert [r["slug"] for r in cases.list_cases(db)] == [draft.slug]
    assert [e["action"] for e in change_log(db, table="cases")][:2] == ["restore", "delete"]


def test_curator_cannot_delete_someone_elses_published_case(db, draft):
    cases.submit_for_review(db, draft.slug, user="alice")
    cases.publish_case(db, draft.slug, user="bob")
    cases.create_case(db, make_case("test-other"), user="carol")
    with pytest.raises(PermissionDenied):
        cases.delete_case(db, "test-other", user="alice")
    with pytest.raises(PermissionDenied):
        cases.delete_case(db, draft.slug, user="alice")
    assert cases.delete_case(db, draft.slug, user="bob").deleted_at


def test_unknown_slug(db):
    with pytest.raises(cases.CaseNotFound, match="no case 'nope'"):
        cases.get_case(db, "nope")


def test_editing_a_published_case_sends_it_back_to_review(db, draft):
    cases.submit_for_review(db, draft.slug, user="alice")
    published = cases.publish_case(db, draft.slug, user="bob")
    edited = cases.update_case(db, draft.slug, {"lessons": "TEST: a new lesson."}, base_version=published.version,
                               user="alice")
    assert (edited.case.status, edited.case.reviewer) == ("in_review", None)
    assert set(cases.revision_diff(db, draft.slug, edited.version)) == {"lessons", "status", "reviewer"}
    assert cases.publish_case(db, draft.slug, user="bob").case.status == "published"
