"""Headline numbers count what is really in the database."""

from __future__ import annotations

from knowledge.db import open_db
from knowledge.seed import load_seed, read_seed_folder
from knowledge.stats import library_numbers


def test_numbers_of_an_empty_database(tmp_path):
    numbers = library_numbers(open_db(tmp_path / "kb.db"))
    assert numbers.published_cases == 0 and numbers.cases_by_category == {}
    assert numbers.appraisals == 0 and numbers.predictions_logged == 0


def test_numbers_after_seeding_match_the_seed_folder(tmp_path):
    db = open_db(tmp_path / "kb.db")
    load_seed(db)
    cases = read_seed_folder()
    numbers = library_numbers(db)
    assert numbers.published_cases == sum(c.status == "published" for c in cases)
    assert sum(numbers.cases_by_category.values()) == numbers.published_cases
    expert = sum(c.status == "published" and c.category == "expert-systems" for c in cases)
    assert numbers.cases_by_category["Expert systems"] == expert
