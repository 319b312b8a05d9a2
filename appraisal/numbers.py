"""Check a paper's reported diagnostic numbers: recompute them, put intervals on them, test consistency.

Pure functions over integers and floats (NumPy and SciPy only), shared by `medlens numbers` and the
"Check reported numbers" page.

Methods
-------
- Proportions (sensitivity, specificity, PPV, NPV, accuracy): Wilson score interval.
- Likelihood ratios LR+ and LR-: log method of Simel, Samsa and Matchar, J Clin Epidemiol
  1991;44:763-770, doi:10.1016/0895-4356(91)90128-V.
- Diagnostic odds ratio: log (Woolf) method, SE(ln DOR) = sqrt(1/tp + 1/fn + 1/fp + 1/tn).
- Youden's J: normal approximation for a difference of two independent proportions.
- Zero cells: Wilson intervals need no correction. Only where a ratio (LR+, LR-, DOR) would divide by zero
  or take the log of zero, 0.5 is added to all four cells for that ratio (Haldane-Anscombe correction),
  and a note says so. Other metrics always use the raw counts.
- Consistency (GRIM-style, after Brown and Heathers, Soc Psychol Personal Sci 2017,
  doi:10.1177/1948550616673876): a reported value rounded to d decimals must equal some integer count
  divided by its denominator, rounded the same way. Every tie-breaking rule in use is accepted: half-up
  (0.125 -> 0.13) and half-to-even, "banker's" (0.125 -> 0.12), and half-down, which floating-point
  rounding of a decimal such as 0.155 can produce; each candidate table says which rule it needs.
  The arithmetic is exact (integers), so no floating-point edge case decides.

Examples
--------
>>> m = table_metrics(231, 27, 32, 54)   # Altman and Bland, BMJ 1994;308:1552 (liver scan)
>>> round(m["sensitivity"].value, 3), round(m["specificity"].value, 3)
(0.895, 0.628)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.stats import norm

from appraisal._checks import _check_count, _check_fraction, _check_level

__all__ = [
    "Estimate",
    "TwoByTwo",
    "DiagnosticMetrics",
    "CandidateTable",
    "ConsistencyReport",
    "PrevalenceCurve",
    "wilson_interval",
    "table_metrics",
    "predictive_values",
    "prevalence_curve",
    "consistent_tables",
    "check_reported",
    "matching_counts",
]

METRIC_LABELS = {
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "ppv": "Positive predictive value (PPV)",
    "npv": "Negative predictive value (NPV)",
    "accuracy": "Accuracy",
    "f1": "F1 score",
    "lr_positive": "Positive likelihood ratio (LR+)",
    "lr_negative": "Negative likelihood ratio (LR-)",
    "diagnostic_odds_ratio": "Diagnostic odds ratio (DOR)",
    "youden_j": "Youden's J",
}
# ---------------------------------------------------------------------------------------------- 2x2 metrics
@dataclass(frozen=True)
class TwoByTwo:
    """Counts of a 2x2 diagnostic table (index test against the reference standard)."""

    tp: int
    fn: int
    fp: int
    tn: int

    def __post_init__(self):
        for name in ("tp", "fn", "fp", "tn"):
            object.__setattr__(self, name, _check_count(getattr(self, name), name))

    @property
    def n(self) -> int:
        return self.tp + self.fn + self.fp + self.tn

    @property
    def positives(self) -> int:
        """People with the condition (by the reference standard)."""
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        return self.fp + self.tn


@dataclass(frozen=True)
class Estimate:
    name: str
    value: float
    lower: float | None
    upper: float | None
    method: str
    numerator: int | None = None
    denominator: int | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return METRIC_LABELS.get(self.name, self.name)

    def formatted(self, digits: int = 3) -> str:
        if self.value is None or not math.isfinite(self.value):
            return "not defined"
        text = f"{self.value:.{digits}f}"
        if self.lower is not None and self.upper is not None:
            text += f" ({self.lower:.{digits}f} to {self.upper:.{digits}f})"
        return text


@dataclass(frozen=True)
class DiagnosticMetrics:
    table: TwoByTwo
    level: float
    estimates: dict[str, Estimate]
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Estimate:
        return self.estimates[name]

    def to_dict(self) -> dict:
        return {
            "table": asdict(self.table),
            "level": self.level,
            "metrics": {k: asdict(v) | {"label": v.label} for k, v in self.estimates.items()},
            "notes": list(self.notes),
        }


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion successes/n.

    >>> [round(x, 4) for x in wilson_interval(231, 258)]
    [0.852, 0.9271]
    """
    successes, n, level = _check_count(successes, "successes"), _check_count(n, "n"), _check_level(level)
    if n == 0:
        raise ValueError("A proportion needs at least one person in its denominator.")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n}).")
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _proportion(name: str, k: int, n: int, level: float, undefined_note: str) -> Estimate:
    if n == 0:
        return Estimate(name, float("nan"), None, None, "Wilson score", k, n, undefined_note)
    lo, hi = wilson_interval(k, n, level)
    return Estimate(name, k / n, lo, hi, "Wilson score", k, n)


