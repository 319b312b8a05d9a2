"""extract_features: the public API, the registry, libemg 2.0.3 definitions, stability and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from signal_core.errors import SignalError
from signal_core.features import DEFAULT_THRESHOLDS, FEATURE_SETS, FEATURES, FeatureResult, extract_features
from signal_core.recording import Recording
from tests.signal_core import naive

FS = 1000.0
DOMAINS = {"time", "frequency", "statistical", "ar", "hjorth"}


def _emg(n=3000, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    bursts = (np.sin(np.arange(n) / 200.0)[:, None] > 0) * 0.3 + 0.05
    return rng.normal(size=(n, channels)) * bursts * 0.01


# ---- registry ------------------------------------------------------------------------------------------


def test_registry_is_complete_and_documented():
    required = (
        "MAV RMS VAR IAV WL ZC SSC WAMP LOG DASDV MYOP SKEW KURT HJORTH_ACT HJORTH_MOB HJORTH_COMP "
        "AR1 AR2 AR3 AR4 MNF MDF PKF TTP SM1 SM2 SM3 FR"
    ).split()
    assert list(FEATURES) == required
    for name, spec in FEATURES.items():
        assert spec.name == name
        assert spec.domain in DOMAINS
        assert spec.unit and spec.meaning and spec.reference
        assert len(spec.meaning) < 130 and "\n" not in spec.meaning
    assert FEATURE_SETS["time"] == ["MAV", "RMS", "VAR", "IAV", "WL", "ZC", "SSC", "WAMP"]
    assert FEATURE_SETS["all"] == list(FEATURES)
    assert set(DEFAULT_THRESHOLDS) == {"zc", "ssc", "wamp", "myop", "fr_low_band", "fr_high_band"}


def test_readme_documents_every_feature_and_threshold():
    from tests.conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## EMG features\n", 1)[1].split("\n## ", 1)[0]
    import re

    words = set(re.findall(r"[A-Z][A-Z0-9_]+", section))
    # "AR1-AR4" and "SM1-SM3" name ranges
    words |= {f"AR{i}" for i in range(1, 5)} | {f"SM{i}" for i in range(1, 4)}
    assert set(FEATURES) <= words, set(FEATURES) - words
    for key in DEFAULT_THRESHOLDS:
        assert f"`{key}`" in section, key


# ---- every feature against the references --------------------------------------------------------------


@pytest.mark.parametrize("window_s,step_s", [(0.2, 0.05), (0.25, 0.1), (0.1, 0.15), (0.064, 0.016)])
def test_all_features_match_the_numpy_references(window_s, step_s):
    x = _emg()
    result = extract_features(x, FS, window_s, step_s)
    window, step = round(window_s * FS), round(step_s * FS)
    expected = naive.all_features(x, FS, window, step)
    assert result.values.shape == (len(expected["MAV"]), 3, len(FEATURES))
    for i, name in enumerate(result.feature_names):
        want = expected[name]
        atol = 1e-12 * max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(result.values[:, :, i], want, rtol=1e-8, atol=atol, err_msg=name)


def test_feature_selection_order_and_sets():
    x = _emg()
    some = extract_features(x, FS, features=["wl", "MAV", "mnf", "AR2"])
    assert some.feature_names == ("WL", "MAV", "MNF", "AR2")
    full = extract_features(x, FS)
    for i, name in enumerate(some.feature_names):
        np.testing.assert_array_equal(some.values[:, :, i], full.values[:, :, full.feature_names.index(name)])
    assert extract_features(x, FS, features="time").feature_names == tuple(FEATURE_SETS["time"])


def test_thresholds_can_be_overridden():
    x = _emg()
    w = naive.windows(x, 200, 50)
    result = extract_features(x, FS, features=["WAMP", "MYOP", "ZC", "FR"],
                              thresholds={"wamp": 0.004, "myop": 0.001, "zc": 0.002, "fr_low_band": (10, 50)})
    np.testing.assert_array_equal(result.values[:, :, 0], naive.wamp(w, 0.004))
    np.testing.assert_allclose(result.values[:, :, 1], naive.myop(w, 0.001), rtol=1e-12)
    np.testing.assert_array_equal(result.values[:, :, 2], naive.zc(w, 0.002))
    np.testing.assert_allclose(result.values[:, :, 3], naive.spectral(w, FS, (10, 50), (100, 450))["FR"], rtol=1e-9)
    assert not np.array_equal(result.values[:, :, 0], naive.wamp(w, 2e-3))


def test_amplitude_thresholds_can_differ_per_channel():
    x = _emg()
    assert x.shape[1] >= 2
    per_channel = {"wamp": np.linspace(0.002, 0.006, x.shape[1]), "myop": np.linspace(0.001, 0.003, x.shape[1]),
                   "zc": np.linspace(0.0, 0.004, x.shape[1]), "ssc": np.linspace(0.0, 1e-6, x.shape[1])}
    together = extract_features(x, FS, features=["WAMP", "MYOP", "ZC", "SSC"], thresholds=per_channel)
    for c in range(x.shape[1]):
        alone = extract_features(x[:, c], FS, features=["WAMP", "MYOP", "ZC", "SSC"],
                                 thresholds={k: float(v[c]) for k, v in per_channel.items()})
        np.testing.assert_array_equal(together.values[:, c, :], alone.values[:, 0, :])
    with pytest.raises(SignalError, match="one number per channel"):
        extract_features(x, FS, features=["WAMP"], thresholds={"wamp": [0.001] * (x.shape[1] + 1)})
    with pytest.raises(SignalError, match="finite"):
        extract_features(x, FS, features=["WAMP"], thresholds={"wamp": [np.nan] * x.shape[1]})


# ---- libemg 2.0.3 definitions (written from the definitions, libemg itself is not installed) -----------


def _libemg_windows(x, window, step):
    # utils.get_windows: (n_windows, channels, samples)
    n = int((x.shape[0] - window) / step) + 1
    return np.array([x[k * step : k * step + window].T for k in range(n)])


def _libemg_reference(w, fs):
    nextpow2 = 2 ** math.ceil(math.log2(w.shape[2]))
    spec = np.fft.fft(w, nextpow2, axis=2) / w.shape[2]
    half = spec[:, :, : nextpow2 // 2]
    power = np.real(half * np.conj(half))
    f = np.fft.fftfreq(nextpow2)[: nextpow2 // 2] * fs
    cum = np.cumsum(power, axis=2)
    total = np.sum(power, axis=2)
    mdf = np.zeros(w.shape[:2])
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            mdf[i, j] = (fs / 2) * np.argwhere(cum[i, j, :] > total[i, j] / 2)[0][0] / (nextpow2 / 2)
    sign_change = np.diff(np.sign(w), axis=2)
    return {
        "MAV": np.mean(np.abs(w), 2),
        "RMS": np.sqrt(np.mean(np.square(w), 2)),
        "VAR": np.var(w, axis=2),
        "IAV": np.sum(np.abs(w), axis=2),
        "WL": np.sum(np.abs(np.diff(w, axis=2)), 2),
        "ZC": np.sum(sign_change == -2, 2) + np.sum(sign_change == 2, 2),
        "SSC": np.sum(((w[:, :, 1:-1] - w[:, :, :-2]) * (w[:, :, 1:-1] - w[:, :, 2:])) >= 0.0, axis=2),
        "WAMP": np.sum(np.abs(np.diff(w, axis=2)) > 2e-3, axis=2),
        "MNF": np.real(np.sum(power * f, axis=2) / np.sum(power, axis=2)),
        "MDF": mdf,
        "DASDV": np.sqrt(np.mean(np.diff(w, axis=2) ** 2, axis=2)),
        "SM2": np.sum(power * f**2, axis=2),
    }


@pytest.mark.parametrize("fs,window_s,step_s", [(4000.0, 0.2, 0.05), (1000.0, 0.15, 0.04), (2048.0, 0.125, 0.125)])
def test_libemg_definitions_to_1e9(fs, window_s, step_s):
    rng = np.random.default_rng(5)
    x = rng.normal(scale=0.01, size=(int(fs * 1.5), 4))
    x[100:140, 1] = 0.0  # exact zeros: they break libemg zero crossings, and ours
    x[500:700, 2] = np.round(x[500:700, 2], 2)  # ties for SSC
    window, step = round(window_s * fs), round(step_s * fs)
    expected = _libemg_reference(_libemg_windows(x, window, step), fs)
    result = extract_features(x, fs, window_s, step_s, features=list(expected))
    for i, name in enumerate(result.feature_names):
        np.testing.assert_allclose(result.values[:, :, i], expected[name], rtol=1e-9, atol=1e-300, err_msg=name)


# ---- stability -------------------------------------------------------------------------------------------


def test_large_dc_offset_keeps_var_and_rms_accurate():
    rng = np.random.default_rng(2)
    noise = rng.normal(scale=1e-3, size=(40_000, 2))
    x = 1e6 + noise
    w = naive.windows(x, 200, 50)
    result = extract_features(x, FS, features=["VAR", "RMS", "HJORTH_ACT", "SKEW"])
    np.testing.assert_allclose(result.values[:, :, 0], np.var(w, axis=-1), rtol=1e-9)
    np.testing.assert_allclose(result.values[:, :, 1], naive.rms(w), rtol=1e-12)
    np.testing.assert_allclose(result.values[:, :, 2], np.var(w, axis=-1), rtol=1e-9)
    # w - 1e6 is exact (Sterbenz), so these references see exactly the same deviations as the signal
    np.testing.assert_allclose(result.values[:, :, 3], naive.skew(w - 1e6), rtol=1e-7, atol=1e-9)
    # the textbook one-pass formula E[x^2] - E[x]^2 is useless here; ours is not that formula
    one_pass = np.mean(w**2, axis=-1) - np.mean(w, axis=-1) ** 2
    assert np.max(np.abs(one_pass / np.var(w, axis=-1) - 1)) > 1e-3


def test_results_are_finite_for_flat_and_silent_channels():
    x = np.column_stack([np.zeros(2000), np.full(2000, 3.0), _emg(2000, 1)[:, 0]])
    result = extract_features(x, FS)
    assert np.isfinite(result.values).all()
    silent = result.values[:, 0, :]
    ssc = result.feature_names.index("SSC")
    # libemg's SSC counts (x_i - x_{i-1})(x_i - x_{i+1}) >= 0, so a flat line has a "change" at every sample
    assert np.all(silent[:, ssc] == 200 - 2)
    assert np.all(np.delete(silent, ssc, axis=1) == 0.0)


# ---- inputs and outputs ----------------------------------------------------------------------------------


def test_recording_input_carries_fs_and_channel_names():
    rec = Recording(_emg(), FS, channel_names=("biceps", "triceps", "deltoid"))
    result = extract_features(rec, window_s=0.2, step_s=0.1, features=["MAV", "MDF"])
    assert isinstance(result, FeatureResult)
    assert result.channel_names == ("biceps", "triceps", "deltoid")
    assert result.fs == FS
    np.testing.assert_allclose(result.window_starts, np.arange(result.n_windows) * 0.1)
    frame = result.to_frame()
    assert list(frame.columns) == ["window_start_s", "MAV_biceps", "MAV_triceps", "MAV_deltoid",
                                   "MDF_biceps", "MDF_triceps", "MDF_deltoid"]
    assert len(frame) == result.n_windows
    np.testing.assert_array_equal(frame["MDF_triceps"].to_numpy(), result.values[:, 1, 1])


def test_one_dimensional_input_and_one_window_exactly():
    x = _emg(200, 1)[:, 0]
    result = extract_features(x, FS, window_s=0.2, step_s=0.05, features=["MAV", "AR1"])
    assert result.values.shape == (1, 1, 2)
    assert result.channel_names == ("ch1",)
    np.testing.assert_allclose(result.values[0, 0, 0], np.mean(np.abs(x)), rtol=1e-12)


@pytest.mark.parametrize(
    "signal,fs,kwargs,message",
    [
        (np.r_[[[0.0, 0.0]] * 500, [[0.1, np.nan]], [[0.2, 0.3]] * 499], FS, {}, r"1 missing or infinite values .* sample 500 \(0.5 s\) of channel 2"),
        (np.r_[np.zeros(600), np.inf], FS, {}, "missing or infinite"),
        (np.zeros(1000), 0.0, {}, "sampling rate"),
        (np.zeros(1000), -1000.0, {}, "sampling rate"),
        (np.zeros(1000), None, {}, "sampling rate missing"),
        (np.zeros(1000), "fast", {}, "sampling rate"),
        (np.zeros(100), FS, {}, "shorter than one window"),
        (np.zeros(1000), FS, {"features": ["MAV", "TKEO"]}, "unknown feature 'TKEO'"),
        (np.zeros(1000), FS, {"features": []}, "no features requested"),
        (np.zeros(1000), FS, {"thresholds": {"wamp_threshold": 1}}, "unknown threshold"),
        (np.zeros(1000), FS, {"thresholds": {"wamp": "high"}}, "threshold 'wamp' must be a number"),
        (np.zeros(1000), FS, {"thresholds": {"fr_low_band": (100, 20)}}, "fr_low_band"),
        (np.zeros((10, 10, 10)), FS, {}, "1-D or 2-D"),
        (np.zeros((0, 3)), FS, {}, "empty"),
        (np.array(["a", "b"] * 500), FS, {}, "must hold numbers"),
        (np.zeros(1000, dtype=complex), FS, {}, "complex"),
        (np.zeros((1000, 2)), FS, {"channel_names": ["only one"]}, "1 channel names for 2 channels"),
        (np.zeros((1000, 1)), FS, {"window_s": 0.0}, "window"),
        (np.zeros((1000, 1)), FS, {"step_s": -1}, "step"),
    ],
)
def test_bad_input_gives_a_plain_signal_error(signal, fs, kwargs, message):
    with pytest.raises(SignalError, match=message):
        extract_features(signal, fs, **kwargs)


def test_ragged_list_is_a_signal_error():
    with pytest.raises(SignalError):
        extract_features([[1.0, 2.0], [3.0]], FS)


_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    signal=hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int16, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=40),
        elements=None,
    ),
    fs=st.one_of(_floats, st.integers(-10, 10_000), st.none()),
    window_s=st.one_of(st.floats(-1, 1), st.just(0.01)),
    step_s=st.one_of(st.floats(-1, 1), st.just(0.005)),
)
def test_arbitrary_arrays_raise_only_signal_error(signal, fs, window_s, step_s):
    try:
        result = extract_features(signal, fs, window_s, step_s)
    except SignalError:
        return
    assert result.values.shape[2] == len(FEATURES)
    assert result.values.shape[0] >= 1


@settings(max_examples=40, deadline=None)
@given(
    signal=hnp.arrays(
        dtype=np.float64,
        shape=st.tuples(st.integers(8, 120), st.integers(1, 3)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    ),
    step=st.integers(1, 30),
)
def test_finite_signals_give_finite_features(signal, step):
    result = extract_features(signal, 100.0, window_s=0.08, step_s=step / 100.0)
    assert np.isfinite(result.values).all()
    w = naive.windows(signal, 8, step)
    np.testing.assert_allclose(result.values[:, :, 0], naive.mav(w), rtol=1e-9, atol=1e-9)


def test_log_detector_carries_information_on_integer_adc_signals():
    # An integer ADC (13.107 units per microvolt, as the N2001 recordings) stores samples below one step
    # as exact 0: LOG must still follow the amplitude, leaving those samples out of its geometric mean.
    rng = np.random.default_rng(9)
    step = 1.0 / 13107.0  # mV per ADC unit
    quiet = np.round(rng.normal(scale=2e-4, size=8000) / step) * step
    loud = 4.0 * quiet
    assert np.mean(quiet == 0) > 0.05
    result = extract_features(np.column_stack([quiet, loud]), FS, 0.2, 0.2, features=["LOG"])
    log = result.values[:, :, 0]
    assert np.all(log > 0)
    np.testing.assert_allclose(log[:, 1] / log[:, 0], 4.0, rtol=1e-9)
    w = naive.windows(np.column_stack([quiet, loud]), 200, 200)  # 0.2 s at FS
    np.testing.assert_allclose(log, naive.log_detector(w), rtol=1e-12)
    nonzero = np.abs(quiet[:200][quiet[:200] != 0])
    assert log[0, 0] == pytest.approx(np.exp(np.mean(np.log(nonzero))), rel=1e-12)
    assert extract_features(np.zeros(400), FS, 0.2, 0.2, features=["LOG"]).values[0, 0, 0] == 0.0
