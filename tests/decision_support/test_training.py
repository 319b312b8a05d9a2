"""train_model: honest validation, final fit, calibrated uncertainty, metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

from decision_support.training import TrainedModel, train_model
from decision_support.transformers import FeatureSettings
from tests.decision_support.tabular import tabular_cohort


@pytest.fixture(scope="module")
def trained():
    table = tabular_cohort(6, 3, seed=4)
    table["sex"] = np.where(table.index % 2, "F", "M")
    steps = []
    model = train_model(table, kind="lda", cohort_name="tab", n_boot=50, progress=lambda f, m: steps.append((f, m)))
    return model, table, steps


def test_trained_model_has_everything_the_contract_promises(trained):
    model, table, steps = trained
    assert isinstance(model, TrainedModel)
    assert model.classes == ["healthy", "myopathic", "neurogenic"]
    assert model.feature_names == ["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median"]
    assert model.pipeline.predict_proba(table[model.feature_names]).shape == (len(table), 3)
    assert set(model.reference.columns) == {*model.feature_names, "label", "subject"}
    assert model.conformal.predict_set(table[model.feature_names].head(3), 0.9).shape == (3, 3)
    assert model.ood.is_outlier(table[model.feature_names]).mean() < 0.2
    assert model.metadata["n_subjects"] == 18 and len(model.metadata["data_hash"]) == 64
    assert model.metadata["simulated"] is False and "scikit-learn" in model.metadata["libraries"]
    assert "sex" in model.metrics["subgroups"] and set(model.metrics["subgroups"]["sex"]) == {"F", "M"}
    assert set(model.metrics["conformal_coverage"]) == {"0.80", "0.90", "0.95"}
    json.dumps(model.metrics)
    json.dumps(model.card)
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_data_hash_changes_with_the_data(trained):
    model, table, _ = trained
    changed = table.copy()
    changed.loc[0, "MNF_median"] += 1.0
    other = train_model(changed, kind="lda", n_boot=20)
    assert other.metadata["data_hash"] != model.metadata["data_hash"]


@pytest.mark.parametrize("problem, match", [
    (lambda t: t.drop(columns=["subject"]), "no 'subject' column"),
    (lambda t: t[t["label"] != "myopathic"].assign(label="healthy"), "at least two labels"),
    (lambda t: t[~t["subject"].isin(["myo-1", "myo-2", "myo-3", "myo-4"])], r"too few: myopathic \(2\)"),
    (lambda t: t[["label", "subject"]], "no recording-level feature columns"),
])
def test_bad_tables_are_clear_errors(problem, match):
    with pytest.raises(ValueError, match=match):
        train_model(problem(tabular_cohort(6, 2)), n_boot=10)


def test_featurize_gives_one_row_with_the_model_columns(quick_model):
    from decision_support.demo import demo_recording

    row = quick_model.featurize(demo_recording("myopathic", seconds=2.0))
    assert row.shape == (1, len(quick_model.feature_names))
    assert list(row.columns) == quick_model.feature_names
    assert isinstance(quick_model.settings, FeatureSettings)


def test_operating_point_from_stored_heldout_predictions(quick_model):
    from decision_support.validation import operating_point

    stored = quick_model.metrics["abnormal"]["operating_point"]
    again = operating_point(quick_model.metrics, stored["target_sensitivity"])
    assert again["threshold"] == pytest.approx(stored["threshold"], abs=1e-5)  # stored rounded to 6 decimals
    assert (again["sensitivity"], again["specificity"]) == (stored["sensitivity"], stored["specificity"])
    strict = operating_point(quick_model.metrics, 1.0)
    assert strict["sensitivity"] == 1.0 and strict["threshold"] <= stored["threshold"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        operating_point(quick_model.metrics, 1.5)


def test_training_sampling_rates_are_recorded_for_the_prediction_check():
    table = tabular_cohort(6, 2)
    table["fs"] = 2000.0
    model = train_model(table, kind="lda", n_boot=10)
    assert model.metadata["fs"] == [2000.0]
    assert model.training_fs == 2000.0
