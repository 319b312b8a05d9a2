"""Validation results as tables with human column names (95% CI, recordings, ...) for the Model report page."""

from __future__ import annotations

import math

import pandas as pd

from decision_support import validation as v


def _ci(low: float, high: float) -> str:
    return "n/a" if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)) \
        else f"{low:.2f} to {high:.2f}"


def metrics_frame(metrics: dict) -> pd.DataFrame:
    """Headline metrics: measure, estimate, 95% CI (bootstrap over subjects)."""
    rows = [{"measure": r["metric"], "estimate": round(r["estimate"], 2) if r["estimate"] == r["estimate"] else None,
             "95% CI (bootstrap over subjects)": _ci(r["ci_low"], r["ci_high"])} for r in v.metrics_table(metrics)]
    return pd.DataFrame(rows, columns=["measure", "estimate", "95% CI (bootstrap over subjects)"])


def _with_ci(values: list | None) -> str:
    if not values:
        return "not reported"
    point, low, high = (list(values) + [float("nan")] * 3)[:3]
    return f"{point:.2f} ({_ci(low, high)})"


def comparison_frame(rows: list[dict]) -> pd.DataFrame:
    """Each approach's macro AUC and balanced accuracy per recording and per patient, and pairwise AUCs."""
    records = []
    for row in rows:
        item = {"approach": row["approach"]}
        for level in ("recording", "patient"):
            values = row.get(level) if isinstance(row.get(level), dict) else {}
            item[f"macro AUC per {level} (95% CI)"] = _with_ci(values.get("macro_auc"))
            item[f"balanced accuracy per {level} (95% CI)"] = _with_ci(values.get("balanced_accuracy"))
        for pair, levels in row.get("pairs", {}).items():
            item[f"AUC {pair}, per recording / per patient"] = " / ".join(
                "n/a" if x is None or x != x else f"{x:.2f}" for x in (levels["per recording"], levels["per patient"]))
        records.append(item)
    return pd.DataFrame(records)


def calibration_bins(metrics: dict) -> pd.DataFrame | None:
    """Recordings in each bin of the reliability curve (abnormal vs healthy)."""
    rel = (metrics.get("abnormal") or {}).get("reliability")
    if not rel or not rel.get("count"):
        return None
    return pd.DataFrame({"mean predicted P(abnormal)": [round(x, 2) for x in rel["mean_predicted"]],
                         "observed share abnormal": [round(x, 2) for x in rel["observed"]],
                         "recordings in bin": rel["count"]})


def coverage_frame(metrics: dict) -> pd.DataFrame:
    """Measured coverage per class at each confidence, per recording and (when measured) per patient."""
    rows = []
    for level, key in (("recording", "conformal_coverage"), ("patient", "patient_conformal_coverage")):
        for conf, table in sorted((metrics.get(key) or {}).items()):
            rows.append({"level": level, "confidence": f"{float(conf):.0%}",
                         **{c: ("n/a" if x is None or x != x else f"{x:.0%}" + (" (below)" if x < float(conf) - 0.02
                                                                                else ""))
                            for c, x in table["per_class"].items()},
                         "mean set size": round(table["mean_set_size"], 2)})
    return pd.DataFrame(rows)


def subgroup_frame(metrics: dict) -> pd.DataFrame | None:
    subgroups = metrics.get("subgroups") or {}
    if not subgroups:
        return None
    rows = [{"factor": factor, "group": group, "recordings": vals.get("n_recordings"),
             "subjects": vals.get("n_subjects"), "accuracy": round(vals.get("accuracy", float("nan")), 2),
             "macro AUC": round(vals.get("macro_auc", float("nan")), 2)}
            for factor, groups in subgroups.items() for group, vals in groups.items()]
    return pd.DataFrame(rows)
