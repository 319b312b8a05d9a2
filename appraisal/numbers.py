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
from decimal import Decimal

import numpy as np
from scipy.stats import norm

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
MAX_DECIMALS = 6
RULE_EXACT = "no ties"
RULE_HALF_UP = "half-up"
RULE_HALF_EVEN = "half-to-even"
RULE_HALF_DOWN = "half-down"


# ---------------------------------------------------------------------------------------------- validation
def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a whole number of people, got {value!r}.")
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


# ---------------------------------------------------------------------------------------------- consistency
def _round_rules(num, den, scaled_value: int, decimals: int):
    """Does each num/den round to scaled_value / 10^decimals? Returns (match, tie_up, tie_down).

    Exact integer arithmetic: num/den must lie in [(2V-1)/(2s), (2V+1)/(2s)] with s = 10^decimals.
    At the two ends the true value is exactly halfway: `tie_up` marks a tie that reached V by rounding up
    (half-up), `tie_down` one that reached V by rounding down (half-to-even when V is even, otherwise
    half-down, which floating-point rounding sometimes produces).
    """
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    s = 10**decimals
    t = 2 * num * s
    lo = (2 * scaled_value - 1) * den
    hi = (2 * scaled_value + 1) * den
    defined = den > 0
    inside = defined & (t > lo) & (t < hi)
    tie_up = defined & (t == lo)
    tie_down = defined & (t == hi)
    return inside | tie_up | tie_down, tie_up, tie_down


def _rounding_label(up: bool, down: bool, down_odd: bool) -> str:
    if up and down:
        return "mixed"
    if up:
        return RULE_HALF_UP
    if down:
        return RULE_HALF_DOWN if down_odd else RULE_HALF_EVEN
    return RULE_EXACT


def matching_counts(value: float, denominator: int, decimals: int) -> list[int]:
    """Counts k in 0..denominator with k/denominator rounding to `value` at `decimals` (either rule).

    GRIM-style: an empty list means the reported value is impossible for that denominator.

    >>> matching_counts(0.93, 50, 2), matching_counts(0.92, 50, 2)
    ([], [46])
    """
    decimals = _check_decimals(decimals)
    den = _check_count(denominator, "denominator")
    v = _scaled(value, decimals, "value")
    k = np.arange(den + 1)
    match, _, _ = _round_rules(k, np.full_like(k, den), v, decimals)
    return k[match].tolist()


def _nearest_values(value_scaled: int, den: int, decimals: int) -> tuple[tuple[int, float] | None, ...]:
    """The achievable (count, rounded value) just below and just above a reported value."""
    s = 10**decimals
    below = above = None
    # largest k with k/den < (2V-1)/(2s); smallest k with k/den > (2V+1)/(2s)
    k_lo = ((2 * value_scaled - 1) * den - 1) // (2 * s)
    if 0 <= k_lo <= den:
        below = (int(k_lo), round(k_lo / den, decimals))
    k_hi = ((2 * value_scaled + 1) * den) // (2 * s) + 1
    if 0 <= k_hi <= den:
        above = (int(k_hi), round(k_hi / den, decimals))
    return below, above


@dataclass(frozen=True)
class CandidateTable:
    tp: int
    fn: int
    fp: int
    tn: int
    rounding: str  # which tie-breaking the reported values need: "no ties", "half-up", "half-to-even", ...

    @property
    def table(self) -> TwoByTwo:
        return TwoByTwo(self.tp, self.fn, self.fp, self.tn)


@dataclass(frozen=True)
class ConsistencyReport:
    consistent: bool
    n: int
    positives_considered: list[int]
    tables: list[CandidateTable]
    total_tables: int
    messages: list[str]
    rounding_note: str

    def to_dict(self) -> dict:
        return {
            "consistent": self.consistent,
            "n": self.n,
            "positives_considered": self.positives_considered,
            "total_tables": self.total_tables,
            "tables": [asdict(t) for t in self.tables],
            "messages": list(self.messages),
            "rounding_note": self.rounding_note,
        }


ROUNDING_NOTE = (
    "Values are compared after rounding to the reported number of decimals. When a true value lies exactly "
    "halfway (1/8 = 0.125), both roundings are accepted: half-up (0.13) and half-to-even or half-down (0.12); "
    "each table says which one it needs ('no ties' when no value was halfway)."
)


def _positives_from(n: int, positives, prevalence, decimals: int) -> list[int]:
    if (positives is None) == (prevalence is None):
        raise ValueError("Give either the number of people with the condition (positives) or the prevalence, not both.")
    if positives is not None:
        p = _check_count(positives, "positives")
        if not 0 < p < n:
            raise ValueError(
                f"positives must be between 1 and {n - 1} (the number with the condition among {n}), got {p}."
            )
        return [p]
    prev = _check_fraction(prevalence, "prevalence", open_interval=True)
    d = max(decimals, _decimals_of(prev))  # 0.1 reported next to 0.93 is read as 0.10
    v = _scaled(prev, d, "prevalence")
    k = np.arange(1, n)
    match, _, _ = _round_rules(k, np.full_like(k, n), v, d)
    found = k[match].tolist()
    if not found:
        raise ValueError(f"No whole number of people out of {n} gives a prevalence of {prev:g}.")
    return found


