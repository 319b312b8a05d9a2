"""The case model: what a valid case is, and error messages that name the field."""

from __future__ import annotations

import pytest

from knowledge.models import CaseValidationError, parse_case
from tests.knowledge.conftest import make_case


def test_valid_case_parses_and_round_trips():
    case = parse_case(make_case())
    assert parse_case(case.to_dict()) == case
    assert list(case.to_dict())[:4] == ["slug", "title", "category", "year_start"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year_start": "nineteen"}, "year_start"),
        ({"category": "astrology"}, "category"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"tags": ["Not OK"]}, "tags"),
        ({"year_end": 1990}, "year_end"),
        ({"sources": []}, "sources"),
        ({"sources": [{"citation": "A citation with nothing to follow"}]}, "sources"),
        ({"sources": [{"citation": "Someone 2020", "doi": "https://doi.org/10.1/x"}]}, "sources[0].doi"),
        ({"sources": [{"citation": "Someone 2020", "url": "https://e.org/x", "pmid": "12a"}]}, "sources[0].pmid"),
        ({"status": "published", "reviewer": None}, "reviewer"),
        ({"status": "published", "reviewer": "alice"}, "reviewer"),
        ({"yaer_start": 2000}, "yaer_start"),
        ({"title": None}, "title"),
    ],
)
def test_bad_field_is_named(change, field):
    with pytest.raises(CaseValidationError) as info:
        parse_case(make_case(**change))
    assert f"field '{field}'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_required_field_is_named():
    data = make_case()
    del data["summary"]
    with pytest.raises(CaseValidationError, match="field 'summary': is required"):
        parse_case(data)


def test_tags_are_deduplicated_and_unquoted_pmid_accepted():
    source = {"citation": "Someone 2020", "pmid": 9435330, "url": "https://example.org/a"}
    case = parse_case(make_case(tags=["emg", "emg", "nerve"], sources=[source]))
    assert case.tags == ["emg", "nerve"]
    assert case.sources[0].pmid == "9435330"


def test_not_a_mapping():
    with pytest.raises(CaseValidationError, match="expected a mapping"):
        parse_case(["not", "a", "case"])


def test_missing_for_publication_lists_empty_body_fields():
    case = parse_case(make_case(method="", lessons="  "))
    assert case.missing_for_publication() == ["method", "lessons"]


def test_control_characters_and_line_breaks_are_normalised():
    case = parse_case(make_case(title="TEST\x00: a\x85title", summary="line one\r\nline two\u2028three\ud800"))
    assert case.title == "TEST: a\ntitle"
    assert case.summary == "line one\nline two\nthree"
