"""Reviewer agreement: kappa against scikit-learn, conflicts, and consensus."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from appraisal.agreement import agreement_by_paper, cohen_kappa, compare, consensus, section_rows
from appraisal.checklists import load_checklist
from appraisal.model import Appraisal, AppraisalError

PROBAST = load_checklist("probast")
IDS = [i.id for i in PROBAST.items]


def _appraisal(answers, reviewer):
    a = Appraisal(checklist_id="probast", reviewer=reviewer)
    for item_id, answer in zip(IDS, answers):
        if answer is not None:
            a = a.with_answer(item_id, answer, evidence_quote=f"{reviewer} quote")
    return a


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("YPNI"), st.sampled_from("YPNI")), min_size=1, max_size=30))
def test_kappa_matches_scikit_learn(pairs):
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    ours = cohen_kappa(first, second)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = cohen_kappa_score(first, second)
    if ours is None:
        assert math.isnan(theirs) or len(set(first) | set(second)) == 1
    else:
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_kappa_worked_example():
    # 2x2 table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> p_o = 0.7, p_e = 0.5, kappa = 0.4
    first = ["y"] * 25 + ["n"] * 25
    second = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["Y", "Y"], ["Y", "Y"]) is None  # chance agreement is 1: undefined
    with pytest.raises(ValueError):
        cohen_kappa(["Y"], [])


def test_compare_lists_conflicts_and_agreement_per_domain():
    a = _appraisal(["Y", "Y", "Y", "N", "Y"] + ["Y"] * 15, "AB")
    b = _appraisal(["Y", "PY", "Y", "N", None] + ["Y"] * 15, "CD")
    result = compare(a, b)
    assert result.reviewers == ("AB", "CD")
    assert [(c.item_id, c.first, c.second, c.kind) for c in result.conflicts] == [
        ("1.2", "Y", "PY", "different answers"), ("2.3", "Y", None, "answered by one reviewer only")]
    assert result.overall.compared == 19 and result.overall.agreed == 18
    participants, predictors = result.by_section[0], result.by_section[1]
    assert participants.percent_agreement == 0.5
    assert predictors.compared == 2 and predictors.agreed == 2 and predictors.kappa == pytest.approx(1.0)
    expected = cohen_kappa_score([x for _, x, y in result.items if x and y], [y for _, x, y in result.items if x and y])
    assert result.overall.kappa == pytest.approx(expected)
    assert "agreed on 18 of 19 items (95%)" in result.overall.text


def test_consensus_keeps_agreements_and_resolves_with_a_third_reviewer():
    a = _appraisal(["Y", "Y", "N"], "AB")
    b = _appraisal(["Y", "N", "PN"], "CD")
    open_ = consensus(a, b)
    assert open_.appraisal.answer_of("1.1") == "Y"
    assert open_.unresolved == ("1.2", "2.1") and open_.resolved == ()
    assert open_.appraisal.answer_of("1.2") is None
    assert open_.appraisal.answers["1.1"].evidence_quote == "AB quote\n---\nCD quote"
    settled = consensus(a, b, {"1.2": "PY"})
    assert settled.appraisal.answer_of("1.2") == "PY"
    assert settled.resolved == ("1.2",) and settled.unresolved == ("2.1",)
    assert settled.appraisal.reviewer == "consensus"
    # The consensus is a valid appraisal that survives a JSON round trip.
    assert Appraisal.from_json(settled.appraisal.to_json()) == settled.appraisal


def test_bad_pairs_and_third_answers_are_refused_plainly():
    a = _appraisal(["Y"], "AB")
    with pytest.raises(AppraisalError, match="different checklists"):
        compare(a, Appraisal(checklist_id="tripod-ai"))
    with pytest.raises(AppraisalError, match="not an allowed answer"):
        consensus(a, a, {"1.1": "maybe"})
    with pytest.raises(AppraisalError, match="unknown question"):
        consensus(a, a, {"9.9": "Y"})


def test_consensus_keeps_who_wrote_which_comment():
    a = Appraisal(checklist_id="probast", reviewer="AB").with_answer("4.1", "N", comment="only 40 events")
    b = Appraisal(checklist_id="probast", reviewer="CD").with_answer("4.1", "PN", comment="EPV below 10")
    b = b.with_answer("1.1", "Y", comment="cohort")
    merged = consensus(a, b).appraisal
    assert merged.answers["4.1"].comment == "AB: only 40 events\n---\nCD: EPV below 10"
    assert merged.answers["1.1"].comment == "CD: cohort"
    again = consensus(merged.model_copy(update={"reviewer": "AB"}), merged.model_copy(update={"reviewer": "CD"}))
    assert again.appraisal.answers["1.1"].comment == "CD: cohort"  # a comment-only item is kept, not re-signed
    same = consensus(a, a.model_copy(update={"reviewer": "CD"})).appraisal
    assert same.answers["4.1"].comment == "AB and CD: only 40 events"


def test_agreement_by_paper_one_row_per_paper_reviewers_labelled_no_none():
    from appraisal.model import Paper

    def rated(reviewer, title, answers):
        return _appraisal(answers, reviewer).model_copy(update={"paper": Paper(title=title)})

    rows = agreement_by_paper([rated("AB", "Paper one", ["Y", "Y", "N", "Y"]),
                               rated("CD", "Paper  ONE", ["Y", "N", "N", "Y"]),
                               rated("EF", "Paper two", ["Y"])])
    assert [r["paper"] for r in rows] == ["Paper one", "Paper two"]
    assert rows[0]["reviewers"] == "AB, CD" and rows[0]["percent agreement"] == "75%"
    assert rows[0]["conflicts"] == "1" and rows[1]["percent agreement"] == "only one reviewer"
    assert all(v is not None and v != "None" for r in rows for v in r.values())
    cells = [v for r in section_rows(compare(*[rated(x, "P", ["Y"]) for x in ("AB", "CD")])) for v in r.values()]
    assert "None" not in cells and None not in cells and "not defined" in cells
