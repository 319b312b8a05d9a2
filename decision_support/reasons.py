"""Plain-language reasons: where a recording's features sit in the training cohort, and what pushed the model.

Window-feature reasons say "Mean frequency (MNF) is 412 Hz, higher than 91% of healthy training recordings;
this pushed the prediction towards myopathic". Clinical reasons (``clinical_reasons``) speak the EMG report's
language: "MUAP duration 6.5 ms, shorter than in 95% of control recordings (reference 9-13 ms): points to
myopathy".
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from decision_support.columns import describe_feature, format_value, _feature_registry
from decision_support.shap_explain import SPACE_WORDS, Explanation, GlobalImportance

if TYPE_CHECKING:
    from decision_support.trained import TrainedModel


_SORTED: dict[int, tuple[Any, dict]] = {}  # id(reference) -> (weak reference to it, {(column, label): values})


def _sorted_values(reference: Any, column: str, label: str | None) -> tuple[np.ndarray, str]:
    """The finite values of ``column`` among the ``label`` training recordings (all when there are none), sorted;
    computed once per reference table, column and label."""
    entry = _SORTED.get(id(reference))
    if entry is None or entry[0]() is not reference:
        entry = (weakref.ref(reference), {})
        _SORTED[id(reference)] = entry
    cache = entry[1]
    if (column, label) not in cache:
        table, words = reference, "training recordings"
        if label is not None and "label" in reference.columns and (reference["label"] == label).any():
            table, words = reference[reference["label"] == label], f"{label} training recordings"
        values = np.asarray(table[column], dtype=float)
        cache[(column, label)] = (np.sort(values[np.isfinite(values)]), words)
    return cache[(column, label)]


def cohort_percentile(reference: Any, column: str, value: float, *, label: str | None = "healthy") -> tuple[float, str]:
    """Where ``value`` sits among training recordings: ``(percent below, cohort words)``.

    The cohort is the training recordings labelled ``label`` when there are any, else all of them.
    Ties count half, so a value equal to every reference value sits at 50%.
    """
    values, words = _sorted_values(reference, column, label)
    if values.size == 0 or not math.isfinite(float(value)):
        return float("nan"), words
    low, high = np.searchsorted(values, value, "left"), np.searchsorted(values, value, "right")
    return 100.0 * (low + 0.5 * (high - low)) / values.size, words


def reason_sentence(column: str, value: float, shap_value: float, label: str, reference: Any,
                    registry: dict | None = None, *, amplitude_unit: str = "", pooled: bool = False) -> str:
    """One plain-language reason, e.g. "Median frequency (MDF) on ch1 is 52 Hz, lower than 90% of healthy
    training recordings; this pushed the prediction towards neurogenic."
    """
    phrase, unit, channel = describe_feature(column, registry, amplitude_unit=amplitude_unit)
    where = f" on {channel}" if channel else (" (windows of all channels pooled)" if pooled else "")
    percent, words = cohort_percentile(reference, column, value)
    if not math.isfinite(percent):
        position = "not comparable with the training cohort"
    elif percent >= 50:
        position = f"higher than {percent:.0f}% of {words}"
    else:
        position = f"lower than {100 - percent:.0f}% of {words}"
    if math.isfinite(percent) and 25 <= percent <= 75:
        position += " (a typical value for them)"
    direction = "towards" if shap_value >= 0 else "away from"
    return f"{phrase}{where} is {format_value(value, unit)}, {position}; this pushed the prediction {direction} {label}."


def plain_reasons(explanation: Explanation, model: TrainedModel, k: int = 3, *, amplitude_unit: str = "",
                  pooled: bool = False) -> list[str]:
    """The top ``k`` features by |SHAP| as sentences (see `reason_sentence`); ``pooled`` says that a
    multi-channel recording's windows were pooled over channels (features without a channel)."""
    registry = _feature_registry()
    return [
        reason_sentence(explanation.feature_names[i], float(explanation.feature_values[i]),
                        float(explanation.values[i]), explanation.label, model.reference, registry,
                        amplitude_unit=amplitude_unit, pooled=pooled)
        for i in explanation.top(k)
    ]


def explanation_summary(explanation: Explanation, k: int = 3) -> str:
    """A text version of the waterfall plot."""
    parts = []
    for i in explanation.top(k):
        parts.append(f"{explanation.feature_names[i]} ({explanation.values[i]:+.3g})")
    space = SPACE_WORDS.get(explanation.output_space, explanation.output_space)
    return (
        f"The model's {space} for {explanation.label} starts at the training average of "
        f"{explanation.base_value:.3g} and ends at {explanation.model_output:.3g} for this recording "
        "(calibration then turns the model's output into the calibrated probability shown with the prediction). "
        f"The features that moved it most: {', '.join(parts) if parts else 'none'} "
        "(positive values push towards the predicted class, negative away from it)."
    )


def importance_summary(importance: GlobalImportance, k: int = 3) -> str:
    """A text version of the global importance plot."""
    top = [f"{n} ({v:.3g})" for n, v in zip(importance.feature_names[:k], importance.mean_abs[:k])]
    return (
        f"Across {importance.n_rows} training recordings, the features that move the model most "
        f"(mean |SHAP value|, {SPACE_WORDS.get(importance.output_space, importance.output_space)}) are: "
        f"{', '.join(top)}."
    )


# ----------------------------------------------------------------------------------------------------
# Clinical reasons (MUAP parameters against references and the training controls)

