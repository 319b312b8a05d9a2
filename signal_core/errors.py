"""The one error type signal_core raises for bad input, and the sampling-rate check every entry point shares."""

from __future__ import annotations

import math
from typing import Any


class SignalError(ValueError):
    """A recording or signal cannot be used; the message names the file and the problem in plain words."""


def check_sampling_rate(fs: Any, where: str | None = None) -> float:
    """``fs`` as a positive, finite float in Hz, or a SignalError that says what was wrong (and where)."""
    prefix = f"{where}: " if where else ""
    shown = _plain(fs)
    try:
        value = float(fs)
    except (TypeError, ValueError):
        raise SignalError(f"{prefix}sampling rate must be a positive number of Hz, got {shown}") from None
    if not math.isfinite(value) or value <= 0:
        raise SignalError(f"{prefix}sampling rate must be a positive number of Hz, got {shown}")
    return value


def _plain(value: Any) -> str:
    """A value as a reader would write it: a NumPy scalar or 0-d array (what an .npz file holds) as its item,
    so a message says "got 0.0" or "got 'abc'", not "got array(0.)"."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", 2) == 1:
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    return repr(value)