def _label(name: str) -> str:
    return {"ppv": "PPV", "npv": "NPV"}.get(name, name)


MAX_PAIRS = 20_000_000  # about a second of checking
CHUNK_PAIRS = 1_000_000


def _check_pairs(tables, limit, n, p, q, tp, su, sd, tn, cu, cd, s_v, c_v, extra) -> int:
    """Check every (tp, tn) pair of one block against the extra reported values; append up to `limit`."""
    TP, TN = np.meshgrid(tp, tn, indexing="ij")
    ok = np.ones(TP.shape, dtype=bool)
    up = su[:, None] | cu[None, :]
    down = sd[:, None] | cd[None, :]
    down_odd = (sd[:, None] & bool(s_v % 2)) | (cd[None, :] & bool(c_v % 2))
    FN, FP = p - TP, q - TN
    for name, (value, dec) in extra.items():
        v = _scaled(value, dec, name)
        if name == "ppv":
            num, den = TP, TP + FP
        elif name == "npv":
            num, den = TN, TN + FN
        else:
            num, den = TP + TN, np.full_like(TP, n)
        em, eu, ed = _round_rules(num, den, v, dec)
        ok &= em
        up, down, down_odd = up | eu, down | ed, down_odd | (ed & bool(v % 2))
    if len(tables) < limit:
        for i, j in np.argwhere(ok)[: limit - len(tables)]:
            rule = _rounding_label(bool(up[i, j]), bool(down[i, j]), bool(down_odd[i, j]))
            tables.append(CandidateTable(int(TP[i, j]), int(FN[i, j]), int(FP[i, j]), int(TN[i, j]), rule))
    return int(ok.sum())


