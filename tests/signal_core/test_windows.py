import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signal_core import windows
from signal_core.errors import SignalError


def test_seconds_become_samples_once_and_round():
    assert windows.window_samples(0.2, 4000.0) == 800
    assert windows.step_samples(0.05, 4000.0) == 200
    assert windows.window_samples(0.1, 2048.0) == 205  # 204.8 rounds to the nearest sample
    assert windows.plan(240_000, 4000.0, 0.2, 0.05) == (800, 200, 1197)


@pytest.mark.parametrize("window_s", [0.0, -0.2, math.nan, math.inf, "abc", None])
def test_bad_window_is_a_plain_error(window_s):
    with pytest.raises(SignalError, match="window"):
        windows.window_samples(window_s, 1000.0)


@pytest.mark.parametrize("fs", [0.0, -5.0, math.nan, math.inf])
def test_bad_sampling_rate_is_a_plain_error(fs):
    with pytest.raises(SignalError, match="sampling rate"):
        windows.window_samples(0.2, fs)


def test_window_too_few_samples():
    with pytest.raises(SignalError, match="holds only 2 samples"):
        windows.window_samples(0.002, 1000.0)


def test_step_shorter_than_a_sample():
    with pytest.raises(SignalError, match="shorter than one sample"):
        windows.step_samples(0.0001, 1000.0)


def test_signal_shorter_than_one_window_says_so_in_seconds():
    with pytest.raises(SignalError, match=r"lasts 0.1 s \(100 samples\), shorter than one window of 0.2 s"):
        windows.plan(100, 1000.0, 0.2, 0.05)
    with pytest.raises(SignalError, match="fewer than one window"):
        windows.n_windows(5, 10, 1)


@given(n=st.integers(1, 5000), window=st.integers(1, 600), step=st.integers(1, 700))
def test_window_count_matches_libemg_formula(n, window, step):
    if n < window:
        with pytest.raises(SignalError):
            windows.n_windows(n, window, step)
        return
    count = windows.n_windows(n, window, step)
    assert count == int((n - window) / step) + 1  # libemg utils.get_windows
    starts = windows.window_starts(n, window, step)
    assert starts.dtype == np.int64 and len(starts) == count
    assert starts[-1] + window <= n < starts[-1] + step + window
