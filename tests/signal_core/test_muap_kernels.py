"""The MUAP kernels against the plain references in naive.py (including edge cases: ties, edges, no peaks)."""

from __future__ import annotations

import numpy as np
import pytest

from signal_core import _kernels
from tests.signal_core import naive


def _spiky(n=4000, seed=3, fs=4000.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.01, n)
    shape = np.diff(np.exp(-0.5 * (np.arange(-20, 21) / 4.0) ** 2), 2) * 40  # triphasic
    for start in rng.integers(50, n - 60, 40):
        x[start:start + shape.size] += shape * rng.choice([0.5, 1.0, 2.0])
    return x


@pytest.mark.parametrize("dead", [1, 5, 12])
@pytest.mark.parametrize("kind", ["spiky", "quantised", "zeros", "plateau"])
def test_detect_matches_reference(kind, dead):
    x = {"spiky": _spiky(), "quantised": np.round(_spiky() * 50) / 50, "zeros": np.zeros(500),
         "plateau": np.r_[np.zeros(10), np.full(7, 1.0), np.zeros(10), -np.ones(3), np.zeros(5)]}[kind]
    got = _kernels.muap_detect(x, 0.05, dead)
    np.testing.assert_array_equal(got, naive.muap_detect(x, 0.05, dead))
    if got.size > 1:
        assert np.diff(got).min() > dead
    if kind == "plateau":  # of equal peaks the first wins, one per dead time
        assert got[0] == 10


def test_windows_cluster_assign_median_residuals_match_reference():
    x = _spiky(8000)
    idx = _kernels.muap_detect(x, 0.08, 12)
    idx = np.r_[2, idx, x.size - 3]  # sweeps that run off both ends are zero-padded
    w = _kernels.muap_windows(x, idx, 30, 50)
    np.testing.assert_array_equal(w, naive.muap_windows(x, idx, 30, 50))
    order = np.argsort(-np.abs(w[:, 30]), kind="stable")
    labels, n = _kernels.muap_cluster(w, order, 22, 39, 0.25, 40)
    ref_labels, ref_n = naive.muap_cluster(w, order, 22, 39, 0.25, 40)
    assert n == ref_n and n >= 3  # three amplitudes, two polarities of the same shape at least
    np.testing.assert_array_equal(labels, ref_labels)
    med, counts = _kernels.muap_median(w, labels, n)
    ref_med, ref_counts = naive.muap_median(w, labels, n)
    np.testing.assert_allclose(med, ref_med, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(counts, ref_counts)
    lab2, dist = _kernels.muap_assign(w, med, 22, 39, 0.25)
    ref_lab2, ref_dist = naive.muap_assign(w, med, 22, 39, 0.25)
    np.testing.assert_array_equal(lab2, ref_lab2)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-12)
    lo = np.full(n, 20, np.int64)
    hi = np.full(n, 60, np.int64)
    np.testing.assert_allclose(_kernels.muap_member_residuals(w, lab2, med, lo, hi),
                               naive.muap_member_residuals(w, lab2, med, lo, hi), rtol=1e-12)


def test_cluster_caps_classes():
    w = np.eye(6) * np.arange(1, 7)[:, None]  # six orthogonal shapes
    labels, n = _kernels.muap_cluster(w, np.arange(6), 0, 6, 0.25, 4)
    assert n == 4 and list(labels[4:]) == [-1, -1]


@pytest.mark.parametrize("seed", range(6))
def test_markers_and_shape_match_reference(seed):
    rng = np.random.default_rng(seed)
    t = np.zeros(200)
    t[60:140] = np.convolve(rng.normal(0, 0.2, 80), np.ones(5) / 5, mode="same")
    t += rng.normal(0, 0.004, 200)
    peak = int(np.argmax(np.abs(t)))
    for level, win in [(0.01, 12), (0.04, 5), (0.5, 3)]:
        got = _kernels.muap_markers(t, peak, level, win)
        assert tuple(got) == naive.muap_markers(t, peak, level, win)
        onset, end, _ = got
        k = _kernels.muap_shape(t, onset, end, 0.025)
        r = naive.muap_shape(t, onset, end, 0.025)
        assert k[1:3] == r[1:3] and k[4:] == r[4:]
        assert k[0] == pytest.approx(r[0]) and k[3] == pytest.approx(r[3])
    np.testing.assert_array_equal(_kernels.turn_points(t, 0.05), naive.turn_points(t, 0.05))


def test_markers_at_the_edges_are_flagged_incomplete():
    t = np.ones(50)
    assert tuple(_kernels.muap_markers(t, 25, 0.1, 5)) == (0, 49, False)
    assert tuple(_kernels.muap_markers(t, 25, 0.1, 5)) == naive.muap_markers(t, 25, 0.1, 5)


def test_shape_of_a_known_triphasic_wave():
    t = np.r_[np.zeros(10), 0.1, 0.3, -1.0, 0.4, 0.1, np.zeros(10)]  # up, big down, up
    ptp, phases, turns, abs_sum, first, last = _kernels.muap_shape(t, 9, 15, 0.025)
    assert ptp == pytest.approx(1.4) and phases == 3 and turns == 3
    assert (first, last) == (11, 13) and abs_sum == pytest.approx(1.9)


def test_merge_matches_reference_and_finds_a_shifted_copy():
    rng = np.random.default_rng(5)
    base = np.convolve(rng.normal(0, 1, 120), np.ones(7) / 7, mode="same")
    templates = np.stack([base, np.roll(base, 4) * 1.02, rng.normal(0, 1, 120), base * 0.97, np.zeros(120),
                          -base])
    got = _kernels.muap_merge(templates, 20, 100, 6, 0.125)
    ref = naive.muap_merge(templates, 20, 100, 6, 0.125)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    # The largest (the shifted copy, x1.02) is kept; the original (shift 4) and the scaled copy join it;
    # noise, an empty class and the inverted unit stay apart.
    assert list(got[1]) == [True, False, False, True, False, False]
    assert got[0][0] == 4
