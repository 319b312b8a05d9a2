"""Recording-level features: gain invariance, the scikit-learn transformer, column names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision_support.transformers import (
    DEFAULT_FEATURES,
    EMGFeatures,
    FeatureSettings,
    describe_column,
    feature_columns,
    recording_features,
)
from signal_core.recording import Recording
from signal_core.synthetic import simulate_recording

REC = simulate_recording("myopathic", seconds=1.0, seed=3)


@given(gain=st.floats(1e-3, 1e3))
@settings(max_examples=10, deadline=None)
def test_default_features_do_not_change_with_amplifier_gain(gain):
    base = recording_features(REC)
    scaled = recording_features(Recording(REC.data * gain, REC.fs))
    np.testing.assert_allclose(scaled.to_numpy(), base.to_numpy(), rtol=1e-9, atol=1e-9)


def test_default_features_do_not_change_with_polarity():
    base = recording_features(REC)
    flipped = recording_features(Recording(-REC.data, REC.fs))
    np.testing.assert_allclose(flipped.to_numpy(), base.to_numpy(), rtol=1e-9, atol=1e-9)
    signed = FeatureSettings(features=("SKEW",))
    assert recording_features(REC, signed).iloc[0] == pytest.approx(
        -recording_features(Recording(-REC.data, REC.fs), signed).iloc[0])


def test_dc_offset_and_slow_drift_do_not_change_the_features():
    base = recording_features(REC)
    t = np.arange(REC.n_samples) / REC.fs
    shifted = Recording(REC.data + 3.0 + 0.5 * np.sin(2 * np.pi * 0.5 * t)[:, None], REC.fs)
    np.testing.assert_allclose(recording_features(shifted).to_numpy(), base.to_numpy(), rtol=0.05, atol=0.05)
    unfiltered = FeatureSettings(highpass_hz=0.0)
    assert recording_features(shifted, unfiltered)["ZC_RATE_median"] < 0.5 * base["ZC_RATE_median"]


def test_absolute_amplitude_feature_is_opt_in_and_does_change():
    assert "LOG10_RMS" not in DEFAULT_FEATURES and len(feature_columns(FeatureSettings())) == 38
    s = FeatureSettings(features=("LOG10_RMS",))
    a = recording_features(REC, s)["LOG10_RMS_median"]
    b = recording_features(Recording(REC.data * 10, REC.fs), s)["LOG10_RMS_median"]
    assert b - a == pytest.approx(1.0)


def test_pooled_and_per_channel_columns():
    two = simulate_recording("healthy", seconds=1.0, seed=1, n_channels=2)
    pooled = EMGFeatures(features=("MNF",)).fit([two])
    assert list(pooled.get_feature_names_out()) == ["MNF_median", "MNF_iqr"]
    per = EMGFeatures(features=("MNF",), channel_mode="per_channel").fit([two])
    table = per.transform([two, two])
    assert list(table.columns) == ["MNF_median_ch1", "MNF_median_ch2", "MNF_iqr_ch1", "MNF_iqr_ch2"]
    assert len(table) == 2
    with pytest.raises(ValueError, match="recording 1 has"):
        per.transform([REC])


def test_describe_column_parses_names():
    d = describe_column("HJORTH_MOB_HZ_iqr_ch3")
    assert (d["feature"], d["stat"], d["channel"], d["unit"]) == ("HJORTH_MOB_HZ", "iqr", "ch3", "Hz")
    assert describe_column("MNF_median")["channel"] is None
    with pytest.raises(ValueError):
        describe_column("subject")


def test_flat_signal_gives_missing_values_not_a_crash():
    row = recording_features(Recording(np.zeros(4000), 4000.0))
    assert row.isna().any()


def test_settings_validate_and_round_trip():
    with pytest.raises(ValueError, match="unknown feature"):
        FeatureSettings(features=("NOPE",))
    with pytest.raises(ValueError, match="channel_mode"):
        FeatureSettings(channel_mode="mixed")
    s = FeatureSettings(window_s=0.25, features=("mnf", "kurt"))
    assert FeatureSettings.from_dict(s.to_dict()) == s and s.features == ("MNF", "KURT")
    assert s.digest() != FeatureSettings().digest()