def _enumerate(n, positives_list, sensitivity, specificity, decimals, extra, limit):
    """All tables matching the rounded values, per number with the condition P; returns (tables, count, per_p)."""
    s_v = _scaled(sensitivity, decimals, "sensitivity")
    c_v = _scaled(specificity, decimals, "specificity")
    s = 10**decimals
    tables: list[CandidateTable] = []
    total = 0
    per_p, blocks = [], []
    for p in positives_list:
        q = n - p
        tp = np.arange(max(0, ((2 * s_v - 1) * p) // (2 * s)), min(p, ((2 * s_v + 1) * p) // (2 * s) + 1) + 1)
        tn = np.arange(max(0, ((2 * c_v - 1) * q) // (2 * s)), min(q, ((2 * c_v + 1) * q) // (2 * s) + 1) + 1)
        sm, su, sd = _round_rules(tp, np.full_like(tp, p), s_v, decimals)
        cm, cu, cd = _round_rules(tn, np.full_like(tn, q), c_v, decimals)
        per_p.append((p, int(sm.sum()), int(cm.sum())))
        if sm.any() and cm.any():
            blocks.append((p, q, tp[sm], su[sm], sd[sm], tn[cm], cu[cm], cd[cm]))
    pairs = sum(b[2].size * b[5].size for b in blocks)
    if extra and pairs > MAX_PAIRS:
        raise ValueError(
            f"Too many candidate tables ({pairs:,}) to check the extra reported values against; give the number "
            "with the condition instead of the prevalence, or leave out PPV, NPV and accuracy."
        )
    for p, q, tp, su, sd, tn, cu, cd in blocks:
        if not extra:  # every (tp, tn) pair works: count without building the pairs
            total += tp.size * tn.size
            for i in range(min(tp.size, max(0, limit - len(tables)))):
                for j in range(min(tn.size, limit - len(tables))):
                    rule = _rounding_label(bool(su[i] | cu[j]), bool(sd[i] | cd[j]),
                                           bool((sd[i] and s_v % 2) or (cd[j] and c_v % 2)))
                    tables.append(CandidateTable(int(tp[i]), int(p - tp[i]), int(q - tn[j]), int(tn[j]), rule))
            continue
        step = max(1, CHUNK_PAIRS // tn.size)
        for start in range(0, tp.size, step):  # bounded memory
            rows = slice(start, start + step)
            total += _check_pairs(tables, limit, n, p, q, tp[rows], su[rows], sd[rows], tn, cu, cd, s_v, c_v, extra)
    return tables, total, per_p


def _validate_reported(n, sensitivity, specificity, decimals, ppv, npv, accuracy):
    n = _check_count(n, "n (the number of people)")
    if n < 2:
        raise ValueError("n must be at least 2: a table needs people with and without the condition.")
    decimals = _check_decimals(decimals)
    sensitivity = _check_fraction(sensitivity, "sensitivity")
    specificity = _check_fraction(specificity, "specificity")
    extra = {}
    for name, value in (("ppv", ppv), ("npv", npv), ("accuracy", accuracy)):
        if value is not None:
            extra[name] = (_check_fraction(value, _label(name)), decimals)
    return n, sensitivity, specificity, decimals, extra


def consistent_tables(
    n: int,
    positives: int | None = None,
    prevalence: float | None = None,
    *,
    sensitivity: float,
    specificity: float,
    decimals: int = 2,
    ppv: float | None = None,
    npv: float | None = None,
    accuracy: float | None = None,
    limit: int = 1000,
) -> list[CandidateTable]:
    """All integer 2x2 tables (up to `limit`) that reproduce the reported rounded values.

    >>> [(t.tp, t.fn, t.fp, t.tn) for t in consistent_tables(100, 20, sensitivity=0.9, specificity=0.95, decimals=2)]
    [(18, 2, 4, 76)]
    """
    return check_reported(
        n, positives, prevalence, sensitivity=sensitivity, specificity=specificity, decimals=decimals,
        ppv=ppv, npv=npv, accuracy=accuracy, limit=limit,
    ).tables


def _fmt(v: float, d: int) -> str:
    return f"{v:.{d}f}"


def _why_impossible(name: str, value: float, decimals: int, den: int, who: str) -> str:
    v = _scaled(value, decimals, name)
    below, above = _nearest_values(v, den, decimals)
    options = [f"{k / den:.{decimals}f} ({k}/{den})" for k, _ in (pair for pair in (below, above) if pair)]
    options_text = " or ".join(options) if options else "no nearby value"
    return (
        f"With {den} {who}, {name} can only be {options_text} near the reported value; "
        f"{_fmt(value, decimals)} is impossible."
    )


def check_reported(
    n: int,
    positives: int | None = None,
    prevalence: float | None = None,
    *,
    sensitivity: float,
    specificity: float,
    decimals: int = 2,
    ppv: float | None = None,
    npv: float | None = None,
    accuracy: float | None = None,
    limit: int = 1000,
) -> ConsistencyReport:
    """Can any integer 2x2 table produce the reported, rounded numbers? Says why not, in plain words.

    Give `n` (everyone in the table) and either `positives` (people with the condition) or the reported
    `prevalence`; `sensitivity`, `specificity` (and optionally PPV, NPV, accuracy) as reported, rounded to
    `decimals` places.

    >>> check_reported(500, 50, sensitivity=0.93, specificity=0.88, decimals=2).messages[0]
    'With 50 people with the condition, sensitivity can only be 0.92 (46/50) or 0.94 (47/50) near the reported value; 0.93 is impossible.'
    """
    n, sensitivity, specificity, decimals, extra = _validate_reported(
        n, sensitivity, specificity, decimals, ppv, npv, accuracy
    )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of tables, got {limit!r}.")
    positives_list = _positives_from(n, positives, prevalence, decimals)
    tables, total, per_p = _enumerate(n, positives_list, sensitivity, specificity, decimals, extra, limit)
    messages: list[str] = []
    if total == 0:
        sens_ok = [p for p, ns, _ in per_p if ns]
        spec_ok = [p for p, _, nc in per_p if nc]
        if len(positives_list) == 1:
            p = positives_list[0]
            if not sens_ok:
                messages.append(_why_impossible("sensitivity", sensitivity, decimals, p, "people with the condition"))
            if not spec_ok:
                messages.append(
                    _why_impossible("specificity", specificity, decimals, n - p, "people without the condition")
                )
        else:
            span = f"{positives_list[0]} to {positives_list[-1]} people with the condition"
            if not sens_ok:
                messages.append(
                    f"With prevalence {prevalence:g} of {n} people ({span}), no count gives sensitivity "
                    f"{_fmt(sensitivity, decimals)}; it is impossible."
                )
            if not spec_ok:
                messages.append(
                    f"With prevalence {prevalence:g} of {n} people ({span}), no count gives specificity "
                    f"{_fmt(specificity, decimals)}; it is impossible."
                )
            if sens_ok and spec_ok and not set(sens_ok) & set(spec_ok):
                messages.append(
                    f"Sensitivity {_fmt(sensitivity, decimals)} and specificity {_fmt(specificity, decimals)} are "
                    f"each possible, but never with the same number of people with the condition ({span})."
                )
        if not messages and extra:
            named = ", ".join(f"{_label(k)} {_fmt(v, d)}" for k, (v, d) in extra.items())
            messages.append(
                f"Tables exist that give sensitivity {_fmt(sensitivity, decimals)} and specificity "
                f"{_fmt(specificity, decimals)}, but none of them also gives {named}; at least one of these "
                "numbers is inconsistent with the others."
            )
    else:
        what = "table reproduces" if total == 1 else "tables reproduce"
        messages.append(
            f"{total} whole-number 2x2 {what} the reported numbers; they are consistent."
            + (f" The first {len(tables)} are listed." if total > len(tables) else "")
        )
    return ConsistencyReport(total > 0, n, positives_list, tables, total, messages, ROUNDING_NOTE)
