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
def test_row_medians_equal_numpy_exactly(kind, n):
    rows = _rows(kind, n)
    np.testing.assert_array_equal(robust.row_medians(rows), np.median(rows, axis=1))
    diffs = np.diff(rows, axis=1)
    np.testing.assert_array_equal(robust.row_medians(rows, differences=True), np.median(diffs, axis=1))
    centre = np.median(diffs, axis=1)
    np.testing.assert_array_equal(robust.row_medians(rows, differences=True, centre=centre),
                                  np.median(np.abs(diffs - centre[:, None]), axis=1))


@pytest.mark.parametrize("kind", ["normal", "ties", "heavy_tails"])
def test_robust_sd_equals_the_numpy_formula(kind):
    rows = _rows(kind, 60_000) * 1e-3

    def reference(v):
        return np.median(np.abs(v - np.median(v))) / 0.6745

    expected = [reference(r) for r in rows]
    np.testing.assert_array_equal(robust.robust_sd(rows), expected)
    np.testing.assert_array_equal(robust.robust_sd(rows, differences=True), [reference(np.diff(r)) for r in rows])


def test_a_missed_bracket_falls_back_to_numpy():
    rows = _rows("normal", 50_000)
    out = np.empty(3)
    lo = hi = np.full(3, 10.0)  # a bracket far above the middle
    robust._kernels.bracket_medians(rows, False, False, np.zeros(3), lo, hi, out)
    assert np.isnan(out).all()
