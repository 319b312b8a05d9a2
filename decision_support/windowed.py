"""Window- and segment-level models on a ``WindowTable``, validated on subjects they never saw.

What one run does (``validate_windowed``):

1. **Outer folds** hold out whole subjects (all their sessions): ``validation.grouped_splits``, in
   either design (``designs``).
2. In every outer training part, **inner subject-grouped folds** choose medlens' classifier among
   ``CANDIDATES`` (LDA, logistic regression, gradient boosting) by held-out segment accuracy; the choice
   is refitted on the whole training part and scores the held-out subjects. The held-out subjects never
   influence the choice (nested cross-validation), so the result is not tuned to the test.
3. **Per-subject normalisation** (within-subject designs): every feature standardised with the mean and
   SD of that subject's own windows. No label is used, so nothing leaks between subjects; it plays the
   part of a short unlabelled calibration recording of a new user, and a deployed model needs such a batch
   from each new person (said in the report). By default the inner folds choose it, like the classifier
   (on or off, whichever scores better there); ``per_subject_norm=True/False`` forces it.
4. The **reviewer's baseline** in the same folds: a random forest on Hudgins' time-domain features
   (MAV, waveform length, zero crossings, slope sign changes per channel) without normalisation.
5. **Window-level** predictions (one per window) and **segment-level** ones (mean of the window
   probabilities of a segment), accuracy with 95% intervals from a bootstrap over subjects, the spread of
   per-subject accuracy, and the confusion matrix of segments.

``train_windowed`` runs that, then fits the final model on every subject (the classifier chosen by the
same inner procedure on all subjects), and ``save_windowed`` writes it with skops, its report (JSON) and
a model card (Markdown).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from decision_support.cohort_windows import WindowTable
from decision_support.designs import WITHIN, DesignCheck, check_design
from decision_support.validation import grouped_splits

ProgressFn = Callable[[float, str], None]

CANDIDATES: dict[str, str] = {
    "lda": "Linear discriminant analysis (shrinkage)",
    "logistic": "Logistic regression (multinomial, L2)",
    "hgb": "Histogram gradient boosting (fitted on at most 6,000 evenly spaced windows)",
}
HGB_MAX_WINDOWS = 6000  # overlapping windows are redundant; this keeps a 36-subject cohort's nested CV in minutes
BASELINE = "Random forest (100 trees) on Hudgins' time-domain features, no normalisation"
INNER_SPLITS = 3
N_BOOT = 500


def candidate_pipeline(name: str, seed: int = 0) -> Pipeline:
    """An unfitted pipeline for one of ``CANDIDATES``: median imputation, scaling, classifier."""
    if name == "lda":
        clf: Any = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    elif name == "logistic":
        clf = LogisticRegression(C=1.0, max_iter=3000)
    elif name == "hgb":
        clf = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31,
                                             l2_regularization=1.0, early_stopping=False, random_state=seed)
    else:
        raise ValueError(f"unknown classifier {name!r}; choose from {', '.join(CANDIDATES)}")
    return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("scale", StandardScaler()), ("clf", clf)])


def baseline_pipeline(seed: int = 0) -> Pipeline:
    """The reviewer's baseline: a random forest on the (unnormalised) Hudgins features."""
    return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("clf", RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1))])


