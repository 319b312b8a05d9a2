"""Fast exact medians and robust SDs: equal to NumPy's, bit for bit, on awkward inputs."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core import robust


def _rows(kind: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    rows = rng.normal(size=(3, n))
    if kind == "ties":
        rows = np.round(rows * 2)
    elif kind == "heavy_tails":
        rows = rng.standard_cauchy(size=(3, n))
    elif kind == "sorted":
        rows = np.sort(rows, axis=1)
    elif kind == "half_zero":
        rows[:, : n // 2 + 1] = 0.0
    elif kind == "periodic":  # aliases with the evenly spaced subsample
        rows = np.tile(np.r_[np.zeros(4000), np.ones(4000)], n // 8000 + 1)[:n] * np.ones((3, 1))
    elif kind == "nan":
        rows[1, 7] = np.nan
    return rows


KINDS = ["normal", "ties", "heavy_tails", "sorted", "half_zero", "periodic", "nan"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [1000, 20_000, 20_001, 123_457])
def test_channel_medians_equal_numpy_exactly(kind, n):
    data = np.ascontiguousarray(_rows(kind, n).T)  # (n_samples, n_channels), like every signal_core signal
    np.testing.assert_array_equal(robust.channel_medians(data), np.median(data, axis=0))
    diffs = np.diff(data, axis=0)
    np.testing.assert_array_equal(robust.channel_medians(data, differences=True), np.median(diffs, axis=0))
    centre = np.median(diffs, axis=0)
    np.testing.assert_array_equal(robust.channel_medians(data, differences=True, centre=centre),
                                  np.median(np.abs(diffs - centre[None, :]), axis=0))


@pytest.mark.parametrize("kind", ["normal", "ties", "heavy_tails"])
def test_robust_sd_equals_the_numpy_formula(kind):
    rows = _rows(kind, 60_000) * 1e-3

    def reference(v):
        return np.median(np.abs(v - np.median(v))) / 0.6745

    data = np.ascontiguousarray(rows.T)
    expected = [reference(r) for r in rows]
    np.testing.assert_array_equal(robust.robust_sd(data), expected)
    np.testing.assert_array_equal(robust.robust_sd(data, differences=True), [reference(np.diff(r)) for r in rows])


def test_a_strided_view_is_read_in_place_with_the_same_result():
    wide = np.ascontiguousarray(_rows("normal", 40_000).T)
    view = wide[:, ::2]  # not contiguous: channels 0 and 2
    np.testing.assert_array_equal(robust.channel_medians(view), np.median(view, axis=0))


def test_a_missed_bracket_falls_back_to_numpy():
    data = np.ascontiguousarray(_rows("normal", 50_000).T)
    out = np.empty(3)
    lo = hi = np.full(3, 10.0)  # a bracket far above the middle
    robust._kernels.bracket_medians(data, False, False, np.zeros(3), lo, hi, out)
    assert np.isnan(out).all()
