"""Curation rules a client could otherwise bypass: imports cannot publish or name other authors, whoever
last changed a case's text cannot publish it, curated edits survive `medlens init`, images in case bodies
are never loaded, and every text field is bounded."""

from __future__ import annotations

import shutil

import pytest
import yaml
from argon2 import PasswordHasher

from app.components.case_view import body_markdown
from knowledge import cases, transfer, users
from knowledge.db import open_db
from knowledge.models import MAX_BODY_CHARS, CaseValidationError, parse_case
from knowledge.seed import SEED_DIR, load_seed
from knowledge.users import PermissionDenied, add_user, ensure_system_users
from tests.knowledge.conftest import make_case


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    database = open_db(tmp_path / "kb.db")
    ensure_system_users(database)
    add_user(database, "alice", "curator", "alice-password", by="test")
    add_user(database, "bob", "reviewer", "bob-password1", by="test")
    add_user(database, "rose", "reviewer", "rose-password", by="test")
    add_user(database, "carol", "admin", "carol-password", by="test")
    yield database
    database.close()


def test_import_ignores_status_author_and_reviewer_in_the_file(db):
    items = [make_case("test-forged-published", status="published", author="medlens-team", reviewer="rose"),
             make_case("test-forged-review", status="in_review", author="rose"),
             make_case("test-plain-draft", status="draft", author="rose")]
    report = transfer.import_cases(db, items, user="bob")  # a reviewer importing
    assert report.sent_to_review == ["test-forged-published"]
    got = {slug: cases.get_case(db, slug).case for slug in report.created}
    assert {s: (c.status, c.author, c.reviewer) for s, c in got.items()} == {
        "test-forged-published": ("in_review", "bob", None),
        "test-forged-review": ("in_review", "bob", None),
        "test-plain-draft": ("draft", "bob", None),
    }
    with pytest.raises(cases.WorkflowError):  # bob is now the author: someone else must publish
        cases.publish_case(db, "test-forged-published", user="bob")
    assert cases.publish_case(db, "test-forged-published", user="rose").case.status == "published"


def test_trusted_import_is_for_admins_only(db):
    item = make_case("test-backup", status="published", author="alice", reviewer="rose")
    with pytest.raises(PermissionDenied):
        transfer.import_cases(db, [item], user="bob", trusted=True)
    transfer.import_cases(db, [item], user="carol", trusted=True)
    case = cases.get_case(db, "test-backup").case
    assert (case.status, case.author, case.reviewer) == ("published", "alice", "rose")


def test_the_last_editor_of_the_text_cannot_publish(db):
    record = cases.create_case(db, make_case("test-edited"), user="alice")
    record = cases.submit_for_review(db, "test-edited", user="alice", base_version=record.version)
    record = cases.update_case(db, "test-edited", {"summary": "Bob's own words now."}, user="bob",
                               base_version=record.version)
    with pytest.raises(cases.WorkflowError, match="last change to the text"):
        cases.publish_case(db, "test-edited", user="bob")
    assert cases.publish_case(db, "test-edited", user="rose").case.reviewer == "rose"


def test_init_keeps_curated_edits_and_reports_the_difference(db, tmp_path):
    folder = tmp_path / "seed"
    folder.mkdir()
    source = sorted(SEED_DIR.glob("*.yaml"))[0]
    shutil.copy(source, folder / source.name)
    load_seed(db, folder)
    slug = source.stem
    current = cases.get_case(db, slug)
    cases.update_case(db, slug, {"lessons": "A curator's better lesson."}, user="alice", base_version=current.version)
    data = yaml.safe_load(source.read_text())
    data["summary"] = data["summary"] + " The seed file changed too."
    (folder / source.name).write_text(yaml.safe_dump(data, sort_keys=False))
    report = load_seed(db, folder)
    assert report.updated == []
    (skipped_slug, why), = report.skipped
    assert skipped_slug == slug and "lessons" in why and "summary" in why and "curated edits win" in why
    kept = cases.get_case(db, slug).case
    assert kept.lessons == "A curator's better lesson." and "The seed file changed too." not in kept.summary


def test_images_in_case_bodies_become_links():
    body = body_markdown("Before ![tracker](https://evil.example/p.png) and [![x](https://e.example/i.png)](https://e.example)")
    assert "![" not in body and "](https://evil.example/p.png)" in body


@pytest.mark.parametrize("field, value", [
    ("method", "x" * (MAX_BODY_CHARS + 1)),
    ("lessons", "x" * (MAX_BODY_CHARS + 1)),
    ("tags", [f"tag-{i}" for i in range(31)]),
    ("sources", [{"citation": f"Citation number {i}", "url": f"https://example.org/{i}"} for i in range(31)]),
    ("reviewer", "r" * 81),
])
def test_every_text_field_and_list_is_bounded(field, value):
    with pytest.raises(CaseValidationError, match=field):
        parse_case(make_case("test-bounded", **{field: value}))


def test_source_fields_are_bounded():
    source = {"citation": "A citation", "url": "https://example.org/" + "a" * 2000}
    with pytest.raises(CaseValidationError, match="url"):
        parse_case(make_case("test-bounded", sources=[source]))


@pytest.mark.parametrize("path, value", [
    (("answers", "1.1", "comment"), "c" * 5001),
    (("answers", "1.1", "evidence_quote"), "q" * 5001),
    (("paper", "title"), "t" * 1001),
    (("reviewer",), "r" * 301),
])
def test_appraisal_text_fields_are_bounded(path, value):
    from appraisal.model import Appraisal, AppraisalError

    from appraisal.model import SCHEMA_VERSION

    data: dict = {"schema_version": SCHEMA_VERSION, "checklist_id": "probast", "answers": {"1.1": {"answer": "Y"}}}
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    with pytest.raises(AppraisalError, match=path[-1]):
        Appraisal.from_dict(data)
