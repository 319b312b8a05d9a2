"""Every Numba kernel against the plain NumPy reference in naive.py.

Signals: random, quantised (ties and exact zeros), constant, zero, exactly one window, and long; windows
that are, and are not, a multiple of the step (and a step longer than the window).
"""

from __future__ import annotations

import numpy as np
import pytest

from signal_core import _kernels, spectral
from signal_core.features import DEFAULT_THRESHOLDS, _sum_features
from tests.signal_core import naive

FS = 1000.0
# (window, step): multiple, not a multiple, step > window, step 1, step == window
GEOMETRIES = [(40, 10), (45, 10), (30, 40), (16, 1), (50, 50)]


def _signal(kind: str, window: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    if kind == "random":
        return rng.normal(scale=0.05, size=(700, 3)) + rng.standard_t(3, size=(700, 3)) * 0.01
    if kind == "quantised":
        return np.round(rng.normal(scale=1.5, size=(500, 2)))
    if kind == "constant":
        return np.full((300, 2), 1.5)
    if kind == "zero":
        return np.zeros((300, 2))
    if kind == "one_window":
        return rng.normal(size=(window, 4))
    if kind == "long":
        t = np.arange(20_000) / FS
        return np.column_stack([np.sin(2 * np.pi * 60 * t), rng.normal(size=t.size), 0.3 + rng.normal(size=t.size) * 1e-3])
    raise AssertionError(kind)


KINDS = ["random", "quantised", "constant", "zero", "one_window", "long"]


def _close(actual, expected, rtol=1e-9):
    expected = np.asarray(expected, dtype=float)
    atol = 1e-12 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def _n_win(x, window, step):
    return (x.shape[0] - window) // step + 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("window,step", GEOMETRIES)
def test_sum_kernels_match_numpy(kind, window, step):
    x = _signal(kind, window)
    n_win = _n_win(x, window, step)
    thresholds = dict(DEFAULT_THRESHOLDS, zc=0.0, ssc=0.0, wamp=0.05, myop=0.02)
    got = _sum_features(np.ascontiguousarray(x), window, step, n_win, thresholds, with_log=True)
    w = naive.windows(x, window, step)
    expected = {
        "MAV": naive.mav(w), "RMS": naive.rms(w), "VAR": naive.var(w), "IAV": naive.iav(w),
        "WL": naive.wl(w), "ZC": naive.zc(w), "SSC": naive.ssc(w), "WAMP": naive.wamp(w, 0.05),
        "LOG": naive.log_detector(w), "DASDV": naive.dasdv(w), "MYOP": naive.myop(w, 0.02),
    }
    assert got.shape == (n_win, x.shape[1], len(_kernels.SUM_FEATURES))
    for i, name in enumerate(_kernels.SUM_FEATURES):
        _close(got[:, :, i], expected[name])


@pytest.mark.parametrize("zc_thr,ssc_thr", [(0.5, 0.25), (2.0, 1.0)])
def test_sum_kernels_with_thresholds(zc_thr, ssc_thr):
    x = _signal("quantised", 45)
    window, step = 45, 10
    thresholds = dict(DEFAULT_THRESHOLDS, zc=zc_thr, ssc=ssc_thr)
    got = _sum_features(x, window, step, _n_win(x, window, step), thresholds, with_log=False)
    w = naive.windows(x, window, step)
    _close(got[:, :, _kernels.SUM_FEATURES.index("ZC")], naive.zc(w, zc_thr))
    _close(got[:, :, _kernels.SUM_FEATURES.index("SSC")], naive.ssc(w, ssc_thr))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("window,step", GEOMETRIES)
def test_moment_kernel_matches_numpy(kind, window, step):
    x = _signal(kind, window)
    got = _kernels.moment_features(x, window, step, _n_win(x, window, step))
    w = naive.windows(x, window, step)
    act, mob, comp = naive.hjorth(w)
    for i, expected in enumerate([naive.skew(w), naive.kurt(w), act, mob, comp]):
        _close(got[:, :, i], expected, rtol=1e-8)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("window,step", [(40, 10), (45, 10), (30, 40)])
def test_burg_kernel_matches_numpy(kind, window, step):
    x = _signal(kind, window)
    got = _kernels.burg_ar(x, window, step, _n_win(x, window, step), 4)
    # The kernel forms Burg's sums from lag products instead of updating error series, so it rounds
    # differently: a pure tone (the "long" signal's channel 1, nearly a unit root) agrees to about 1e-7.
    _close(got, naive.ar(naive.windows(x, window, step)), rtol=1e-6)


def test_burg_matches_statsmodels():
    from statsmodels.regression.linear_model import burg

    series = np.random.default_rng(3).normal(size=400).cumsum() * 0.1
    x = np.ascontiguousarray(series[:, None])
    got = _kernels.burg_ar(x, 400, 400, 1, 4)[0, 0]
    rho, _ = burg(series, order=4, demean=True)
    # statsmodels reports x[t] = sum rho_k x[t-k]; ours are the prediction-error filter signs (libemg's).
    np.testing.assert_allclose(got, -rho, rtol=1e-9, atol=1e-12)


def test_burg_recovers_a_known_ar_process():
    rng = np.random.default_rng(11)
    e = rng.normal(size=60_000)
    x = np.zeros_like(e)
    for t in range(2, e.size):
        x[t] = 1.2 * x[t - 1] - 0.5 * x[t - 2] + e[t]
    got = _kernels.burg_ar(np.ascontiguousarray(x[:, None]), e.size, e.size, 1, 4)[0, 0]
    np.testing.assert_allclose(got, [-1.2, 0.5, 0.0, 0.0], atol=0.02)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("window,step", [(40, 10), (45, 10), (30, 40), (64, 16)])
def test_spectral_kernel_matches_numpy(kind, window, step):
    x = _signal(kind, window)
    low, high = (20.0, 100.0), (100.0, 450.0)
    got = spectral.spectral_features(x, FS, window, step, _n_win(x, window, step), low, high)
    expected = naive.spectral(naive.windows(x, window, step), FS, low, high)
    for i, name in enumerate(_kernels.SPECTRAL_FEATURES):
        _close(got[:, :, i], expected[name], rtol=1e-8)


def test_spectral_chunking_does_not_change_results(monkeypatch):
    x = _signal("long", 64)
    args = (x, FS, 64, 16, _n_win(x, 64, 16), (20.0, 100.0), (100.0, 450.0))
    whole = spectral.spectral_features(*args)
    monkeypatch.setattr(spectral, "CHUNK_BYTES", 1)  # one window per chunk
    np.testing.assert_array_equal(spectral.spectral_features(*args), whole)


def test_band_bins_and_next_pow2():
    assert [spectral.next_pow2(n) for n in (1, 2, 3, 800, 1024, 1025)] == [1, 2, 4, 1024, 1024, 2048]
    # nfft 1024 at 4 kHz: bins are 3.90625 Hz apart; 20 Hz -> bin 6 (23.4 Hz), 100 Hz -> bin 26 (101.6 Hz)
    assert spectral.band_bins(20.0, 100.0, 4000.0, 1024) == (6, 26)
    assert spectral.band_bins(100.0, 1e6, 4000.0, 1024) == (26, 512)


@pytest.mark.parametrize("kind", KINDS)
def test_count_nonfinite_matches_numpy(kind):
    x = _signal(kind, 40).copy()
    assert _kernels.count_nonfinite(x) == 0
    x[3, 0] = np.nan
    x[-1, -1] = np.inf
    x[len(x) // 2, 0] = -np.inf
    assert _kernels.count_nonfinite(x) == np.count_nonzero(~np.isfinite(x)) == 3


@pytest.mark.parametrize("window,step", GEOMETRIES)
def test_fill_windows_copies_windows_and_keeps_padding(window, step):
    x = _signal("random", window)
    buf = np.full((3, x.shape[1], spectral.next_pow2(window)), 0.0)
    _kernels.fill_windows(x, 2, step, window, buf)
    np.testing.assert_array_equal(buf[..., :window], naive.windows(x, window, step)[2:5])
    assert not buf[..., window:].any()