def _log_ratio(name: str, a: float, b: float, se: float, z: float, method: str, note: str) -> Estimate:
    value = a / b
    lo, hi = math.exp(math.log(value) - z * se), math.exp(math.log(value) + z * se)
    return Estimate(name, value, lo, hi, method, note=note)


def table_metrics(tp: int, fn: int, fp: int, tn: int, *, level: float = 0.95) -> DiagnosticMetrics:
    """All the usual accuracy measures of a 2x2 table, with intervals at `level` (default 95%).

    Rows of the table: people with the condition (tp, fn) and without it (fp, tn). Both rows must hold
    at least one person, otherwise sensitivity or specificity is not defined.
    """
    table = TwoByTwo(tp, fn, fp, tn)
    level = _check_level(level)
    if table.positives == 0:
        raise ValueError("Nobody in the table has the condition (tp + fn = 0), so sensitivity is not defined.")
    if table.negatives == 0:
        raise ValueError("Nobody in the table is free of the condition (fp + tn = 0), so specificity is not defined.")
    z = float(norm.ppf(0.5 + level / 2))
    tp, fn, fp, tn = table.tp, table.fn, table.fp, table.tn
    notes: list[str] = []
    est: dict[str, Estimate] = {}
    est["sensitivity"] = _proportion("sensitivity", tp, tp + fn, level, "")
    est["specificity"] = _proportion("specificity", tn, tn + fp, level, "")
    est["ppv"] = _proportion("ppv", tp, tp + fp, level, "Not defined: the test was never positive.")
    est["npv"] = _proportion("npv", tn, tn + fn, level, "Not defined: the test was never negative.")
    est["accuracy"] = _proportion("accuracy", tp + tn, table.n, level, "")
    f1_den = 2 * tp + fp + fn
    est["f1"] = Estimate(
        "f1", 2 * tp / f1_den if f1_den else float("nan"), None, None, "point estimate",
        2 * tp, f1_den,
    )

    # Likelihood ratios and DOR: 0.5 added to every cell only when a zero would break the ratio or its log.
    def cells_for(needed_nonzero: tuple[int, ...], what: str) -> tuple[float, float, float, float, str]:
        if all(c > 0 for c in needed_nonzero):
            return float(tp), float(fn), float(fp), float(tn), ""
        note = f"{what}: a zero cell, so 0.5 was added to all four cells (Haldane-Anscombe correction)."
        notes.append(note)
        return tp + 0.5, fn + 0.5, fp + 0.5, tn + 0.5, note

    a, b, c, d, note = cells_for((tp, fp), "LR+")
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    est["lr_positive"] = _log_ratio("lr_positive", a / (a + b), c / (c + d), se, z, "log method (Simel 1991)", note)
    a, b, c, d, note = cells_for((fn, tn), "LR-")
    se = math.sqrt(1 / b - 1 / (a + b) + 1 / d - 1 / (c + d))
    est["lr_negative"] = _log_ratio("lr_negative", b / (a + b), d / (c + d), se, z, "log method (Simel 1991)", note)
    a, b, c, d, note = cells_for((tp, fn, fp, tn), "DOR")
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    est["diagnostic_odds_ratio"] = _log_ratio("diagnostic_odds_ratio", a * d, b * c, se, z, "log (Woolf) method", note)

    sens, spec = tp / (tp + fn), tn / (tn + fp)
    j = sens + spec - 1
    se_j = math.sqrt(sens * (1 - sens) / (tp + fn) + spec * (1 - spec) / (tn + fp))
    est["youden_j"] = Estimate(
        "youden_j", j, max(-1.0, j - z * se_j), min(1.0, j + z * se_j), "normal approximation"
    )
    return DiagnosticMetrics(table, level, est, notes)


