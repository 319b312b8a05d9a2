"""From a needle recording to one row of features a clinician recognises, plus window features.

A row has two groups of columns:

- **clinical** (``CLINICAL_COLUMNS``): quantitative MUAP parameters from ``signal_core.muap.analyse_muaps``
  (median duration, amplitude, phases, turns, polyphasic share, ...) and, for each parameter the muscle's
  reference table covers, its **reference deviation**: ``(value - centre) / half-width`` of the muscle's
  and age's reference range, so 0 is the middle of the normal range and +-1 its edges. The deviation is what
  lets a model trained on one muscle judge another muscle against *that* muscle's references.
- **window** (``transformers.recording_features`` with ``WINDOW_SETTINGS``): the gain- and polarity-robust
  spectral and time-domain measures, pooled over channels ("MNF_median", "ZC_RATE_iqr", ...).

``feature_groups(columns)`` splits a table's columns into these groups; the default model decides by nested,
subject-grouped validation whether the window group helps (``default_model``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from decision_support.transformers import FeatureSettings, feature_columns, recording_features
from signal_core.recording import Recording

#: Window features of the clinical row: medlens' default gain-robust set, windows of all channels pooled.
WINDOW_SETTINGS = FeatureSettings()


@dataclass(frozen=True)
class ClinicalColumn:
    """A clinical column: its human name, unit, meaning and where it comes from."""

    column: str
    name: str
    unit: str
    meaning: str
    group: str  # "muap", "deviation" or "interference"
    source: str  # the MuapAnalysis summary key, reference parameter or interference key it reads
    lower_means: str = ""  # what a value below the normal range points to (for reasons)
    higher_means: str = ""


def _muap(column: str, name: str, unit: str, meaning: str, key: str, low: str = "", high: str = "") -> ClinicalColumn:
    return ClinicalColumn(column, name, unit, meaning, "muap", key, low, high)


#: MUAP parameters, read from ``MuapAnalysis.summary`` (median where the analysis gives one).
MUAP_COLUMNS: tuple[ClinicalColumn, ...] = (
    _muap("MUAP_DURATION_MS", "MUAP duration", "ms", "Median duration of the motor-unit potentials found.",
          "duration_ms_median", "myopathy", "neurogenic change (reinnervation)"),
    _muap("MUAP_AMPLITUDE_MV", "MUAP amplitude", "mV", "Median peak-to-peak amplitude of the motor-unit potentials.",
          "amplitude_mv_median", "myopathy", "neurogenic change (reinnervation)"),
    _muap("MUAP_PHASES", "MUAP phases", "", "Mean number of phases (baseline crossings + 1) per potential.",
          "phases_mean", "", "polyphasic potentials (myopathy or reinnervation)"),
    _muap("MUAP_TURNS", "MUAP turns", "", "Mean number of turns (direction changes) per potential.",
          "turns_mean", "", "complex potentials (myopathy or reinnervation)"),
    _muap("MUAP_POLYPHASIC_PCT", "Polyphasic MUAPs", "%", "Share of potentials with more than four phases.",
          "polyphasic_pct", "", "polyphasic potentials (myopathy or reinnervation)"),
    _muap("MUAP_AREA_MV_MS", "MUAP area", "mV ms", "Mean area under the rectified potential.",
          "area_mv_ms_mean", "myopathy", "neurogenic change"),
    _muap("MUAP_THICKNESS_MS", "MUAP thickness", "ms", "Mean area over amplitude (a size-independent width).",
          "thickness_ms_mean", "myopathy", "neurogenic change"),
    _muap("MUAP_SIZE_INDEX", "MUAP size index", "", "Mean size index: combines amplitude and "
          "thickness.", "size_index_mean", "myopathy", "neurogenic change"),
    _muap("MUAP_SPIKE_DURATION_MS", "MUAP spike duration", "ms", "Mean duration of the potentials' main spike.",
          "spike_duration_ms_mean", "myopathy", "neurogenic change"),
    _muap("MUAP_FIRING_RATE_HZ", "Motor-unit firing rate", "Hz", "Mean firing rate of the identified motor units.",
          "firing_rate_hz_mean", "", "fast firing of few units (neurogenic recruitment)"),
    _muap("MUAP_COUNT", "MUAPs found", "", "How many distinct motor-unit potentials were identified.",
          "n_muaps", "", ""),
)

#: Reference deviations: one per MUAP parameter the references cover (the parameter names of
#: ``ReferenceComparison.parameter`` map to these columns).
REFERENCE_PARAMETERS: dict[str, str] = {
    "duration_ms": "MUAP_DURATION_MS", "amplitude_mv": "MUAP_AMPLITUDE_MV", "phases_mean": "MUAP_PHASES",
    "turns_mean": "MUAP_TURNS", "area_mv_ms": "MUAP_AREA_MV_MS", "spike_duration_ms": "MUAP_SPIKE_DURATION_MS",
}

DEVIATION_COLUMNS: tuple[ClinicalColumn, ...] = tuple(
    ClinicalColumn(f"{c.column}_REFDEV", f"{c.name}, deviation from the muscle's reference range", "",
                   f"{c.name} relative to the reference range for this muscle and age: 0 is the middle of the "
                   "range, -1 and +1 its lower and upper limits.", "deviation", parameter,
                   c.lower_means, c.higher_means)
    for parameter, column in REFERENCE_PARAMETERS.items()
    for c in MUAP_COLUMNS if c.column == column
)

CLINICAL_COLUMNS: dict[str, ClinicalColumn] = {c.column: c for c in (*MUAP_COLUMNS, *DEVIATION_COLUMNS)}

#: The clinical columns a model may use: a parameter's reference deviation where the references cover it (so
#: another muscle is judged against its own range; the raw value would be an affine copy of it), the raw value
#: otherwise. The count is descriptive only (it depends on the recording's length).
MODEL_CLINICAL_COLUMNS: tuple[str, ...] = (
    *(c.column for c in DEVIATION_COLUMNS),
    *(c.column for c in MUAP_COLUMNS if c.column not in REFERENCE_PARAMETERS.values() and c.column != "MUAP_COUNT"),
)


def muap_available() -> bool:
    """True when signal_core can measure MUAPs (``signal_core.muap``)."""
    try:
        import signal_core.muap  # noqa: F401
    except ImportError:
        return False
    return True


def reference_deviation(value: float, low: float, high: float) -> float:
    """``(value - centre) / half-width`` of the range ``[low, high]``: 0 in the middle, +-1 at the limits.

    >>> reference_deviation(6.5, 9.0, 13.0)
    -2.25
    """
    if not all(math.isfinite(v) for v in (value, low, high)) or high <= low:
        return float("nan")
    return (value - (low + high) / 2.0) / ((high - low) / 2.0)


def muap_row(recording: Recording, *, muscle: str | None = None, age: float | None = None) -> tuple[pd.Series, object]:
    """MUAP parameters and reference deviations of channel 1 as a Series, and the ``MuapAnalysis`` itself."""
    from signal_core.muap import analyse_muaps

    analysis = analyse_muaps(recording, channel=0, muscle=muscle, age=age)
    values = {c.column: float(analysis.summary.get(c.source, float("nan"))) for c in MUAP_COLUMNS}
    for c in DEVIATION_COLUMNS:
        values[c.column] = float("nan")
    for ref in analysis.reference:
        column = REFERENCE_PARAMETERS.get(str(ref.parameter))
        if column is not None:
            values[f"{column}_REFDEV"] = reference_deviation(float(ref.value), float(ref.low), float(ref.high))
    return pd.Series(values, dtype=float), analysis


def clinical_row(recording: Recording, *, muscle: str | None = None, age: float | None = None,
                 settings: FeatureSettings = WINDOW_SETTINGS, with_muap: bool | None = None) -> pd.Series:
    """One recording -> window features (pooled) and, when MUAPs can be measured, the clinical columns."""
    row = recording_features(recording, settings)
    if with_muap is None:
        with_muap = muap_available()
    if with_muap:
        clinical, _ = muap_row(recording, muscle=muscle, age=age)
        row = pd.concat([clinical, row])
    return row


def window_columns(settings: FeatureSettings = WINDOW_SETTINGS) -> list[str]:
    return feature_columns(settings, 1)


def feature_groups(columns: list[str]) -> dict[str, list[str]]:
    """The model-usable columns of a table by group: ``{"clinical": [...], "window": [...]}``."""
    window = set(window_columns())
    return {"clinical": [c for c in columns if c in MODEL_CLINICAL_COLUMNS],
            "window": [c for c in columns if c in window]}


def finite_share(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Share of finite values per column (a clinical column measured in too few recordings is not used)."""
    values = table[columns].to_numpy(dtype=float)
    return np.isfinite(values).mean(axis=0) if len(values) else np.zeros(len(columns))
