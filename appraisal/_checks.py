"""Input checks shared by the numbers modules: each raises a ValueError a medic can act on."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

MAX_DECIMALS = 6


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a whole number of people, got {value!r}.")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"{name} cannot be negative (got {int(value)}).")
        return int(value)
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number of people, got {value!r}.") from None
    if not math.isfinite(as_float) or as_float != int(as_float):
        raise ValueError(f"{name} must be a whole number of people, got {value!r}.")
    if as_float < 0:
        raise ValueError(f"{name} cannot be negative (got {int(as_float)}).")
    return int(as_float)


def _check_level(level: float) -> float:
    if not isinstance(level, (int, float)) or not 0.5 <= float(level) < 1:
        raise ValueError(f"The confidence level must be between 0.5 and 1 (for example 0.95), got {level!r}.")
    return float(level)


def _check_fraction(value, name: str, *, open_interval: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.")
    if open_interval and not 0 < x < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1 (for example 0.02 for 2%), got {x:g}.")
    if not 0 <= x <= 1:
        raise ValueError(f"{name} must be between 0 and 1 (write 93% as 0.93), got {x:g}.")
    return x


def _check_decimals(decimals) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise ValueError(f"decimals must be a whole number from 0 to {MAX_DECIMALS}, got {decimals!r}.")
    if not 0 <= int(decimals) <= MAX_DECIMALS:
        raise ValueError(f"decimals must be a whole number from 0 to {MAX_DECIMALS}, got {decimals}.")
    return int(decimals)


def _scaled(value: float, decimals: int, name: str) -> int:
    """The reported value as an integer number of 10^-decimals units; refuses extra digits."""
    exact = Decimal(repr(float(value))) * (Decimal(10) ** decimals)
    if exact != exact.to_integral_value():
        raise ValueError(
            f"{name} {value:g} has more than {decimals} decimal place(s); set decimals to the number "
            "of decimals the paper reports."
        )
    return int(exact)


def _decimals_of(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))
