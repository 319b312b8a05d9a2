"""The one error type signal_core raises for bad input, and the sampling-rate check every entry point shares."""

from __future__ import annotations

import math
from typing import Any


class SignalError(ValueError):
    """A recording or signal cannot be used; the message names the file and the problem in plain words."""


def check_sampling_rate(fs: Any, where: str | None = None) -> float:
    """``fs`` as a positive, finite float in Hz, or a SignalError that says what was wrong (and where)."""
    prefix = f"{where}: " if where else ""
    try:
        value = float(fs)
    except (TypeError, ValueError):
        raise SignalError(f"{prefix}sampling rate must be a positive number of Hz, got {fs!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SignalError(f"{prefix}sampling rate must be a positive number of Hz, got {fs!r}")
    return value
