"""Is this recording like the ones the model learned from? A Mahalanobis out-of-distribution check.

Each feature is first mapped to a normal score through the training cohort's own distribution (its
empirical quantiles, as scikit-learn's ``QuantileTransformer(output_distribution="normal")``), so a
feature's typical spread and its heavy tail count the same; values beyond the training range continue
linearly (in interquartile ranges past the edge), so grossly different values stay grossly different.
The distance of a recording to the training cohort is then the Mahalanobis distance under a Ledoit-Wolf
shrinkage covariance (Ledoit O, Wolf M. A well-conditioned estimator for large-dimensional covariance
matrices. J Multivar Anal 2004;88(2):365-411), which stays well conditioned when there are nearly as many
features as subjects.

The threshold is calibrated on *held-out subjects*: in subject-grouped folds, the transform and covariance
are fitted on the other subjects and each held-out recording's distance is recorded; the threshold is the
99th percentile of those held-out distances. So about 1 in 100 recordings from a new subject of the
training population is flagged, and recordings unlike anything in training (white noise, a test tone,
another electrode or muscle) are flagged far more often. A recording with missing or infinite features is
always flagged.

The state is plain arrays, saved as JSON and rebuilt on load (nothing is pickled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import ndtri
from sklearn.covariance import LedoitWolf

from decision_support.validation import grouped_splits

N_QUANTILES = 200
BOUND = 1e-7  # quantile clipping as scikit-learn's QuantileTransformer: the edges map to about +-5.2 SD
EDGE_SCORE = float(ndtri(1 - BOUND))


def _quantiles(X: np.ndarray) -> np.ndarray:
    refs = np.linspace(0, 1, min(N_QUANTILES, len(X)))
    with np.errstate(all="ignore"):
        q = np.nanpercentile(X, refs * 100, axis=0)
    return np.nan_to_num(q)


def _iqr(X: np.ndarray) -> np.ndarray:
    q75, q25 = np.nanpercentile(X, [75, 25], axis=0)
    scale = q75 - q25
    std = np.nanstd(X, axis=0)
    return np.where(scale > 1e-12, scale, np.where(std > 1e-12, std, 1.0))


def _normal_scores(X: np.ndarray, quantiles: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Map each column to normal scores through its training quantiles; extend linearly past the range."""
    X = np.nan_to_num(np.atleast_2d(np.asarray(X, dtype=float)), nan=0.0, posinf=0.0, neginf=0.0)
    refs = np.linspace(0, 1, quantiles.shape[0])
    Z = np.empty_like(X)
    for j in range(X.shape[1]):
        q = quantiles[:, j]
        # average of the forward and backward interpolation, so tied quantiles map to their middle
        u = 0.5 * (np.interp(X[:, j], q, refs) - np.interp(-X[:, j], -q[::-1], -refs[::-1]))
        Z[:, j] = ndtri(np.clip(u, BOUND, 1 - BOUND))
        above = np.maximum(X[:, j] - q[-1], 0.0) / scale[j]
        below = np.maximum(q[0] - X[:, j], 0.0) / scale[j]
        Z[:, j] += above - below
    return Z


