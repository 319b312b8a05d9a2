"""The four model kinds, each a calibrated scikit-learn Pipeline over recording-level features.

``make_pipeline(kind)`` returns an unfitted ``Pipeline``:

    impute (median)  ->  scale (StandardScaler for the linear models; none for trees)  ->  clf

where ``clf`` is a :class:`SubjectCalibratedClassifier`: the base model plus probability calibration
fitted on *held-out subjects*. Calibration uses scikit-learn's ``CalibratedClassifierCV`` with
``ensemble=False`` and subject-grouped inner folds: the base model's out-of-fold probabilities on
subjects it did not see fit the calibrator, and the base model is then refitted on all subjects. The
default calibrator is temperature scaling (one parameter for all classes: it keeps the ranking of the
classes and is stable on the few dozen subjects a clinical cohort has).

Pass subject ids when fitting so the inner folds are grouped: ``pipe.fit(X, y, clf__groups=subjects)``.
Without them the inner folds are ordinary stratified folds over recordings, which leaks subjects into
calibration; medlens' training always passes them.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
>>> y = np.repeat(["healthy", "myopathic"], 30); X.loc[y == "myopathic", "a"] += 2
>>> pipe = make_pipeline("logistic").fit(X, y, clf__groups=np.arange(60) // 3)
>>> pipe.predict_proba(X).shape, list(pipe.get_feature_names_out())
((60, 2), ['a', 'b', 'c'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from decision_support.validation import grouped_splits

MODEL_KINDS: dict[str, str] = {
    "logistic": "Logistic regression (multinomial, L2-penalised): linear, easy to explain.",
    "lda": "Linear discriminant analysis (shrinkage): linear, works with few subjects.",
    "rf": "Random forest (300 trees): non-linear, robust to odd feature scales.",
    "hgb": "Histogram gradient boosting: non-linear, strong on larger cohorts.",
}


def _base_estimator(kind: str, seed: int) -> Any:
    if kind == "logistic":
        return LogisticRegression(C=0.5, max_iter=5000, solver="newton-cg")  # lbfgs: same fit, ~15x slower here
    if kind == "lda":
        return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    if kind == "rf":
        return RandomForestClassifier(n_estimators=300, min_samples_leaf=2, max_features="sqrt", random_state=seed)
    if kind == "hgb":
        return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                              min_samples_leaf=5, l2_regularization=1.0, early_stopping=False,
                                              random_state=seed)
    raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")


def make_pipeline(kind: str = "logistic", *, calibration: str = "temperature", calibration_splits: int = 3,
                  seed: int = 0) -> Pipeline:
    """An unfitted, calibrated pipeline of the given kind ("logistic", "lda", "rf" or "hgb")."""
    base = _base_estimator(kind, seed)
    scale: Any = StandardScaler() if kind in ("logistic", "lda") else "passthrough"
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", scale),
        ("clf", SubjectCalibratedClassifier(base, method=calibration, n_splits=calibration_splits, seed=seed)),
    ])


class SubjectCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities are calibrated on subjects held out of the fit that scored them.

    Parameters
    ----------
    estimator : a scikit-learn classifier with ``predict_proba``.
    method : "temperature", "sigmoid" or "isotonic" (see ``CalibratedClassifierCV``).
    n_splits : inner subject-grouped folds (lowered when a class has fewer subjects).
    seed : shuffling of the inner folds.
    """

    def __init__(self, estimator: Any = None, *, method: str = "temperature", n_splits: int = 3, seed: int = 0):
        self.estimator = estimator
        self.method = method
        self.n_splits = n_splits
        self.seed = seed

    def fit(self, X: Any, y: Any, groups: Any = None) -> SubjectCalibratedClassifier:
        X, y = validate_data(self, X, y, dtype=float)
        check_classification_targets(y)
        if groups is None:
            splitter = StratifiedKFold(n_splits=self.n_splits, shuffle=True, random_state=self.seed)
            splits = list(splitter.split(X, y))
            self.grouped_calibration_ = False
        else:
            splits = grouped_splits(y, groups, n_splits=self.n_splits, seed=self.seed)
            self.grouped_calibration_ = True
        estimator = self.estimator if self.estimator is not None else LogisticRegression(max_iter=5000)
        self.method_used_ = self.method
        try:
            self.calibrated_ = CalibratedClassifierCV(clone(estimator), method=self.method, cv=splits, ensemble=False)
            self.calibrated_.fit(X, y)
        except RuntimeError:
            # temperature scaling's 1-D optimiser can fail on degenerate held-out probabilities (all 0 or 1);
            # Platt's sigmoid per class is then the robust fallback, and the method used is recorded
            if self.method != "temperature":
                raise
            self.method_used_ = "sigmoid"
            self.calibrated_ = CalibratedClassifierCV(clone(estimator), method="sigmoid", cv=splits, ensemble=False)
            self.calibrated_.fit(X, y)
        self.classes_ = self.calibrated_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(validate_data(self, X, dtype=float, reset=False))

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "calibrated_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    @property
    def base_estimator_(self) -> Any:
        """The base model refitted on all training subjects (what SHAP explains; calibration is monotone)."""
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.calibrated_classifiers_[0].estimator

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The features the classifier reads (it passes no transformed features on)."""
        check_is_fitted(self, "calibrated_")
        if input_features is None:
            return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
        return np.asarray(input_features, dtype=object)


def fitted_base_estimator(pipeline: Pipeline) -> Any:
    """The uncalibrated base model inside a fitted pipeline from ``make_pipeline``."""
    return pipeline.named_steps["clf"].base_estimator_


def transform_features(pipeline: Pipeline, X: Any) -> np.ndarray:
    """The features exactly as the classifier sees them (imputed, and scaled for linear models)."""
    return pipeline[:-1].transform(X)
