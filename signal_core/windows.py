"""Window arithmetic: window and step in seconds become sample counts once, here.

A window ``k`` covers samples ``[k * step, k * step + window)``. The number of windows is the number of
whole windows that fit, as in libemg's ``utils.get_windows``: ``(n_samples - window) // step + 1``.

>>> window_samples(0.2, 4000.0)
800
>>> n_windows(240_000, 800, 200)
1197
"""

from __future__ import annotations

import math

import numpy as np

from signal_core.errors import SignalError, check_sampling_rate

#: Fewest samples a window may hold: AR order 4 and Hjorth complexity (second differences) need a few more
#: samples than that to mean anything.
MIN_WINDOW_SAMPLES = 8


def _seconds_to_samples(seconds: float, fs: float, what: str) -> int:
    fs = check_sampling_rate(fs)
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        raise SignalError(f"{what} must be a number of seconds, got {seconds!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise SignalError(f"{what} must be a positive number of seconds, got {seconds!r}")
    samples = seconds * fs
    # Round to the nearest sample; 0.2 s * 4000 Hz is 800.0000000000001 in floating point.
    count = int(round(samples))
    if count < 1:
        raise SignalError(
            f"{what} of {seconds:g} s is shorter than one sample at {fs:g} Hz ({1 / fs:g} s per sample)"
        )
    return count


def window_samples(window_s: float, fs: float) -> int:
    """Samples in a window of ``window_s`` seconds at ``fs`` Hz (rounded to the nearest sample).

    Raises `SignalError` when the window is not positive or holds fewer than `MIN_WINDOW_SAMPLES` samples.
    """
    count = _seconds_to_samples(window_s, fs, "window")
    if count < MIN_WINDOW_SAMPLES:
        raise SignalError(
            f"a window of {float(window_s):g} s at {float(fs):g} Hz holds only {count} samples; "
            f"features need at least {MIN_WINDOW_SAMPLES} (use a longer window)"
        )
    return count


def step_samples(step_s: float, fs: float) -> int:
    """Samples between the starts of two consecutive windows (at least one)."""
    return _seconds_to_samples(step_s, fs, "step")


def n_windows(n_samples: int, window: int, step: int) -> int:
    """How many whole windows of ``window`` samples, ``step`` apart, fit in ``n_samples`` samples.

    Raises `SignalError` when the signal is shorter than one window.
    """
    if window < 1 or step < 1:
        raise SignalError(f"window and step must be at least one sample, got {window} and {step}")
    if n_samples < window:
        raise SignalError(
            f"the signal has {n_samples} samples, fewer than one window of {window} samples; "
            "use a shorter window or a longer recording"
        )
    return (n_samples - window) // step + 1


def window_starts(n_samples: int, window: int, step: int) -> np.ndarray:
    """Start index of every window, as ``int64``."""
    return np.arange(n_windows(n_samples, window, step), dtype=np.int64) * step


def plan(n_samples: int, fs: float, window_s: float, step_s: float) -> tuple[int, int, int]:
    """``(window, step, n_windows)`` in samples for a signal of ``n_samples`` samples at ``fs`` Hz."""
    window = window_samples(window_s, fs)
    step = step_samples(step_s, fs)
    if n_samples < window:
        raise SignalError(
            f"the signal lasts {n_samples / fs:g} s ({n_samples} samples), shorter than one window of "
            f"{float(window_s):g} s ({window} samples); use a shorter window or a longer recording"
        )
    return window, step, n_windows(n_samples, window, step)
