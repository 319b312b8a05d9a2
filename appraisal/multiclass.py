"""Multi-class confusion matrices: per-class one-vs-rest metrics, and whether the matrix's orientation fits
the class sizes the paper states.

Convention: rows are the reference standard (true class), columns the prediction. A paper that prints the
transpose is common; when the stated class sizes match the column totals but not the row totals, the matrix is
read the other way round and the result says so.

>>> r = confusion_matrix_metrics([[45, 5], [10, 40]], labels=["AF", "normal"], class_sizes=[50, 50])
>>> r.orientation, round(r.classes[0].metrics["sensitivity"].value, 2), r.accuracy
('rows are the reference standard', 0.9, 0.85)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from appraisal._checks import _check_count, _check_level
from appraisal.numbers import Estimate, TwoByTwo, wilson_interval

__all__ = ["ClassResult", "MatrixResult", "confusion_matrix_metrics", "parse_matrix"]

ROWS_TRUE = "rows are the reference standard"
COLUMNS_TRUE = "columns are the reference standard (the matrix was transposed)"
MAX_CLASSES = 100


@dataclass(frozen=True)
class ClassResult:
    label: str
    table: TwoByTwo  # this class against all the others
    metrics: dict[str, Estimate]


@dataclass(frozen=True)
class MatrixResult:
    labels: list[str]
    matrix: list[list[int]]  # as used: rows = reference standard
    orientation: str
    classes: list[ClassResult]
    accuracy: float
    accuracy_interval: tuple[float, float]
    messages: list[str] = field(default_factory=list)
    fits_class_sizes: bool | None = None

    def rows(self) -> list[dict]:
        out = []
        for c in self.classes:
            row = {"class": c.label, "n (reference)": c.table.tp + c.table.fn}
            for name in ("sensitivity", "specificity", "ppv", "npv"):
                e = c.metrics[name]
                row[name] = None if e.value != e.value else round(e.value, 3)
                row[f"{name} interval"] = "-" if e.lower is None else f"{e.lower:.3f} to {e.upper:.3f}"
            out.append(row)
        return out

    def to_dict(self) -> dict:
        return {"labels": self.labels, "matrix": self.matrix, "orientation": self.orientation,
                "accuracy": self.accuracy, "accuracy_interval": list(self.accuracy_interval),
                "fits_class_sizes": self.fits_class_sizes, "messages": self.messages, "classes": self.rows()}


def parse_matrix(text: str) -> list[list[int]]:
    """'50,3;4,40' (rows split by ';' or new lines, cells by ',' or spaces) -> [[50, 3], [4, 40]]."""
    rows = [r for r in (part.strip() for part in text.replace("\n", ";").split(";")) if r]
    if not rows:
        raise ValueError("The confusion matrix is empty; write rows separated by ';', e.g. '50,3;4,40'.")
    out = []
    for row in rows:
        cells = [c for c in row.replace(",", " ").split() if c]
        try:
            out.append([int(c) for c in cells])
        except ValueError:
            raise ValueError(f"Row '{row}' of the confusion matrix must hold whole numbers of people.") from None
    return out


def _proportion(name: str, k: int, n: int, level: float) -> Estimate:
    if n == 0:
        return Estimate(name, float("nan"), None, None, "Wilson score", k, n, "Not defined (empty denominator).")
    lo, hi = wilson_interval(k, n, level)
    return Estimate(name, k / n, lo, hi, "Wilson score", k, n)


def _orientation(m: np.ndarray, sizes: np.ndarray | None, labels: list[str]) -> tuple[np.ndarray, str, list[str], bool | None]:
    if sizes is None:
        return m, ROWS_TRUE, ["No class sizes given: rows are taken as the reference standard."], None
    rows_fit, cols_fit = np.array_equal(m.sum(axis=1), sizes), np.array_equal(m.sum(axis=0), sizes)
    if rows_fit:
        msg = "The row totals match the stated class sizes: rows are the reference standard."
        if cols_fit:
            msg += " (The column totals match too, so the orientation cannot be told from the sizes.)"
        return m, ROWS_TRUE, [msg], True
    if cols_fit:
        return m.T, COLUMNS_TRUE, [
            "The column totals, not the row totals, match the stated class sizes: the paper's columns are the "
            "reference standard, so the matrix was read transposed."
        ], True
    diffs = ", ".join(f"{lab} rows {r} / columns {c} / stated {s}"
                      for lab, r, c, s in zip(labels, m.sum(axis=1), m.sum(axis=0), sizes) if r != s or c != s)
    return m, ROWS_TRUE, [
        f"Neither the row nor the column totals match the stated class sizes ({diffs}): the matrix, its labels "
        "or the stated sizes are inconsistent. Rows are taken as the reference standard."
    ], False


def confusion_matrix_metrics(
    matrix: Sequence[Sequence[int]], labels: Sequence[str] | None = None,
    class_sizes: Sequence[int] | None = None, *, level: float = 0.95,
) -> MatrixResult:
    """Per-class sensitivity, specificity, PPV and NPV (one class against the rest), with Wilson intervals."""
    level = _check_level(level)
    rows = [list(r) for r in matrix]
    k = len(rows)
    if k < 2 or any(len(r) != k for r in rows):
        raise ValueError(
            f"A confusion matrix must be square with at least 2 classes; got {k} row(s) of lengths "
            f"{[len(r) for r in rows]}."
        )
    if k > MAX_CLASSES:
        raise ValueError(f"At most {MAX_CLASSES} classes, got {k}.")
    m = np.array([[_check_count(c, "matrix cell") for c in r] for r in rows], dtype=np.int64)
    labels = [str(x) for x in labels] if labels is not None else [f"class {i + 1}" for i in range(k)]
    if len(labels) != k or len(set(labels)) != k:
        raise ValueError(f"Give {k} different class labels, one per row; got {len(labels)}: {', '.join(labels)}.")
    sizes = None
    if class_sizes is not None:
        sizes = np.array([_check_count(s, "class size") for s in class_sizes], dtype=np.int64)
        if sizes.size != k:
            raise ValueError(f"Give {k} class sizes, one per class; got {sizes.size}.")
    total = int(m.sum())
    if total == 0:
        raise ValueError("The confusion matrix holds nobody.")
    m, orientation, messages, fits = _orientation(m, sizes, labels)
    classes = []
    for i, label in enumerate(labels):
        tp = int(m[i, i])
        fn = int(m[i].sum() - tp)
        fp = int(m[:, i].sum() - tp)
        tn = total - tp - fn - fp
        t = TwoByTwo(tp, fn, fp, tn)
        metrics = {
            "sensitivity": _proportion("sensitivity", tp, tp + fn, level),
            "specificity": _proportion("specificity", tn, tn + fp, level),
            "ppv": _proportion("ppv", tp, tp + fp, level),
            "npv": _proportion("npv", tn, tn + fn, level),
        }
        classes.append(ClassResult(label, t, metrics))
    correct = int(np.trace(m))
    return MatrixResult(labels, m.tolist(), orientation, classes, correct / total,
                        wilson_interval(correct, total, level), messages, fits)
