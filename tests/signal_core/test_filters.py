"""Filters: pass-band kept, stop-band removed, zero phase, clear errors at or above Nyquist."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core.errors import SignalError
from signal_core.filters import bandpass, envelope, notch

FS = 2000.0
T = np.arange(int(2 * FS)) / FS


def _tone(freq, amp=1.0):
    return amp * np.sin(2 * np.pi * freq * T)


def _amp(x, freq):
    spec = np.abs(np.fft.rfft(x)) / (len(x) / 2)
    return spec[np.argmin(np.abs(np.fft.rfftfreq(len(x), 1 / FS) - freq))]


def test_bandpass_keeps_band_and_removes_outside():
    x = _tone(5) + _tone(100) + _tone(900)
    y = bandpass(x, FS, 20, 450)
    assert _amp(y, 100) == pytest.approx(1.0, abs=0.02)
    assert _amp(y, 5) < 0.01 and _amp(y, 900) < 0.01


def test_bandpass_zero_phase_and_channels():
    x = np.column_stack([_tone(100), 2 * _tone(100)])
    y = bandpass(x, FS)
    mid = slice(500, -500)
    np.testing.assert_allclose(y[mid, 0], x[mid, 0], atol=0.02)  # no delay in the pass band
    np.testing.assert_allclose(y[:, 1], 2 * y[:, 0], rtol=1e-9, atol=1e-12)


def test_bandpass_caps_high_edge_at_low_rates():
    y = bandpass(_tone(100), 500.0, 20, 450)  # 450 Hz is above Nyquist at 500 Hz: capped at 225
    assert y.shape == T.shape


@pytest.mark.parametrize("kwargs, message", [
    ({"low": 1500}, "below half the sampling rate"),
    ({"low": 0}, "positive frequency"),
    ({"low": 500, "high": 100}, "band 500-100 Hz is empty"),
])
def test_bandpass_errors(kwargs, message):
    with pytest.raises(SignalError, match=message):
        bandpass(_tone(100), FS, **kwargs)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_notch_removes_mains_and_harmonics_but_keeps_emg_band(mains):
    x = _tone(mains) + 0.5 * _tone(3 * mains) + _tone(mains + 37)
    y = notch(x, FS, mains=mains, harmonics=3)
    assert _amp(y, mains) < 0.02 and _amp(y, 3 * mains) < 0.02
    assert _amp(y, mains + 37) == pytest.approx(1.0, abs=0.03)


def test_notch_errors():
    with pytest.raises(SignalError, match="50 or 60"):
        notch(_tone(10), FS, mains=55)
    with pytest.raises(SignalError, match="below half the sampling rate"):
        notch(np.zeros(200), 80.0, mains=50)


@pytest.mark.parametrize("method", ["rectify", "rms"])
def test_envelope_tracks_amplitude(method):
    rng = np.random.default_rng(0)
    x = rng.normal(size=T.size) * np.where(T < 1, 0.1, 1.0)
    env = envelope(x, FS, method=method)
    assert env[int(1.5 * FS)] > 5 * env[int(0.5 * FS)]
    assert np.all(env >= 0)


def test_filter_input_errors():
    with pytest.raises(SignalError, match="NaN"):
        bandpass(np.full(100, np.nan), FS)
    with pytest.raises(SignalError, match="sampling rate"):
        envelope(_tone(5), 0)
    with pytest.raises(SignalError, match="at least 16"):
        bandpass(np.zeros(3), FS)
    with pytest.raises(SignalError, match="unknown envelope method"):
        envelope(_tone(5), FS, method="hilbert")


def test_recording_with_data_keeps_names_units_and_metadata():
    from signal_core.recording import Recording

    rec = Recording(np.column_stack([_tone(100), _tone(5)]), FS, ("a", "b"), ("mV", "mV"), {"seed": 1})
    filtered = rec.with_data(bandpass(rec.data, rec.fs), metadata={"filtered": "20-450 Hz"})
    assert filtered.channel_names == ("a", "b") and filtered.units == ("mV", "mV") and filtered.fs == FS
    assert filtered.metadata == {"seed": 1, "filtered": "20-450 Hz"} and rec.metadata == {"seed": 1}
    assert _amp(filtered.data[:, 1], 5) < 0.01
    with pytest.raises(SignalError):
        rec.with_data(np.zeros((10, 3)))  # three columns for two channel names


@pytest.mark.parametrize("design", [(2, 10.0, "highpass", 4000.0), (4, (20.0, 450.0), "bandpass", 2000.0),
                                    (3, 100.0, "lowpass", 1000.0)])
@pytest.mark.parametrize("shape", [(20_000, 8), (5000, 1), (40, 3), (10, 2)])
def test_sosfiltfilt_channels_equals_scipy_exactly(design, shape):
    from scipy import signal as sps

    from signal_core.filters import sosfiltfilt_channels

    order, cutoff, kind, fs = design
    sos = sps.butter(order, cutoff, kind, fs=fs, output="sos")
    x = np.random.default_rng(shape[0]).normal(size=shape) + 2.0  # an offset: the padding must match too
    try:
        expected = sps.sosfiltfilt(sos, x, axis=0)
    except ValueError:  # too short for the padding: the same error comes from both
        with pytest.raises(ValueError):
            sosfiltfilt_channels(sos, x)
        return
    np.testing.assert_array_equal(sosfiltfilt_channels(sos, x), expected)


@pytest.mark.parametrize("mains, offset_hz", [(50.0, 0.0), (50.0, 0.04), (60.0, -0.03)])
def test_remove_mains_subtracts_the_line_and_keeps_broadband_emg(mains, offset_hz):
    """Hum at a slightly wrong mains frequency (grids drift by hundredths of a hertz) is still found and
    subtracted; EMG-like noise around the line keeps its power, which a notch would cut."""
    from signal_core.filters import remove_mains

    rng = np.random.default_rng(7)
    emg = rng.normal(0.0, 0.05, T.size)
    f = mains + offset_hz
    hum = 0.2 * np.sin(2 * np.pi * f * T + 0.3) + 0.05 * np.sin(2 * np.pi * 3 * f * T)
    y = remove_mains(emg + hum, FS, mains=mains)
    assert np.std(y - emg) < 0.05 * np.std(hum)
    # Nothing is locked to the line: fitting 10 numbers (5 harmonics) to N samples takes about sqrt(10 / N)
    # of white noise (5% of these 4,000 samples), while the notches cut about three times as much.
    taken = np.std(remove_mains(emg, FS, mains=mains) - emg)
    assert taken < 1.5 * np.sqrt(10 / T.size) * np.std(emg)
    assert np.std(notch(emg, FS, mains=mains, harmonics=5) - emg) > 2 * taken
    both = remove_mains(np.column_stack([emg + hum, 2 * (emg + hum)]), FS, mains=mains)
    np.testing.assert_allclose(both[:, 1], 2 * both[:, 0], rtol=1e-9, atol=1e-12)


def test_remove_mains_errors():
    from signal_core.filters import remove_mains

    with pytest.raises(SignalError, match="50 or 60"):
        remove_mains(_tone(10), FS, mains=55)
    with pytest.raises(SignalError, match="NaN"):
        remove_mains(np.full(100, np.nan), FS)


def test_remove_hum_cleans_only_channels_whose_hum_is_marked():
    """Channel 1 carries 60 Hz hum well above the quality warning level, channel 2 a trace of 50 Hz below it:
    only channel 1 is changed, and the report names its channel, frequency and share."""
    from signal_core.filters import HUM_SHARE, remove_hum
    from signal_core.quality import mains_hum

    rng = np.random.default_rng(3)
    emg = rng.normal(0.0, 0.05, (T.size, 2))
    data = emg.copy()
    data[:, 0] += 0.1 * np.sin(2 * np.pi * 60.02 * T)
    data[:, 1] += 0.002 * np.sin(2 * np.pi * 50 * T)
    assert mains_hum(data[:, 1], FS)[1] < HUM_SHARE <= mains_hum(data[:, 0], FS)[1]
    cleaned, removed = remove_hum(data, FS)
    assert [(c, hz) for c, hz, _ in removed] == [(0, 60.0)]
    assert removed[0][2] >= HUM_SHARE
    assert np.std(cleaned[:, 0] - emg[:, 0]) < 0.1 * np.std(data[:, 0] - emg[:, 0])
    np.testing.assert_array_equal(cleaned[:, 1], data[:, 1])
    one, again = remove_hum(emg[:, 0], FS)
    assert again == [] and one is not None and np.array_equal(one, emg[:, 0])