def subject_standardise(X: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """Each feature minus its mean over the subject's windows, over its SD (constant features -> 0)."""
    X = np.asarray(X, dtype=float)
    out = np.empty_like(X)
    for s in np.unique(subjects):
        rows = subjects == s
        block = X[rows]
        with np.errstate(all="ignore"):
            mean = np.nanmean(block, axis=0)
            sd = np.nanstd(block, axis=0)
        sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
        out[rows] = (block - np.nan_to_num(mean)) / sd
    return out


def segment_mean(proba: np.ndarray, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean window probability per segment: ``(segment ids, (n_segments, n_classes), first row of each)``."""
    ids, first, inverse = np.unique(segments, return_index=True, return_inverse=True)
    sums = np.zeros((ids.size, proba.shape[1]))
    np.add.at(sums, inverse, proba)
    counts = np.bincount(inverse, minlength=ids.size)[:, None]
    return ids, sums / counts, first


def fit_candidate(name: str, X: np.ndarray, y: np.ndarray, seed: int = 0) -> Pipeline:
    """Fit one of ``CANDIDATES``; gradient boosting on at most ``HGB_MAX_WINDOWS`` evenly spaced windows."""
    pipeline = candidate_pipeline(name, seed)
    if name == "hgb" and len(y) > HGB_MAX_WINDOWS:
        rows = np.unique(np.linspace(0, len(y) - 1, HGB_MAX_WINDOWS).round().astype(int))
        return pipeline.fit(X[rows], y[rows])
    return pipeline.fit(X, y)


def _oof_proba(make: Callable[[], Pipeline] | str, X: np.ndarray, y: np.ndarray, classes: np.ndarray,
               splits: Sequence[tuple[np.ndarray, np.ndarray]], seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities; ``make`` is a candidate's name or a function returning a pipeline."""
    proba = np.zeros((len(y), len(classes)))
    for train, test in splits:
        model = (fit_candidate(make, X[train], y[train], seed) if isinstance(make, str)
                 else make().fit(X[train], y[train]))
        cols = np.searchsorted(classes, model.classes_)
        proba[np.ix_(test, cols)] = model.predict_proba(X[test])
    return proba


def _segment_accuracy(proba: np.ndarray, y: np.ndarray, segments: np.ndarray, classes: np.ndarray) -> float:
    _, seg_p, first = segment_mean(proba, segments)
    return float(np.mean(classes[np.argmax(seg_p, axis=1)] == y[first]))


def option_name(kind: str, normalise: bool) -> str:
    return f"{kind} + per-subject normalisation" if normalise else kind


def choose_candidate(Xs: dict[bool, np.ndarray], y: np.ndarray, subjects: np.ndarray, segments: np.ndarray,
                     candidates: Sequence[str], *, within: bool,
                     seed: int = 0) -> tuple[str, bool, dict[str, float]]:
    """(classifier, normalise) with the best segment accuracy over inner subject-grouped folds.

    ``Xs`` maps "per-subject normalised?" to the features in that form (one or both). Ties go to the
    first in listed order, normalised forms first.
    """
    options = [(c, n) for n in sorted(Xs, reverse=True) for c in candidates]
    if len(options) == 1:
        return options[0][0], options[0][1], {}
    classes = np.unique(y)
    splits = grouped_splits(y, subjects, n_splits=INNER_SPLITS, seed=seed + 1, within_subject=within)
    scores = {option_name(c, n): _segment_accuracy(
        _oof_proba(c, Xs[n], y, classes, splits, seed), y, segments, classes)
        for c, n in options}
    best = max(options, key=lambda o: scores[option_name(*o)])
    return best[0], best[1], scores


def _bootstrap(correct: np.ndarray, groups: np.ndarray, seed: int) -> list[float]:
    """95% percentile interval of the mean of ``correct`` resampling subjects (with all their rows)."""
    rng = np.random.default_rng(seed)
    subjects, inverse = np.unique(groups, return_inverse=True)
    sums = np.bincount(inverse, weights=correct.astype(float), minlength=subjects.size)
    counts = np.bincount(inverse, minlength=subjects.size)
    picks = rng.integers(0, subjects.size, (N_BOOT, subjects.size))
    values = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def level_metrics(proba: np.ndarray, y: np.ndarray, subjects: np.ndarray, segments: np.ndarray,
                  classes: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Window and segment accuracy (95% subject-bootstrap CIs), per-subject spread, confusion of segments."""
    pred = classes[np.argmax(proba, axis=1)]
    window_ok = pred == y
    _, seg_p, first = segment_mean(proba, segments)
    seg_true, seg_subject = y[first], subjects[first]
    seg_pred = classes[np.argmax(seg_p, axis=1)]
    seg_ok = seg_pred == seg_true
    per_subject = {str(s): float(np.mean(seg_ok[seg_subject == s])) for s in np.unique(seg_subject)}
    values = np.asarray(list(per_subject.values()))
    recall = [float(np.mean(seg_ok[seg_true == c])) for c in classes if np.any(seg_true == c)]
    return {
        "window_accuracy": float(np.mean(window_ok)), "window_accuracy_ci": _bootstrap(window_ok, subjects, seed),
        "segment_accuracy": float(np.mean(seg_ok)), "segment_accuracy_ci": _bootstrap(seg_ok, seg_subject, seed),
        "segment_balanced_accuracy": float(np.mean(recall)),
        "per_subject": per_subject,
        "per_subject_summary": {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if values.size > 1
                                else 0.0, "min": float(values.min()), "median": float(np.median(values)),
                                "max": float(values.max())},
        "confusion": [[int(np.sum((seg_true == t) & (seg_pred == p))) for p in classes] for t in classes],
        "n_windows": int(len(y)), "n_segments": int(len(first)),
    }


@dataclass
class WindowedResult:
    """What a validation run found (JSON-able via ``to_dict``)."""

    design: DesignCheck
    classes: list[str]
    per_subject_norm: bool | None  # None: chosen per fold by the inner folds
    ours: dict[str, Any]
    baseline: dict[str, Any] | None
    chosen_per_fold: list[str]
    inner_scores: list[dict[str, float]]
    n_folds: int
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    norm_per_fold: list[bool] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design.to_dict(), "classes": self.classes, "per_subject_norm": self.per_subject_norm,
                "ours": self.ours, "baseline": self.baseline, "chosen_per_fold": self.chosen_per_fold,
                "inner_scores": self.inner_scores, "n_folds": self.n_folds, "data": self.data,
                "warnings": self.warnings, "validation": VALIDATION_TEXT, "norm_per_fold": self.norm_per_fold}

    def headline(self) -> str:
        o = self.ours
        text = (f"medlens (segment level): {o['segment_accuracy']:.0%} accuracy (95% CI {o['segment_accuracy_ci'][0]:.0%}"
                f" to {o['segment_accuracy_ci'][1]:.0%}); per subject {o['per_subject_summary']['min']:.0%} to "
                f"{o['per_subject_summary']['max']:.0%}; windows {o['window_accuracy']:.0%}.")
        if self.baseline:
            b = self.baseline
            verdict = "beats" if o["segment_accuracy"] > b["segment_accuracy"] else "does not beat"
            text += (f" Reviewer's baseline ({BASELINE}): segments {b['segment_accuracy']:.0%}, windows "
                     f"{b['window_accuracy']:.0%}; medlens {verdict} it on these held-out subjects.")
        return text


VALIDATION_TEXT = ("nested subject-grouped cross-validation: outer folds hold out whole subjects (all sessions); "
                   "the classifier is chosen on inner subject-grouped folds of the training subjects only; "
                   "intervals from a bootstrap over subjects")


def validate_windowed(table: WindowTable, *, design: str = "auto", per_subject_norm: bool | None = None,
                      candidates: Sequence[str] = tuple(CANDIDATES), baseline: bool = True, n_splits: int = 5,
                      seed: int = 0, progress: ProgressFn | None = None) -> WindowedResult:
    """Nested subject-grouped validation of medlens' model and the reviewer's baseline (module docstring)."""
    # One BLAS/OpenMP thread per fit: dozens of small fits oversubscribe the cores otherwise (gradient boosting
    # took 80 s instead of 3 s for one fit on a busy two-core machine).
    with threadpool_limits(1):
        return _validate(table, design, per_subject_norm, candidates, baseline, n_splits, seed, progress)


def _validate(table: WindowTable, design: str, per_subject_norm: bool | None, candidates: Sequence[str],
              baseline: bool, n_splits: int, seed: int, progress: ProgressFn | None) -> WindowedResult:
    report = progress or (lambda f, m: None)
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown or not candidates:
        raise ValueError(f"unknown classifier(s) {', '.join(unknown) or '(none given)'}; choose from "
                         f"{', '.join(CANDIDATES)}")
    meta = table.meta
    seg_first = meta.drop_duplicates("segment")
    check = check_design(seg_first["label"], seg_first["subject"], design)
    within = check.design == WITHIN
    norms = _norm_options(per_subject_norm, within)
    if True in norms and not within:
        raise ValueError("per-subject normalisation needs a within-subject design: when each subject has one label, "
                         "standardising each subject's windows removes exactly the differences between subjects "
                         "the model has to learn")
    y = meta["label"].to_numpy().astype(str)
    subjects = meta["subject"].to_numpy().astype(str)
    segments = meta["segment"].to_numpy().astype(str)
    classes = np.unique(y)
    Xs = _feature_forms(table.X.to_numpy(dtype=float), subjects, norms)
    splits = grouped_splits(y, subjects, n_splits=n_splits, seed=seed, within_subject=within)
    proba = np.zeros((len(y), len(classes)))
    chosen, inner, norm_per_fold = [], [], []
    for i, (train, test) in enumerate(splits):
        best, norm, scores = choose_candidate({n: X[train] for n, X in Xs.items()}, y[train], subjects[train],
                                              segments[train], candidates, within=within, seed=seed)
        chosen.append(option_name(best, norm))
        norm_per_fold.append(norm)
        inner.append(scores)
        model = fit_candidate(best, Xs[norm][train], y[train], seed)
        proba[np.ix_(test, np.searchsorted(classes, model.classes_))] = model.predict_proba(Xs[norm][test])
        report((i + 1) / (len(splits) + (1 if baseline else 0)),
               f"validated fold {i + 1} of {len(splits)} ({option_name(best, norm)})")
    ours = level_metrics(proba, y, subjects, segments, classes, seed)
    base = None
    if baseline:
        Xb = table.X_baseline.to_numpy(dtype=float)
        bproba = _oof_proba(lambda: baseline_pipeline(seed), Xb, y, classes, splits)
        base = level_metrics(bproba, y, subjects, segments, classes, seed)
        report(1.0, "validated the reviewer's baseline in the same folds")
    data = {"files": len(table.files), "subjects": int(check.n_subjects), "sessions": int(meta["session"].nunique()),
            "fs": table.fs, "n_channels": table.n_channels, "segments": table.segment_totals(),
            "skipped_files": table.failed, "text": table.text()}
    return WindowedResult(check, [str(c) for c in classes], None if len(norms) > 1 else norms[0], ours, base, chosen,
                          inner, len(splits), data, table.warnings, norm_per_fold)


def _norm_options(per_subject_norm: bool | None, within: bool) -> list[bool]:
    """Which feature forms to try: both for a within-subject design unless forced, else the one asked for."""
    if per_subject_norm is None:
        return [True, False] if within else [False]
    return [bool(per_subject_norm)]


def _feature_forms(X: np.ndarray, subjects: np.ndarray, norms: Sequence[bool]) -> dict[bool, np.ndarray]:
    return {n: subject_standardise(X, subjects) if n else X for n in norms}


@dataclass
class WindowedModel:
    """The final window-level model (fitted on every subject) with its validation and settings."""

    pipeline: Pipeline
    kind: str
    classes: list[str]
    feature_names: list[str]
    settings: dict[str, Any]
    result: WindowedResult
    metadata: dict[str, Any]
    normalise: bool = False  # the final model standardises features per subject

    def predict_segments(self, X: pd.DataFrame, subjects: Sequence[str], segments: Sequence[str]) -> pd.DataFrame:
        """Per segment: predicted class and mean window probabilities (normalised per subject if trained so)."""
        values = X[self.feature_names].to_numpy(dtype=float)
        subjects = np.asarray(subjects).astype(str)
        if self.normalise:
            values = subject_standardise(values, subjects)
        proba = self.pipeline.predict_proba(values)
        ids, seg_p, first = segment_mean(proba, np.asarray(segments).astype(str))
        out = pd.DataFrame(seg_p, columns=[f"P({c})" for c in self.pipeline.classes_])
        out.insert(0, "segment", ids)
        out.insert(1, "subject", subjects[first])
        out.insert(2, "predicted", self.pipeline.classes_[np.argmax(seg_p, axis=1)])
        return out


def train_windowed(table: WindowTable, *, cohort_name: str = "cohort", design: str = "auto",
                   per_subject_norm: bool | None = None, candidates: Sequence[str] = tuple(CANDIDATES),
                   baseline: bool = True, n_splits: int = 5, seed: int = 0, simulated: bool = False,
                   progress: ProgressFn | None = None) -> WindowedModel:
    """Validate (``validate_windowed``), then fit the final model on all subjects."""
    report = progress or (lambda f, m: None)
    result = validate_windowed(table, design=design, per_subject_norm=per_subject_norm, candidates=candidates,
                               baseline=baseline, n_splits=n_splits, seed=seed,
                               progress=lambda f, m: report(0.85 * f, m))
    meta = table.meta
    y = meta["label"].to_numpy().astype(str)
    subjects = meta["subject"].to_numpy().astype(str)
    within = result.design.design == WITHIN
    Xs = _feature_forms(table.X.to_numpy(dtype=float), subjects, _norm_options(per_subject_norm, within))
    report(0.88, "choosing and fitting the final model on all subjects")
    with threadpool_limits(1):
        kind, normalise, _ = choose_candidate(Xs, y, subjects, meta["segment"].to_numpy().astype(str), candidates,
                                              within=within, seed=seed)
        pipeline = fit_candidate(kind, Xs[normalise], y, seed)
    created = datetime.now(UTC).replace(microsecond=0)
    metadata = {"version": f"{cohort_name}-{kind}-windows-{created.strftime('%Y%m%d%H%M%S')}",
                "created": created.isoformat(), "cohort_name": cohort_name, "simulated": bool(simulated),
                "seed": int(seed)}
    report(1.0, "done")
    return WindowedModel(pipeline, kind, result.classes, list(table.X.columns), table.settings.to_dict(), result,
                         metadata, normalise)


# --------------------------------------------------------------------------------------------- saving
def save_windowed(model: WindowedModel, folder: str | os.PathLike) -> Path:
    """Write ``model.skops`` (the pipeline), ``windowed.json`` (settings, validation) and ``model_card.md``."""
    import skops.io as sio

    from decision_support.windowed_card import card_markdown_for

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sio.dump(model.pipeline, folder / "model.skops")
    payload = {"format": "medlens-windowed-1", "kind": model.kind, "normalise": model.normalise,
               "classes": model.classes,
               "feature_names": model.feature_names, "settings": model.settings, "metadata": model.metadata,
               "validation": model.result.to_dict()}
    (folder / "windowed.json").write_text(json.dumps(payload, indent=1, default=_jsonable))
    (folder / "model_card.md").write_text(card_markdown_for(model))
    return folder


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)

