"""Forgiving search: "did you mean" from the index's own vocabulary, without disturbing exact matches."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.db import open_db
from knowledge.search import find_cases, search_cases, suggest_query
from knowledge.seed import load_seed


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("kb") / "kb.db")
    load_seed(db)
    yield db
    db.close()


def test_a_typo_finds_the_pneumonia_cases_with_a_suggestion(library):
    outcome = find_cases(library, "pneumnia")
    assert outcome.suggestion == "pneumonia" and outcome.unknown == ("pneumnia",)
    assert [h.slug for h in outcome.hits] == [h.slug for h in search_cases(library, "pneumonia")]
    assert "zech-pneumonia-xray-hospital-confounding" in [h.slug for h in outcome.hits]
    assert outcome.to_dict()["did_you_mean"] == "pneumonia"


def test_exact_matches_rank_first_and_are_never_corrected(library):
    outcome = find_cases(library, "mycin")
    assert outcome.suggestion is None and outcome.hits[0].slug == "mycin-blinded-evaluation"
    assert suggest_query(library, "pneumonia sepsis") == (None, ())


@pytest.mark.parametrize("typed, meant", [("mycn", "mycin"), ("retinopaty", "retinopathy"),
                                          ("calibraton", "calibration"), ("neurogenc", "neurogenic")])
def test_suggestions_come_from_words_in_the_cases(library, typed, meant):
    assert suggest_query(library, typed)[0] == meant
    assert find_cases(library, typed).hits


def test_only_unknown_words_are_replaced(library):
    suggestion, unknown = suggest_query(library, "sepsis validaton")
    assert suggestion == "sepsis validation" and unknown == ("validaton",)


@pytest.mark.parametrize("query", ["qqqqzzzz", "xq", "12345", ""])
def test_nothing_close_gives_no_suggestion(library, query):
    outcome = find_cases(library, query)
    assert outcome.suggestion is None
    assert outcome.hits == [] or query == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_arbitrary_text_never_raises(library, query):
    assert isinstance(find_cases(library, query).hits, list)
