"""Subject-grouped validation: splits never share subjects; metrics match hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from decision_support import validation as v
from decision_support.models import make_pipeline
from tests.decision_support.tabular import tabular_cohort


@given(n_subjects=st.integers(2, 8), per_subject=st.integers(1, 4), n_splits=st.integers(2, 6),
       seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_no_subject_is_ever_in_train_and_test(n_subjects, per_subject, n_splits, seed):
    table = tabular_cohort(n_subjects, per_subject, seed=seed)
    splits = v.grouped_splits(table["label"], table["subject"], n_splits=n_splits, seed=seed)
    subjects = table["subject"].to_numpy()
    tested = np.concatenate([test for _, test in splits])
    assert sorted(tested) == list(range(len(table)))  # every recording tested exactly once
    for train, test in splits:
        assert not set(subjects[train]) & set(subjects[test])


def test_cross_validated_proba_comes_from_models_that_never_saw_the_subject():
    table = tabular_cohort(6, 3)
    X = table[["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median"]]
    cv = v.cross_validated_proba(make_pipeline("logistic"), X, table["label"], table["subject"], n_splits=3)
    assert cv["proba"].shape == (len(table), 3)
    np.testing.assert_allclose(cv["proba"].sum(axis=1), 1.0, atol=1e-9)
    subjects = table["subject"].to_numpy()
    for train, test in cv["splits"]:
        assert not set(subjects[train]) & set(subjects[test])
    assert set(cv["fold"]) == set(range(len(cv["splits"])))


def test_splits_refuse_a_subject_with_two_labels_and_too_few_subjects():
    with pytest.raises(ValueError, match="more than one label"):
        v.grouped_splits(["a", "b", "a", "b"], ["s1", "s1", "s2", "s3"])
    with pytest.raises(ValueError, match="at least two different subjects"):
        v.grouped_splits(["a", "a", "b", "b"], ["s1", "s2", "s3", "s3"])


def test_per_class_metrics_match_hand_counts():
    y = np.array(["healthy"] * 4 + ["neurogenic"] * 4)
    pred = np.array(["healthy", "healthy", "healthy", "neurogenic", "neurogenic", "neurogenic", "healthy", "neurogenic"])
    m = v.per_class_metrics(y, pred, ["healthy", "neurogenic"])
    # healthy: TP 3, FN 1, FP 1, TN 3
    assert m["healthy"]["sensitivity"] == pytest.approx(0.75)
    assert m["healthy"]["specificity"] == pytest.approx(0.75)
    assert m["healthy"]["ppv"] == pytest.approx(0.75)
    assert m["healthy"]["npv"] == pytest.approx(0.75)
    assert m["healthy"]["f1"] == pytest.approx(0.75)


def test_calibration_of_perfectly_calibrated_probabilities_is_near_ideal():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, 20000)
    y = rng.uniform(size=p.size) < p
    cal = v.calibration_intercept_slope(y, p)
    assert abs(cal["intercept"]) < 0.06
    assert cal["slope"] == pytest.approx(1.0, abs=0.06)
    # overconfident predictions (logit doubled) give a slope near 0.5
    extreme = 1 / (1 + np.exp(-2 * np.log(p / (1 - p))))
    assert v.calibration_intercept_slope(y, extreme)["slope"] == pytest.approx(0.5, abs=0.05)


def test_decision_curve_net_benefit_formula():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.4, 0.6, 0.1, 0.2])
    dc = v.decision_curve(y, p, thresholds=np.array([0.5]))
    # at 0.5: TP 1 (0.9), FP 1 (0.6): NB = 1/5 - 1/5 * 1 = 0
    assert dc["model"][0] == pytest.approx(0.0)
    assert dc["treat_all"][0] == pytest.approx(0.4 - 0.6)
    assert dc["treat_none"] == [0.0]


def test_threshold_for_sensitivity_reaches_the_target():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.2, 0.1, 0.05])
    op = v.threshold_for_sensitivity(y, p, target=0.75)
    assert op["threshold"] == pytest.approx(0.6)
    assert op["sensitivity"] == pytest.approx(0.75)
    assert op["specificity"] == pytest.approx(0.75)


def test_evaluate_is_json_able_with_intervals_that_contain_the_estimate():
    table = tabular_cohort(8, 3)
    X = table[["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median"]]
    cv = v.cross_validated_proba(make_pipeline("lda"), X, table["label"], table["subject"], n_splits=4)
    m = v.evaluate(table["label"], cv["proba"], cv["classes"], table["subject"], n_boot=100)
    json.dumps(m, allow_nan=True)
    assert m["n_subjects"] == 24 and np.asarray(m["confusion"]).sum() == len(table)
    lo, hi = m["ci"]["macro_auc"]
    assert lo <= m["point"]["macro_auc"] <= hi
    assert 0.0 <= m["abnormal"]["brier"] <= 1.0
    assert m["point"]["macro_auc"] > 0.7  # the classes are separable
    for fn in (v.plot_roc, v.plot_calibration, v.plot_decision_curve, v.plot_confusion):
        assert isinstance(fn(m), Figure)
    for fn in (v.summarize_roc, v.summarize_confusion, v.summarize_calibration, v.summarize_decision_curve):
        assert isinstance(fn(m), str) and len(fn(m)) > 20


def test_bootstrap_resamples_subjects_not_recordings():
    # one subject per class with many identical recordings: a recording bootstrap would give a zero-width
    # interval; resampling subjects can drop a class entirely, so its AUC interval is not estimable
    y = np.array(["healthy"] * 10 + ["myopathic"] * 10 + ["healthy"] * 10 + ["myopathic"] * 10)
    groups = np.repeat(["h1", "m1", "h2", "m2"], 10)
    proba = np.column_stack([np.r_[np.full(10, 0.9), np.full(10, 0.2), np.full(10, 0.4), np.full(10, 0.6)], np.zeros(40)])
    proba[:, 1] = 1 - proba[:, 0]
    ci = v.bootstrap_intervals(y, proba, ["healthy", "myopathic"], groups, n_boot=200)
    assert ci["accuracy"][0] < ci["accuracy"][1]


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
@settings(max_examples=50, deadline=None)
def test_fast_auc_equals_sklearn(pairs):
    from sklearn.metrics import roc_auc_score

    truth = np.array([p[0] for p in pairs])
    score = np.array([p[1] for p in pairs], dtype=float)
    if truth.all() or not truth.any():
        assert np.isnan(v.binary_auc(truth, score))
    else:
        assert v.binary_auc(truth, score) == pytest.approx(roc_auc_score(truth, score))