def _fit_state(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    quantiles, scale = _quantiles(X), _iqr(X)
    lw = LedoitWolf().fit(_normal_scores(X, quantiles, scale))
    return quantiles, scale, lw.location_, lw.precision_


def _distances(X: np.ndarray, quantiles: np.ndarray, scale: np.ndarray, location: np.ndarray,
               precision: np.ndarray) -> np.ndarray:
    X = np.atleast_2d(np.asarray(X, dtype=float))
    bad = ~np.isfinite(X).all(axis=1)
    D = _normal_scores(X, quantiles, scale) - location
    d = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", D, precision, D), 0.0))
    d[bad] = np.inf
    return d


class MahalanobisOOD:
    """Out-of-distribution detector; fit with :meth:`fit`, or rebuild with :meth:`from_state`."""

    def __init__(self, feature_names: Sequence[str], quantiles: Any, scale: Any, location: Any, precision: Any,
                 threshold: float, heldout_scores: Any, quantile: float = 0.99):
        self.feature_names = [str(f) for f in feature_names]
        self.quantiles = np.asarray(quantiles, dtype=float)
        self.scale = np.asarray(scale, dtype=float)
        self.location = np.asarray(location, dtype=float)
        self.precision = np.asarray(precision, dtype=float)
        n = len(self.feature_names)
        if (self.quantiles.ndim != 2 or self.quantiles.shape[1] != n or self.scale.shape != (n,)
                or self.precision.shape != (n, n)):
            raise ValueError("out-of-distribution state does not match its feature list")
        self.threshold = float(threshold)
        self.heldout_scores = np.sort(np.asarray(heldout_scores, dtype=float))
        self.quantile = float(quantile)

    @classmethod
    def fit(cls, X: Any, groups: Sequence, y: Sequence | None = None, *, quantile: float = 0.99, n_splits: int = 5,
            seed: int = 0) -> MahalanobisOOD:
        """Fit on the training cohort; threshold = ``quantile`` of subject-held-out distances."""
        names = list(X.columns) if hasattr(X, "columns") else [f"x{i}" for i in range(np.shape(X)[1])]
        values = np.asarray(X, dtype=float)
        groups = np.asarray(groups)
        labels = np.asarray(y) if y is not None else np.zeros(len(groups), dtype=int)
        heldout = np.full(len(values), np.nan)
        for train, test in grouped_splits(labels, groups, n_splits=n_splits, seed=seed) if y is not None else \
                _plain_group_splits(groups, n_splits, seed):
            heldout[test] = _distances(values[test], *_fit_state(values[train]))
        heldout = heldout[np.isfinite(heldout)]
        threshold = float(np.quantile(heldout, quantile)) if heldout.size else float("inf")
        return cls(names, *_fit_state(values), threshold=threshold, heldout_scores=heldout, quantile=quantile)

    def _values(self, X: Any) -> np.ndarray:
        if hasattr(X, "columns"):
            missing = [f for f in self.feature_names if f not in X.columns]
            if missing:
                raise ValueError(f"the recording lacks features the model was trained on: {', '.join(missing[:5])}")
            return X[self.feature_names].to_numpy(dtype=float)
        return np.atleast_2d(np.asarray(X, dtype=float))

    def score(self, X: Any) -> np.ndarray:
        """Mahalanobis distance of each row to the training cohort (infinite when a feature is missing)."""
        return _distances(self._values(X), self.quantiles, self.scale, self.location, self.precision)

    def is_outlier(self, X: Any) -> np.ndarray:
        return self.score(X) > self.threshold

    def percentile(self, X: Any) -> np.ndarray:
        """Share (0-100) of held-out training recordings that lie closer to the cohort than each row."""
        scores = self.score(X)
        return 100.0 * np.searchsorted(self.heldout_scores, scores, side="right") / max(1, self.heldout_scores.size)

    def describe(self) -> dict[str, Any]:
        return {
            "method": ("Mahalanobis distance on normal scores of the features (training quantiles), Ledoit-Wolf "
                       "shrinkage covariance"),
            "threshold": self.threshold,
            "quantile": self.quantile,
            "n_features": len(self.feature_names),
            "n_heldout": int(self.heldout_scores.size),
            "expected_false_flag_rate": round(1 - self.quantile, 4),
            "text": (f"A recording is flagged as unlike the training cohort when its distance exceeds "
                     f"{self.threshold:.1f}, the {self.quantile:.0%} point of distances of training subjects "
                     "held out of the fit (so about "
                     f"{1 - self.quantile:.0%} of new, typical recordings are flagged by chance)."),
        }

    def to_state(self) -> dict[str, Any]:
        return {"feature_names": self.feature_names, "quantiles": self.quantiles.tolist(), "scale": self.scale.tolist(),
                "location": self.location.tolist(), "precision": self.precision.tolist(),
                "threshold": self.threshold, "heldout_scores": self.heldout_scores.tolist(),
                "quantile": self.quantile}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> MahalanobisOOD:
        return cls(state["feature_names"], state["quantiles"], state["scale"], state["location"], state["precision"],
                   state["threshold"], state["heldout_scores"], state.get("quantile", 0.99))


def _plain_group_splits(groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold

    k = max(2, min(n_splits, len(np.unique(groups))))
    return list(GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(groups)), groups=groups))
