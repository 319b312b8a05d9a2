"""``TrainedModel``: a fitted, validated model with everything needed to predict honestly.

It lives in its own module so that ``training`` (which makes one), ``model_card`` (which describes one) and
``registry`` (which saves one) import it without importing each other.

Facts about the training data are stored once, here: ``training_fs`` (the sampling rate), ``n_subjects``
(which sets how far probabilities are tempered), ``feature_set`` (how a recording becomes features).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from decision_support.conformal import ClassConditionalConformal
from decision_support.ood import MahalanobisOOD
from decision_support.transformers import FeatureSettings, feature_columns, recording_features
from signal_core.recording import Recording

#: How a recording becomes features: window features only, or the clinical row (MUAPs + window features).
FEATURE_SETS = ("window", "clinical")
#: What an input beyond the out-of-distribution threshold gets: a refusal, or a warning (refusal only far out).
OOD_POLICIES = ("abstain", "warn")


def temper(proba: np.ndarray, n_subjects: int | None) -> np.ndarray:
    """Shrink probabilities towards uniform as far as ``n_subjects`` training subjects justify.

    ``(n * p + 1) / (n + K)`` for ``K`` classes: add-one (Laplace) smoothing with the number of training
    subjects as the sample size. With 15 subjects and 3 classes no probability exceeds 16/18 = 89%; with
    thousands of subjects the change vanishes. Monotone within a row, so rankings and SHAP directions stay.

    >>> temper(np.array([[1.0, 0.0, 0.0]]), 15).round(3).tolist()
    [[0.889, 0.056, 0.056]]
    """
    proba = np.asarray(proba, dtype=float)
    if not n_subjects:
        return proba
    k = proba.shape[-1]
    return (n_subjects * proba + 1.0) / (n_subjects + k)


@dataclass
class Measurement:
    """What a model measured on one recording: its one-row feature table and, for clinical models, the MUAPs."""

    features: pd.DataFrame
    muap: Any = None  # signal_core.muap.MuapAnalysis, or None for window-feature models


@dataclass
class TrainedModel:
    """A fitted, validated model with everything needed to predict honestly."""

    pipeline: Pipeline
    kind: str
    feature_names: list[str]
    classes: list[str]
    settings: FeatureSettings
    reference: pd.DataFrame
    conformal: ClassConditionalConformal
    ood: MahalanobisOOD
    metrics: dict[str, Any]
    card: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    feature_set: str = "window"
    ood_policy: str = "abstain"
    patient_conformal: ClassConditionalConformal | None = None

    def __post_init__(self) -> None:
        if self.feature_set not in FEATURE_SETS:
            raise ValueError(f"unknown feature set {self.feature_set!r}; known: {', '.join(FEATURE_SETS)}")
        if self.ood_policy not in OOD_POLICIES:
            raise ValueError(f"unknown OOD policy {self.ood_policy!r}; known: {', '.join(OOD_POLICIES)}")

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    @property
    def simulated(self) -> bool:
        return bool(self.metadata.get("simulated", False))

    @property
    def training_fs(self) -> float | None:
        """The sampling rate of the training recordings (``metadata["fs"]``), when there was exactly one."""
        return rate_of(self.metadata.get("fs"))

    @property
    def n_subjects(self) -> int | None:
        value = self.metadata.get("tempering_subjects")
        return int(value) if value else None

    @property
    def population(self) -> str:
        """Who the model learnt from, in one sentence (the dataset card's summary)."""
        card = self.metadata.get("dataset_card")
        return str(card.get("summary", "")) if isinstance(card, dict) else ""

    def measure(self, recording: Recording) -> Measurement:
        """One recording -> its one-row feature table with exactly ``feature_names`` (and the MUAPs)."""
        muap = None
        if self.feature_set == "clinical":
            from decision_support.clinical_features import CLINICAL_COLUMNS, muap_row

            parts = []
            if any(name in CLINICAL_COLUMNS for name in self.feature_names):
                clinical, muap = muap_row(recording)
                parts.append(clinical)
            window = set(feature_columns(self.settings, recording.n_channels))
            if not parts or any(name in window for name in self.feature_names):  # the default reads none
                parts.append(recording_features(recording, self.settings))
            row = pd.concat(parts) if len(parts) > 1 else parts[0]
        else:
            row = recording_features(recording, self.settings)
        missing = [f for f in self.feature_names if f not in row.index]
        if missing:
            raise ValueError(f"this recording has {recording.n_channels} channel(s) but the model was trained on "
                             f"per-channel features it cannot compute here (e.g. {missing[0]}); use a recording "
                             "with the same channels as the training cohort")
        return Measurement(pd.DataFrame([row[self.feature_names].to_numpy()], columns=self.feature_names), muap)

    def featurize(self, recording: Recording) -> pd.DataFrame:
        """One recording -> a one-row DataFrame with exactly ``feature_names`` as columns."""
        return self.measure(recording).features

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, tempered by the number of training subjects (see ``temper``)."""
        return temper(self.pipeline.predict_proba(X[self.feature_names]), self.n_subjects)


def rate_of(value: Any) -> float | None:
    """A positive finite sampling rate from a number or a list of the rates seen (only if they agree)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value and len(set(value)) == 1 else None
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return None
    return rate if math.isfinite(rate) and rate > 0 else None
