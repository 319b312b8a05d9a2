"""Synthetic tabular cohorts for testing validation, models, conformal sets and the OOD check fast."""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ("healthy", "myopathic", "neurogenic")


def tabular_cohort(n_subjects: int = 10, per_subject: int = 3, n_features: int = 4, separation: float = 2.0,
                   seed: int = 0) -> pd.DataFrame:
    """Recording-level rows with subject effects: features MNF_median..., label, subject."""
    rng = np.random.default_rng(seed)
    names = ["MNF_median", "KURT_median", "ZC_RATE_median", "REL_WL_median", "MDF_median", "SKEW_median"][:n_features]
    rows = []
    for k, label in enumerate(CLASSES):
        centre = np.zeros(n_features)
        centre[k % n_features] = separation
        for s in range(n_subjects):
            subject_effect = rng.normal(0, 0.5, n_features)
            for r in range(per_subject):
                x = centre + subject_effect + rng.normal(0, 1.0, n_features)
                rows.append({**dict(zip(names, x)), "label": label, "subject": f"{label[:3]}-{s}"})
    return pd.DataFrame(rows)
