"""Class-conditional conformal sets: coverage per class on held-out subjects, state round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from decision_support.conformal import ClassConditionalConformal, conformal_sets
from decision_support.models import make_pipeline
from decision_support.validation import cross_validated_proba
from tests.decision_support.tabular import tabular_cohort

FEATURES = ["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median"]


@pytest.fixture(scope="module")
def calibrated():
    table = tabular_cohort(20, 3, separation=1.5, seed=3)
    cv = cross_validated_proba(make_pipeline("logistic"), table[FEATURES], table["label"], table["subject"])
    cp = ClassConditionalConformal.calibrate(cv["proba"], table["label"], table["subject"], cv["classes"],
                                             confidence_levels=(0.8, 0.9), n_repeats=20)
    return cp, cv, table


def test_empirical_coverage_per_class_is_near_the_confidence(calibrated):
    cp, _, _ = calibrated
    for conf in (0.8, 0.9):
        table = cp.coverage_at(conf)
        for c, cov in table["per_class"].items():
            assert cov >= conf - 0.1, (c, conf, cov)
        assert 1.0 <= table["mean_set_size"] <= 3.0


def test_sets_grow_with_confidence_and_contain_the_top_class_when_sure(calibrated):
    cp, cv, _ = calibrated
    s80 = cp.predict_set_proba(cv["proba"], 0.8)
    s95 = cp.predict_set_proba(cv["proba"], 0.95)
    assert (s95 >= s80).all()
    assert s95.sum() > s80.sum()
    sure = np.array([[0.98, 0.01, 0.01]])
    assert cp.predict_set_proba(sure, 0.8)[0, 0]


def test_class_conditional_thresholds_differ_by_class():
    # class "a" is always predicted confidently, class "b" never: their score distributions differ, so the
    # same probability for b is inside b's set although it would be out under a's calibration
    scores = np.r_[np.full(50, 0.05), np.linspace(0.3, 0.7, 50)]
    labels = np.r_[["a"] * 50, ["b"] * 50]
    proba = np.array([[0.5, 0.5]])
    sets = conformal_sets(scores, labels, proba, ["a", "b"], 0.9)
    assert sets.tolist() == [[False, True]]


def test_predict_set_uses_the_attached_model_and_state_round_trips(calibrated):
    cp, _, table = calibrated
    pipe = make_pipeline("logistic").fit(table[FEATURES], table["label"], clf__groups=table["subject"])
    cp.model = pipe
    sets = cp.predict_set(table[FEATURES].head(5), 0.9)
    again = ClassConditionalConformal.from_state(cp.to_state(), model=pipe)
    assert (again.predict_set(table[FEATURES].head(5), 0.9) == sets).all()
    assert again.coverage == cp.coverage
    assert all(isinstance(lab, list) for lab in again.labels(sets))


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "high"])
def test_confidence_out_of_range_is_a_clear_error(calibrated, bad):
    cp, cv, _ = calibrated
    with pytest.raises(ValueError, match="confidence"):
        cp.predict_set_proba(cv["proba"][:2], bad)
