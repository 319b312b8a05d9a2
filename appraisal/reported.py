"""A number as a paper reports it: a proportion (0.911) or a percentage (91.1, "91.1%"), with its precision.

Checking a rounded number needs to know how many decimals were printed, so a reported value keeps them as an
exact integer: 91.1% is stored as 911 thousandths. Strings keep trailing zeros ("0.90" has 2 decimals);
floats cannot ("0.90" typed as a float is 0.9), so give strings where the precision matters.

Examples
--------
>>> r = as_reported("91.1%", "accuracy")
>>> r.value, r.decimals, r.percent, r.text
(0.911, 3, True, '91.1%')
>>> as_reported(0.905, "accuracy").decimals
3
>>> as_reported("0.90", "sensitivity").decimals
2
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Reported", "as_reported", "common_decimals", "with_decimals"]

MAX_DECIMALS = 6  # in proportion units: 0.123456, or 12.3456%


@dataclass(frozen=True)
class Reported:
    """A reported proportion: `scaled / 10**decimals`, as printed (`text`); `percent` if printed as a percentage."""

    name: str
    scaled: int
    decimals: int
    percent: bool = False
    text: str = ""

    @property
    def value(self) -> float:
        return self.scaled / 10**self.decimals

    def show(self) -> str:
        """The value as the paper printed it (91.1% or 0.911)."""
        if self.text:
            return self.text
        return self.formatted(self.value)

    def formatted(self, value: float) -> str:
        """Any proportion written with this value's precision and style (percent or not)."""
        if self.percent:
            return f"{100 * value:.{max(0, self.decimals - 2)}f}%"
        return f"{value:.{self.decimals}f}"


def _decimal_of(value, name: str) -> tuple[Decimal, bool, str]:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number such as 0.91 or 91%, got {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        body = text.rstrip("%").strip()
        if body.count(",") == 1 and "." not in body:  # 91,1 written with a decimal comma
            body = body.replace(",", ".")
        try:
            number = Decimal(body)
        except InvalidOperation:
            raise ValueError(f"{name} must be a number such as 0.91 or 91%, got {value!r}.") from None
        if not number.is_finite():
            raise ValueError(f"{name} must be a finite number, got {value!r}.")
        return number, percent, text
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number such as 0.91 or 91%, got {value!r}.") from None
    if not math.isfinite(as_float):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return Decimal(repr(as_float)), False, ""


def as_reported(value, name: str, decimals: int | None = None) -> Reported:
    """Read a reported proportion or percentage.

    A value above 1 (or written with %) is a percentage: 91.1 means 91.1%. `decimals`, when given, is the
    number of decimals printed in the paper's own units (1 for 91.1%, 3 for 0.911); a value with more digits
    than that is refused, fewer digits are padded (0.9 with decimals=2 is read as 0.90).
    """
    if isinstance(value, Reported):
        return value
    number, percent, text = _decimal_of(value, name)
    if number < 0:
        raise ValueError(f"{name} cannot be negative (got {number}).")
    if number > 1:
        percent = True
    if percent and number > 100:
        raise ValueError(
            f"{name} must be a proportion between 0 and 1 or a percentage up to 100, got {value!r}."
        )
    printed = max(0, -int(number.normalize().as_tuple().exponent)) if number != 0 else 0
    if text:  # a string keeps its trailing zeros: "0.90" has 2 decimals
        printed = max(printed, -int(number.as_tuple().exponent))
    if decimals is not None:
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
            raise ValueError(f"decimals must be a whole number from 0 to {MAX_DECIMALS}, got {decimals!r}.")
        shifted = number * Decimal(10) ** decimals
        if shifted != shifted.to_integral_value():
            raise ValueError(
                f"{name} {value} has more than {decimals} decimal place(s); set decimals to the number "
                "of decimals the paper reports."
            )
        printed = decimals
    fraction_decimals = printed + (2 if percent else 0)
    if fraction_decimals > MAX_DECIMALS + 2:
        raise ValueError(f"{name} {value} has too many decimal places (at most {MAX_DECIMALS}).")
    fraction = number / 100 if percent else number
    scaled = fraction * Decimal(10) ** fraction_decimals
    if scaled != scaled.to_integral_value():  # cannot happen after the checks above; be safe
        raise ValueError(f"{name} {value} could not be read exactly.")
    return Reported(name, int(scaled), fraction_decimals, percent, text)


def with_decimals(reported: Reported, decimals: int) -> Reported:
    """The same value read at a finer precision (0.9 read as 0.90): never coarser than printed."""
    if decimals <= reported.decimals:
        return reported
    factor = 10 ** (decimals - reported.decimals)
    return Reported(reported.name, reported.scaled * factor, decimals, reported.percent, reported.text)


def common_decimals(values) -> int:
    """Papers print one precision: 0.9 next to 0.93 is read as 0.90. The finest precision among `values`."""
    return max((v.decimals for v in values if v is not None), default=0)
