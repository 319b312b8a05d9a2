"""Train, validate and package a model: ``train_model(feature_table, ...) -> TrainedModel``.

One call does the whole honest workflow:

1. subject-grouped cross-validation of the chosen pipeline (``validation.cross_validated_proba``): every
   recording is scored by a model that never saw its subject;
2. metrics with subject-bootstrap intervals, calibration and decision curves from those held-out
   probabilities (``validation.evaluate``), plus the same metrics by subgroup (muscle, sex, age band,
   electrode mode, effort) where the table has those columns;
3. the final pipeline fitted on all subjects;
4. conformal prediction sets and the out-of-distribution threshold calibrated on held-out subjects;
5. a model card and metadata (data hash, settings, library versions, simulated or not).
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from typing import Any

import numpy as np
import pandas as pd

from decision_support.columns import is_feature_column
from decision_support.conformal import ClassConditionalConformal
from decision_support.model_card import build_model_card
from decision_support.models import MODEL_KINDS, make_pipeline
from decision_support.ood import MahalanobisOOD
from decision_support.patient import aggregate_proba, patient_calibration_rows
from decision_support.trained import TrainedModel, temper
from decision_support.transformers import FeatureSettings
from decision_support.designs import check_design
from decision_support.validation import cross_validated_proba, evaluate, macro_auc

__all__ = ["FeatureSettings", "TrainedModel", "train_model", "feature_columns_of", "META_COLUMNS"]

META_COLUMNS = ("subject", "label", "recording", "record", "path", "age", "sex", "muscle", "mode", "effort", "severity",
                "fs", "n_channels", "seconds", "level", "diagnosis")
SUBGROUP_COLUMNS = ("muscle", "sex", "age", "mode", "effort", "severity")
#: Numeric covariates are reported in bands: (edges, labels), left-closed.
BANDS = {
    "age": ([0, 40, 60, 200], ["<40", "40-59", ">=60"]),
    "effort": ([0.0, 0.25, 0.45, 1.01], ["low", "moderate", "high"]),
    "severity": ([0.0, 0.01, 0.6, 1.01], ["none (healthy)", "mild", "moderate to severe"]),
}
LIBRARIES = ("medlens", "numpy", "scipy", "pandas", "scikit-learn", "crepes", "skops", "numba", "shap")
MIN_SUBJECTS_PER_CLASS = 3
ProgressFn = Callable[[float, str], None]


def feature_columns_of(table: pd.DataFrame) -> list[str]:
    """The recording-level feature columns of a table (names medlens can describe), in table order."""
    cols = []
    for c in table.columns:
        if c not in META_COLUMNS and is_feature_column(str(c)):
            cols.append(str(c))
    return cols


def _check_table(table: pd.DataFrame, columns: Sequence[str] | None = None
                 ) -> tuple[pd.DataFrame, list[str], list[dict[str, Any]]]:
    if not isinstance(table, pd.DataFrame):
        raise ValueError("the feature table must be a pandas DataFrame (see decision_support.cohort)")
    for col in ("subject", "label"):
        if col not in table.columns:
            raise ValueError(f"the feature table has no {col!r} column")
    features = list(columns) if columns is not None else feature_columns_of(table)
    absent = [c for c in features if c not in table.columns]
    if absent:
        raise ValueError(f"the feature table lacks the column(s) {', '.join(absent[:5])}")
    if not features:
        raise ValueError("the feature table has no recording-level feature columns (e.g. MNF_median)")
    table = table.reset_index(drop=True).copy()
    table["subject"] = table["subject"].astype(str)
    table["label"] = table["label"].astype(str)
    values = table[features].apply(pd.to_numeric, errors="coerce")
    unusable = values.isna().all(axis=1)
    dropped = [{"row": int(i), "subject": table.at[i, "subject"], "reason": "no usable feature values"}
               for i in np.flatnonzero(unusable.to_numpy())]
    table[features] = values
    table = table.loc[~unusable].reset_index(drop=True)
    counts = table.groupby("label")["subject"].nunique()
    if len(counts) < 2:
        raise ValueError("training needs at least two labels (for example healthy and neurogenic)")
    few = counts[counts < MIN_SUBJECTS_PER_CLASS]
    if len(few):
        listing = ", ".join(f"{label} ({n})" for label, n in few.items())
        raise ValueError(f"each label needs at least {MIN_SUBJECTS_PER_CLASS} different subjects for subject-grouped "
                         f"validation and calibration; too few: {listing}")
    return table, features, dropped


def data_hash(table: pd.DataFrame, columns: Sequence[str]) -> str:
    """SHA-256 over the training rows (features, labels, subjects) in a stable order."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(table[list(columns)], index=False).to_numpy().tobytes())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _subgroup_metrics(table: pd.DataFrame, proba: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """Accuracy and macro AUC of held-out predictions by each covariate present (age in bands)."""
    out: dict[str, Any] = {}
    y = table["label"].to_numpy()
    pred = np.asarray(classes)[np.argmax(proba, axis=1)]
    for col in SUBGROUP_COLUMNS:
        if col not in table.columns or table[col].isna().all():
            continue
        values = table[col]
        if col in BANDS and pd.api.types.is_numeric_dtype(values):
            edges, labels = BANDS[col]
            values = pd.cut(values, edges, labels=labels, right=False).astype(str)
        groups = {}
        for g in sorted(values.dropna().astype(str).unique()):
            mask = (values.astype(str) == g).to_numpy()
            with np.errstate(all="ignore"):
                auc = macro_auc(y[mask], proba[mask], classes) if len(set(y[mask])) == len(classes) else float("nan")
            groups[g] = {"n_recordings": int(mask.sum()), "n_subjects": int(table.loc[mask, "subject"].nunique()),
                         "accuracy": float(np.mean(pred[mask] == y[mask])), "macro_auc": auc}
        if len(groups) >= 1:
            out[col] = groups
    return out


def _patient_metrics(y: np.ndarray, proba: np.ndarray, groups: np.ndarray, classes: list[str], *, n_boot: int,
                     seed: int, target_sensitivity: float) -> dict[str, Any]:
    """Metrics over patients: each held-out subject's recordings combined into one prediction."""
    subjects = list(dict.fromkeys(groups))
    rows = [aggregate_proba(proba[groups == s]) for s in subjects]
    labels = np.array([y[groups == s][0] for s in subjects])
    with np.errstate(all="ignore"):
        out = evaluate(labels, np.array(rows), classes, np.array(subjects), target_sensitivity=target_sensitivity,
                       n_boot=n_boot, seed=seed)
    out["n_patients"] = len(subjects)
    out["heldout"] = {"label": [str(v) for v in labels], "subject": [str(s) for s in subjects],
                      "proba": np.round(np.array(rows), 6).tolist()}
    return out


