"""The four pipelines: scikit-learn API, calibrated probabilities, grouped inner calibration."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from decision_support.models import (
    MODEL_KINDS,
    SubjectCalibratedClassifier,
    fitted_base_estimator,
    make_pipeline,
    transform_features,
)
from tests.decision_support.tabular import tabular_cohort

FEATURES = ["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median"]


@pytest.mark.parametrize("kind", list(MODEL_KINDS))
def test_pipeline_fits_and_predicts_calibrated_probabilities(kind):
    table = tabular_cohort(5, 3)
    pipe = make_pipeline(kind).fit(table[FEATURES], table["label"], clf__groups=table["subject"])
    proba = pipe.predict_proba(table[FEATURES])
    assert proba.shape == (len(table), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(pipe.classes_) == ["healthy", "myopathic", "neurogenic"]
    assert list(pipe.get_feature_names_out()) == FEATURES
    assert np.mean(pipe.predict(table[FEATURES]) == table["label"]) > 0.6
    assert pipe.named_steps["clf"].grouped_calibration_
    assert hasattr(fitted_base_estimator(pipe), "predict_proba")
    assert transform_features(pipe, table[FEATURES]).shape == (len(table), len(FEATURES))
    clone(pipe)  # get_params/set_params round-trip


def test_missing_values_are_imputed_not_fatal():
    table = tabular_cohort(4, 2)
    X = table[FEATURES].copy()
    X.iloc[0, 0] = np.nan
    pipe = make_pipeline("logistic").fit(X, table["label"], clf__groups=table["subject"])
    assert np.isfinite(pipe.predict_proba(X)).all()


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown model kind 'svm'"):
        make_pipeline("svm")


def test_calibration_folds_never_share_subjects():
    from decision_support.validation import grouped_splits

    table = tabular_cohort(4, 3)
    for train, test in grouped_splits(table["label"], table["subject"], n_splits=3):
        assert not set(table["subject"].iloc[train]) & set(table["subject"].iloc[test])



@parametrize_with_checks([SubjectCalibratedClassifier(LogisticRegression(max_iter=1000), method="sigmoid")])
def test_calibrated_classifier_follows_the_scikit_learn_api(estimator, check):
    check(estimator)
