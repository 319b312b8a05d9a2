"""Subject-grouped validation: honest metrics with bootstrap intervals, calibration and decision curves.

Every split here keeps all recordings of a subject on one side (``StratifiedGroupKFold``): a model is never
tested on a person it has already seen, which is the commonest way EMG and other biosignal studies inflate
their accuracy. Metrics are computed from out-of-fold probabilities, and their 95% intervals come from a
bootstrap that resamples *subjects* (with all their recordings), not single recordings.

All results are plain JSON-able dicts; the ``plot_*`` functions draw them on a new matplotlib Figure
(no global pyplot state) and the ``summarize_*`` functions say the same thing in one or two sentences.

References
----------
- Calibration intercept ("calibration-in-the-large") and slope: Van Calster B, McLernon DJ, van Smeden M,
  Wynants L, Steyerberg EW. Calibration: the Achilles heel of predictive analytics. BMC Med 2019;17:230.
  doi:10.1186/s12916-019-1466-7
- Decision curves (net benefit = TP/n - FP/n * pt/(1-pt)): Vickers AJ, Elkin EB. Decision curve
  analysis: a novel method for evaluating prediction models. Med Decis Making 2006;26(6):565-574.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import optimize
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedGroupKFold

HEALTHY = "healthy"
EPS = 1e-6


# --------------------------------------------------------------------------------------------- splits
def grouped_splits(y: Sequence, groups: Sequence, n_splits: int = 5, seed: int = 0, *,
                   within_subject: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, subject-grouped folds: every subject's recordings fall in exactly one test fold.

    ``n_splits`` is lowered to the number of subjects in the smallest class when there are fewer, so small
    cohorts still validate (a class needs at least two subjects). A subject with several labels is an error
    unless ``within_subject`` (a within-subject design, see ``designs``): its rows still stay together.
    """
    y = np.asarray(y)
    groups = np.asarray(groups)
    if len(y) != len(groups):
        raise ValueError(f"{len(y)} labels but {len(groups)} subject ids")
    subjects_per_class = {c: len(np.unique(groups[y == c])) for c in np.unique(y)}
    fewest = min(subjects_per_class.values()) if subjects_per_class else 0
    if len(subjects_per_class) < 2:
        raise ValueError("the cohort needs at least two labels (for example healthy and myopathic) to validate")
    if fewest < 2:
        short = ", ".join(f"{c} ({n})" for c, n in subjects_per_class.items() if n < 2)
        raise ValueError(f"each label needs at least two different subjects for grouped validation; too few: {short}")
    mixed = [] if within_subject else _subjects_with_several_labels(y, groups)
    if mixed:
        raise ValueError(f"subject(s) {', '.join(map(str, mixed[:5]))} appear with more than one label; "
                         "a subject must have one label in a between-subject cohort (for a cohort where every "
                         "subject contributes several classes, choose the within-subject design)")
    k = max(2, min(int(n_splits), fewest))
    if within_subject:
        k = max(2, min(int(n_splits), len(np.unique(groups))))
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(np.zeros(len(y)), y, groups)]


def _subjects_with_several_labels(y: np.ndarray, groups: np.ndarray) -> list:
    seen: dict[Any, set] = {}
    for label, group in zip(y, groups):
        seen.setdefault(group, set()).add(label)
    return [g for g, labels in seen.items() if len(labels) > 1]


