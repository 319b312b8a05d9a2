"""Several recordings of one patient's muscle -> one patient-level answer.

A clinician samples several needle sites; each recording gets its own probabilities. The patient-level
probabilities are the **normalised geometric mean** of the recordings' (tempered) probabilities, i.e. the
mean of their log-probabilities pushed back through a softmax: every recording votes with its log-odds, one
confident recording cannot veto the others, and identical recordings give back their own probabilities.
Recordings the model abstained on do not vote.

The patient-level prediction set is calibrated the same way on real subjects: during training, random
subsets of 1 to ``MAX_SUBSET`` held-out recordings of each subject are combined like this, and the
class-conditional conformal predictor is calibrated on those combinations (grouped by subject, so its
measured coverage comes from subjects held out of calibration).

>>> import numpy as np
>>> aggregate_proba(np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1]])).round(3).tolist()
[0.8, 0.1, 0.1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Largest number of recordings combined when calibrating patient-level sets.
MAX_SUBSET = 5
#: Combinations drawn per subject and subset size when calibrating.
DRAWS = 4
_FLOOR = 1e-9


def aggregate_proba(proba: np.ndarray) -> np.ndarray:
    """``(n_recordings, n_classes)`` probabilities -> one row: normalised geometric mean."""
    proba = np.atleast_2d(np.asarray(proba, dtype=float))
    if proba.shape[0] == 0:
        raise ValueError("no recording to combine: every recording of this patient was refused")
    logs = np.log(np.clip(proba, _FLOOR, 1.0)).mean(axis=0)
    logs -= logs.max()
    out = np.exp(logs)
    return out / out.sum()


def patient_calibration_rows(proba: np.ndarray, y: Sequence, groups: Sequence, *, seed: int = 0
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combined held-out probabilities of random recording subsets per subject: ``(proba, labels, subjects)``."""
    rng = np.random.default_rng([seed, 77])
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y).astype(str)
    groups = np.asarray(groups).astype(str)
    rows, labels, subjects = [], [], []
    for subject in dict.fromkeys(groups):
        index = np.flatnonzero(groups == subject)
        for size in range(1, min(MAX_SUBSET, index.size) + 1):
            for _ in range(DRAWS if size < index.size else 1):
                chosen = rng.choice(index, size=size, replace=False)
                rows.append(aggregate_proba(proba[chosen]))
                labels.append(y[index[0]])
                subjects.append(subject)
    return np.array(rows), np.array(labels), np.array(subjects)