# ---------------------------------------------------------------------------------------------- prevalence
def predictive_values(sensitivity: float, specificity: float, prevalence):
    """PPV and NPV at a prevalence by Bayes' theorem; `prevalence` may be a float or an array.

    >>> [round(v, 3) for v in predictive_values(0.9, 0.9, 0.5)]
    [0.9, 0.9]
    """
    sens = _check_fraction(sensitivity, "sensitivity")
    spec = _check_fraction(specificity, "specificity")
    prev = np.asarray(prevalence, dtype=float)
    if np.any(~np.isfinite(prev)) or np.any((prev <= 0) | (prev >= 1)):
        raise ValueError("prevalence must be strictly between 0 and 1 (for example 0.02 for 2%).")
    with np.errstate(invalid="ignore", divide="ignore"):
        ppv = sens * prev / (sens * prev + (1 - spec) * (1 - prev))
        npv = spec * (1 - prev) / (spec * (1 - prev) + (1 - sens) * prev)
    if prev.ndim == 0:
        return float(ppv), float(npv)
    return ppv, npv


@dataclass(frozen=True)
class PrevalenceCurve:
    sensitivity: float
    specificity: float
    prevalence: np.ndarray
    ppv: np.ndarray
    npv: np.ndarray
    at_prevalence: float | None
    ppv_at: float | None
    npv_at: float | None
    ppv_range_at: tuple[float, float] | None
    npv_range_at: tuple[float, float] | None
    summary: str

    def to_dict(self) -> dict:
        return {
            "sensitivity": self.sensitivity,
            "specificity": self.specificity,
            "prevalence": self.prevalence.tolist(),
            "ppv": self.ppv.tolist(),
            "npv": self.npv.tolist(),
            "at_prevalence": self.at_prevalence,
            "ppv_at": self.ppv_at,
            "npv_at": self.npv_at,
            "ppv_range_at": self.ppv_range_at,
            "npv_range_at": self.npv_range_at,
            "summary": self.summary,
        }


DEFAULT_PREVALENCES = np.unique(np.r_[np.geomspace(0.001, 0.5, 60), np.linspace(0.5, 0.99, 25)])


def _percent(p: float) -> str:
    return f"{100 * p:.3g}%"


def prevalence_curve(
    sensitivity: float,
    specificity: float,
    prevalence: float | None = None,
    *,
    sensitivity_interval: tuple[float, float] | None = None,
    specificity_interval: tuple[float, float] | None = None,
    prevalences=None,
) -> PrevalenceCurve:
    """PPV and NPV over a range of prevalences, and a plain-words summary at `prevalence`.

    If the sensitivity and specificity intervals are given, the summary also gives a rough range for PPV and
    NPV at `prevalence` from the interval ends (PPV rises with both; a conservative range, not an interval).
    """
    grid = DEFAULT_PREVALENCES if prevalences is None else np.asarray(prevalences, dtype=float)
    if prevalence is not None:
        prevalence = _check_fraction(prevalence, "prevalence", open_interval=True)
        grid = np.unique(np.r_[grid, prevalence])
    ppv, npv = predictive_values(sensitivity, specificity, grid)
    ppv_at = npv_at = ppv_range = npv_range = None
    if prevalence is None:
        summary = (
            f"With sensitivity {sensitivity:.3g} and specificity {specificity:.3g}, PPV rises and NPV falls as "
            "the condition becomes more common. Enter the prevalence in your own patients to read them off."
        )
    else:
        ppv_at, npv_at = predictive_values(sensitivity, specificity, prevalence)
        summary = (
            f"At a prevalence of {_percent(prevalence)}, about {100 * ppv_at:.3g} in 100 people who test positive "
            f"have the condition (PPV {ppv_at:.3f}), and about {100 * npv_at:.3g} in 100 who test negative are "
            f"free of it (NPV {npv_at:.3f})."
        )
        if sensitivity_interval and specificity_interval:
            lo = predictive_values(sensitivity_interval[0], specificity_interval[0], prevalence)
            hi = predictive_values(sensitivity_interval[1], specificity_interval[1], prevalence)
            ppv_range = (min(lo[0], hi[0]), max(lo[0], hi[0]))
            npv_range = (min(lo[1], hi[1]), max(lo[1], hi[1]))
            summary += (
                f" Using the ends of the sensitivity and specificity intervals, PPV could be roughly "
                f"{ppv_range[0]:.3f} to {ppv_range[1]:.3f} and NPV {npv_range[0]:.3f} to {npv_range[1]:.3f}."
            )
        if ppv_at < 0.5:
            summary += " Most positive results would be false alarms at this prevalence."
    return PrevalenceCurve(
        float(sensitivity), float(specificity), grid, ppv, npv, prevalence, ppv_at, npv_at, ppv_range,
        npv_range, summary,
    )


# The consistency engine lives in its own module; these names stay importable from here.
from appraisal.consistency import (  # noqa: E402
    CandidateTable,
    ConsistencyReport,
    check_reported,
    consistent_tables,
    matching_counts,
)