def train_model(
    feature_table: pd.DataFrame,
    *,
    kind: str = "logistic",
    settings: FeatureSettings | None = None,
    cohort_name: str = "cohort",
    simulated: bool = False,
    confidence_levels: Sequence[float] = (0.8, 0.9, 0.95),
    n_splits: int = 5,
    n_boot: int = 500,
    seed: int = 0,
    target_sensitivity: float = 0.9,
    dataset_card: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    features: Sequence[str] | None = None,
    feature_set: str = "window",
    ood_policy: str = "abstain",
    extra_metrics: dict[str, Any] | None = None,
    temper_probabilities: bool = False,
) -> TrainedModel:
    """Validate (subject-grouped), fit, calibrate uncertainty and document a model on a feature table.

    ``feature_table`` has one row per recording: feature columns (as made by ``decision_support.cohort``
    or ``transformers.recording_features``), ``subject`` and ``label``, optionally covariates (age, sex,
    muscle, mode, effort). Rows without any usable feature value are dropped and listed in
    ``metrics["dropped_rows"]``. ``features`` picks the columns (default: every feature column).

    With ``temper=True`` (the default real-patient model) probabilities are tempered by the number of
    training subjects (``trained.temper``) before anything is measured, so the metrics, the conformal sets
    and the predictions all describe the probabilities a user sees. Patient-level results combine each held-out subject's recordings (``patient.aggregate_proba``).
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
    settings = settings or FeatureSettings()
    report = progress or (lambda fraction, message: None)
    table, features, dropped = _check_table(feature_table, features)
    X = table[features]
    y = table["label"].to_numpy()
    groups = table["subject"].to_numpy()

    report(0.02, "validating with subject-grouped cross-validation")
    try:
        cv = cross_validated_proba(make_pipeline(kind, seed=seed), X, y, groups, n_splits=n_splits, seed=seed,
                                   progress=lambda f, m: report(0.02 + 0.6 * f, m))
    except ValueError as exc:
        raise ValueError(f"the cohort ({len(table)} recordings of {table['subject'].nunique()} subjects) is too small "
                         f"to validate a {kind} model: {exc}. Add subjects or recordings.") from None
    classes = cv["classes"]
    n_subjects = int(table["subject"].nunique())
    tempering = n_subjects if temper_probabilities else None
    cv["proba"] = temper(cv["proba"], tempering)
    report(0.65, "computing metrics with bootstrap intervals over subjects")
    metrics = evaluate(y, cv["proba"], classes, groups, target_sensitivity=target_sensitivity, n_boot=n_boot, seed=seed)
    metrics["n_folds"] = len(cv["splits"])
    # the held-out probabilities themselves, so reports can recompute operating points (e.g. another
    # target sensitivity) without retraining
    metrics["heldout"] = {"label": [str(v) for v in y], "subject": [str(g) for g in groups],
                          "proba": np.round(cv["proba"], 6).tolist()}
    metrics["subgroups"] = _subgroup_metrics(table, cv["proba"], classes)
    metrics["dropped_rows"] = dropped
    metrics["patient"] = _patient_metrics(y, cv["proba"], groups, classes, n_boot=n_boot, seed=seed,
                                          target_sensitivity=target_sensitivity)
    if tempering:
        metrics["tempering"] = (f"probabilities shrunk towards uniform as far as {n_subjects} training subjects "
                                f"justify: (n p + 1) / (n + {len(classes)}) with n = {n_subjects}, so none exceeds "
                                f"{(n_subjects + 1) / (n_subjects + len(classes)):.0%}")
    metrics.update(extra_metrics or {})
    metrics["validation"] = ("subject-grouped stratified cross-validation: every recording scored by a model that "
                             "never saw its subject; intervals from a bootstrap over subjects")
    metrics["design"] = check_design(y, groups, "between").to_dict()  # issue 13: which design, what it means

    report(0.75, "fitting the final model on all subjects")
    pipeline = make_pipeline(kind, seed=seed).fit(X, y, clf__groups=groups)
    report(0.85, "calibrating prediction sets and the out-of-distribution check on held-out subjects")
    conformal = ClassConditionalConformal.calibrate(cv["proba"], y, groups, classes,
                                                    confidence_levels=confidence_levels, seed=seed)
    conformal.model = pipeline
    patient_proba, patient_y, patient_groups = patient_calibration_rows(cv["proba"], y, groups, seed=seed)
    patient_conformal = ClassConditionalConformal.calibrate(patient_proba, patient_y, patient_groups, classes,
                                                            confidence_levels=confidence_levels, seed=seed)
    metrics["patient_conformal_coverage"] = patient_conformal.coverage
    ood = MahalanobisOOD.fit(X, groups, y, n_splits=n_splits, seed=seed)
    metrics["conformal_coverage"] = conformal.coverage
    metrics["ood"] = ood.describe()

    reference = table[features + ["label", "subject"]].copy()
    digest = data_hash(table, features + ["label", "subject"])
    created = datetime.now(UTC).replace(microsecond=0)
    meta = {
        "version": f"{cohort_name}-{kind}-{created.strftime('%Y%m%d%H%M%S')}-{digest[:8]}",
        "created": created.isoformat(),
        "cohort_name": cohort_name,
        "simulated": bool(simulated),
        "data_hash": digest,
        "n_recordings": int(len(table)),
        "n_subjects": int(table["subject"].nunique()),
        "subjects_per_class": {str(k): int(v) for k, v in table.groupby("label")["subject"].nunique().items()},
        "settings": settings.to_dict(),
        "libraries": library_versions(),
        "seed": int(seed),
        "covariates": [c for c in SUBGROUP_COLUMNS if c in table.columns],
        "dataset_card": dataset_card,
        "tempering_subjects": tempering,
    }
    # the sampling rates seen in training (the one place they are stored), so predictions can refuse a mismatch
    if "fs" in table.columns:
        meta["fs"] = sorted({float(f) for f in table["fs"].dropna()})
    elif isinstance(dataset_card, dict) and (dataset_card.get("parameters") or {}).get("fs_hz"):
        meta["fs"] = [float(dataset_card["parameters"]["fs_hz"])]
    model = TrainedModel(pipeline=pipeline, kind=kind, feature_names=features, classes=classes, settings=settings,
                         reference=reference, conformal=conformal, ood=ood, metrics=metrics, metadata=meta,
                         feature_set=feature_set, ood_policy=ood_policy, patient_conformal=patient_conformal)
    model.card = build_model_card(model, dataset_card=dataset_card)
    report(1.0, "done")
    return model
