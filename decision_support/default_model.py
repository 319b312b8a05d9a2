"""The default decision-support model: trained on real patients (N2001), validated honestly, compared.

``train_default_model()`` reads the shipped table (``decision_support/data/n2001_features.csv``; no raw
recordings needed) and, in one run:

1. **subject-grouped validation** (the same outer folds for every approach): the default's features, the
   **clinical** ones (MUAP parameters and their reference deviations); for comparison the clinical plus the
   window features; and the **baseline** (MUAP parameters + logistic regression);
2. the final model on the clinical features: a strongly regularised logistic regression, calibrated on
   held-out subjects, probabilities tempered by the number of subjects, class-conditional conformal sets for
   recordings and for patients, an OOD check that warns (and refuses only far out, or when no MUAP can be
   measured);
3. the published anchor beside it: Tannemaat et al. 2023 (different cohort, so a context, not a contest).

Why not the window features (``WHY_CLINICAL``): they add almost nothing on N2001 (macro AUC 0.94 against 0.93)
and they read the amplifier's noise floor, which differs between labs: white noise of 5 uV added to 73 of the
records changed 23 of 71 predictions of a model with them (patients called healthy) and 10 of 71 without
(``bench/noise_robustness.py``). An earlier version chose between the two sets by nested validation on N2001
alone, which cannot see that.

Nothing is tuned to a test fold: the model kind, its regularisation and the feature set are fixed in this
file before any data is seen.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decision_support.clinical_features import feature_groups
from decision_support.models import make_pipeline
from decision_support.n2001 import TABLE_FILE, dataset_card, read_feature_table
from decision_support.patient import aggregate_proba
from decision_support.trained import TrainedModel, temper
from decision_support.training import train_model
from decision_support.validation import binary_auc, evaluate, grouped_splits

DEFAULT_MODEL_NAME = "n2001"
KIND = "logistic"
N_SPLITS = 5
#: The default model's feature set, and why (see the module docstring; measured by bench/noise_robustness.py).
FEATURE_SET = "clinical"
WHY_CLINICAL = ("The default model reads the clinical features only (MUAP parameters and their reference deviations). "
                "The window features (spectral shape, crossing rates, Hjorth, AR) are shown beside it for comparison but "
                "not used: on N2001 they add almost nothing, and they read the amplifier's noise floor, which differs "
                "between labs (bench/noise_robustness.py: with 5 uV of white noise added to 73 N2001 records, a model with "
                "them changed 23 of 71 predictions, all of them patients called healthy; without them, 10 of 71).")
DEFAULT_APPROACH = "medlens default (clinical features)"
#: The baseline's features: MUAP parameters averaged over the recording's potentials, nothing else.
BASELINE_COLUMNS = ("MUAP_DURATION_MS", "MUAP_AMPLITUDE_MV", "MUAP_PHASES", "MUAP_TURNS", "MUAP_AREA_MV_MS")

#: Tannemaat MR, Kefalas M, Geraedts VJ, et al. Distinguishing normal, neuropathic and myopathic EMG with an
#: automated machine learning approach. Clin Neurophysiol 2023;146:49-54. doi:10.1016/j.clinph.2022.11.019.
#: AUCs (mean +- SD over runs) from the abstract; 25 controls, 20 ALS, 20 inclusion-body myositis.
PUBLISHED = {
    "citation": ("Tannemaat MR, Kefalas M, Geraedts VJ, et al. Clin Neurophysiol 2023;146:49-54. "
                 "doi:10.1016/j.clinph.2022.11.019"),
    "cohort": "25 controls, 20 ALS, 20 inclusion-body myositis (IBM); several muscles per person; 5 s fragments",
    "pairs": {
        "neurogenic vs healthy": {"per recording": 0.834, "per patient": 0.856, "their_words": "ALS vs HC (muscle / patient level)"},
        "myopathic vs healthy": {"per recording": 0.744, "per patient": 0.735, "their_words": "HC vs IBM"},
        "neurogenic vs myopathic": {"per recording": 0.569, "per patient": 0.689, "their_words": "ALS vs IBM"},
    },
    "note": ("Their myopathy is IBM only and their 'per recording' is per muscle; our myopathic group mixes "
             "polymyositis, a dystrophy and unclassified myopathies, in one muscle (biceps). Different patients, "
             "labs and methods: read it as context, not as a head-to-head comparison."),
}
PAIRS = (("neurogenic", "healthy"), ("myopathic", "healthy"), ("neurogenic", "myopathic"))

ProgressFn = Callable[[float, str], None]


def candidate_sets(table: pd.DataFrame) -> dict[str, list[str]]:
    """The feature sets validated side by side: the default's (``FEATURE_SET``) and, for comparison, with the
    window features added."""
    groups = feature_groups(list(table.columns))
    return {"clinical": groups["clinical"], "clinical + window": groups["clinical"] + groups["window"]}


def outer_validation(table: pd.DataFrame, *, seed: int = 0, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Out-of-fold probabilities of every approach on the same subject-grouped outer folds (tempered)."""
    report = progress or (lambda f, m: None)
    sets = candidate_sets(table)
    y, groups = table["label"].to_numpy(), table["subject"].to_numpy()
    splits = grouped_splits(y, groups, n_splits=N_SPLITS, seed=seed)
    classes = sorted(set(y))
    approaches = {**sets, "baseline": list(BASELINE_COLUMNS)}
    proba = {name: np.zeros((len(table), len(classes))) for name in approaches}
    for k, (train, test) in enumerate(splits):
        for name, columns in approaches.items():
            pipe = make_pipeline(KIND, seed=seed).fit(table.iloc[train][columns], y[train], clf__groups=groups[train])
            proba[name][test] = pipe.predict_proba(table.iloc[test][columns])
        report((k + 1) / len(splits), f"validation: outer fold {k + 1} of {len(splits)}")
    n_subjects = int(pd.Series(groups).nunique())
    return {"classes": classes, "splits": splits,
            "proba": {DEFAULT_APPROACH: temper(proba[FEATURE_SET], n_subjects),
                      "clinical + window (for comparison; not used)": temper(proba["clinical + window"], n_subjects),
                      "baseline: MUAP parameters + logistic regression": temper(proba["baseline"], n_subjects)}}


