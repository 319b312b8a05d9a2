"""The default decision-support model: trained on real patients (N2001), validated honestly, compared.

``train_default_model()`` reads the shipped table (``decision_support/data/n2001_features.csv``; no raw
recordings needed) and, in one run:

1. **nested, subject-grouped choice of features**: in each outer fold the inner subject-grouped CV (on the
   training subjects only) decides whether the window features help on top of the clinical ones (MUAP
   parameters and their reference deviations) by log-loss; the outer fold's held-out subjects then score the
   chosen set. The outer probabilities are the headline validation (the choice itself is validated);
2. the same folds for each fixed feature set and for the **baseline** (MUAP parameters + logistic regression);
3. the final model: the feature set the inner procedure picks on all 15 subjects, a strongly regularised
   logistic regression, calibrated on held-out subjects, probabilities tempered by the number of subjects,
   class-conditional conformal sets for recordings and for patients, an OOD check that warns (and refuses
   only far out, or when no MUAP can be measured);
4. the published anchor beside it: Tannemaat et al. 2023 (different cohort, so a context, not a contest).

Nothing is tuned to a test fold: the model kind, its regularisation and the candidate feature sets are fixed
in this file before any data is seen.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from decision_support.clinical_features import feature_groups
from decision_support.models import make_pipeline
from decision_support.n2001 import TABLE_FILE, dataset_card, read_feature_table
from decision_support.patient import aggregate_proba
from decision_support.trained import TrainedModel, temper
from decision_support.training import train_model
from decision_support.validation import binary_auc, cross_validated_proba, evaluate, grouped_splits

DEFAULT_MODEL_NAME = "n2001"
KIND = "logistic"
C = 0.5  # the L2 strength of medlens' logistic model (decision_support.models), fixed before seeing the data
N_SPLITS = 5
INNER_SPLITS = 4
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
    """The feature sets the nested procedure chooses between."""
    groups = feature_groups(list(table.columns))
    return {"clinical": groups["clinical"], "clinical + window": groups["clinical"] + groups["window"]}


def _plain_logistic() -> Pipeline:
    """The default model without its calibration step: what the inner feature choice compares (fast)."""
    return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("scale", StandardScaler()), ("clf", LogisticRegression(C=C, max_iter=5000, solver="newton-cg"))])


def _oof(table: pd.DataFrame, columns: list[str], *, n_splits: int, seed: int) -> tuple[np.ndarray, list[str]]:
    cv = cross_validated_proba(_plain_logistic(), table[columns], table["label"].to_numpy(),
                               table["subject"].to_numpy(), n_splits=n_splits, seed=seed, fit_groups_param=None)
    return cv["proba"], cv["classes"]


def choose_set(table: pd.DataFrame, sets: dict[str, list[str]], *, seed: int = 0) -> tuple[str, dict[str, float]]:
    """The set with the lowest subject-grouped CV log-loss on ``table`` (ties: the smaller set)."""
    losses = {}
    for name, columns in sets.items():
        proba, classes = _oof(table, columns, n_splits=INNER_SPLITS, seed=seed)
        losses[name] = float(log_loss(table["label"], proba, labels=classes))
    best = min(sets, key=lambda n: (round(losses[n], 4), len(sets[n])))
    return best, losses


def nested_validation(table: pd.DataFrame, *, seed: int = 0, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Outer subject-grouped folds; inside each, the feature set is chosen on the training subjects only."""
    report = progress or (lambda f, m: None)
    sets = candidate_sets(table)
    y, groups = table["label"].to_numpy(), table["subject"].to_numpy()
    splits = grouped_splits(y, groups, n_splits=N_SPLITS, seed=seed)
    classes = sorted(set(y))
    nested = np.zeros((len(table), len(classes)))
    fixed = {name: np.zeros((len(table), len(classes))) for name in sets}
    baseline = np.zeros((len(table), len(classes)))
    choices = []
    for k, (train, test) in enumerate(splits):
        inner = table.iloc[train].reset_index(drop=True)
        choice, losses = choose_set(inner, sets, seed=seed)
        choices.append({"fold": k + 1, "chosen": choice, "inner_log_loss": losses,
                        "test_subjects": sorted(set(groups[test]))})
        for name, columns in {**sets, "baseline": list(BASELINE_COLUMNS)}.items():
            pipe = make_pipeline(KIND, seed=seed).fit(table.iloc[train][columns], y[train], clf__groups=groups[train])
            proba = pipe.predict_proba(table.iloc[test][columns])
            target = baseline if name == "baseline" else fixed[name]
            target[test] = proba
        nested[test] = fixed[choice][test]
        report((k + 1) / len(splits), f"nested validation: outer fold {k + 1} of {len(splits)} chose {choice}")
    n_subjects = int(pd.Series(groups).nunique())
    return {"classes": classes, "splits": splits, "choices": choices,
            "proba": {"medlens default (nested choice)": temper(nested, n_subjects),
                      **{f"{name} (fixed)": temper(p, n_subjects) for name, p in fixed.items()},
                      "baseline: MUAP parameters + logistic regression": temper(baseline, n_subjects)}}


def pairwise_auc(y: np.ndarray, proba: np.ndarray, classes: list[str], a: str, b: str) -> float:
    """AUC of ``a`` vs ``b`` among recordings of those two classes, scored by P(a) / (P(a) + P(b))."""
    mask = np.isin(y, [a, b])
    pa, pb = proba[mask, classes.index(a)], proba[mask, classes.index(b)]
    return binary_auc(y[mask] == a, pa / np.maximum(pa + pb, 1e-12))


def _by_patient(y: np.ndarray, proba: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    subjects = np.array(list(dict.fromkeys(groups)))
    rows = np.array([aggregate_proba(proba[groups == s]) for s in subjects])
    return np.array([y[groups == s][0] for s in subjects]), rows, subjects


def comparison_table(table: pd.DataFrame, nested: dict[str, Any], *, n_boot: int, seed: int) -> list[dict[str, Any]]:
    """One row per approach: recording- and patient-level macro AUC and balanced accuracy with subject-bootstrap
    95% intervals, and the three pairwise AUCs; the published anchor last."""
    y, groups = table["label"].to_numpy(), table["subject"].to_numpy()
    classes = nested["classes"]
    rows = []
    for name, proba in nested["proba"].items():
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
    """Validate (nested), compare and fit the default model on the N2001 table (default: the shipped one)."""
    report = progress or (lambda f, m: None)
    table = read_feature_table(TABLE_FILE) if table is None else table
    nested = nested_validation(table, seed=seed, progress=lambda f, m: report(0.6 * f, m))
    report(0.6, "comparing with the baseline and the published results")
    comparison = comparison_table(table, nested, n_boot=n_boot, seed=seed)
    sets = candidate_sets(table)
    final, losses = choose_set(table, sets, seed=seed)
    selection = {"candidates": {name: len(cols) for name, cols in sets.items()}, "chosen": final,
                 "inner_log_loss_all_subjects": losses, "outer_folds": nested["choices"],
                 "text": (f"Whether window features help was decided by nested, subject-grouped cross-validation: "
                          f"inside each of {len(nested['choices'])} outer folds, on its training subjects only. "
                          f"Chosen per fold: {', '.join(c['chosen'] for c in nested['choices'])}; on all subjects: "
                          f"{final}.")}
    model = train_model(table, kind=KIND, features=sets[final], feature_set="clinical", ood_policy="warn",
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
