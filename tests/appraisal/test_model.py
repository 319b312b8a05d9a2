"""Appraisal data: JSON round trip, schema version, and plain errors for bad files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.checklists import load_checklist
from appraisal.model import SCHEMA_VERSION, Appraisal, AppraisalError, DomainOverride, Paper, build_appraisal

PROBAST = load_checklist("probast")


def _full(answer="Y"):
    a = Appraisal(checklist_id="probast", paper=Paper(title="Sepsis model", authors=["Smith J", "Lee K"],
                                                      year=2021, doi="https://doi.org/10.1000/xyz"))
    for item in PROBAST.items:
        a = a.with_answer(item.id, answer, evidence_quote="quote", evidence_location="Methods, page 2")
    return a


def test_round_trip_keeps_everything():
    a = _full().model_copy(update={"domain_overrides": {"analysis": DomainOverride(judgement="low", reason="EPV 40")},
                                   "external_validation": True})
    back = Appraisal.from_json(a.to_json())
    assert back == a
    assert back.schema_version == SCHEMA_VERSION
    assert back.paper.doi == "10.1000/xyz"  # the doi.org prefix is stripped once, on entry
    assert back.paper.label == "Smith et al. 2021"


def test_with_answer_does_not_change_the_original():
    a = Appraisal(checklist_id="probast")
    b = a.with_answer("1.1", "Y")
    assert a.answers == {} and b.answer_of("1.1") == "Y"


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"checklist_id": "probast"}), "no schema_version"),
        (json.dumps({"schema_version": 99, "checklist_id": "probast"}), "newer medlens"),
        (json.dumps({"schema_version": 1, "checklist_id": "nope"}), "no checklist called 'nope'"),
        (json.dumps({"schema_version": 1, "checklist_id": "probast", "answers": {"1.1": {"answer": "maybe"}}}),
         "not an allowed answer"),
        (json.dumps({"schema_version": 1, "checklist_id": "probast", "answers": {"9.9": {"answer": "Y"}}}),
         "no question '9.9'"),
        (json.dumps({"schema_version": 1, "checklist_id": "probast", "study_type": "cohort"}), "study_type"),
        (json.dumps({"schema_version": 1, "checklist_id": "probast",
                     "domain_overrides": {"analysis": {"judgement": "low", "reason": "  "}}}), "needs a reason"),
    ],
)
def test_bad_files_give_plain_errors(text, message):
    with pytest.raises(AppraisalError, match=message):
        Appraisal.from_json(text, source="upload.json")


def test_non_utf8_bytes_are_refused_plainly():
    with pytest.raises(AppraisalError, match="not a text"):
        Appraisal.from_json(b"\xff\xfe\x00garbage")


def test_summary_key_from_report_exports_is_ignored():
    data = _full().to_dict()
    data["summary"] = {"overall": "low"}
    assert Appraisal.from_dict(data) == _full().model_copy(update={"created": data["created"]})


def test_build_appraisal_from_form_values():
    a = build_appraisal(PROBAST, {"1.1": "Y", "1.2": None, "4.1": "N"}, comments={"1.2": "check flow chart"},
                        paper={"title": "T", "year": 2020}, reviewer="AB", external_validation=True)
    assert a.answer_of("1.1") == "Y" and a.answer_of("4.1") == "N"
    assert a.answers["1.2"].answer is None and a.answers["1.2"].comment == "check flow chart"
    assert "2.1" not in a.answers
    assert a.external_validation and a.paper.year == 2020
    with pytest.raises(AppraisalError, match="plausible publication year"):
        build_appraisal(PROBAST, {}, paper={"year": 20})
    with pytest.raises(AppraisalError, match="not an allowed answer"):
        build_appraisal(PROBAST, {"1.1": "yes"})


_text = st.text(max_size=40)


@settings(max_examples=25, deadline=None)
@given(
    answers=st.dictionaries(st.sampled_from([i.id for i in PROBAST.items]),
                            st.one_of(st.none(), st.sampled_from(PROBAST.answer_options)), max_size=20),
    quote=_text, comment=_text, title=_text, reviewer=_text,
)
def test_round_trip_for_any_answers_and_text(answers, quote, comment, title, reviewer):
    a = Appraisal(checklist_id="probast", paper=Paper(title=title), reviewer=reviewer)
    for item_id, answer in answers.items():
        a = a.with_answer(item_id, answer, evidence_quote=quote, comment=comment)
    assert Appraisal.from_json(a.to_json()) == a


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=80), _json_values.map(json.dumps),
                 st.fixed_dictionaries({"schema_version": st.just(1), "checklist_id": st.just("probast")},
                                       optional={"answers": _json_values, "paper": _json_values,
                                                 "study_type": _json_values}).map(json.dumps)))
def test_any_input_gives_an_appraisal_or_a_plain_error(text):
    try:
        Appraisal.from_json(text)
    except AppraisalError as exc:
        assert str(exc) and "Traceback" not in str(exc)
