"""predict_recording against the contract, on the quick demo model: gates, sets, explanations, audit."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.actions import audit_record
from app.prediction_text import audit_frame, format_result
from decision_support import predict as dp
from knowledge.audit import filter_audit_rows
from decision_support.demo import demo_recording
from signal_core.errors import SignalError
from signal_core.io import save_recording
from signal_core.recording import Recording


@pytest.fixture(scope="module")
def neurogenic(quick_model):
    from tests.decision_support.quick_model import training_recording

    return training_recording("neurogenic")  # inside the quick model's training distribution


@pytest.fixture(scope="module")
def neurogenic_result(quick_model, neurogenic):
    return dp.predict_recording(neurogenic, quick_model, confidence=0.9)


def test_prediction_carries_everything_the_contract_promises(quick_model, neurogenic_result):
    r = neurogenic_result
    assert not r.abstained and r.abstain_reasons == []
    assert r.quality_verdict == "pass"
    assert list(r.probabilities) == quick_model.classes
    assert sum(r.probabilities.values()) == pytest.approx(1.0)
    assert r.predicted_label == max(r.probabilities, key=r.probabilities.get)
    assert set(r.prediction_set) <= set(quick_model.classes)
    assert r.coverage is not None and set(r.coverage) == set(quick_model.classes)
    assert r.model_version == quick_model.metadata["version"]
    assert r.simulated_model is True and "Simulated training data" in r.note
    assert len(r.input_sha256) == 64
    assert r.ood_score is not None and r.ood_score <= r.ood_threshold and not r.is_outlier
    assert set(r.timings) == {"quality", "features", "model", "shap"}


def test_the_demo_model_recognises_a_simulated_neurogenic_recording(neurogenic_result):
    assert neurogenic_result.predicted_label == "neurogenic"
    assert "neurogenic" in neurogenic_result.prediction_set


def test_explanation_is_additive_and_reasons_name_the_predicted_class(quick_model, neurogenic_result):
    e = neurogenic_result.explanation
    assert e.label == neurogenic_result.predicted_label
    assert e.base_value + e.values.sum() == pytest.approx(e.model_output, abs=1e-6)
    from decision_support.models import fitted_base_estimator

    # SHAP explains the base model before calibration: probabilities for a forest, log-odds otherwise
    z = quick_model.pipeline[:-1].transform(neurogenic_result.features[quick_model.feature_names])
    base = fitted_base_estimator(quick_model.pipeline)
    expected = base.predict_proba(z)[0] if quick_model.kind == "rf" else base.decision_function(z)[0]
    assert e.output_space == ("probability" if quick_model.kind == "rf" else "log-odds")
    np.testing.assert_allclose(e.all_base_values + e.all_values.sum(axis=0), expected, atol=1e-6)
    assert len(neurogenic_result.reasons) == dp.TOP_REASONS
    for reason in neurogenic_result.reasons:
        assert "training recordings" in reason and e.label in reason


def test_to_dict_is_json(neurogenic_result):
    payload = json.loads(json.dumps(neurogenic_result.to_dict()))
    assert payload["predicted_label"] == neurogenic_result.predicted_label
    assert payload["quality"]["verdict"] == "pass"
    assert len(payload["explanation"]["features"]) == 10


def test_higher_confidence_never_gives_a_smaller_set(quick_model, neurogenic):
    sets = [set(dp.predict_recording(neurogenic, quick_model, confidence=c, explain=False).prediction_set)
            for c in (0.8, 0.9, 0.95)]
    assert sets[0] <= sets[1] <= sets[2]


def test_coverage_not_measured_at_an_unusual_confidence_is_said(quick_model, neurogenic):
    result = dp.predict_recording(neurogenic, quick_model, confidence=0.85, explain=False)
    assert result.coverage is None
    assert any("Coverage was not measured at 85%" in w for w in result.warnings)
    assert dp.measured_confidences(quick_model) == [0.8, 0.9, 0.95]


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "high"])
def test_bad_confidence_is_a_plain_error(quick_model, neurogenic, confidence):
    with pytest.raises(ValueError, match="confidence must be"):
        dp.predict_recording(neurogenic, quick_model, confidence=confidence)


def test_a_flat_recording_fails_the_quality_gate(quick_model):
    result = dp.predict_recording(Recording(np.zeros((8000, 1)), 4000.0), quick_model)
    assert result.abstained and result.quality_verdict == "fail"
    assert result.abstain_reasons[0].startswith("The signal quality check failed")
    assert any("disconnected" in reason for reason in result.abstain_reasons)
    assert result.probabilities == {} and result.explanation is None and result.predicted_label is None


def test_a_warning_predicts_but_carries_the_warning(quick_model):
    rec = demo_recording("healthy", 3, seconds=4.0)
    x = rec.data[:, 0]
    t = np.arange(x.size) / rec.fs
    amplitude = np.sqrt(2 * 0.4 / 0.6 * np.var(x))  # slow movement artefact: 40% of the power at 3 Hz (warn: 25-60%)
    moved = Recording(x + amplitude * np.sin(2 * np.pi * 3.0 * t), rec.fs, rec.channel_names, rec.units)
    result = dp.predict_recording(moved, quick_model)
    assert result.quality_verdict == "warn"
    assert any(w.startswith("Signal quality:") and "below 20 Hz" in w for w in result.warnings)
    if not result.abstained:  # the artefact may also move it outside the training cohort
        assert result.predicted_label in quick_model.classes
    else:
        assert result.is_outlier


@pytest.mark.parametrize("share", [0.15, 0.6])
def test_mains_hum_is_subtracted_with_a_warning_instead_of_failing_the_check(quick_model, share):
    """15% hum used to warn and pull the features towards 50 Hz; 60% failed the quality check. Both are now
    subtracted first, the warning says so, and the answer is the clean recording's."""
    rec = demo_recording("healthy", 3, seconds=4.0)
    x = rec.data[:, 0]
    t = np.arange(x.size) / rec.fs
    amplitude = np.sqrt(2 * share / (1 - share) * np.var(x))
    hummed = Recording(x + amplitude * np.sin(2 * np.pi * 50.02 * t + 0.4), rec.fs, rec.channel_names, rec.units)
    clean, result = dp.predict_recording(rec, quick_model), dp.predict_recording(hummed, quick_model)
    assert result.quality_verdict == clean.quality_verdict
    assert any(w.startswith("Mains hum at 50 Hz") and "subtracted" in w for w in result.warnings)
    assert result.abstained == clean.abstained
    if not clean.abstained:  # the fit also takes the EMG's own 50 Hz line, so the features move a little
        for label, p in clean.probabilities.items():
            assert result.probabilities[label] == pytest.approx(p, abs=0.1)
        top, second = sorted(clean.probabilities.values())[::-1][:2]
        if top - second > 0.1:
            assert result.predicted_label == clean.predicted_label


