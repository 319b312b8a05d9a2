"""Model cards, generated from the training run (Markdown and JSON).

The sections follow Mitchell M, Wu S, Zaldivar A, Barnes P, Vasserman L, Hutchinson B, Spitzer E, Raji ID,
Gebru T. Model Cards for Model Reporting. Proceedings of the Conference on Fairness, Accountability, and
Transparency (FAT* '19), 2019:220-229. doi:10.1145/3287560.3287596

Every number in a card comes from the ``TrainedModel`` it describes; nothing is typed in by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decision_support.models import MODEL_KINDS

if TYPE_CHECKING:
    from decision_support.trained import TrainedModel

MODEL_CARD_REFERENCE = ("Mitchell M, et al. Model Cards for Model Reporting. FAT* '19, 2019:220-229. "
                        "doi:10.1145/3287560.3287596")
SECTIONS = ("model_details", "intended_use", "factors", "metrics", "evaluation_data", "training_data",
            "quantitative_analyses", "ethical_considerations", "caveats_and_recommendations")
SECTION_TITLES = {
    "model_details": "Model details",
    "intended_use": "Intended use",
    "factors": "Factors",
    "metrics": "Metrics",
    "evaluation_data": "Evaluation data",
    "training_data": "Training data",
    "quantitative_analyses": "Quantitative analyses",
    "ethical_considerations": "Ethical considerations",
    "caveats_and_recommendations": "Caveats and recommendations",
}


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:.0%}"


def _ci(metrics: dict, key: str, pct: bool = True) -> str:
    value = metrics["point"].get(key, float("nan"))
    lo, hi = metrics["ci"].get(key, [float("nan")] * 2)
    if pct:
        return f"{_pct(value)} ({_pct(lo)} to {_pct(hi)})"
    return "n/a" if value != value else f"{value:.2f} ({lo:.2f} to {hi:.2f})"


def build_model_card(model: TrainedModel, dataset_card: dict[str, Any] | None = None) -> dict[str, Any]:
    """The card as a JSON-able dict with the Mitchell et al. sections (plus ``reference``)."""
    meta, m = model.metadata, model.metrics
    simulated = bool(meta.get("simulated"))
    real_default = not simulated and bool((dataset_card or {}).get("references"))
    data_word = "simulated" if simulated else "real, cited (see the dataset card)" if real_default else "user-provided"
    per_class = [
        {"class": c, "sensitivity": _ci(m, f"{c}.sensitivity"), "specificity": _ci(m, f"{c}.specificity"),
         "ppv": _ci(m, f"{c}.ppv"), "npv": _ci(m, f"{c}.npv"), "f1": _ci(m, f"{c}.f1")}
        for c in model.classes
    ]
    coverage = {conf: {c: _pct(v) for c, v in table["per_class"].items()}
                for conf, table in m.get("conformal_coverage", {}).items()}
    abnormal = m.get("abnormal", {})
    card: dict[str, Any] = {
        "model_details": {
            "name": meta.get("version"),
            "kind": model.kind,
            "description": MODEL_KINDS[model.kind],
            "created": meta.get("created"),
            "developed_by": ("medlens (open source); trained by `medlens init` from the shipped N2001 feature table"
                             if real_default else
                             "medlens (open source); trained by the person who ran `medlens model train`"),
            "classes": model.classes,
            "features": _features_text(model),
            "calibration": (f"{getattr(model.pipeline.named_steps.get('clf'), 'method_used_', 'temperature')} calibration "
                            "fitted on subjects held out in inner subject-grouped folds"),
            "libraries": meta.get("libraries", {}),
            "data_hash": meta.get("data_hash"),
        },
        "intended_use": {
            "primary_use": ("Education and research: to show how an EMG classifier reaches a calibrated, explained "
                            "prediction with its uncertainty, and how such a model should be validated."),
            "users": "Medical students, clinicians, educators and researchers learning about ML on biosignals.",
            "out_of_scope": [
                "Diagnosis, screening or treatment decisions for any person: this is not a medical device.",
                "Recordings unlike the training cohort (other electrodes, muscles, sampling rates or conditions); "
                "the out-of-distribution check flags many but not all of them.",
                "Conditions other than " + ", ".join(model.classes) + ".",
            ],
        },
        "factors": {
            "relevant": ["electrode type and position (needle vs surface)", "muscle", "effort level",
                         "amplifier gain and filters", "age and sex of the subject", "disease severity"],
            "evaluated": list(m.get("subgroups", {}).keys()) or ["none recorded in this cohort"],
        },
        "metrics": {
            "chosen": ("Per-class sensitivity, specificity, PPV, NPV and F1; macro one-vs-rest ROC AUC; Brier score "
                       "and calibration intercept/slope for abnormal vs healthy; net benefit (decision curve); "
                       "empirical coverage of conformal prediction sets per class."),
            "validation": m.get("validation"),
            "intervals": f"95% percentile bootstrap over subjects ({m.get('n_boot')} resamples)",
            "decision_threshold": abnormal.get("operating_point"),
        },
        "evaluation_data": {
            "description": (f"The same {data_word} cohort, by {m.get('n_folds')}-fold subject-grouped cross-validation: "
                            "no subject is ever in both the training and the test part of a fold."),
            "design": m.get("design", {}).get("meaning"),
            "n_subjects": meta.get("n_subjects"),
            "n_recordings": meta.get("n_recordings"),
        },
        "training_data": {
            "cohort": meta.get("cohort_name"),
            "simulated": simulated,
            "subjects_per_class": meta.get("subjects_per_class"),
            "dataset_card": (dataset_card or {}).get("summary") if dataset_card else None,
        },
        "quantitative_analyses": {
            "macro_auc": _ci(m, "macro_auc", pct=False),
            "accuracy": _ci(m, "accuracy"),
            "balanced_accuracy": _ci(m, "balanced_accuracy"),
            "per_class": per_class,
            "abnormal_vs_healthy": {
                "brier": abnormal.get("brier"),
                "calibration_intercept": abnormal.get("calibration", {}).get("intercept"),
                "calibration_slope": abnormal.get("calibration", {}).get("slope"),
            } if abnormal else None,
            "conformal_coverage": coverage,
            "subgroups": m.get("subgroups", {}),
        },
        "ethical_considerations": [
            "A confident-looking number can anchor a clinician; every prediction is shown with a prediction set, "
            "the signal quality and an out-of-distribution check, and the app abstains on poor input.",
            "Training data carry no identities; user cohorts must be de-identified before they are loaded.",
            "Performance may differ across groups not represented in the cohort (see Factors).",
        ],
        "caveats_and_recommendations": [
            *(["The training data are SIMULATED by medlens' motor-unit simulator, not recorded from patients: "
               "performance on real recordings is unknown until tested on them."] if simulated else []),
            "Validation is internal (cross-validation on one cohort); external validation on data from other sites "
            "and devices is needed before any claim about real-world performance.",
            "Subgroup results rest on few subjects; their intervals are wide or not estimable.",
            "Conformal coverage is measured, not guaranteed, because the final model is refitted on all subjects.",
        ],
        "reference": MODEL_CARD_REFERENCE,
    }
    return card


def card_markdown(card: dict[str, Any]) -> str:
    """Render a card dict as Markdown (section order of Mitchell et al. 2019)."""
    lines = [f"# Model card: {card['model_details'].get('name')}", ""]
    if card["training_data"].get("simulated"):
        lines += ["> **Trained on simulated data.** For education and research only; not a medical device.", ""]
    else:
        lines += ["> For education and research only; not a medical device.", ""]
    for key in SECTIONS:
        lines += [f"## {SECTION_TITLES[key]}", ""]
        lines += _render(card[key])
        lines.append("")
    lines += [f"_Sections after {card['reference']}_", ""]
    return "\n".join(lines)


def _render(value: Any, depth: int = 0) -> list[str]:
    pad = "  " * depth
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            label = str(k).replace("_", " ")
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}- **{label}**:")
                out += _render(v, depth + 1)
            else:
                out.append(f"{pad}- **{label}**: {_scalar(v)}")
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                out.append(f"{pad}- " + "; ".join(f"{k.replace('_', ' ')} {_scalar(v)}" for k, v in item.items()))
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return out
    return [f"{pad}{_scalar(value)}"]


def _scalar(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if v != v else f"{v:.3g}"
    if v is None:
        return "n/a"
    return str(v)


#: A cohort below this many subjects gets a warning that its intervals are wide.
SMALL_COHORT_SUBJECTS = 30
#: Held-out results at or above these look too good for a clinical EMG cohort.
TOO_GOOD = {"macro_auc": 0.98, "accuracy": 0.97}


def report_warnings(sidecar: dict[str, Any]) -> list[str]:
    """Plain warnings for a model's report: small cohort, too-good results, miscalibration, low coverage.

    ``sidecar`` is what ``registry.read_sidecar`` returns (``metadata`` and ``metrics``).
    """
    meta, m = sidecar.get("metadata", {}), sidecar.get("metrics", {})
    out = []
    n = int(meta.get("n_subjects") or 0)
    per_class = meta.get("subjects_per_class") or {}
    if n and n < SMALL_COHORT_SUBJECTS:
        listing = ", ".join(f"{k} {v}" for k, v in per_class.items())
        out.append(f"Small cohort: {n} subjects ({listing}). Every estimate below has a wide interval; a few "
                   "subjects more or less could change it a lot, and subjects from another lab may differ more.")
    point = m.get("point", {})
    good = [f"{name.replace('_', ' ')} {point[name]:.2f}" for name, limit in TOO_GOOD.items()
            if point.get(name) is not None and point.get(name) == point.get(name) and point[name] >= limit]
    if good:
        out.append(f"Results look too good ({', '.join(good)} on held-out subjects). In clinical EMG that usually "
                   "means a leak (one subject on both sides), a confound (contraction level, site, amplifier) or "
                   "simulated data, not a model that will do as well on new patients.")
    slope = (m.get("abnormal") or {}).get("calibration", {}).get("slope")
    if slope is not None and slope == slope and not 0.7 <= slope <= 1.3:
        out.append(f"Calibration slope {slope:.2f} (ideal 1): the probabilities are "
                   f"{'too extreme' if slope < 1 else 'too timid'} on held-out subjects.")
    for conf, table in sorted((m.get("conformal_coverage") or {}).items()):
        low = [f"{c} {v:.0%}" for c, v in table.get("per_class", {}).items()
               if v is not None and v == v and v < float(conf) - 0.02]
        if low:
            out.append(f"At {float(conf):.0%} confidence the prediction sets held the true class less often than "
                       f"promised for: {', '.join(low)}.")
    if meta.get("simulated"):
        out.append("Trained on simulated recordings: these numbers describe the simulator, not patients.")
    return out


def _features_text(model: TrainedModel) -> str:
    """What the model reads: its clinical columns (MUAP parameters, reference deviations) and/or window features."""
    from decision_support.columns import is_clinical

    clinical = [f for f in model.feature_names if is_clinical(f)]
    window = [f for f in model.feature_names if not is_clinical(f)]
    parts = []
    if clinical:
        parts.append(f"{len(clinical)} clinical features from the MUAP analysis of channel 1 ({', '.join(clinical)})")
    if window:
        bases = list(dict.fromkeys(name.split("_median")[0].split("_iqr")[0] for name in window))
        parts.append(f"{len(window)} window features: median and interquartile range over {model.settings.window_s:g} s "
                     f"windows (step {model.settings.step_s:g} s) of {', '.join(bases)}")
    return "; ".join(parts)