#: How each class is named when a feature points to it.
POINTS_TO = {"healthy": "fits a normal muscle", "neurogenic": "points to neurogenic change",
             "myopathic": "points to myopathy"}
#: What a feature with an unremarkable value nudged the model towards (it is not itself a sign of it).
NUDGES = {"healthy": "a normal muscle", "neurogenic": "neurogenic change", "myopathic": "myopathy"}
#: Cohort percentiles (of control recordings) between which a value is called typical of controls.
TYPICAL_PERCENTILES = (25.0, 75.0)
#: Comparative words by unit: (below, above).
COMPARATIVES = {"ms": ("shorter", "longer"), "mV": ("smaller", "larger"), "mV ms": ("smaller", "larger")}


def _pushed_towards(explanation: Explanation, i: int) -> str:
    """The class feature ``i`` pushes towards most (the class with the largest SHAP value for it)."""
    k = int(np.argmax(explanation.all_values[i]))
    return str(explanation.classes[k]) if explanation.classes else explanation.label


def _points_to(explanation: Explanation, i: int, *, typical: bool = False) -> str:
    """': points to myopathy', or for a value typical of controls, that it only nudged the model (a normal
    value is not a sign of disease, even when the model leans on it)."""
    label = _pushed_towards(explanation, i)
    if typical:
        return (f", typical of control recordings: not itself abnormal, though it nudged this model towards "
                f"{NUDGES.get(label, label)}")
    return ": " + POINTS_TO.get(label, f"points to {label}")


def _typical(percent: float) -> bool:
    return math.isfinite(percent) and TYPICAL_PERCENTILES[0] <= percent <= TYPICAL_PERCENTILES[1]


def _reference_for(muap: Any, parameter: str) -> Any:
    for ref in getattr(muap, "reference", None) or []:
        if ref.parameter == parameter:
            return ref
    return None


def clinical_sentence(column: str, value: float, explanation: Explanation, i: int, model: TrainedModel, *,
                      muap: Any = None, what: str | None = None) -> str:
    """One reason in an EMG report's words, e.g. "MUAP duration 6.5 ms, shorter than in 95% of control
    recordings (reference 9-13 ms, biceps brachii): points to myopathy."""
    from decision_support.clinical_features import CLINICAL_COLUMNS

    spec = CLINICAL_COLUMNS[column]
    percent, _ = cohort_percentile(model.reference, column, value, label="healthy")
    qualifier = f" ({what})" if what else ""
    if spec.group == "deviation":
        base = CLINICAL_COLUMNS[column.removesuffix("_REFDEV")]
        ref = _reference_for(muap, spec.source)
        limits = (f"{format_value(ref.low, base.unit)} to {format_value(ref.high, base.unit)}"
                  if ref is not None else "the muscle's reference limits")
        where = "above" if value > 1 else "below" if value < -1 else "within"
        measured = f" {format_value(ref.value, base.unit)}," if ref is not None and not what else ""
        text = (f"{base.name}{qualifier}{measured} {where} the reference range ({limits}; deviation {value:+.1f}, "
                "where -1 and +1 are its limits)")
        points = _points_to(explanation, i, typical=where == "within")
    else:
        low_word, high_word = COMPARATIVES.get(spec.unit, ("lower", "higher"))
        text = f"{spec.name}{qualifier} {format_value(value, spec.unit)}"
        ref = _reference_for(muap, next((p for p, c in _reference_parameters().items() if c == column), ""))
        if ref is not None:
            where = f", {muap.muscle}" if getattr(muap, "muscle", None) else ""
            text += f" (reference {format_value(ref.low, spec.unit)} to {format_value(ref.high, spec.unit)}{where})"
        if math.isfinite(percent):
            text += (f", {high_word} than in {percent:.0f}% of control recordings" if percent >= 50
                     else f", {low_word} than in {100 - percent:.0f}% of control recordings")
        return f"{text}{_points_to(explanation, i, typical=_typical(percent))}."
    if math.isfinite(percent):
        text += (f", higher than in {percent:.0f}% of control recordings" if percent >= 50
                 else f", lower than in {100 - percent:.0f}% of control recordings")
    return f"{text}{points}."


def _reference_parameters() -> dict[str, str]:
    from decision_support.clinical_features import REFERENCE_PARAMETERS

    return REFERENCE_PARAMETERS


def clinical_reasons(explanation: Explanation, model: TrainedModel, k: int = 3, *, muap: Any = None,
                     what: str | None = None) -> list[str]:
    """The ``k`` clinical columns that moved the prediction most, in clinical words (window features are left to
    ``detail_reasons``)."""
    from decision_support.columns import is_clinical

    order = [i for i in np.argsort(-np.abs(explanation.values), kind="stable")
             if is_clinical(explanation.feature_names[i])]
    return [clinical_sentence(explanation.feature_names[i], float(explanation.feature_values[i]), explanation,
                              int(i), model, muap=muap, what=what) for i in order[:k]]


def detail_reasons(explanation: Explanation, model: TrainedModel, k: int = 3, *, amplitude_unit: str = "") -> list[str]:
    """The ``k`` window features (spectral, Hjorth, AR, ...) that moved the prediction most, for a details section."""
    from decision_support.columns import is_clinical

    registry = _feature_registry()
    order = [i for i in np.argsort(-np.abs(explanation.values), kind="stable")
             if not is_clinical(explanation.feature_names[i])]
    return [reason_sentence(explanation.feature_names[i], float(explanation.feature_values[i]),
                            float(explanation.values[i]), explanation.label, model.reference, registry,
                            amplitude_unit=amplitude_unit) for i in order[:k]]
