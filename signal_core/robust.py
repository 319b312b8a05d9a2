"""Robust scale of long signals: the exact median and MAD of each channel, fast.

Like the rest of signal_core, everything here takes a ``(n_samples, n_channels)`` signal and returns one
number per channel; channels are read in place (no transposed copy of the signal).

A selection over every sample of a minute-long, 8-channel recording (``np.median``) cost more than all the
window features together. Here an evenly spaced subsample gives each channel a narrow value bracket that
almost surely holds its middle value(s); a Numba kernel (`signal_core._kernels.bracket_medians`) ranks the
bracket in one pass and selects within it, so the result is exactly ``np.median``'s. A channel whose bracket
misses (rare), or that holds a NaN or infinity (the kernel counts them in its first pass), is handed to
``np.median`` itself.

>>> import numpy as np
>>> data = np.random.default_rng(0).normal(size=(50_001, 2))
>>> bool(np.all(channel_medians(data) == np.median(data, axis=0)))
True
"""

from __future__ import annotations

import numpy as np

from signal_core import _kernels

#: Channels shorter than this go straight to ``np.median`` (the bracket would not pay for itself).
MIN_BRACKETED = 20_000
#: Subsample size for the bracket, and its half-width in standard errors of the subsample median's rank.
SUBSAMPLE = 4000
BRACKET_SE = 4.0
MAD_TO_SD = 0.6745  # the MAD of Gaussian noise is 0.6745 standard deviations


def _values(data: np.ndarray, differences: bool, centre: np.ndarray | None) -> np.ndarray:
    """The values whose median is wanted, as NumPy computes them (used for subsamples and fallbacks)."""
    values = np.diff(data, axis=0) if differences else data
    return np.abs(values - centre[None, :]) if centre is not None else values


def channel_medians(data: np.ndarray, *, differences: bool = False, centre: np.ndarray | None = None) -> np.ndarray:
    """Exactly ``np.median(values, axis=0)`` of a ``(n_samples, n_channels)`` float64 signal's values.

    The values are the samples themselves, or (``differences``) their first differences; given ``centre``
    (one number per channel), their absolute deviations from it. No full-size temporary array is made.
    """
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    n_values = data.shape[0] - (1 if differences else 0)
    if n_values < MIN_BRACKETED or (centre is not None and not np.all(np.isfinite(centre))):
        return np.median(_values(data, differences, centre), axis=0)
    # The bracket comes from every stride-th value (its exactness does not depend on how it was chosen).
    index = np.arange(0, n_values, max(1, n_values // SUBSAMPLE))
    sample = data[index + 1] - data[index] if differences else data[index]
    if centre is not None:
        sample = np.abs(sample - centre[None, :])
    sample = np.sort(sample, axis=0)
    m = sample.shape[0]
    spread = int(np.ceil(BRACKET_SE * 0.5 * np.sqrt(m))) + 1
    lo = np.ascontiguousarray(sample[max(0, m // 2 - spread)])
    hi = np.ascontiguousarray(sample[min(m - 1, m // 2 + spread)])
    centres = np.zeros(data.shape[1]) if centre is None else np.ascontiguousarray(centre, dtype=np.float64)
    out = np.empty(data.shape[1])
    _kernels.bracket_medians(data, differences, centre is not None, centres, lo, hi, out)
    for c in np.flatnonzero(np.isnan(out)):  # bracket missed, or a NaN/inf: select over the whole channel
        column = data[:, c : c + 1]
        out[c] = np.median(_values(column, differences, None if centre is None else centre[c : c + 1]))
    return out


def robust_sd(data: np.ndarray, *, differences: bool = False) -> np.ndarray:
    """Robust standard deviation (MAD / 0.6745) of each channel of ``(n_samples, n_channels)``, or of each
    channel's first differences.

    Equal to ``np.median(np.abs(v - np.median(v))) / 0.6745`` for each channel's values ``v``.
    """
    centre = channel_medians(data, differences=differences)
    return channel_medians(data, differences=differences, centre=centre) / MAD_TO_SD
