"""Class-conditional (Mondrian) conformal prediction sets, calibrated on held-out subjects (crepes).

A prediction set at confidence 90% lists every class the recording could plausibly belong to; over
recordings *of each true class* it contains the true class at least 90% of the time (class-conditional,
or Mondrian, conformal prediction: Vovk, Gammerman and Shafer, "Algorithmic Learning in a Random World",
2005; implemented by crepes' ``ConformalClassifier`` with the class as the Mondrian category).

How medlens calibrates: the non-conformity score of a recording is the hinge score ``1 - P(true class)``
(``crepes.extras.hinge``) from subject-grouped cross-validation, i.e. from a model that never saw that
subject. The final model is refitted on every subject, so its sets approximate (in the spirit of
cross-conformal prediction) rather than inherit the exact finite-sample guarantee of a single held-out
calibration split. That is why the *empirical* coverage per class is measured and shown next to
every set: repeatedly splitting the subjects in two, calibrating on one half and counting how often the
other half's sets contain the true class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from crepes import ConformalClassifier
from crepes.extras import hinge


def check_confidence(confidence: float) -> float:
    """A confidence level strictly between 0 and 1, or a ValueError that says so in plain words."""
    try:
        confidence = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number between 0 and 1 (for example 0.9), got {confidence!r}") from None
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (for example 0.9), got {confidence}")
    return confidence


def conformal_sets(cal_scores: np.ndarray, cal_labels: np.ndarray, proba: np.ndarray, classes: Sequence[str],
                   confidence: float) -> np.ndarray:
    """Boolean (n, n_classes) sets: class k is in when its class-conditional p-value >= 1 - confidence."""
    confidence = check_confidence(confidence)
    proba = np.atleast_2d(np.asarray(proba, dtype=float))
    cc = ConformalClassifier().fit(np.asarray(cal_scores, dtype=float), bins=np.asarray(cal_labels, dtype=str))
    alphas = hinge(proba)
    sets = np.zeros(proba.shape, dtype=bool)
    for k, c in enumerate(classes):
        bins = np.full(len(proba), str(c))
        sets[:, k] = cc.predict_set(alphas, bins=bins, confidence=confidence, smoothing=False)[:, k].astype(bool)
    return sets


class ClassConditionalConformal:
    """Mondrian conformal predictor over a fitted model's probabilities.

    Its state is plain arrays (calibration scores and labels) plus the coverage table, so it is saved as
    JSON/arrays and rebuilt on load; ``model`` (anything with ``predict_proba`` on a feature DataFrame) is
    attached after loading.
    """

    def __init__(self, classes: Sequence[str], cal_scores: Any, cal_labels: Any, coverage: dict | None = None,
                 model: Any = None):
        self.classes = [str(c) for c in classes]
        self.cal_scores = np.asarray(cal_scores, dtype=float)
        self.cal_labels = np.asarray(cal_labels).astype(str)
        if self.cal_scores.shape != self.cal_labels.shape:
            raise ValueError("conformal calibration needs one label per score")
        unknown = set(self.cal_labels) - set(self.classes)
        if unknown:
            raise ValueError(f"calibration labels {sorted(unknown)} are not among the classes {self.classes}")
        self.coverage = coverage or {}
        self.model = model

    @classmethod
    def calibrate(cls, proba: np.ndarray, y: Sequence, groups: Sequence, classes: Sequence[str], *,
                  confidence_levels: Sequence[float] = (0.8, 0.9, 0.95), n_repeats: int = 30,
                  seed: int = 0) -> ClassConditionalConformal:
        """Calibrate on out-of-fold probabilities of held-out subjects and measure coverage per class."""
        classes = [str(c) for c in classes]
        y = np.asarray(y).astype(str)
        proba = np.asarray(proba, dtype=float)
        idx = np.array([classes.index(label) for label in y])
        scores = hinge(proba, np.arange(len(classes)), idx)
        coverage = empirical_coverage(scores, y, np.asarray(groups), proba, classes,
                                      confidence_levels=confidence_levels, n_repeats=n_repeats, seed=seed)
        return cls(classes, scores, y, coverage)

    def predict_set_proba(self, proba: np.ndarray, confidence: float = 0.9) -> np.ndarray:
        return conformal_sets(self.cal_scores, self.cal_labels, proba, self.classes, confidence)

    def predict_set(self, X: Any, confidence: float = 0.9) -> np.ndarray:
        """Boolean array (n_recordings, n_classes) in ``classes`` order."""
        if self.model is None:
            raise ValueError("this conformal predictor has no model attached")
        return self.predict_set_proba(self.model.predict_proba(X), confidence)

    def labels(self, sets: np.ndarray) -> list[list[str]]:
        return [[c for c, inside in zip(self.classes, row) if inside] for row in np.atleast_2d(sets)]

    def coverage_at(self, confidence: float) -> dict[str, Any] | None:
        """The coverage table measured at this confidence, if it was measured."""
        return self.coverage.get(f"{float(confidence):.2f}")

    def to_state(self) -> dict[str, Any]:
        return {"classes": self.classes, "cal_scores": self.cal_scores.tolist(),
                "cal_labels": self.cal_labels.tolist(), "coverage": self.coverage}

    @classmethod
    def from_state(cls, state: dict[str, Any], model: Any = None) -> ClassConditionalConformal:
        return cls(state["classes"], state["cal_scores"], state["cal_labels"], state.get("coverage"), model)


def empirical_coverage(scores: np.ndarray, y: np.ndarray, groups: np.ndarray, proba: np.ndarray,
                       classes: list[str], *, confidence_levels: Sequence[float], n_repeats: int = 30,
                       seed: int = 0) -> dict[str, dict[str, Any]]:
    """Coverage per class on held-out subjects: calibrate on half the subjects, test on the other half.

    Subjects are split within each class so both halves hold every class; results are averaged over
    ``n_repeats`` random splits. Keys are confidences formatted "0.90"; values hold per-class coverage,
    overall coverage, mean set size and the share of single-class sets.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, Any]] = {}
    subject_label = {}
    for g, label in zip(groups, y):
        subject_label[g] = label
    by_class = {c: np.array([g for g, lab in subject_label.items() if lab == c], dtype=object) for c in classes}
    for conf in confidence_levels:
        conf = check_confidence(conf)
        hits = {c: [] for c in classes}
        sizes, singles = [], []
        for _ in range(n_repeats):
            cal_subjects = set()
            for c, subs in by_class.items():
                if len(subs) >= 2:
                    chosen = rng.permutation(len(subs))[: len(subs) // 2]
                    cal_subjects.update(subs[chosen].tolist())
            cal = np.array([g in cal_subjects for g in groups])
            if cal.all() or not cal.any():
                continue
            sets = conformal_sets(scores[cal], y[cal], proba[~cal], classes, conf)
            y_test = y[~cal]
            for k, c in enumerate(classes):
                mask = y_test == c
                if mask.any():
                    hits[c].append(float(sets[mask, k].mean()))
            inside = sets[np.arange(len(y_test)), [classes.index(t) for t in y_test]]
            hits.setdefault("overall", []).append(float(inside.mean()))
            sizes.append(float(sets.sum(axis=1).mean()))
            singles.append(float((sets.sum(axis=1) == 1).mean()))
        per_class = {c: (float(np.mean(v)) if v else float("nan")) for c, v in hits.items() if c != "overall"}
        out[f"{conf:.2f}"] = {
            "confidence": conf,
            "per_class": per_class,
            "overall": float(np.mean(hits["overall"])) if hits.get("overall") else float("nan"),
            "mean_set_size": float(np.mean(sizes)) if sizes else float("nan"),
            "singleton_share": float(np.mean(singles)) if singles else float("nan"),
            "n_repeats": int(n_repeats),
        }
    return out
