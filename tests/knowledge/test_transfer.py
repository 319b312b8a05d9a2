"""Import and export: lossless round trips, one transaction per import, duplicates reported."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge import cases, transfer
from knowledge.db import open_db
from knowledge.models import CATEGORIES, CaseValidationError, parse_case
from knowledge.users import ensure_system_users
from tests.knowledge.conftest import make_case

# Control characters and odd line breaks are normalised on the way in (tested in test_models), so a stored
# case never holds them; generate everything else, including emoji, accents and YAML-special characters.
letters = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
text = st.text(alphabet=letters, max_size=40)
# Validation strips surrounding whitespace, so generate stripped text (what a stored case holds anyway).
body = text.map(str.strip)
word = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)
slug = st.lists(word, min_size=1, max_size=4).map("-".join).filter(lambda s: len(s) >= 3)
source = st.builds(
    dict,
    citation=st.text(alphabet=letters, min_size=3, max_size=80).map(str.strip).filter(lambda s: len(s) >= 3),
    doi=st.one_of(st.none(), st.from_regex(r"10\.[0-9]{4,6}/[A-Za-z0-9.()_-]{1,20}", fullmatch=True)),
    pmid=st.one_of(st.none(), st.from_regex(r"[0-9]{1,9}", fullmatch=True)),
    url=st.just("https://example.org/test-source"),
)


@st.composite
def valid_case(draw, slug_strategy=slug):
    year = draw(st.integers(1900, 2100))
    status = draw(st.sampled_from(["draft", "in_review", "published"]))
    data = {
        "slug": draw(slug_strategy), "title": draw(st.text(alphabet=letters, min_size=3, max_size=80).map(str.strip)
                                                   .filter(lambda s: len(s) >= 3)),
        "category": draw(st.sampled_from(list(CATEGORIES))), "year_start": year,
        "year_end": draw(st.one_of(st.none(), st.integers(year, 2100))),
        "summary": draw(body.filter(bool)),
        **{f: draw(body) for f in ("clinical_question", "data", "method", "evaluation", "outcome", "lessons",
                                   "limitations")},
        "sources": draw(st.lists(source, min_size=1, max_size=3)),
        "tags": draw(st.lists(slug, max_size=4, unique=True)),
        "status": status, "author": "test-author",
        "reviewer": "test-reviewer" if status == "published" else draw(st.one_of(st.none(), st.just("someone"))),
    }
    return parse_case(data).to_dict()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(valid_case(), min_size=1, max_size=4, unique_by=lambda c: c["slug"]))
def test_round_trip_is_lossless(tmp_path_factory, fmt, items):
    # Distinct primary DOIs so nothing is (correctly) reported as a duplicate.
    for i, item in enumerate(items):
        item["sources"][0]["doi"] = f"10.9999/round-trip-{i}"
    folder = tmp_path_factory.mktemp("rt")
    source_db, target_db = open_db(folder / "a.db"), open_db(folder / "b.db")
    for database in (source_db, target_db):
        ensure_system_users(database)
    report = transfer.import_cases(source_db, items, user="medlens-seed", trusted=True)
    assert sorted(report.created) == sorted(c["slug"] for c in items)
    path = folder / f"export.{fmt}"
    transfer.export_to_file(source_db, path)
    transfer.import_from_file(target_db, path, user="medlens-seed", trusted=True)
    expected = sorted(items, key=lambda c: c["slug"])
    assert transfer.export_cases(target_db) == transfer.export_cases(source_db) == expected


def test_crash_in_the_middle_of_an_import_changes_nothing(db, monkeypatch):
    cases.create_case(db, make_case("test-existing"), user="alice")
    before = {t: db[t].count for t in ("cases", "case_revisions", "sources", "case_tags", "change_log")}
    real_insert = transfer.insert_case
    calls = {"n": 0}

    def failing_insert(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash (disk full)")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(transfer, "insert_case", failing_insert)
    items = [make_case(f"test-import-{i}") for i in range(5)]
    with pytest.raises(RuntimeError, match="simulated crash"):
        transfer.import_cases(db, items, user="carol")
    assert calls["n"] == 3
    assert {t: db[t].count for t in before} == before
    assert [r["slug"] for r in cases.list_cases(db, include_deleted=True)] == ["test-existing"]
    monkeypatch.setattr(transfer, "insert_case", real_insert)
    assert len(transfer.import_cases(db, items, user="carol").created) == 5


def test_duplicates_are_reported_not_merged(db):
    cases.create_case(db, make_case("test-existing", title="TEST: original"), user="alice")
    items = [
        make_case("test-existing", title="TEST: would overwrite"),
        make_case("test-same-doi", sources=[{"citation": "Same paper", "doi": "10.9999/test-existing"}]),
        make_case("test-new"),
        make_case("test-new", title="TEST: twice in one file"),
    ]
    report = transfer.import_cases(db, items, user="alice")
    assert report.created == ["test-new"]
    assert report.duplicates == [
        {"slug": "test-existing", "kind": "slug", "existing": "test-existing"},
        {"slug": "test-same-doi", "kind": "doi", "existing": "test-existing", "doi": "10.9999/test-existing"},
        {"slug": "test-new", "kind": "slug", "existing": "test-new"},
    ]
    assert cases.get_case(db, "test-existing").case.title == "TEST: original"
    assert "skipped test-same-doi: DOI 10.9999/test-existing is already in 'test-existing'" in report.summary()


def test_invalid_case_in_import_names_it_and_imports_nothing(db):
    items = [make_case("test-ok"), make_case("test-bad", year_start="soon")]
    with pytest.raises(CaseValidationError, match=r"Case 2 \('test-bad'\) is not valid: field 'year_start'"):
        transfer.import_cases(db, items, user="alice")
    assert db["cases"].count == 0


def test_curator_import_sends_published_cases_to_review(db):
    item = make_case("test-published", status="published", author="medlens-team", reviewer="medlens-review")
    report = transfer.import_cases(db, [item], user="alice")
    assert report.sent_to_review == ["test-published"]
    assert cases.get_case(db, "test-published").case.status == "in_review"


def test_export_selection(db):
    cases.create_case(db, make_case("test-a"), user="alice")
    cases.create_case(db, make_case("test-b", category="drug-discovery"), user="alice")
    assert [c["slug"] for c in transfer.export_cases(db, category="drug-discovery")] == ["test-b"]
    assert [c["slug"] for c in transfer.export_cases(db, slugs=["test-a"])] == ["test-a"]
    with pytest.raises(ValueError, match="test-zzz"):
        transfer.export_cases(db, slugs=["test-zzz"])


@pytest.mark.parametrize(("content", "message"), [
    ("cases: [unclosed", "not valid"),
    ("42", "holds no cases"),
    (json.dumps({"format": "something-else", "cases": []}), "not a medlens case export"),
])
def test_unreadable_import_files(db, tmp_path, content, message):
    path = tmp_path / "in.yaml"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        transfer.import_from_file(db, path, user="alice")


def test_missing_file_and_unknown_format(db, tmp_path):
    with pytest.raises(FileNotFoundError):
        transfer.import_from_file(db, tmp_path / "nope.yaml", user="alice")
    with pytest.raises(ValueError, match="name it .yaml or .json"):
        transfer.export_to_file(db, tmp_path / "out.txt")
