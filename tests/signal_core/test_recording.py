"""Recording and the shared sampling-rate check: every bad rate is a SignalError, never a TypeError."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core.errors import SignalError, check_sampling_rate
from signal_core.recording import Recording


@pytest.mark.parametrize("fs", ["abc", None, float("nan"), float("inf"), 0, -1, [1, 2], object()])
def test_bad_sampling_rates_are_signal_errors(fs):
    with pytest.raises(SignalError, match="sampling rate must be a positive number of Hz"):
        Recording(np.zeros((10, 1)), fs)


def test_check_names_where_the_rate_came_from():
    with pytest.raises(SignalError, match=r"^rec\.npz: sampling rate"):
        check_sampling_rate("x", "rec.npz")
    assert check_sampling_rate("4000") == 4000.0


@pytest.mark.parametrize("fs, shown", [(np.array(0.0), "got 0.0"), (np.array("abc"), "got 'abc'"),
                                       (np.float64(-4000), "got -4000.0")])
def test_a_rate_read_from_an_npz_file_is_shown_as_a_plain_value(fs, shown):
    # an .npz file holds its rate as a 0-d array; "got array(0.)" means nothing to a medic
    with pytest.raises(SignalError) as err:
        check_sampling_rate(fs, "rec.npz")
    assert str(err.value).endswith(shown) and "array" not in str(err.value)


def test_recording_normalises_shape_names_and_units():
    rec = Recording(np.arange(6.0), 2)
    assert rec.data.shape == (6, 1) and rec.data.dtype == np.float64
    assert rec.channel_names == ("ch1",) and rec.units == ("",)
    assert rec.duration_s == 3.0
    with pytest.raises(SignalError, match="2 channel names for 1 channels"):
        Recording(np.zeros((4, 1)), 1.0, channel_names=("a", "b"))
