"""Study facts: the paper's own numbers with their sentences, and the checks they allow on their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from appraisal.study_facts import check_facts, extract_facts, summary_line

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "appraisal_dev"

TEXT = """Methods
We enrolled 2,314 consecutive patients, of whom 412 deaths occurred within 30 days; the prevalence of sepsis was 12.5%.
Data were randomly split into training (70%) and test (30%) sets.
External validation is warranted before clinical use.
Results
The model reached an AUC of 0.87 (95% CI 0.84-0.90) and a sensitivity of 91.1% (95% CI 93.0% to 95.0%).
Specificity was 0.80 [0.76, 0.84] and accuracy 0.905.

Table 2 (values):
Measure | Value (95% CI), %
Specificity | 92 (87-96)
Positive predictive value | 12 (18-8)
Sensitivity | 2 patients with severe disease were found

References
1. Smith J. A sensitivity of 99.9% (95% CI 1.0-2.0) in another study. 2001.
"""


@pytest.fixture(scope="module")
def facts():
    return extract_facts(TEXT)


def test_counts_prevalence_and_design_come_with_their_sentences(facts):
    by_kind = {}
    for f in facts:
        by_kind.setdefault(f.kind, []).append(f)
    assert [f.value for f in by_kind["patients"]] == [2314]
    assert by_kind["events"][0].value == 412 and by_kind["prevalence"][0].value == 0.125
    assert "2,314 consecutive patients" in by_kind["patients"][0].sentence
    assert [f.name for f in by_kind["design"]] == ["random split"]  # "external validation is warranted" is a wish


def test_metrics_with_intervals_from_text_and_tables(facts):
    metrics = [(f.name, f.value, f.lower, f.upper, f.where.split(",")[0]) for f in facts if f.kind == "metric"]
    assert ("auc", 0.87, 0.84, 0.90, "sentence 6") in metrics
    assert ("sensitivity", 0.911, 0.93, 0.95, "sentence 6") in metrics
    assert ("specificity", 0.80, 0.76, 0.84, "sentence 7") in metrics
    assert ("accuracy", 0.905, None, None, "sentence 7") in metrics
    assert ("specificity", 0.92, 0.87, 0.96, "Table 2") in metrics  # header says %, cells do not
    assert not [m for m in metrics if m[1] == 0.02]  # "2 patients" is a count, not a sensitivity of 2%
    assert not [m for m in metrics if m[1] == 0.999]  # reference list left out


def test_checks_find_values_outside_their_own_interval(facts):
    checks = check_facts(facts)
    bad = [c.message for c in checks if not c.consistent]
    assert len(bad) == 2
    assert any("Sensitivity 91.1% lies outside its own 95% interval" in m for m in bad)
    assert any("high to low" in m and "Table 2" in m for m in bad)
    assert summary_line(checks).startswith("2 of this paper's reported numbers are inconsistent")
    assert summary_line([]) == "No reported value with an interval was found to check."


def test_bad_input_is_refused_plainly():
    with pytest.raises(ValueError, match="text is needed"):
        extract_facts(None)
    assert extract_facts("") == []


@pytest.mark.skipif(not DEV.exists(), reason="../shared/appraisal_dev is not available")
def test_real_paper_facts_paper_06():
    facts = extract_facts((DEV / "paper_06.txt").read_text(encoding="utf-8"))
    spec = [f for f in facts if f.kind == "metric" and f.name == "specificity" and f.lower is not None]
    assert spec and all((f.value, f.lower, f.upper) == (0.92, 0.87, 0.96) for f in spec)
    assert all(c.consistent for c in check_facts(facts))


def test_values_reported_together_form_groups_for_the_consistency_check():
    from appraisal.study_facts import metric_groups

    facts = extract_facts("Sensitivity was 0.90, specificity 0.63 and PPV 0.88. Specificity alone was 0.70.\n\n"
                          "Table 3 (values):\nMeasure | Value\nSensitivity | 0.81\nSpecificity | 0.77\nNPV | 0.95\n")
    assert metric_groups(facts) == [
        ("sentence 1", {"sensitivity": "0.90", "specificity": "0.63", "ppv": "0.88"}),
        ("Table 3", {"sensitivity": "0.81", "specificity": "0.77", "npv": "0.95"}),
    ]