def cross_validated_proba(
    estimator: Any,
    X: Any,
    y: Sequence,
    groups: Sequence,
    *,
    n_splits: int = 5,
    seed: int = 0,
    fit_groups_param: str | None = "clf__groups",
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Out-of-fold class probabilities from subject-grouped cross-validation.

    Returns ``{"proba": (n, n_classes), "fold": (n,), "classes": [...], "splits": [(train, test), ...]}``.
    ``fit_groups_param`` names the fit parameter through which training-fold subject ids reach the
    estimator (our pipelines calibrate on inner subject-grouped folds); ``None`` to pass none.
    """
    y = np.asarray(y)
    groups = np.asarray(groups)
    classes = np.unique(y)
    splits = grouped_splits(y, groups, n_splits=n_splits, seed=seed)
    proba = np.full((len(y), len(classes)), np.nan)
    fold = np.full(len(y), -1)
    for i, (train, test) in enumerate(splits):
        model = clone(estimator)
        fit_params = {fit_groups_param: groups[train]} if fit_groups_param else {}
        model.fit(_rows(X, train), y[train], **fit_params)
        p = model.predict_proba(_rows(X, test))
        cols = [int(np.flatnonzero(classes == c)[0]) for c in model.classes_]
        proba[np.ix_(test, cols)] = p
        proba[test] = np.nan_to_num(proba[test], nan=0.0)
        fold[test] = i
        if progress:
            progress((i + 1) / len(splits), f"validated fold {i + 1} of {len(splits)}")
    return {"proba": proba, "fold": fold, "classes": [str(c) for c in classes], "splits": splits}


def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


# --------------------------------------------------------------------------------------------- metrics
def _binary_counts(truth: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tp = int(np.sum(truth & pred))
    fp = int(np.sum(~truth & pred))
    fn = int(np.sum(truth & ~pred))
    tn = int(np.sum(~truth & ~pred))
    return tp, fp, fn, tn


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


def per_class_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Sensitivity, specificity, PPV, NPV and F1 of each class against the rest."""
    out = {}
    for c in classes:
        tp, fp, fn, tn = _binary_counts(y_true == c, y_pred == c)
        sens, ppv = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
        out[str(c)] = {
            "sensitivity": sens,
            "specificity": _ratio(tn, tn + fp),
            "ppv": ppv,
            "npv": _ratio(tn, tn + fn),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "n": int(tp + fn),
        }
    return out


def binary_auc(truth: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic (ties count half); equals sklearn's roc_auc_score, ~100x faster.

    The bootstrap calls it thousands of times, which is why it is not ``roc_auc_score``.
    """
    truth = np.asarray(truth, dtype=bool)
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def macro_auc(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> float:
    """Macro one-vs-rest ROC AUC; NaN when a class is missing from ``y_true``."""
    aucs = []
    for k, c in enumerate(classes):
        truth = y_true == c
        if truth.all() or not truth.any():
            return float("nan")
        aucs.append(binary_auc(truth, proba[:, k]))
    return float(np.mean(aucs))


def abnormal_probability(proba: np.ndarray, classes: Sequence[str], healthy: str = HEALTHY) -> np.ndarray:
    """P(abnormal) = 1 - P(healthy): the binary question a clinician asks first."""
    classes = list(classes)
    if healthy not in classes:
        raise ValueError(f"no {healthy!r} class: abnormal-vs-healthy metrics need one")
    return 1.0 - proba[:, classes.index(healthy)]


def calibration_intercept_slope(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Calibration intercept (slope fixed at 1, the linear predictor as offset) and calibration slope.

    Ideal values are 0 and 1. A slope below 1 means predictions are too extreme (overfitting), above 1
    too modest; a negative intercept means risks are overestimated on average.
    """
    y = np.asarray(y, dtype=float)
    lp = _logit(np.asarray(p, dtype=float))
    if y.min() == y.max():
        return {"intercept": float("nan"), "slope": float("nan")}

    def nll(params: np.ndarray, slope_fixed: bool) -> float:
        a = params[0]
        b = 1.0 if slope_fixed else params[1]
        z = a + b * lp
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    intercept = optimize.minimize(nll, x0=[0.0], args=(True,), method="BFGS").x[0]
    slope = optimize.minimize(nll, x0=[0.0, 1.0], args=(False,), method="BFGS").x[1]
    return {"intercept": float(intercept), "slope": float(slope)}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def reliability_curve(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> dict[str, list]:
    """Observed frequency against mean predicted probability in equal-width bins (empty bins dropped)."""
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
    mean_pred, observed, counts = [], [], []
    for b in range(n_bins):
        mask = idx == b
        if mask.any():
            mean_pred.append(float(p[mask].mean()))
            observed.append(float(np.mean(y[mask])))
            counts.append(int(mask.sum()))
    return {"mean_predicted": mean_pred, "observed": observed, "count": counts}


def decision_curve(y: np.ndarray, p: np.ndarray, thresholds: np.ndarray | None = None) -> dict[str, list]:
    """Net benefit of acting on the model, on everyone (treat all) and on no one (treat none)."""
    if thresholds is None:
        thresholds = np.round(np.arange(0.05, 0.96, 0.05), 2)
    y = np.asarray(y, dtype=bool)
    n = len(y)
    prevalence = y.mean() if n else float("nan")
    model, treat_all = [], []
    for pt in thresholds:
        odds = pt / (1 - pt)
        act = p >= pt
        tp = np.sum(act & y)
        fp = np.sum(act & ~y)
        model.append(float(tp / n - fp / n * odds))
        treat_all.append(float(prevalence - (1 - prevalence) * odds))
    return {"thresholds": [float(t) for t in thresholds], "model": model, "treat_all": treat_all,
            "treat_none": [0.0] * len(thresholds)}


def threshold_for_sensitivity(y: np.ndarray, p: np.ndarray, target: float = 0.9) -> dict[str, float]:
    """The highest P(abnormal) threshold whose sensitivity still reaches ``target``, and what it costs."""
    y = np.asarray(y, dtype=bool)
    if not y.any() or y.all():
        return {"target_sensitivity": target, "threshold": float("nan"), "sensitivity": float("nan"),
                "specificity": float("nan")}
    lowest = float(np.min(p))
    best = (lowest, 1.0, float(np.mean(p[~y] < lowest)))  # flagging everyone always reaches the target
    for t in np.unique(p)[::-1]:  # from strict to lenient: the first threshold that reaches the target
        pred = p >= t
        sens = np.sum(pred & y) / y.sum()
        if sens >= target:
            best = (float(t), float(sens), float(np.sum(~pred & ~y) / np.sum(~y)))
            break
    return {"target_sensitivity": float(target), "threshold": best[0], "sensitivity": best[1],
            "specificity": best[2]}


def _point_metrics(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """The scalar metrics the bootstrap resamples (flat dict)."""
    pred = np.asarray(classes)[np.argmax(proba, axis=1)]
    flat: dict[str, float] = {"accuracy": float(np.mean(pred == y_true)), "macro_auc": macro_auc(y_true, proba, classes)}
    per = per_class_metrics(y_true, pred, classes)
    for c, m in per.items():
        for name in ("sensitivity", "specificity", "ppv", "npv", "f1"):
            flat[f"{c}.{name}"] = m[name]
    flat["balanced_accuracy"] = float(np.nanmean([per[str(c)]["sensitivity"] for c in classes]))
    if HEALTHY in classes:
        y_ab = (y_true != HEALTHY).astype(float)
        p_ab = abnormal_probability(proba, classes)
        flat["abnormal.brier"] = float(np.mean((p_ab - y_ab) ** 2))
        flat["abnormal.auc"] = binary_auc(y_ab, p_ab)
    return flat


def bootstrap_intervals(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], groups: np.ndarray, *, n_boot: int = 500,
    seed: int = 0, level: float = 0.95,
) -> dict[str, list[float]]:
    """Percentile intervals of every scalar metric, resampling subjects (all their recordings) with replacement."""
    rng = np.random.default_rng(seed)
    subjects, inverse = np.unique(groups, return_inverse=True)
    rows_of = [np.flatnonzero(inverse == s) for s in range(len(subjects))]
    samples: dict[str, list[float]] = {}
    for _ in range(n_boot):
        pick = rng.integers(0, len(subjects), len(subjects))
        idx = np.concatenate([rows_of[s] for s in pick])
        with np.errstate(all="ignore"):
            m = _point_metrics(y_true[idx], proba[idx], classes)
        for k, v in m.items():
            samples.setdefault(k, []).append(v)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out = {}
    for k, vals in samples.items():
        arr = np.asarray(vals, dtype=float)
        arr = arr[np.isfinite(arr)]
        out[k] = [float(np.percentile(arr, lo)), float(np.percentile(arr, hi))] if arr.size else [float("nan")] * 2
    return out


def evaluate(
    y_true: Sequence,
    proba: np.ndarray,
    classes: Sequence[str],
    groups: Sequence,
    *,
    target_sensitivity: float = 0.9,
    n_boot: int = 500,
    seed: int = 0,
) -> dict[str, Any]:
    """All validation results from (out-of-fold) probabilities, as a JSON-able dict.

    Keys: ``n_recordings``, ``n_subjects``, ``classes``, ``point`` (flat scalar metrics), ``ci`` (95%
    subject-bootstrap intervals of the same keys), ``per_class``, ``confusion`` (rows = true class, columns
    = predicted), ``roc`` (one-vs-rest curves), and, when there is a healthy class, ``abnormal`` with
    Brier score, calibration intercept/slope, reliability curve, decision curve and the threshold reaching
    ``target_sensitivity``.
    """
    y_true = np.asarray(y_true).astype(str)
    groups = np.asarray(groups)
    classes = [str(c) for c in classes]
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (len(y_true), len(classes)):
        raise ValueError(f"probabilities have shape {proba.shape}, expected {(len(y_true), len(classes))}")
    pred = np.asarray(classes)[np.argmax(proba, axis=1)]
    confusion = [[int(np.sum((y_true == t) & (pred == p))) for p in classes] for t in classes]
    roc = {}
    for k, c in enumerate(classes):
        truth = y_true == c
        if truth.any() and not truth.all():
            fpr, tpr, _ = roc_curve(truth, proba[:, k])
            roc[c] = {"fpr": fpr.round(4).tolist(), "tpr": tpr.round(4).tolist(),
                      "auc": float(roc_auc_score(truth, proba[:, k]))}
    result: dict[str, Any] = {
        "n_recordings": int(len(y_true)),
        "n_subjects": int(len(np.unique(groups))),
        "classes": classes,
        "point": _point_metrics(y_true, proba, classes),
        "ci": bootstrap_intervals(y_true, proba, classes, groups, n_boot=n_boot, seed=seed),
        "ci_level": 0.95,
        "n_boot": int(n_boot),
        "per_class": per_class_metrics(y_true, pred, classes),
        "confusion": confusion,
        "roc": roc,
    }
    if HEALTHY in classes:
        y_ab = (y_true != HEALTHY).astype(int)
        p_ab = abnormal_probability(proba, classes)
        result["abnormal"] = {
            "prevalence": float(y_ab.mean()),
            "brier": float(np.mean((p_ab - y_ab) ** 2)),
            "calibration": calibration_intercept_slope(y_ab, p_ab),
            "reliability": reliability_curve(y_ab, p_ab),
            "decision_curve": decision_curve(y_ab, p_ab),
            "operating_point": threshold_for_sensitivity(y_ab, p_ab, target_sensitivity),
        }
    return result


# --------------------------------------------------------------------------------------------- words
def _fmt_ci(metrics: dict, key: str, pct: bool = True) -> str:
    value = metrics["point"].get(key, float("nan"))
    lo, hi = metrics["ci"].get(key, [float("nan"), float("nan")])
    if pct:
        return f"{value:.0%} (95% CI {lo:.0%} to {hi:.0%})"
    return f"{value:.2f} (95% CI {lo:.2f} to {hi:.2f})"


def summarize_roc(metrics: dict) -> str:
    return (f"Macro one-vs-rest ROC AUC {_fmt_ci(metrics, 'macro_auc', pct=False)} over "
            f"{metrics['n_subjects']} subjects ({metrics['n_recordings']} recordings), with every subject "
            "held out of the model that scored it. 0.5 is chance, 1.0 perfect.")


def summarize_confusion(metrics: dict) -> str:
    parts = []
    for c in metrics["classes"]:
        parts.append(f"{c}: sensitivity {_fmt_ci(metrics, f'{c}.sensitivity')}, PPV {_fmt_ci(metrics, f'{c}.ppv')}")
    return "Held-out subjects, per class. " + "; ".join(parts) + "."


def summarize_calibration(metrics: dict) -> str:
    ab = metrics.get("abnormal")
    if not ab:
        return "Calibration is reported for abnormal vs healthy, and this cohort has no healthy class."
    cal = ab["calibration"]
    verdict = "close to ideal" if abs(cal["slope"] - 1) < 0.3 and abs(cal["intercept"]) < 0.5 else "imperfect"
    return (f"Abnormal vs healthy: Brier score {ab['brier']:.3f} (0 is perfect), calibration intercept "
            f"{cal['intercept']:.2f} (ideal 0) and slope {cal['slope']:.2f} (ideal 1): {verdict}. A slope below 1 "
            "means the probabilities are too extreme, above 1 too timid.")


def summarize_decision_curve(metrics: dict) -> str:
    ab = metrics.get("abnormal")
    if not ab:
        return "The decision curve needs a healthy class."
    dc = ab["decision_curve"]
    better = [t for t, m, a in zip(dc["thresholds"], dc["model"], dc["treat_all"]) if m > max(a, 0.0) + 1e-9]
    op = ab["operating_point"]
    span = (f"The model adds net benefit over treating everyone or no one at thresholds from {min(better):.0%} "
            f"to {max(better):.0%}." if better else "The model adds no net benefit over treating everyone or no one.")
    return (span + f" To catch {op['target_sensitivity']:.0%} of abnormal recordings, flag P(abnormal) >= "
            f"{op['threshold']:.2f}: sensitivity {op['sensitivity']:.0%}, specificity {op['specificity']:.0%}.")


# --------------------------------------------------------------------------------------------- plots
def _figure(size: tuple[float, float] = (5.0, 4.0)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def plot_roc(metrics: dict):
    """One-vs-rest ROC curves of out-of-fold predictions (a new Figure)."""
    fig, ax = _figure()
    for c, curve in metrics["roc"].items():
        ax.plot(curve["fpr"], curve["tpr"], label=f"{c} (AUC {curve['auc']:.2f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title="ROC, held-out subjects")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_calibration(metrics: dict):
    """Reliability curve for P(abnormal): predicted against observed, point size = recordings."""
    fig, ax = _figure()
    ab = metrics.get("abnormal")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    if ab:
        rel = ab["reliability"]
        sizes = 15 + 100 * np.asarray(rel["count"]) / max(1, max(rel["count"], default=1))
        ax.plot(rel["mean_predicted"], rel["observed"], color="C0")
        ax.scatter(rel["mean_predicted"], rel["observed"], s=sizes, color="C0", label="model")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(abnormal)", ylabel="observed share abnormal",
           title="Calibration, held-out subjects")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_decision_curve(metrics: dict):
    """Net benefit of the model against treat-all and treat-none over threshold probabilities."""
    fig, ax = _figure()
    ab = metrics.get("abnormal")
    if ab:
        dc = ab["decision_curve"]
        ax.plot(dc["thresholds"], dc["model"], label="model", color="C0")
        ax.plot(dc["thresholds"], dc["treat_all"], label="treat all", color="C1", ls="--")
        ax.plot(dc["thresholds"], dc["treat_none"], label="treat none", color="grey", ls=":")
        top = max(max(dc["model"]), ab["prevalence"], 0.05)
        ax.set_ylim(-0.05, top * 1.1)
    ax.set(xlabel="threshold probability of abnormal", ylabel="net benefit", title="Decision curve")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def plot_confusion(metrics: dict):
    """Confusion matrix of held-out predictions (counts of recordings)."""
    fig, ax = _figure((4.5, 4.0))
    cm = np.asarray(metrics["confusion"])
    classes = metrics["classes"]
    ax.imshow(cm, cmap="Blues")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=30)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (recordings)")
    return fig


def metrics_table(metrics: dict) -> list[dict[str, Any]]:
    """The headline metrics as rows (metric, estimate, 95% CI low, high) for tables in the app and CLI."""
    rows = []
    names = [("macro_auc", "Macro ROC AUC (one-vs-rest)"), ("accuracy", "Accuracy"),
             ("balanced_accuracy", "Balanced accuracy"), ("abnormal.auc", "ROC AUC, abnormal vs healthy"),
             ("abnormal.brier", "Brier score, abnormal vs healthy")]
    for c in metrics["classes"]:
        for stat in ("sensitivity", "specificity", "ppv", "npv", "f1"):
            names.append((f"{c}.{stat}", f"{c}: {stat if stat in ('sensitivity', 'specificity') else stat.upper()}"))
    for key, label in names:
        if key not in metrics["point"]:
            continue
        lo, hi = metrics["ci"].get(key, [float("nan"), float("nan")])
        rows.append({"metric": label, "estimate": metrics["point"][key], "ci_low": lo, "ci_high": hi})
    return rows


def operating_point(metrics: dict, target_sensitivity: float) -> dict[str, float]:
    """The P(abnormal) threshold reaching ``target_sensitivity`` on the stored held-out predictions."""
    if not 0.0 < float(target_sensitivity) <= 1.0:
        raise ValueError(f"target sensitivity must be between 0 and 1, got {target_sensitivity}")
    held = metrics.get("heldout")
    if not held or HEALTHY not in metrics["classes"]:
        raise ValueError("this model has no stored held-out predictions with a healthy class")
    y_ab = np.asarray(held["label"]) != HEALTHY
    p_ab = abnormal_probability(np.asarray(held["proba"], dtype=float), metrics["classes"])
    return threshold_for_sensitivity(y_ab, p_ab, float(target_sensitivity))
