"""Min/max decimation for plots keeps every peak and bounds the number of points."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core.display import minmax_decimate
from signal_core.errors import SignalError


def test_short_signal_unchanged():
    x = np.arange(10.0)
    t, y = minmax_decimate(x, fs=10.0, max_points=100)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_allclose(t, np.arange(10) / 10.0)


@pytest.mark.parametrize("n", [2001, 10_000, 123_457])
def test_long_signal_bounded_and_keeps_extremes(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3))
    x[n // 3, 1] = 50.0  # a single-sample spike must survive
    t, y = minmax_decimate(x, fs=4000.0, max_points=2000)
    assert y.shape[0] <= 2000 and y.shape[1] == 3 and t.shape[0] == y.shape[0]
    np.testing.assert_array_equal(y.max(axis=0), x.max(axis=0))
    np.testing.assert_array_equal(y.min(axis=0), x.min(axis=0))
    assert np.all(np.diff(t) >= 0) and t[-1] <= (n - 1) / 4000.0


def test_every_bucket_matches_naive_min_max():
    x = np.sin(np.arange(5000) / 7.0)
    _, y = minmax_decimate(x, fs=1.0, max_points=100)
    size = int(np.ceil(5000 / 50))
    naive = [(min(x[i:i + size]), max(x[i:i + size])) for i in range(0, 5000, size)]
    got = [tuple(sorted(y[2 * k: 2 * k + 2])) for k in range(len(naive))]
    np.testing.assert_allclose(got, naive)


def test_bad_arguments():
    with pytest.raises(SignalError):
        minmax_decimate(np.zeros((2, 2, 2)), fs=1.0)
    with pytest.raises(SignalError):
        minmax_decimate(np.zeros(10), fs=0.0)
