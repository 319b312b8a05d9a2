"""Shrink long signals for plotting without hiding spikes: min/max decimation.

Each bucket of samples is replaced by its minimum and its maximum (in time order), so a 10-minute
recording draws as ~2,000 points per channel yet every MUAP peak stays visible.

Examples
--------
>>> import numpy as np
>>> t, y = minmax_decimate(np.arange(10_000.0), fs=1000.0, max_points=100)
>>> len(t) <= 100, y.max()
(True, 9999.0)
"""

from __future__ import annotations

import numpy as np

from signal_core.errors import SignalError, check_sampling_rate

DEFAULT_MAX_POINTS = 2000


def minmax_decimate(x, fs: float, max_points: int = DEFAULT_MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(times_s, values)`` with at most ``max_points`` rows keeping each bucket's min and max.

    ``x`` is ``(n_samples,)`` or ``(n_samples, n_channels)``; the result has the same number of
    columns. Signals already short enough come back unchanged (with their times).
    """
    arr = np.asarray(x, dtype=np.float64)
    squeeze = arr.ndim == 1
    if squeeze:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise SignalError(f"signal must be 1-D or samples x channels, got shape {arr.shape}")
    fs = check_sampling_rate(fs)
    if int(max_points) < 4:
        raise SignalError("max_points must be at least 4")
    n = arr.shape[0]
    if n <= max_points:
        times = np.arange(n) / fs
        return times, (arr[:, 0] if squeeze else arr)
    n_buckets = int(max_points) // 2
    size = int(np.ceil(n / n_buckets))
    n_buckets = int(np.ceil(n / size))
    pad = n_buckets * size - n
    padded = np.concatenate([arr, np.repeat(arr[-1:], pad, axis=0)]) if pad else arr
    buckets = padded.reshape(n_buckets, size, arr.shape[1])
    arg_min = buckets.argmin(axis=1)  # (n_buckets, channels)
    arg_max = buckets.argmax(axis=1)
    first = np.minimum(arg_min, arg_max)
    second = np.maximum(arg_min, arg_max)
    starts = (np.arange(n_buckets) * size)[:, None]
    idx = np.stack([starts + first, starts + second], axis=1).reshape(-1, arr.shape[1])
    idx = np.minimum(idx, n - 1)
    values = np.take_along_axis(arr, idx, axis=0)
    # One shared time axis: the bucket's first and last sample times (per-channel peaks differ in time).
    times = np.stack([np.arange(n_buckets) * size, np.minimum(np.arange(n_buckets) * size + size - 1, n - 1)],
                     axis=1).reshape(-1) / fs
    return times, (values[:, 0] if squeeze else values)
