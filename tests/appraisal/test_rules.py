"""PROBAST-style judgements and reporting adherence, by the published rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.checklists import load_checklist
from appraisal.model import Appraisal, ApplicabilityJudgement, DomainOverride
from appraisal.rules import HIGH, LOW, PENDING, UNCLEAR, judge, roll_up

PROBAST = load_checklist("probast")
TRIPOD = load_checklist("tripod-ai")


def probast(answer="Y", study_type="evaluation", **changes) -> Appraisal:
    a = Appraisal(checklist_id="probast", study_type=study_type)
    for item in PROBAST.items:
        a = a.with_answer(item.id, answer)
    return a.model_copy(update=changes)


def test_all_yes_or_probably_yes_is_low_everywhere():
    a = probast("Y").with_answer("2.2", "PY")
    result = judge(a)
    assert [d.judgement for d in result.domains] == [LOW] * 4
    assert result.overall == LOW
    assert result.completeness.answered == result.completeness.total == 20


@pytest.mark.parametrize("answer", ["N", "PN"])
def test_any_no_makes_the_domain_high_with_a_plain_reason(answer):
    result = judge(probast().with_answer("4.1", answer))
    analysis = result.domains[3]
    assert analysis.judgement == HIGH and result.overall == HIGH
    label = "No" if answer == "N" else "Probably no"
    assert analysis.reason == (
        f"Domain 4 (analysis) is high risk because 4.1 (enough participants with the outcome) was answered {label}."
    )
    assert "Domain 4 (analysis)" in result.overall_reason


def test_no_information_without_a_no_is_unclear():
    result = judge(probast().with_answer("3.5", "NI"))
    assert result.domains[2].judgement == UNCLEAR
    assert result.overall == UNCLEAR
    # ... but a No in the same domain wins.
    assert judge(probast().with_answer("3.5", "NI").with_answer("3.1", "N")).domains[2].judgement == HIGH


def test_unanswered_questions_leave_the_domain_pending_unless_already_high():
    a = Appraisal(checklist_id="probast", study_type="evaluation").with_answer("1.1", "Y")
    result = judge(a)
    assert result.domains[0].judgement == PENDING
    assert "1 of 2 questions are unanswered" in result.domains[0].reason
    assert result.overall == PENDING
    assert judge(a.with_answer("4.4", "N")).overall == HIGH  # a high domain decides it already


def test_reviewer_override_is_used_and_recorded():
    a = probast().with_answer("4.1", "PN")
    a = a.model_copy(update={"domain_overrides": {
        "analysis": DomainOverride(judgement="low", reason="EPV of 40 despite the PN on 4.1")}})
    result = judge(a)
    d = result.domains[3]
    assert d.judgement == LOW and d.rule_judgement == HIGH and d.overridden
    assert "EPV of 40" in d.reason and "rule gives high" in d.reason
    assert result.overall == LOW


def test_development_without_external_validation_is_downgraded_to_high():
    result = judge(probast(study_type="development"))
    assert result.overall == HIGH and result.development_rule_applied
    assert "without external validation" in result.overall_reason
    # Not when externally validated, nor with very large data and internal validation.
    assert judge(probast(study_type="development", external_validation=True)).overall == LOW
    relaxed = judge(probast(study_type="development", very_large_data_internally_validated=True))
    assert relaxed.overall == LOW and not relaxed.development_rule_applied
    # The rule only lifts a study that is low everywhere; an unclear one stays unclear.
    assert judge(probast(study_type="development").with_answer("1.1", "NI")).overall == UNCLEAR


def test_applicability_rolls_up_over_the_first_three_domains():
    a = probast()
    assert judge(a).overall_applicability == PENDING
    judgements = {"participants": "low", "predictors": "low", "outcome": "low"}
    a = a.model_copy(update={"applicability": {k: ApplicabilityJudgement(judgement=v) for k, v in judgements.items()}})
    assert judge(a).overall_applicability == LOW
    a.applicability["predictors"] = ApplicabilityJudgement(judgement="unclear", reason="predictors measured differently")
    assert judge(a).overall_applicability == UNCLEAR
    a.applicability["outcome"] = ApplicabilityJudgement(judgement="high", reason="different outcome")
    result = judge(a)
    assert result.overall_applicability == HIGH
    assert [x.domain for x in result.applicability] == ["participants", "predictors", "outcome"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Y", "PY", "PN", "N", "NI"]), min_size=20, max_size=20))
def test_rule_matches_its_definition_for_any_answers(answers):
    a = Appraisal(checklist_id="probast", study_type="evaluation")
    for item, answer in zip(PROBAST.items, answers):
        a = a.with_answer(item.id, answer)
    result = judge(a)
    for domain in result.domains:
        given_ = [a.answer_of(i.id) for i in PROBAST.items_in(domain.domain)]
        expected = HIGH if {"N", "PN"} & set(given_) else UNCLEAR if "NI" in given_ else LOW
        assert domain.judgement == expected
    per_domain = [d.judgement for d in result.domains]
    expected_overall = HIGH if HIGH in per_domain else UNCLEAR if UNCLEAR in per_domain else LOW
    assert result.overall == expected_overall


def test_roll_up_order():
    assert roll_up([LOW, LOW]) == LOW
    assert roll_up([LOW, UNCLEAR]) == UNCLEAR
    assert roll_up([UNCLEAR, HIGH, PENDING]) == HIGH
    assert roll_up([UNCLEAR, PENDING]) == PENDING
    assert roll_up([]) == PENDING


def test_tripod_adherence_counts_reported_over_applicable_items():
    a = Appraisal(checklist_id="tripod-ai", study_type="evaluation")
    a = a.with_answer("1", "yes").with_answer("2", "partly").with_answer("3a", "no").with_answer("3c", "not-applicable")
    result = judge(a)
    applies = [i for i in TRIPOD.answerable_items if "evaluation" in i.applies_to]
    assert len(applies) == 44  # 52 minus the 8 development-only entries
    assert result.applicable == 43  # 3c answered not applicable
    assert (result.reported, result.partly, result.not_reported, result.unanswered) == (1, 1, 1, 40)
    assert result.adherence == pytest.approx(1 / 43)
    assert result.missing == ("3a (clinical context and rationale)",)
    assert result.completeness.answered == 4 and result.completeness.total == 44
    intro = next(s for s in result.sections if s.section == "introduction")
    assert (intro.reported, intro.applicable) == (0, 3)


def test_development_study_leaves_out_evaluation_only_items():
    a = Appraisal(checklist_id="tripod-ai", study_type="development")
    for item in TRIPOD.answerable_items:
        if item.applies("development"):
            a = a.with_answer(item.id, "yes")
    result = judge(a)
    assert result.applicable == 48 and result.reported == 48 and result.adherence == 1.0
    both = judge(a.model_copy(update={"study_type": "both"}))
    assert both.applicable == 52 and both.reported == 48 and both.unanswered == 4


def test_judge_refuses_answers_from_another_checklist():
    a = Appraisal(checklist_id="tripod-ai").with_answer("1", "Y")
    with pytest.raises(ValueError, match="not an allowed answer"):
        judge(a)


PROBAST_AI = load_checklist("probast-ai")


def _probast_ai(study_type, answer="Y"):
    a = Appraisal(checklist_id="probast-ai", study_type=study_type)
    for item in PROBAST_AI.items:
        if item.applies(study_type):
            a = a.with_answer(item.id, answer)
    return a


def test_probast_ai_judges_only_the_part_that_applies():
    dev = judge(_probast_ai("development"))
    assert [d.domain for d in dev.domains] == ["dev-participants", "dev-predictors", "dev-outcome", "dev-analysis"]
    # PROBAST's development downgrade is not applied to PROBAST+AI.
    assert dev.overall == LOW and not dev.development_rule_applied
    assert dev.completeness.total == 16
    ev = judge(_probast_ai("evaluation").with_answer("E4.5", "N"))
    assert ev.completeness.total == 18 and ev.overall == HIGH
    assert ev.domains[3].reason.startswith("Domain 4 (analysis (evaluation)) is high risk because E4.5")


def test_probast_ai_study_doing_both_is_judged_per_part():
    result = judge(_probast_ai("both").with_answer("D4.1", "NI"))
    assert len(result.domains) == 8 and result.completeness.total == 34
    assert result.overall == UNCLEAR
    assert "By part: development part: unclear; evaluation part: low." in result.overall_reason


QUADAS = load_checklist("quadas-2")


def _quadas(answer="Y", **answers) -> Appraisal:
    a = Appraisal(checklist_id="quadas-2", study_type="evaluation")
    for item in QUADAS.items:
        a = a.with_answer(item.id, answers.get(item.id, answer))
    return a


def test_quadas_2_published_rule_low_high_unclear():
    result = judge(_quadas())
    assert [d.judgement for d in result.domains] == [LOW] * 4 and result.overall == LOW
    assert result.domains[0].reason.endswith("all 3 questions were answered Yes.")  # QUADAS-2 has no "probably"
    result = judge(_quadas(**{"2.2": "N"}))  # threshold chosen on the test data
    assert [d.judgement for d in result.domains] == [LOW, HIGH, LOW, LOW] and result.overall == HIGH
    assert "threshold pre-specified" in result.domains[1].reason
    result = judge(_quadas(**{"4.3": "U"}))
    assert result.domains[3].judgement == UNCLEAR and result.overall == UNCLEAR
    assert "Unclear" in result.domains[3].reason


def test_quadas_2_applicability_only_for_the_first_three_domains():
    judgements = {"patient-selection": "low", "index-test": "high", "reference-standard": "low"}
    a = _quadas().model_copy(update={"applicability": {k: ApplicabilityJudgement(judgement=v, reason="r")
                                                       for k, v in judgements.items()}})
    result = judge(a)
    assert [x.domain for x in result.applicability] == list(judgements)
    assert result.overall_applicability == HIGH
