"""The "what kind of study is this?" step proposes the checklists that fit."""

from __future__ import annotations

import pytest

from appraisal.checklists import available_ids
from appraisal.study_type import guess_study_kind, propose_checklists


@pytest.mark.parametrize(
    "answers,expected",
    [
        (dict(prediction_model=True, diagnostic_accuracy=False, imaging=False),
         ["probast", "probast-ai", "tripod-ai", "clinician-framework"]),
        (dict(prediction_model=False, diagnostic_accuracy=True, imaging=False), ["quadas-2", "clinician-framework"]),
        (dict(prediction_model=False, diagnostic_accuracy=True, imaging=True),
         ["quadas-2", "claim-2024", "clinician-framework"]),
        (dict(prediction_model=False, diagnostic_accuracy=False, imaging=False), ["clinician-framework"]),
    ],
)
def test_proposals_fit_the_answers_and_exist(answers, expected):
    proposals = propose_checklists(**answers)
    assert [p.checklist_id for p in proposals] == expected
    assert all(p.checklist_id in available_ids() and p.reason for p in proposals)


def test_guess_needs_two_sentences_and_keeps_the_first():
    text = ("We compared the AI grading with the reference standard of two graders. Retinal images were taken. "
            "Sensitivity and specificity against the gold standard are given. Fundus images were graded.\n"
            "References\nA prediction model for mortality. Another prediction model for risk.")
    guess = guess_study_kind(text)
    assert guess.answers == {"prediction_model": False, "diagnostic_accuracy": True, "imaging": True}
    assert guess.evidence["diagnostic_accuracy"].startswith("We compared the AI grading")
    with pytest.raises(ValueError):
        guess_study_kind(None)
