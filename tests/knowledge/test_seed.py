"""The curated library: every seed file is valid, the minimums per category hold, loading is idempotent."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import yaml

from knowledge import cases
from knowledge.models import CaseValidationError
from knowledge.search import search_cases
from knowledge.seed import SEED_DIR, load_seed, read_case_file, read_seed_folder

SEED_FILES = sorted(SEED_DIR.glob("*.yaml"))
MINIMUMS = {"expert-systems": 6, "covid-diagnosis": 6, "covid-prognosis": 5, "drug-discovery": 5,
            "disease-stratification": 5, "deployment-lessons": 8, "biosignals": 3}


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.stem for p in SEED_FILES])
def test_seed_file_is_valid_and_published(path):
    case = read_case_file(path)
    assert case.slug == path.stem
    assert case.status == "published" and case.reviewer != case.author
    assert case.missing_for_publication() == []
    assert any(s.doi or s.url for s in case.sources)


def test_library_meets_the_minimums_per_category():
    counts = Counter(read_case_file(p).category for p in SEED_FILES)
    short = {c: f"{counts.get(c, 0)}/{n}" for c, n in MINIMUMS.items() if counts.get(c, 0) < n}
    assert sum(counts.values()) >= 40 and not short, f"{sum(counts.values())} cases; short: {short}"


def test_seed_slugs_and_primary_dois_are_unique():
    seen = [read_case_file(p) for p in SEED_FILES]
    assert len({c.slug for c in seen}) == len(seen)
    primary = [c.sources[0].doi.lower() for c in seen if c.sources[0].doi]
    assert len(set(primary)) == len(primary)  # else an export would not re-import as the same library


def test_seed_library_round_trips_through_export_and_import(db, tmp_path):
    from knowledge.db import open_db
    from knowledge.transfer import export_cases, export_to_file, import_from_file
    from knowledge.users import ensure_system_users

    load_seed(db)
    export_to_file(db, tmp_path / "library.yaml")
    other = open_db(tmp_path / "other.db")
    ensure_system_users(other)
    report = import_from_file(other, tmp_path / "library.yaml", user="medlens-seed", trusted=True)
    assert report.duplicates == [] and len(report.created) == len(SEED_FILES)
    assert export_cases(other) == export_cases(db)


@pytest.fixture
def seed_copy(tmp_path):
    folder = tmp_path / "seed"
    folder.mkdir()
    for path in SEED_FILES[:3]:
        shutil.copy(path, folder / path.name)
    return folder


def test_load_is_idempotent(db, seed_copy):
    first = load_seed(db, seed_copy)
    assert len(first.created) == 3 and first.updated == []
    second = load_seed(db, seed_copy)
    assert second.created == [] and second.updated == [] and len(second.unchanged) == 3
    assert db["cases"].count == 3 and db["case_revisions"].count == 3
    assert {u["name"] for u in db["users"].rows} >= {"medlens-team", "medlens-review", "medlens-seed"}


def test_changed_file_updates_as_new_revision(db, seed_copy):
    load_seed(db, seed_copy)
    path = sorted(seed_copy.glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text())
    data["limitations"] = data["limitations"].strip() + " TEST: an added sentence."
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    report = load_seed(db, seed_copy)
    assert report.updated == [path.stem]
    history = cases.case_history(db, path.stem)
    assert [(r.version, r.user, r.changed_fields) for r in history][0] == (2, "medlens-seed", ["limitations"])
    assert load_seed(db, seed_copy).updated == []


def test_deleted_seed_case_stays_deleted(db, seed_copy):
    load_seed(db, seed_copy)
    slug = sorted(seed_copy.glob("*.yaml"))[0].stem
    cases.delete_case(db, slug, user="bob")
    report = load_seed(db, seed_copy)
    assert cases.get_case(db, slug).deleted_at
    assert slug in report.unchanged


def test_bad_seed_file_names_file_and_field_and_loads_nothing(db, seed_copy):
    bad = seed_copy / "test-bad-case.yaml"
    data = yaml.safe_load(SEED_FILES[0].read_text())
    data.update(slug="test-bad-case", year_start="around 1980")
    bad.write_text(yaml.safe_dump(data))
    (seed_copy / "test-wrong-name.yaml").write_text(yaml.safe_dump({**data, "year_start": 1980}))
    with pytest.raises(CaseValidationError) as info:
        load_seed(db, seed_copy)
    message = str(info.value)
    assert "test-bad-case.yaml" in message and "field 'year_start'" in message
    assert "test-wrong-name.yaml" in message and "must equal the file name" in message
    assert db["cases"].count == 0


def test_unreadable_yaml(tmp_path):
    (tmp_path / "x.yaml").write_text("title: [unclosed")
    with pytest.raises(CaseValidationError, match="x.yaml is not readable YAML"):
        read_seed_folder(tmp_path)


def test_full_seed_library_loads_and_is_searchable(db):
    report = load_seed(db)
    assert len(report.created) == len(SEED_FILES)
    assert search_cases(db, "", limit=500).__len__() == len(SEED_FILES)
