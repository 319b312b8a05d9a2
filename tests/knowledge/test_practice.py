"""Practice mode: scoring against the curated links, feedback per item, progress per user."""

from __future__ import annotations

import pytest

from knowledge import cases
from knowledge.practice import (
    PRACTICE_CHECKLIST, practice_cases, practice_text, progress, record_attempt, score_choice,
)
from tests.knowledge.conftest import make_case

LINKS = [{"checklist": PRACTICE_CHECKLIST, "item": "Q4", "why": "Tested only on the training hospital (test)."},
         {"checklist": PRACTICE_CHECKLIST, "item": "Q7", "why": "No subgroup results (test)."},
         {"checklist": "probast", "item": "4.1", "why": "Only a few outcome events (test)."}]


@pytest.fixture
def case(db):
    return cases.create_case(db, make_case(checklist_items=LINKS), user="alice").case


@pytest.mark.parametrize("chosen, score, verdicts", [
    (["Q4", "Q7"], 1.0, {"Q4": "found", "Q7": "found"}),
    (["Q4"], 0.5, {"Q4": "found", "Q7": "missed"}),
    (["Q4", "Q7", "Q1", "Q2"], 0.5, {"Q1": "extra", "Q2": "extra"}),
    ([], 0.0, {"Q4": "missed"}),
    (["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"], 0.25, {"Q8": "extra"}),
])
def test_scores_and_feedback_per_item(case, chosen, score, verdicts):
    result = score_choice(case, PRACTICE_CHECKLIST, chosen)
    assert result.score == score
    by_item = {f.item: f for f in result.feedback}
    assert len(by_item) == 8 and all(by_item[i].verdict == v for i, v in verdicts.items())
    assert "Tested only on the training hospital" in by_item["Q4"].message  # the curators' reason is shown
    assert result.expected == ("Q4", "Q7")  # only the practice checklist's links count


def test_practice_text_hides_the_lessons(case):
    shown = practice_text(case)
    assert "Lessons for clinicians" not in shown and "Limitations" not in shown
    assert shown["Summary"] == case.summary


def test_bad_choices_and_names_are_refused(case):
    with pytest.raises(ValueError, match="has no item 'Q9'"):
        score_choice(case, PRACTICE_CHECKLIST, ["Q9"])
    result = score_choice(case, PRACTICE_CHECKLIST, ["Q4"])
    with pytest.raises(ValueError, match="Type your name"):
        record_attempt(None, "  ", case, result)  # the name is checked before the database is touched


def test_a_case_without_links_cannot_be_practised(db):
    bare = cases.create_case(db, make_case("test-bare"), user="alice").case
    with pytest.raises(ValueError, match="no curated links"):
        score_choice(bare, PRACTICE_CHECKLIST, [])


def test_progress_is_kept_per_user(db, case):
    record_attempt(db, "learner-a", case, score_choice(case, PRACTICE_CHECKLIST, ["Q4"]))
    record_attempt(db, "learner-a", case, score_choice(case, PRACTICE_CHECKLIST, ["Q4", "Q7"]))
    record_attempt(db, "learner-b", case, score_choice(case, PRACTICE_CHECKLIST, []))
    mine = progress(db, "learner-a")
    assert (mine.attempts, mine.cases_tried, mine.mean_score) == (2, 1, 0.75)
    assert mine.best_by_case == {case.slug: 1.0} and mine.recent[0]["score"] == 1.0
    assert progress(db, "learner-b").mean_score == 0.0 and progress(db, "nobody").attempts == 0


def test_only_published_cases_with_links_are_offered(db, case):
    assert practice_cases(db) == []  # a draft
    cases.submit_for_review(db, case.slug, user="alice")
    cases.publish_case(db, case.slug, user="bob")
    assert [r["slug"] for r in practice_cases(db)] == [case.slug]
