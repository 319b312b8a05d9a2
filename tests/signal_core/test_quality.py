"""Signal-quality report: healthy simulated recordings pass; broken ones are flagged in plain words."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from signal_core import quality
from signal_core.quality import assess_quality
from signal_core.recording import Recording
from signal_core.synthetic import CONDITIONS, MODES, simulate_recording


def _emg(seconds=3.0, fs=4000.0, seed=0, channels=1):
    return simulate_recording("healthy", seconds=seconds, fs=fs, n_channels=channels, seed=seed)


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("excitation", [0.05, 0.3, 0.9])
def test_simulated_recordings_pass_or_at_worst_warn(condition, mode, excitation):
    fs = 4000.0 if mode == "needle" else 2000.0
    rec = simulate_recording(condition, seconds=3.0, fs=fs, mode=mode, n_channels=2, seed=1,
                             excitation=excitation)
    report = assess_quality(rec)
    # The needle simulator carries the baseline wander measured on the real N2001 recordings; a weak
    # contraction then may warn about power below 20 Hz, as 59 of the 218 real low-force records do.
    drift_only = report.verdict == "warn" and all("below 20 Hz" in r for r in report.reasons)
    assert report.verdict == "pass" or (drift_only and mode == "needle" and excitation < 0.1), report.reasons


@pytest.mark.parametrize("condition", CONDITIONS)
def test_simulated_with_hum_and_shift_at_worst_warns(condition):
    rec = simulate_recording(condition, seconds=3.0, seed=2, mains_hz=50, electrode_shift=True)
    assert assess_quality(rec).verdict in ("pass", "warn")


def test_flat_channel_is_disconnected():
    rec = _emg(channels=2)
    data = rec.data.copy()
    data[:, 1] = 0.0
    report = assess_quality(Recording(data, rec.fs, rec.channel_names))
    assert report.verdict == "fail"
    ch = report.channels[1]
    assert ch.disconnected and ch.flat_fraction == 1.0 and ch.verdict == "fail"
    assert any("needle2 looks disconnected" in r and "100%" in r for r in report.reasons)
    assert report.channels[0].verdict == "pass"


def test_partly_flat_channel_warns():
    rec = _emg()
    data = rec.data.copy()
    data[: len(data) // 5] = 0.0
    report = assess_quality(Recording(data, rec.fs))
    assert report.verdict == "warn"
    assert 0.1 <= report.channels[0].flat_fraction < 0.5


def test_clipped_signal_fails():
    rec = _emg()
    limit = 0.3 * np.abs(rec.data).max()
    report = assess_quality(Recording(np.clip(rec.data, -limit, limit), rec.fs))
    assert report.verdict == "fail"
    assert report.channels[0].clipping_fraction >= quality.CLIP_FAIL
    assert any("clipped" in r for r in report.reasons)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_hum_laden_signal_fails_and_names_frequency(mains):
    rec = _emg()
    t = np.arange(rec.n_samples) / rec.fs
    hum = 3 * rec.data.std() * np.sin(2 * np.pi * mains * t)
    report = assess_quality(Recording(rec.data + hum[:, None], rec.fs))
    ch = report.channels[0]
    assert report.verdict == "fail" and ch.mains_hz == mains and ch.mains_ratio >= quality.MAINS_FAIL
    assert any(f"{mains:g} Hz" in r for r in report.reasons)


def test_moderate_hum_warns():
    rec = _emg()
    t = np.arange(rec.n_samples) / rec.fs
    hum = 0.5 * rec.data.std() * np.sin(2 * np.pi * 50 * t)
    report = assess_quality(Recording(rec.data + hum[:, None], rec.fs))
    assert report.verdict == "warn"


def test_motion_laden_signal_fails():
    rec = _emg()
    t = np.arange(rec.n_samples) / rec.fs
    drift = 5 * rec.data.std() * (np.sin(2 * np.pi * 1.5 * t) + np.sin(2 * np.pi * 7 * t))
    report = assess_quality(Recording(rec.data + drift[:, None], rec.fs))
    assert report.verdict == "fail"
    assert report.channels[0].motion_ratio >= quality.MOTION_FAIL
    assert any("below 20 Hz" in r for r in report.reasons)


def test_nan_values_fail_with_count():
    rec = _emg()
    data = rec.data.copy()
    data[10:15] = np.nan
    report = assess_quality(Recording(data, rec.fs))
    assert report.verdict == "fail" and report.channels[0].nan_count == 5
    assert any("5 missing" in r for r in report.reasons)


def test_snr_higher_for_bursts_than_for_noise():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.01, 8000)
    bursts = noise.copy()
    bursts[2000:3000] += rng.normal(0, 0.5, 1000)
    snr_noise = assess_quality(Recording(noise, 4000.0)).channels[0].snr_db
    snr_bursts = assess_quality(Recording(bursts, 4000.0)).channels[0].snr_db
    assert snr_noise < 3 < 10 < snr_bursts


def test_to_dict_is_json_serialisable():
    report = assess_quality(_emg(channels=2))
    d = json.loads(json.dumps(report.to_dict()))
    assert d["verdict"] == "pass" and len(d["channels"]) == 2
    assert set(d["channels"][0]) >= {"name", "flat_fraction", "clipping_fraction", "mains_ratio",
                                      "motion_ratio", "snr_db", "nan_count", "verdict", "reasons"}


def test_very_short_recording_does_not_crash():
    report = assess_quality(Recording(np.array([0.0, 1.0, 0.0]), 4000.0))
    assert report.verdict in ("pass", "warn", "fail")


@settings(max_examples=40, deadline=None)
@given(
    data=arrays(np.float64, st.tuples(st.integers(2, 3000), st.integers(1, 3)),
                elements=st.floats(-1e6, 1e6, allow_nan=False, width=64)),
    fs=st.sampled_from([1.0, 10.0, 250.0, 1000.0, 4000.0, 50_000.0]),
)
def test_any_finite_recording_gets_a_verdict(data, fs):
    report = assess_quality(Recording(data, fs))
    assert report.verdict in quality.VERDICTS
    assert len(report.channels) == data.shape[1]
    for ch in report.channels:
        assert 0.0 <= ch.flat_fraction <= 1.0 and 0.0 <= ch.clipping_fraction <= 1.0
        assert 0.0 <= ch.mains_ratio <= 1.0 and 0.0 <= ch.motion_ratio <= 1.0


@pytest.mark.parametrize("size,nper", [(24_000, 4096), (12_000, 2048), (17, 17), (33, 16), (1000, 999)])
def test_batched_welch_equals_scipy(size, nper):
    from scipy import signal as sps

    rows = np.random.default_rng(size).normal(size=(3, size))
    f_ref, p_ref = sps.welch(rows, fs=4000.0, nperseg=nper, detrend=False, axis=-1)
    f, p = quality._welch(rows, 4000.0, nper)
    np.testing.assert_array_equal(f, f_ref)
    np.testing.assert_allclose(p, p_ref, rtol=1e-10, atol=1e-14 * p_ref.max())


def test_channels_checked_together_equal_each_channel_checked_alone():
    rec = simulate_recording("neurogenic", seconds=3.0, n_channels=3, seed=4, mains_hz=50)
    data = rec.data * np.array([1.0, 40.0, 1e-3])  # different scales: one shared flat reference
    data[:, 2] = np.clip(data[:, 2], -2e-4, 2e-4)
    data[100:110, 1] = np.nan  # this channel goes the one-at-a-time path
    report = assess_quality(Recording(data, rec.fs))
    reference = max(np.percentile(np.ptp(quality._segments(col[None, :], 200)[0], axis=1), 90)
                    for col in (data[:, c][np.isfinite(data[:, c])] for c in range(3)))
    for c, channel in enumerate(report.channels):
        x = data[:, c][np.isfinite(data[:, c])]
        alone = quality._channel(channel.name, quality._measure(x[None, :], rec.fs, 200, reference), 0,
                                 int(np.count_nonzero(~np.isfinite(data[:, c]))))
        assert alone == channel
    assert report.channels[1].nan_count == 10 and report.verdict == "fail"


def test_overlapping_harmonic_windows_count_each_bin_once():
    # 11 samples at 4 kHz: 364 Hz bins, so the 50, 100 and 150 Hz windows cover the same bins.
    report = assess_quality(Recording(np.r_[0.0, np.ones(10)], 4000.0))
    assert 0.0 <= report.channels[0].mains_ratio <= 1.0