def pairwise_auc(y: np.ndarray, proba: np.ndarray, classes: list[str], a: str, b: str) -> float:
    """AUC of ``a`` vs ``b`` among recordings of those two classes, scored by P(a) / (P(a) + P(b))."""
    mask = np.isin(y, [a, b])
    pa, pb = proba[mask, classes.index(a)], proba[mask, classes.index(b)]
    return binary_auc(y[mask] == a, pa / np.maximum(pa + pb, 1e-12))


def _by_patient(y: np.ndarray, proba: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    subjects = np.array(list(dict.fromkeys(groups)))
    rows = np.array([aggregate_proba(proba[groups == s]) for s in subjects])
    return np.array([y[groups == s][0] for s in subjects]), rows, subjects


def comparison_table(table: pd.DataFrame, validation: dict[str, Any], *, n_boot: int, seed: int) -> list[dict[str, Any]]:
    """One row per approach: recording- and patient-level macro AUC and balanced accuracy with subject-bootstrap
    95% intervals, and the three pairwise AUCs; the published anchor last."""
    y, groups = table["label"].to_numpy(), table["subject"].to_numpy()
    classes = validation["classes"]
    rows = []
    for name, proba in validation["proba"].items():
        rec = evaluate(y, proba, classes, groups, n_boot=n_boot, seed=seed)
        py, pp, ps = _by_patient(y, proba, groups)
        with np.errstate(all="ignore"):
            pat = evaluate(py, pp, classes, ps, n_boot=n_boot, seed=seed)
        row = {"approach": name, "source": "this run, subject-grouped cross-validation",
               "recording": {k: [rec["point"][k], *rec["ci"][k]] for k in ("macro_auc", "balanced_accuracy")},
               "patient": {k: [pat["point"][k], *pat["ci"][k]] for k in ("macro_auc", "balanced_accuracy")}}
        row["pairs"] = {f"{a} vs {b}": {"per recording": pairwise_auc(y, proba, classes, a, b),
                                         "per patient": pairwise_auc(py, pp, classes, a, b)} for a, b in PAIRS}
        rows.append(row)
    rows.append({"approach": "Tannemaat et al. 2023 (published)", "source": PUBLISHED["citation"],
                 "recording": {}, "patient": {},  # not reported in the same form
                 "pairs": {k: {"per recording": v["per recording"], "per patient": v["per patient"]}
                           for k, v in PUBLISHED["pairs"].items()},
                 "cohort": PUBLISHED["cohort"], "note": PUBLISHED["note"]})
    return rows


def train_default_model(table: pd.DataFrame | None = None, *, n_boot: int = 500, seed: int = 0,
                        progress: ProgressFn | None = None) -> TrainedModel:
    """Validate, compare and fit the default model on the N2001 table (default: the shipped one)."""
    report = progress or (lambda f, m: None)
    table = read_feature_table(TABLE_FILE) if table is None else table
    validation = outer_validation(table, seed=seed, progress=lambda f, m: report(0.6 * f, m))
    report(0.6, "comparing with the baseline and the published results")
    comparison = comparison_table(table, validation, n_boot=n_boot, seed=seed)
    sets = candidate_sets(table)
    selection = {"candidates": {name: len(cols) for name, cols in sets.items()}, "chosen": FEATURE_SET,
                 "text": WHY_CLINICAL}
    model = train_model(table, kind=KIND, features=sets[FEATURE_SET], feature_set="clinical", ood_policy="warn",
                        cohort_name=dataset_card()["name"], simulated=False, n_splits=N_SPLITS, n_boot=n_boot,
                        seed=seed, dataset_card=dataset_card(),
                        extra_metrics={"comparison": comparison, "feature_selection": selection},
                        temper_probabilities=True,
                        progress=lambda f, m: report(0.65 + 0.35 * f, m))
    return model


def ensure_default_model(folder: str | os.PathLike | None = None, *, progress: ProgressFn | None = None) -> Path:
    """Train and save the default model unless a readable one is already at ``folder`` (default: models/n2001)."""
    from decision_support.n2001 import dataset_card_markdown
    from decision_support.registry import default_model_dir, read_sidecar, save_model

    folder = Path(folder) if folder is not None else default_model_dir() / DEFAULT_MODEL_NAME
    try:
        read_sidecar(folder)
        return folder
    except ValueError:
        pass
    model = train_default_model(progress=progress)
    save_model(model, folder)
    (folder / "dataset_card.md").write_text(dataset_card_markdown())
    return folder