def test_a_different_sampling_rate_abstains_with_a_plain_reason(quick_model):
    rec = demo_recording("healthy", 1, seconds=4.0, fs=2000.0)
    result = dp.predict_recording(rec, quick_model)
    assert result.abstained
    assert "sampled at 2000 Hz but the model was trained on 4000 Hz" in result.abstain_reasons[0]


def test_a_test_tone_sweep_is_unlike_the_training_cohort(quick_model):
    t = np.arange(4 * 4000) / 4000.0
    sweep = 0.5 * np.sin(2 * np.pi * (50.0 + 400.0 * t) * t)  # 50 Hz rising to 3250 Hz: clean signal, not EMG
    result = dp.predict_recording(Recording(sweep, 4000.0, units=("mV",)), quick_model)
    assert result.quality_verdict == "pass"
    assert result.abstained and result.is_outlier and result.ood_score > result.ood_threshold
    assert "unlike anything the model was trained on" in result.abstain_reasons[0]
    assert len(result.abstain_reasons) == 1 + dp.TOP_OUTLYING
    assert all("training recordings" in reason for reason in result.abstain_reasons[1:])


def test_features_that_cannot_be_computed_abstain(quick_model, neurogenic):
    from decision_support.trained import Measurement

    broken = dataclasses.replace(quick_model)
    broken.measure = lambda rec: Measurement(quick_model.featurize(rec).assign(**{quick_model.feature_names[0]: np.nan}))
    result = dp.predict_recording(neurogenic, broken)
    assert result.abstained and quick_model.feature_names[0] in result.abstain_reasons[0]


