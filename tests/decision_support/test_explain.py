"""SHAP explanations: additivity for every model kind and class, names mapped back, plain-language reasons."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.calibration import CalibratedClassifierCV
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from decision_support import explain as ex

FEATURES = ["MDF_median_ch1", "MDF_iqr_ch1", "RMS_median_ch1", "ZC_median_ch2", "WL_median_ch2"]
CLASSES = ["healthy", "myopathic", "neurogenic"]


def _table(n_per_class: int = 40, classes=CLASSES, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k, label in enumerate(classes):
        centre = np.array([80.0 - 15 * k, 10 + 2 * k, 0.3 * (k + 1), 200.0 + 30 * k, 5.0 - k])
        scale = np.array([8.0, 2.0, 0.1, 25.0, 0.8])
        values = centre + scale * rng.standard_normal((n_per_class, len(FEATURES)))
        frame = pd.DataFrame(values, columns=FEATURES)
        frame["label"] = label
        frame["subject"] = [f"{label}-{i // 2}" for i in range(n_per_class)]
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _pipelines():
    return {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "lda": make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()),
        "rf": make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0)),
        "hgb": make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=20, random_state=0)),
        "calibrated-logistic": CalibratedClassifierCV(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), cv=3, method="sigmoid"),
        "pipeline-with-calibrated-rf": Pipeline([
            ("scale", StandardScaler()),
            ("model", CalibratedClassifierCV(RandomForestClassifier(n_estimators=20, random_state=0), cv=3)),
        ]),
    }


def _model(kind: str, classes=CLASSES):
    table = _table(classes=classes)
    pipeline = _pipelines()[kind].fit(table[FEATURES], table["label"])
    return SimpleNamespace(pipeline=pipeline, reference=table, feature_names=FEATURES, classes=list(pipeline.classes_))


@pytest.mark.parametrize("kind", list(_pipelines()))
def test_shap_values_add_up_to_the_model_output_for_every_class(kind):
    model = _model(kind)
    rows = _table(n_per_class=4, seed=1)[FEATURES]
    sv = ex.explainer_for(model).explain(rows)
    assert sv.values.shape == (len(rows), len(FEATURES), len(CLASSES))
    np.testing.assert_allclose(sv.base_values[None, :] + sv.values.sum(axis=1), sv.output, atol=1e-6)


@pytest.mark.parametrize("kind", ["logistic", "rf", "hgb"])
def test_binary_models_explain_both_classes(kind):
    model = _model(kind, classes=["healthy", "neurogenic"])
    row = _table(n_per_class=1, classes=["healthy", "neurogenic"], seed=3)[FEATURES]
    sv = ex.explainer_for(model).explain(row)
    np.testing.assert_allclose(sv.base_values[None, :] + sv.values.sum(axis=1), sv.output, atol=1e-6)
    if kind != "rf":  # log-odds of the two classes are opposite numbers
        np.testing.assert_allclose(sv.values[..., 0], -sv.values[..., 1])


def test_model_output_matches_the_underlying_estimator():
    model = _model("logistic")
    rows = _table(n_per_class=2, seed=2)[FEATURES]
    sv = ex.explainer_for(model).explain(rows)
    np.testing.assert_allclose(sv.output, model.pipeline.decision_function(rows), atol=1e-9)
    assert sv.output_space == "log-odds"
    rf = _model("rf")
    sv_rf = ex.explainer_for(rf).explain(rows)
    assert sv_rf.output_space == "probability"
    np.testing.assert_allclose(sv_rf.output, rf.pipeline.predict_proba(rows), atol=1e-9)


def test_linear_shap_maps_back_to_input_names():
    """For a linear model on standardised inputs, phi_j = coef_j * (z_j - mean background z_j)."""
    model = _model("logistic")
    row = _table(n_per_class=1, seed=5)[FEATURES].iloc[[0]]
    explanation = ex.explain_prediction(model, row, label="healthy")
    scaler, logistic = model.pipeline[0], model.pipeline[-1]
    background = ex.explainer_for(model).background
    assert len(background) == ex.BACKGROUND_SIZE < len(model.reference)
    z_row = scaler.transform(row)[0]
    z_mean = scaler.transform(background).mean(axis=0)
    expected = logistic.coef_[0] * (z_row - z_mean)
    np.testing.assert_allclose(explanation.values, expected, atol=1e-9)
    assert explanation.feature_names == tuple(FEATURES)
    assert explanation.base_value + explanation.values.sum() == pytest.approx(explanation.model_output)


def test_explanation_defaults_to_the_most_probable_class_and_rejects_unknown_labels():
    model = _model("rf")
    row = _table(n_per_class=1, seed=7)[FEATURES].iloc[[2]]  # a neurogenic-like row
    explanation = ex.explain_prediction(model, row)
    assert explanation.label == CLASSES[int(np.argmax(model.pipeline.predict_proba(row)[0]))]
    with pytest.raises(ValueError, match="not one of the model's classes"):
        ex.explain_prediction(model, row, label="cardiac")


def test_global_importance_ranks_the_informative_feature_first():
    model = _model("logistic")
    importance = ex.global_importance(model)
    assert importance.n_rows == len(model.reference)
    assert list(importance.mean_abs) == sorted(importance.mean_abs, reverse=True)
    assert importance.feature_names[0] in ("MDF_median_ch1", "RMS_median_ch1", "ZC_median_ch2", "WL_median_ch2")
    assert "training recordings" in ex.importance_summary(importance)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("MDF_median_ch1", ("MDF", "median", "ch1")),
        ("MNF_iqr_ch12", ("MNF", "iqr", "ch12")),
        ("AR_1_median_left_biceps", ("AR_1", "median", "left_biceps")),
        ("RMS_ch3", ("RMS", "", "ch3")),
        ("duration", ("duration", "", "")),
    ],
)
def test_parse_feature_column(column, expected):
    parsed = ex.parse_feature_column(column)
    assert (parsed.feature, parsed.statistic, parsed.channel) == expected


def test_registry_prefix_wins_over_token_guessing():
    parsed = ex.parse_feature_column("AR_2_iqr_ch1", ["AR", "AR_2"])
    assert (parsed.feature, parsed.statistic, parsed.channel) == ("AR_2", "iqr", "ch1")


def test_cohort_percentile_uses_healthy_recordings_and_counts_ties_half():
    reference = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0], "label": ["healthy"] * 4 + ["neurogenic"]})
    assert ex.cohort_percentile(reference, "x", 2.0) == (37.5, "healthy training recordings")
    assert ex.cohort_percentile(reference, "x", 10.0)[0] == 100.0
    no_healthy = reference.assign(label="myopathic")
    assert ex.cohort_percentile(no_healthy, "x", 0.0) == (0.0, "training recordings")


def test_reason_sentence_reads_like_the_issue_example():
    spec = SimpleNamespace(name="MDF", unit="Hz", meaning="Median frequency: splits the power spectrum in half")
    reference = pd.DataFrame({"MDF_median_ch1": np.linspace(53, 120, 10), "label": ["healthy"] * 10})
    sentence = ex.reason_sentence("MDF_median_ch1", 52.0, 0.4, "neurogenic", reference, {"MDF": spec})
    assert sentence == (
        "Median frequency (MDF) on ch1 is 52 Hz, lower than 100% of healthy training recordings; "
        "this pushed the prediction towards neurogenic."
    )
    away = ex.reason_sentence("MDF_iqr_ch1", 3.0, -0.1, "myopathic", reference.rename(columns={"MDF_median_ch1": "MDF_iqr_ch1"}),
                              {"MDF": spec})
    assert away.startswith("Spread (interquartile range across windows) of median frequency (MDF) on ch1 is 3 Hz")
    assert away.endswith("away from myopathic.")
    typical = ex.reason_sentence("MDF_median_ch1", 90.0, 0.1, "healthy", reference, {"MDF": spec})
    assert "higher than 50% of healthy training recordings (a typical value for them); this pushed" in typical


def test_plain_reasons_follow_the_largest_shap_values():
    model = _model("logistic")
    row = _table(n_per_class=1, seed=9)[FEATURES].iloc[[1]]
    explanation = ex.explain_prediction(model, row)
    reasons = ex.plain_reasons(explanation, model, k=2)
    assert len(reasons) == 2
    top = explanation.top(2)
    for reason, i in zip(reasons, top):
        channel = ex.parse_feature_column(FEATURES[i]).channel
        assert f"on {channel} is" in reason and explanation.label in reason


def test_plots_are_figures_with_text_summaries():
    model = _model("hgb")
    row = _table(n_per_class=1, seed=4)[FEATURES].iloc[[0]]
    explanation = ex.explain_prediction(model, row)
    fig = ex.waterfall_figure(explanation, max_features=3)
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == FEATURES[explanation.top(1)[0]] and labels[0] == "2 other features"
    assert explanation.label in ex.explanation_summary(explanation)
    assert isinstance(ex.importance_figure(ex.global_importance(model)), Figure)


def test_explanation_to_dict_is_json_ready():
    import json

    model = _model("lda")
    explanation = ex.explain_prediction(model, _table(n_per_class=1, seed=8)[FEATURES].iloc[[0]])
    payload = json.loads(json.dumps(explanation.to_dict(k=2)))
    assert len(payload["features"]) == 2 and payload["label"] in CLASSES


def test_format_value():
    assert ex.format_value(52.04, "Hz") == "52 Hz"
    assert ex.format_value(0.12345, "mV") == "0.123 mV"
    assert ex.format_value(1500.0, "") == "1500"
    assert ex.format_value(2.5e7, "") == "2.5e+07"
    assert ex.format_value(12.0, "per s") == "12 per second"
    assert ex.format_value(float("nan"), "Hz") == "not a number"


def test_models_shap_cannot_explain_get_a_plain_error():
    from sklearn.neighbors import KNeighborsClassifier

    table = _table()
    pipeline = make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(table[FEATURES], table["label"])
    model = SimpleNamespace(pipeline=pipeline, reference=table, feature_names=FEATURES, classes=CLASSES)
    with pytest.raises(ValueError, match="SHAP explanations are available for"):
        ex.explainer_for(model)


@pytest.mark.parametrize("kind", ["logistic", "lda", "rf", "hgb"])
def test_additivity_on_the_project_pipelines(kind):
    """The pipelines decision_support.models builds (impute -> scale -> subject-calibrated classifier)."""
    from decision_support.models import fitted_base_estimator, make_pipeline

    table = _table(n_per_class=24)
    pipeline = make_pipeline(kind)
    if kind == "rf":
        pipeline.set_params(clf__estimator__n_estimators=40)
    if kind == "hgb":
        pipeline.set_params(clf__estimator__max_iter=30)
    pipeline.fit(table[FEATURES], table["label"], clf__groups=table["subject"])
    model = SimpleNamespace(pipeline=pipeline, reference=table, feature_names=FEATURES, classes=list(pipeline.classes_))
    rows = _table(n_per_class=2, seed=11)[FEATURES]
    sv = ex.explainer_for(model).explain(rows)
    np.testing.assert_allclose(sv.base_values[None, :] + sv.values.sum(axis=1), sv.output, atol=1e-6)
    base = fitted_base_estimator(pipeline)
    z = pipeline[:-1].transform(rows)
    expected = base.predict_proba(z) if kind == "rf" else base.decision_function(z)
    np.testing.assert_allclose(sv.output, expected, atol=1e-9)


def test_amplitude_units_come_from_the_recording():
    spec = SimpleNamespace(name="RMS", unit="signal units", meaning="Root mean square: the typical amplitude.")
    reference = pd.DataFrame({"RMS_median_ch1": [0.1, 0.2, 0.3, 0.4], "label": ["healthy"] * 4})
    sentence = ex.reason_sentence("RMS_median_ch1", 0.35, 0.2, "neurogenic", reference, {"RMS": spec},
                                  amplitude_unit="mV")
    assert sentence.startswith("Root mean square (RMS) on ch1 is 0.35 mV, higher than 75% of healthy")
