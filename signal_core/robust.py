"""Robust scale of long signals: the exact median and MAD of each channel, fast.

A selection over every sample of a minute-long, 8-channel recording (``np.median``) cost more than all the
window features together. Here an evenly spaced subsample gives each row a narrow value bracket that almost
surely holds its middle value(s); a Numba kernel (`signal_core._kernels.bracket_medians`) ranks the bracket
in one pass and selects within it, so the result is exactly ``np.median``'s. A row whose bracket misses
(rare), or that holds a NaN or infinity, is handed to ``np.median`` itself.

>>> import numpy as np
>>> rows = np.random.default_rng(0).normal(size=(2, 50_001))
>>> bool(np.all(row_medians(rows) == np.median(rows, axis=1)))
True
"""

from __future__ import annotations

import numpy as np

from signal_core import _kernels

#: Rows shorter than this go straight to ``np.median`` (the bracket would not pay for itself).
MIN_BRACKETED = 20_000
#: Subsample size for the bracket, and its half-width in standard errors of the subsample median's rank.
SUBSAMPLE = 4000
BRACKET_SE = 4.0
MAD_TO_SD = 0.6745  # the MAD of Gaussian noise is 0.6745 standard deviations


def _values(rows: np.ndarray, differences: bool, centre: np.ndarray | None) -> np.ndarray:
    """The values whose median is wanted, as NumPy computes them (used for subsamples and fallbacks)."""
    values = np.diff(rows, axis=1) if differences else rows
    return np.abs(values - centre[:, None]) if centre is not None else values


def row_medians(rows: np.ndarray, *, differences: bool = False, centre: np.ndarray | None = None) -> np.ndarray:
    """Exactly ``np.median(values, axis=1)`` of a ``(n_rows, n_samples)`` float64 array's values.

    The values are the rows themselves, or (``differences``) their first differences; given ``centre``
    (one number per row), their absolute deviations from it. No full-size temporary array is made.
    """
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    n_values = rows.shape[1] - (1 if differences else 0)
    if n_values < MIN_BRACKETED or _kernels.count_nonfinite(rows) or (
            centre is not None and not np.all(np.isfinite(centre))):
        return np.median(_values(rows, differences, centre), axis=1)
    # The bracket comes from every stride-th value (its exactness does not depend on how it was chosen).
    index = np.arange(0, n_values, max(1, n_values // SUBSAMPLE))
    sample = rows[:, index + 1] - rows[:, index] if differences else rows[:, index]
    if centre is not None:
        sample = np.abs(sample - centre[:, None])
    sample = np.sort(sample, axis=1)
    m = sample.shape[1]
    spread = int(np.ceil(BRACKET_SE * 0.5 * np.sqrt(m))) + 1
    lo = np.ascontiguousarray(sample[:, max(0, m // 2 - spread)])
    hi = np.ascontiguousarray(sample[:, min(m - 1, m // 2 + spread)])
    centres = np.zeros(rows.shape[0]) if centre is None else np.ascontiguousarray(centre, dtype=np.float64)
    out = np.empty(rows.shape[0])
    _kernels.bracket_medians(rows, differences, centre is not None, centres, lo, hi, out)
    for r in np.flatnonzero(np.isnan(out)):  # the bracket missed the middle: select over the whole row
        out[r] = np.median(_values(rows[r : r + 1], differences, None if centre is None else centre[r : r + 1]))
    return out


def robust_sd(rows: np.ndarray, *, differences: bool = False) -> np.ndarray:
    """Robust standard deviation (MAD / 0.6745) of each row, or of each row's first differences.

    Equal to ``np.median(np.abs(v - np.median(v))) / 0.6745`` for each row's values ``v``.
    """
    centre = row_medians(rows, differences=differences)
    return row_medians(rows, differences=differences, centre=centre) / MAD_TO_SD