def test_channels_are_matched_by_name_then_position_else_abstain():
    model = SimpleNamespace(feature_names=["MDF_median_ch1", "MDF_median_ch2"], training_fs=None, feature_set="window")
    two = Recording(np.ones((100, 2)), 4000.0, ("left", "right"))
    matched, problems, warnings = dp.match_to_model(two, model)
    assert problems == [] and matched.channel_names == ("ch1", "ch2") and "by position" in warnings[0]
    three = Recording(np.ones((100, 3)), 4000.0, ("ch2", "x", "ch1"))
    matched, problems, warnings = dp.match_to_model(three, model)
    assert problems == [] and matched.channel_names == ("ch1", "ch2")
    np.testing.assert_array_equal(matched.data, three.data[:, [2, 0]])
    one = Recording(np.ones((100, 1)), 4000.0)
    matched, problems, _ = dp.match_to_model(one, model)
    assert matched is None and "2-channel recordings (ch1, ch2)" in problems[0]


def test_predict_file_hashes_the_file_and_reports_bad_files(quick_model, neurogenic, tmp_path):
    path = save_recording(neurogenic, tmp_path / "needle.npz")
    result = dp.predict_file(path, quick_model, explain=False)
    assert result.input_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.input_name == "needle.npz" and result.predicted_label == "neurogenic"
    bytes_result = dp.predict_bytes(path.read_bytes(), "needle.npz", quick_model, explain=False)
    assert bytes_result.input_sha256 == result.input_sha256
    assert bytes_result.probabilities == pytest.approx(result.probabilities)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file at all")
    with pytest.raises(SignalError, match="corrupt.npz"):
        dp.predict_file(corrupt, quick_model)


def test_audit_record_round_trips_through_the_audit_log(neurogenic_result):
    from knowledge.audit import list_predictions, log_prediction
    from knowledge.db import open_db

    db = open_db(":memory:")
    flat = dp.PredictionResult(**{**vars(neurogenic_result), "abstained": True, "abstain_reasons": ["flat"],
                                  "probabilities": {}, "predicted_label": None, "prediction_set": [], "reasons": []})
    first = log_prediction(db, **audit_record(neurogenic_result, "dr.a", "needle.npz"))
    second = log_prediction(db, **audit_record(flat, "", "flat.csv"))
    rows = list_predictions(db)
    assert [r["id"] for r in rows] == [second, first]
    assert rows[1]["predicted_label"] == "neurogenic" and rows[1]["user"] == "dr.a"
    assert rows[1]["prediction_set"] == neurogenic_result.prediction_set
    assert rows[1]["top_reasons"] == neurogenic_result.reasons
    assert rows[0]["abstained"] and rows[0]["abstain_reasons"] == ["flat"] and rows[0]["user"] == "anonymous"


def test_format_result_shows_the_set_the_coverage_and_the_note(neurogenic_result):
    text = format_result(neurogenic_result)
    assert "Prediction: neurogenic" in text
    assert "Prediction set at 90% confidence: {" in text
    assert "Coverage on held-out subjects at 90%" in text
    assert "not a medical device" in text and neurogenic_result.model_version in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(800, 4000),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.0, 1e-9, 0.05, 1.0, 1e6]),
    specials=st.lists(st.tuples(st.floats(0, 1), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e300])), max_size=5),
    fs=st.sampled_from([1000.0, 4000.0]),
)
def test_any_signal_gives_a_result_not_a_crash(quick_model, n, seed, scale, specials, fs):
    x = scale * np.random.default_rng(seed).standard_normal(n)
    for where, value in specials:
        x[int(where * (n - 1))] = value
    result = dp.predict_recording(Recording(x, fs), quick_model, explain=False)
    assert result.abstained or result.predicted_label in quick_model.classes
    if result.abstained:
        assert result.abstain_reasons and all(isinstance(r, str) and r for r in result.abstain_reasons)


