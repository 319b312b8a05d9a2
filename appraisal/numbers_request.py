"""One request to the numbers checker, as the CLI and the page collect it, and what to show for it.

The mode follows from what is given: a confusion matrix, a 2x2 table (tp, fn, fp, tn), lesion-level counts
(tp, fn, fp and patients, no tn) or reported values alone (n with sensitivity and specificity). Every value
given is either used or named in a warning: nothing is ignored silently.

>>> r = run_numbers(NumbersRequest(tp=90, fn=10, fp=20, tn=180, accuracy="0.905"))
>>> r.inconsistent
['accuracy']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from appraisal.consistency import check_reported
from appraisal.detection import lesion_metrics
from appraisal.multiclass import confusion_matrix_metrics, parse_matrix
from appraisal.numbers import METRIC_LABELS, prevalence_curve, table_metrics
from appraisal.reported import as_reported
from appraisal.reported_checks import COUNT_FORMULAS, NAMES, check_interval, compare_with_counts

__all__ = ["NumbersRequest", "NumbersResult", "run_numbers", "parse_interval"]

OPTION_NAMES = {f: "--" + f.replace("_", "-") for f in (
    "tp", "fn", "fp", "tn", "patients", "matrix", "labels", "class_sizes", "prevalence", "level", "n", "positives",
    "sensitivity", "specificity", "ppv", "npv", "accuracy", "f1", "fp_per_patient", "ci", "decimals")}
REPORTED = ("sensitivity", "specificity", "ppv", "npv", "accuracy", "f1")


@dataclass
class NumbersRequest:
    tp: int | None = None
    fn: int | None = None
    fp: int | None = None
    tn: int | None = None
    patients: int | None = None
    matrix: str | list | None = None
    labels: str | list | None = None
    class_sizes: str | list | None = None
    prevalence: str | float | None = None
    level: float = 0.95
    n: int | None = None
    positives: int | None = None
    sensitivity: str | float | None = None
    specificity: str | float | None = None
    ppv: str | float | None = None
    npv: str | float | None = None
    accuracy: str | float | None = None
    f1: str | float | None = None
    fp_per_patient: str | float | None = None
    ci: list[str] = field(default_factory=list)
    decimals: int | None = None

    def given(self) -> set[str]:
        out = set()
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "level":
                if value != 0.95:
                    out.add("level")
            elif value not in (None, [], ""):
                out.add(f.name)
        return out


@dataclass
class NumbersResult:
    mode: str
    lines: list[str]
    payload: dict
    warnings: list[str]
    inconsistent: list[str]


def parse_interval(text: str) -> tuple[str, str, str]:
    """'sensitivity=0.85-0.95' (or '0.85 to 0.95', '85%,95%') -> ('sensitivity', '0.85', '0.95')."""
    if "=" not in text:
        raise ValueError(f"Write an interval as NAME=LOWER-UPPER, e.g. sensitivity=0.85-0.95; got {text!r}.")
    name, rest = (part.strip() for part in text.split("=", 1))
    name = name.lower()
    if name not in NAMES or name in ("f1", "prevalence"):
        raise ValueError(f"Unknown measure {name!r} in --ci; use sensitivity, specificity, ppv, npv or accuracy.")
    parts = [p for p in re.split(r"\s*(?:\bto\b|,|;|\u2013|\u2014|-)\s*", rest) if p]
    if len(parts) != 2:
        raise ValueError(f"Write the interval for {name} as LOWER-UPPER, e.g. 0.85-0.95; got {rest!r}.")
    return name, parts[0], parts[1]


def _split(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def _unused(req: NumbersRequest, used: set[str], mode: str) -> list[str]:
    return [f"{OPTION_NAMES[name]} is not used when checking {mode}; it was ignored."
            for name in sorted(req.given() - used)]


# ---------------------------------------------------------------------------------------------- modes
def _matrix(req: NumbersRequest) -> NumbersResult:
    matrix = parse_matrix(req.matrix) if isinstance(req.matrix, str) else req.matrix
    sizes = _split(req.class_sizes)
    if sizes is not None:
        try:
            sizes = [int(s) for s in sizes]
        except ValueError:
            raise ValueError(f"Class sizes must be whole numbers, got {req.class_sizes!r}.") from None
    res = confusion_matrix_metrics(matrix, _split(req.labels), sizes, level=req.level)
    lines = [f"Confusion matrix ({len(res.labels)} classes): {res.orientation}.", *res.messages]
    lines.append(f"Overall accuracy {res.accuracy:.3f} ({res.accuracy_interval[0]:.3f} to {res.accuracy_interval[1]:.3f})")
    lines.append(f"{'class':<16} {'n':>6} {'sens':>6} {'spec':>6} {'PPV':>6} {'NPV':>6}   (one class against the rest)")
    for row in res.rows():
        cells = " ".join("     -" if row[k] is None else f"{row[k]:>6.3f}" for k in ("sensitivity", "specificity", "ppv", "npv"))
        lines.append(f"{row['class'][:16]:<16} {row['n (reference)']:>6} {cells}")
    used = {"matrix", "labels", "class_sizes", "level"}
    inconsistent = ["class_sizes"] if res.fits_class_sizes is False else []
    if req.accuracy is not None:
        used |= {"accuracy", "decimals"}
        correct, total = sum(res.matrix[i][i] for i in range(len(res.labels))), sum(map(sum, res.matrix))
        check = compare_with_counts((correct, total - correct, 0, 0), {"accuracy": req.accuracy}, req.decimals)[0]
        message = check.message.replace("(TP+TN)/n", "correct/n").replace("the table", "the matrix")
        lines.append(("ok  " if check.consistent else "NO  ") + message)
        if not check.consistent:
            inconsistent.append("accuracy")
    return NumbersResult("matrix", lines, res.to_dict(), _unused(req, used, "a confusion matrix"), inconsistent)


def _interval_checks(req: NumbersRequest, denominators: dict[str, tuple[int, int | None, object]]):
    """Check each --ci against its denominator; (checks, warnings)."""
    checks, warnings = [], []
    for text in req.ci:
        name, lo, hi = parse_interval(text)
        if name not in denominators:
            warnings.append(f"--ci {name} was not checked: its denominator is not known from what was given.")
            continue
        n, k, value = denominators[name]
        checks.append(check_interval(name, lo, hi, n=n, k=k, value=value, level=req.level, decimals=req.decimals))
    return checks, warnings


def _counts(req: NumbersRequest) -> NumbersResult:
    metrics = table_metrics(req.tp, req.fn, req.fp, req.tn, level=req.level)
    t = metrics.table
    lines = [f"2x2 table: TP {t.tp}, FN {t.fn}, FP {t.fp}, TN {t.tn} (n = {t.n}, {t.positives} with the condition)",
             f"{'measure':<34} {'value':>8}   {round(metrics.level * 100):g}% interval"]
    for name, est in metrics.estimates.items():
        if est.value != est.value:
            lines.append(f"{METRIC_LABELS[name]:<34} {'-':>8}   {est.note}")
            continue
        interval = f"{est.lower:.3f} to {est.upper:.3f}" if est.lower is not None else "(no interval)"
        lines.append(f"{METRIC_LABELS[name]:<34} {est.value:>8.3f}   {interval}   [{est.method}]")
    lines += [f"Note: {note}" for note in metrics.notes]
    reported = {k: getattr(req, k) for k in REPORTED if getattr(req, k) is not None}
    inconsistent = []
    payload = metrics.to_dict()
    problems = []
    if req.n is not None and req.n != t.n:
        problems.append(f"--n {req.n} does not match the table's total TP+FN+FP+TN = {t.n}.")
        inconsistent.append("n")
    if req.positives is not None and req.positives != t.positives:
        problems.append(f"--positives {req.positives} does not match TP+FN = {t.positives}.")
        inconsistent.append("positives")
    checks = compare_with_counts(t, reported, req.decimals)
    denominators = {}
    for name in ("sensitivity", "specificity", "ppv", "npv", "accuracy"):
        k, den = COUNT_FORMULAS[name][1](t)
        denominators[name] = (den, k, None)
    ci_checks, warnings = _interval_checks(req, denominators)
    if checks or ci_checks or problems:
        lines.append("")
        lines.append("Reported values against the table:")
        lines += problems
        lines += [("  ok  " if c.consistent else "  NO  ") + c.message for c in checks]
        lines += [("  ok  " if c.consistent else "  ??  ") + c.message for c in ci_checks]
    inconsistent += [c.name for c in checks if not c.consistent]
    payload["reported_checks"] = [c.to_dict() for c in checks]
    payload["interval_checks"] = [c.to_dict() for c in ci_checks]
    if req.prevalence is not None:
        prev = as_reported(req.prevalence, "prevalence")
        sens, spec = metrics["sensitivity"], metrics["specificity"]
        curve = prevalence_curve(sens.value, spec.value, prev.value,
                                 sensitivity_interval=(sens.lower, sens.upper),
                                 specificity_interval=(spec.lower, spec.upper))
        lines += ["", curve.summary]
        payload["prevalence"] = curve.to_dict()
    used = {"tp", "fn", "fp", "tn", "level", "prevalence", "n", "positives", "ci", *REPORTED}
    if reported or req.ci:
        used.add("decimals")
    return NumbersResult("counts", lines, payload, warnings + _unused(req, used, "a 2x2 table"), inconsistent)


def _lesions(req: NumbersRequest) -> NumbersResult:
    reported = {k: getattr(req, k) for k in ("sensitivity", "ppv", "fp_per_patient") if getattr(req, k) is not None}
    d = lesion_metrics(req.tp, req.fn, req.fp, req.patients, level=req.level, reported=reported, decimals=req.decimals)
    lines = [f"Lesion-level detection: {d.tp} lesions found, {d.fn} missed, {d.fp} false marks in {d.patients} patients"]
    for label, e in (("Sensitivity (lesions found)", d.sensitivity), ("PPV (marks that are lesions)", d.ppv),
                     ("False positives per patient", d.fp_per_patient)):
        lines.append(f"{label:<34} {e.formatted()}   [{e.method}]")
    lines += [f"Note: {note}" for note in d.notes]
    ci_checks, warnings = _interval_checks(req, {"sensitivity": (d.tp + d.fn, d.tp, None), "ppv": (d.tp + d.fp, d.tp, None)})
    if d.checks or ci_checks:
        lines += ["", "Reported values against the counts:"]
        lines += [("  ok  " if c["consistent"] else "  NO  ") + c["message"] for c in d.checks]
        lines += [("  ok  " if c.consistent else "  ??  ") + c.message for c in ci_checks]
    payload = d.to_dict() | {"interval_checks": [c.to_dict() for c in ci_checks]}
    used = {"tp", "fn", "fp", "patients", "level", "sensitivity", "ppv", "fp_per_patient", "ci"}
    if reported or req.ci:
        used.add("decimals")
    inconsistent = [c["name"] for c in d.checks if not c["consistent"]]
    warnings += _unused(req, used, "lesion-level detection (no true negatives)")
    return NumbersResult("lesions", lines, payload, warnings, inconsistent)


def _reported(req: NumbersRequest) -> NumbersResult:
    if req.sensitivity is None or req.specificity is None:
        raise ValueError("A consistency check needs both --sensitivity and --specificity.")
    report = check_reported(req.n, req.positives, req.prevalence, sensitivity=req.sensitivity,
                            specificity=req.specificity, decimals=req.decimals, ppv=req.ppv, npv=req.npv,
                            accuracy=req.accuracy)
    lines = ["Consistent: " + ("yes" if report.consistent else "NO"), *report.messages]
    if report.tables:
        lines.append(f"{'TP':>7} {'FN':>7} {'FP':>7} {'TN':>7}   rounding")
        lines += [f"{t.tp:>7} {t.fn:>7} {t.fp:>7} {t.tn:>7}   {t.rounding}" for t in report.tables[:20]]
        if report.total_tables > 20:
            lines.append(f"... {report.total_tables - 20:,} more (use --json to see up to {len(report.tables)})")
    lines.append(report.rounding_note)
    denominators = {"accuracy": (req.n, None, req.accuracy)}
    if len(report.positives_considered) == 1:
        p = report.positives_considered[0]
        denominators |= {"sensitivity": (p, None, req.sensitivity), "specificity": (req.n - p, None, req.specificity)}
    if report.total_tables == 1:
        t = report.tables[0]
        denominators |= {"ppv": (t.tp + t.fp, t.tp, None), "npv": (t.tn + t.fn, t.tn, None)}
    denominators = {k: v for k, v in denominators.items() if v[1] is not None or v[2] is not None}
    ci_checks, warnings = _interval_checks(req, denominators)
    lines += [("ok  " if c.consistent else "??  ") + c.message for c in ci_checks]
    used = {"n", "positives", "prevalence", "sensitivity", "specificity", "ppv", "npv", "accuracy", "decimals", "ci"}
    if req.ci:
        used.add("level")
    payload = report.to_dict() | {"interval_checks": [c.to_dict() for c in ci_checks]}
    warnings += _unused(req, used, "reported values without a table")
    return NumbersResult("reported", lines, payload, warnings, list(report.inconsistent))


def run_numbers(req: NumbersRequest) -> NumbersResult:
    """Pick the mode from what is given and run it."""
    counts = (req.tp, req.fn, req.fp, req.tn)
    if req.matrix is not None:
        if any(c is not None for c in counts):
            raise ValueError("Give either a confusion matrix (--matrix) or counts (--tp --fn --fp --tn), not both.")
        return _matrix(req)
    if any(c is not None for c in counts):
        if req.tn is None and req.patients is not None:
            if None in (req.tp, req.fn, req.fp):
                raise ValueError("Lesion-level detection needs --tp, --fn, --fp and --patients.")
            return _lesions(req)
        if any(c is None for c in counts):
            raise ValueError(
                "Give all four counts: --tp, --fn, --fp and --tn (or --tp, --fn, --fp with --patients for "
                "lesion-level detection, which has no true negatives)."
            )
        return _counts(req)
    if req.n is None:
        raise ValueError(
            "Give either a 2x2 table (--tp --fn --fp --tn) or reported numbers (--n with --positives or "
            "--prevalence, --sensitivity and --specificity)."
        )
    return _reported(req)
