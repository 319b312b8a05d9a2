"""Check a paper's printed values against its counts, and its confidence intervals against standard methods.

- `compare_with_counts`: sensitivity, specificity, PPV, NPV, accuracy, F1 and prevalence as printed, against a
  2x2 table; says which value does not fit and what the table gives instead.
- `check_interval`: a printed interval against the Wilson score interval and the exact Clopper-Pearson
  interval for the stated n (and count, or the counts the printed proportion allows).

Clopper-Pearson: lower = Beta(alpha/2; k, n-k+1), upper = Beta(1-alpha/2; k+1, n-k) quantiles (Clopper and
Pearson, Biometrika 1934;26:404-413, doi:10.1093/biomet/26.4.404).

>>> [c.consistent for c in compare_with_counts((90, 10, 20, 180), {"accuracy": "0.905", "sensitivity": "90%"})]
[False, True]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import beta, norm

from appraisal._checks import _check_count, _check_level
from appraisal.consistency import _nearest, count_range
from appraisal.numbers import TwoByTwo, wilson_interval
from appraisal.reported import Reported, as_reported

__all__ = ["ValueCheck", "IntervalCheck", "compare_with_counts", "check_interval", "clopper_pearson_interval",
           "COUNT_FORMULAS", "NAMES"]

NAMES = {
    "sensitivity": "Sensitivity", "specificity": "Specificity", "ppv": "PPV", "npv": "NPV",
    "accuracy": "Accuracy", "f1": "F1 score", "prevalence": "Prevalence",
}
COUNT_FORMULAS = {
    "sensitivity": ("TP/(TP+FN)", lambda t: (t.tp, t.tp + t.fn)),
    "specificity": ("TN/(TN+FP)", lambda t: (t.tn, t.tn + t.fp)),
    "ppv": ("TP/(TP+FP)", lambda t: (t.tp, t.tp + t.fp)),
    "npv": ("TN/(TN+FN)", lambda t: (t.tn, t.tn + t.fn)),
    "accuracy": ("(TP+TN)/n", lambda t: (t.tp + t.tn, t.n)),
    "f1": ("2TP/(2TP+FP+FN)", lambda t: (2 * t.tp, 2 * t.tp + t.fp + t.fn)),
    "prevalence": ("(TP+FN)/n", lambda t: (t.tp + t.fn, t.n)),
}


@dataclass(frozen=True)
class ValueCheck:
    name: str
    reported: str
    recomputed: float | None
    numerator: int
    denominator: int
    consistent: bool
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


def _table(table) -> TwoByTwo:
    if isinstance(table, TwoByTwo):
        return table
    return TwoByTwo(*table)


def _needed(r: Reported, den: int) -> str:
    first, last, _, _ = count_range(r, den)
    if first > last:
        near = " or ".join(f"{shown} ({k}/{den})" for k, shown in _nearest(r, den))
        return f"no count out of {den} prints as {r.show()}" + (f"; the nearest possible are {near}" if near else "")
    if first == last:
        return f"{r.show()} would need {first} of {den}"
    return f"{r.show()} would need {first} to {last} of {den}"


def compare_with_counts(table, reported: Mapping[str, object], decimals: int | None = None) -> list[ValueCheck]:
    """Each printed value (by name: sensitivity, specificity, ppv, npv, accuracy, f1, prevalence) vs the table."""
    t = _table(table)
    checks = []
    for name, value in reported.items():
        if value is None:
            continue
        if name not in COUNT_FORMULAS:
            raise ValueError(f"Unknown measure {name!r}; use one of {', '.join(COUNT_FORMULAS)}.")
        r = as_reported(value, NAMES[name], decimals)
        formula, counts = COUNT_FORMULAS[name]
        k, den = counts(t)
        if den == 0:
            checks.append(ValueCheck(name, r.show(), None, k, den, False,
                                     f"{NAMES[name]} {r.show()} cannot come from this table: {formula} has a zero "
                                     "denominator."))
            continue
        first, last, _, _ = count_range(r, den)
        ok = first <= k <= last
        got = f"{formula} = {k}/{den} = {r.formatted(k / den)}"
        if ok:
            message = f"{NAMES[name]} {r.show()} matches the table ({got})."
        else:
            message = f"{NAMES[name]} {r.show()} does not match the table: {got}; {_needed(r, den)}."
        checks.append(ValueCheck(name, r.show(), k / den, k, den, ok, message))
    return checks


# ---------------------------------------------------------------------------------------------- intervals
def clopper_pearson_interval(successes, n: int, level: float = 0.95):
    """Exact (Clopper-Pearson) interval; `successes` may be an array.

    >>> [round(x, 4) for x in clopper_pearson_interval(9, 10)]
    [0.555, 0.9975]
    """
    n, level = _check_count(n, "n"), _check_level(level)
    k = np.asarray(successes, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, beta.ppf(alpha / 2, np.maximum(k, 1), n - k + 1), 0.0)
        hi = np.where(k < n, beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1)), 1.0)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def _wilson_array(k: np.ndarray, n: int, level: float):
    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


@dataclass(frozen=True)
class IntervalCheck:
    name: str
    reported: str
    n: int
    counts: tuple[int, ...]
    matches: tuple[str, ...]  # "Wilson", "Clopper-Pearson"
    wilson: tuple[float, float] | None
    clopper_pearson: tuple[float, float] | None
    consistent: bool
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


def _prints_as(x: np.ndarray, r: Reported) -> np.ndarray:
    return np.abs(x - r.value) <= 0.5 / 10**r.decimals + 1e-12


MAX_CANDIDATES = 100_000


def check_interval(
    name: str, lower, upper, *, n: int, k: int | None = None, value=None, level: float = 0.95,
    decimals: int | None = None,
) -> IntervalCheck:
    """Does the printed interval (lower, upper) for a proportion with denominator n match Wilson or
    Clopper-Pearson? Give the count `k`, or the printed `value` (every count that prints as it is tried).

    >>> check_interval("sensitivity", "0.84", "0.95", n=100, value="0.91").matches
    ('Wilson',)
    """
    n, level = _check_count(n, f"n for {name}"), _check_level(level)
    if n == 0:
        raise ValueError(f"The interval for {name} needs at least one person in its denominator.")
    label = NAMES.get(name, name)
    label = label if name in ("ppv", "npv") else label.lower()
    lo_r, hi_r = as_reported(lower, f"lower limit of {label}", decimals), as_reported(upper, f"upper limit of {label}", decimals)
    shown = f"{lo_r.show()} to {hi_r.show()}"
    if lo_r.value > hi_r.value:
        raise ValueError(f"The interval for {label} is written backwards ({shown}); give the lower limit first.")
    if k is not None:
        k = _check_count(k, f"count for {name}")
        if k > n:
            raise ValueError(f"The count for {label} ({k}) cannot exceed n ({n}).")
        ks = np.array([k])
    elif value is not None:
        r = as_reported(value, label, decimals)
        first, last, _, _ = count_range(r, n)
        if first > last:
            return IntervalCheck(name, shown, n, (), (), None, None, False,
                                 f"{label} {r.show()} is itself impossible with n = {n}; the interval cannot be checked.")
        if not lo_r.value <= r.value <= hi_r.value:
            return IntervalCheck(name, shown, n, (), (), None, None, False,
                                 f"{label} {r.show()} lies outside its own interval ({shown}).")
        ks = np.arange(first, min(last, first + MAX_CANDIDATES - 1) + 1)
    else:
        raise ValueError(f"Give the count or the printed value of {label} to check its interval.")
    wl, wh = _wilson_array(ks.astype(float), n, level)
    cl, ch = clopper_pearson_interval(ks, n, level)
    cl, ch = np.atleast_1d(cl), np.atleast_1d(ch)
    w_ok = _prints_as(wl, lo_r) & _prints_as(wh, hi_r)
    c_ok = _prints_as(cl, lo_r) & _prints_as(ch, hi_r)
    matches = tuple(m for m, ok in (("Wilson", w_ok.any()), ("Clopper-Pearson", c_ok.any())) if ok)
    best = int(np.flatnonzero(w_ok | c_ok)[0]) if matches else len(ks) // 2
    wilson = (float(wl[best]), float(wh[best]))
    exact = (float(cl[best]), float(ch[best]))
    pct = f"{round(level * 100):g}%"
    counts_text = f"{ks[best]}/{n}" if len(ks) == 1 or matches else f"{ks[0]}/{n} to {ks[-1]}/{n}"
    if matches:
        message = f"The {pct} interval {shown} for {label} fits the {' and the '.join(matches)} interval for {counts_text}."
    else:
        message = (
            f"The {pct} interval {shown} for {label} matches neither Wilson ({lo_r.formatted(wilson[0])} to "
            f"{hi_r.formatted(wilson[1])}) nor Clopper-Pearson ({lo_r.formatted(exact[0])} to "
            f"{hi_r.formatted(exact[1])}) for {counts_text}. It may come from another method (Wald, bootstrap, a "
            "continuity correction) or another n: check the methods section."
        )
    return IntervalCheck(name, shown, n, tuple(int(x) for x in ks[:20]), matches, wilson, exact, bool(matches), message)