def test_reasons_say_when_channels_were_pooled(quick_model, neurogenic):
    # the same channel twice: pooled windows have the features of the one-channel recording
    rec = Recording(np.repeat(neurogenic.data, 2, axis=1), neurogenic.fs, ("a", "b"), neurogenic.units * 2)
    result = dp.predict_recording(rec, quick_model)
    assert not result.abstained, result.abstain_reasons
    assert all("(windows of all channels pooled)" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [({"fs": 2000}, 2000.0), ({"fs": [4000.0, 4000.0]}, 4000.0), ({"fs": [2000.0, 4000.0]}, None),
     ({}, None), ({"fs": "n/a"}, None)],
)
def test_training_sampling_rate_is_read_from_the_model(quick_model, metadata, expected):
    assert dataclasses.replace(quick_model, metadata=metadata).training_fs == expected


def test_audit_rows_filter_and_table():
    rows = [
        {"id": 2, "created_at": "2026-01-02T10:00:00.000001+00:00", "user": "b", "model_version": "v2",
         "input_name": "flat.csv", "input_sha256": "ab" * 32, "quality_verdict": "fail", "predicted_label": None,
         "probabilities": {}, "prediction_set": [], "top_reasons": [], "abstained": True,
         "abstain_reasons": ["Channel ch1 looks disconnected."]},
        {"id": 1, "created_at": "2026-01-01T09:00:00.000001+00:00", "user": "a", "model_version": "v1",
         "input_name": "needle.npz", "input_sha256": "cd" * 32, "quality_verdict": "pass",
         "predicted_label": "neurogenic", "probabilities": {"healthy": 0.1, "neurogenic": 0.9},
         "prediction_set": ["neurogenic"], "top_reasons": ["Median frequency is low."], "abstained": False,
         "abstain_reasons": []},
    ]
    assert [r["id"] for r in filter_audit_rows(rows)] == [2, 1]
    assert [r["id"] for r in filter_audit_rows(rows, outcome="abstentions")] == [2]
    assert [r["id"] for r in filter_audit_rows(rows, outcome="predictions")] == [1]
    assert [r["id"] for r in filter_audit_rows(rows, users=["a"], model_versions=["v1"])] == [1]
    assert [r["id"] for r in filter_audit_rows(rows, text="DISCONNECTED")] == [2]
    assert filter_audit_rows(rows, users=["a"], outcome="abstentions") == []
    with pytest.raises(ValueError, match="outcome must be one of"):
        filter_audit_rows(rows, outcome="maybe")
    table = audit_frame(rows)
    assert list(table["outcome"]) == ["abstained", "neurogenic"]
    assert table.loc[1, "probability"] == 0.9 and table.loc[0, "top reason"] == "Channel ch1 looks disconnected."
    assert table.loc[1, "time (UTC)"] == "2026-01-01 09:00:00" and table.loc[1, "SHA-256"] == "cd" * 8
    assert list(audit_frame([]).columns) == list(table.columns)


def test_empty_sets_and_sets_without_the_top_class_are_explained(quick_model, neurogenic):
    from decision_support.conformal import ClassConditionalConformal

    classes = quick_model.classes
    labels = np.repeat(classes, 20)

    def with_scores(scores_by_class):
        scores = np.concatenate([np.full(20, scores_by_class[c]) for c in classes])
        conformal = ClassConditionalConformal(classes, scores, labels, coverage=quick_model.conformal.coverage,
                                              model=quick_model.pipeline)
        return dataclasses.replace(quick_model, conformal=conformal)

    # every calibration recording fitted its class perfectly: nothing this recording does is as conforming
    strict = with_scores({c: 0.0 for c in classes})
    result = dp.predict_recording(neurogenic, strict, explain=False)
    assert result.prediction_set == [] and any("prediction set is empty" in w for w in result.warnings)
    # the top class is held to a perfect fit, the others accept anything
    top = result.predicted_label
    lenient = with_scores({c: (0.0 if c == top else 1.0) for c in classes})
    result = dp.predict_recording(neurogenic, lenient, explain=False)
    assert top not in result.prediction_set and len(result.prediction_set) == len(classes) - 1
    assert any(f"most likely class ({top}) is not in the prediction set" in w for w in result.warnings)
