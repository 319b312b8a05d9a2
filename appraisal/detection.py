"""Lesion-level detection results: sensitivity, PPV (precision) and false positives per patient.

A detection study counts found lesions (TP), missed lesions (FN) and false marks (FP) but has no true
negatives: there is no countable set of "non-lesions". So specificity and NPV are not defined, and the false
positive rate is reported per patient (or per image) instead, as in FROC analysis.

- Sensitivity TP/(TP+FN) and PPV TP/(TP+FP): Wilson score intervals.
- False positives per patient FP/patients: exact Poisson interval for the count (chi-square quantiles,
  Garwood 1936), divided by the number of patients.

>>> d = lesion_metrics(tp=80, fn=20, fp=30, patients=50)
>>> round(d.sensitivity.value, 2), round(d.ppv.value, 3), d.fp_per_patient.value
(0.8, 0.727, 0.6)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from scipy.stats import chi2

from appraisal._checks import _check_count, _check_level
from appraisal.consistency import _nearest, count_range
from appraisal.numbers import Estimate, wilson_interval
from appraisal.reported import as_reported

__all__ = ["LesionMetrics", "lesion_metrics", "poisson_rate_interval"]

NO_TN_NOTE = (
    "Lesion-level detection has no true negatives, so specificity, NPV and accuracy are not defined; "
    "false positives are counted per patient instead."
)


def poisson_rate_interval(count: int, exposure: int, level: float = 0.95) -> tuple[float, float]:
    """Exact Poisson interval for count/exposure (chi-square method).

    >>> [round(x, 4) for x in poisson_rate_interval(30, 50)]
    [0.4048, 0.8565]
    """
    count, exposure, level = _check_count(count, "count"), _check_count(exposure, "patients"), _check_level(level)
    if exposure == 0:
        raise ValueError("The number of patients must be at least 1.")
    alpha = 1 - level
    lo = 0.0 if count == 0 else chi2.ppf(alpha / 2, 2 * count) / 2
    hi = chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return float(lo / exposure), float(hi / exposure)


@dataclass(frozen=True)
class LesionMetrics:
    tp: int
    fn: int
    fp: int
    patients: int
    level: float
    sensitivity: Estimate
    ppv: Estimate
    fp_per_patient: Estimate
    checks: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return all(c["consistent"] for c in self.checks)

    def to_dict(self) -> dict:
        return asdict(self)


def _check_value(name: str, label: str, value, k: int, den: int, decimals, *, proportion: bool) -> dict:
    r = as_reported(value, label, decimals) if proportion else _rate(value, label, decimals)
    first, last, _, _ = count_range(r, den)
    ok = first <= k <= last
    got = f"{k}/{den} = {r.formatted(k / den)}"
    if ok:
        message = f"{label} {r.show()} matches the counts ({got})."
    else:
        near = " or ".join(f"{shown} ({kk}/{den})" for kk, shown in _nearest(r, den))
        message = f"{label} {r.show()} does not match the counts: {got}" + (f"; with {den} in the denominator the nearest possible are {near}." if near else ".")
    return {"name": name, "reported": r.show(), "recomputed": k / den, "consistent": ok, "message": message}


def _rate(value, label: str, decimals):
    """A rate such as 0.6 false positives per patient: may exceed 1, never a percentage."""
    from decimal import Decimal, InvalidOperation

    from appraisal.reported import Reported

    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{label} must be a number such as 0.6, got {value!r}.") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{label} must be zero or more, got {value!r}.")
    d = decimals if decimals is not None else max(0, -int(number.as_tuple().exponent))
    scaled = number * Decimal(10) ** d
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{label} {value} has more than {d} decimal place(s).")
    return Reported(label, int(scaled), d, False, str(value).strip())


def lesion_metrics(
    tp: int, fn: int, fp: int, patients: int, *, level: float = 0.95,
    reported: Mapping[str, object] | None = None, decimals: int | None = None,
) -> LesionMetrics:
    """Detection metrics, and checks of printed values (`sensitivity`, `ppv`, `fp_per_patient`) if given."""
    tp, fn, fp = _check_count(tp, "tp (lesions found)"), _check_count(fn, "fn (lesions missed)"), _check_count(fp, "fp (false marks)")
    patients, level = _check_count(patients, "patients"), _check_level(level)
    if patients == 0:
        raise ValueError("The number of patients (or images) must be at least 1.")
    if tp + fn == 0:
        raise ValueError("No lesions in the reference standard (tp + fn = 0), so sensitivity is not defined.")
    lo, hi = wilson_interval(tp, tp + fn, level)
    sens = Estimate("sensitivity", tp / (tp + fn), lo, hi, "Wilson score", tp, tp + fn)
    if tp + fp:
        lo, hi = wilson_interval(tp, tp + fp, level)
        ppv = Estimate("ppv", tp / (tp + fp), lo, hi, "Wilson score", tp, tp + fp)
    else:
        ppv = Estimate("ppv", float("nan"), None, None, "Wilson score", 0, 0, "Not defined: no marks at all.")
    lo, hi = poisson_rate_interval(fp, patients, level)
    rate = Estimate("fp_per_patient", fp / patients, lo, hi, "exact Poisson", fp, patients)
    checks = []
    for name, value in (reported or {}).items():
        if value is None:
            continue
        if name == "sensitivity":
            checks.append(_check_value(name, "Sensitivity", value, tp, tp + fn, decimals, proportion=True))
        elif name == "ppv":
            checks.append(_check_value(name, "PPV", value, tp, tp + fp, decimals, proportion=True))
        elif name == "fp_per_patient":
            checks.append(_check_value(name, "False positives per patient", value, fp, patients, decimals, proportion=False))
        else:
            raise ValueError(
                f"{name} cannot be checked for lesion-level detection (no true negatives); "
                "give sensitivity, ppv or fp_per_patient."
            )
    return LesionMetrics(tp, fn, fp, patients, level, sens, ppv, rate, checks, [NO_TN_NOTE])
