"""Feature columns: one parser for every column name a medlens model reads, and how to say it.

Two kinds of columns exist:

- window features summarised over windows, ``"{feature}_{statistic}"`` or ``"{feature}_{statistic}_{channel}"``
  (``"MDF_median"``, ``"AR_1_iqr_left_biceps"``): spectral and time-domain measures of the raw trace;
- clinical columns (``decision_support.clinical_features.CLINICAL_COLUMNS``): MUAP parameters, their deviation
  from the muscle's reference range, and interference-pattern measures, each with a human name and unit.

``parse_feature_column`` splits a name, ``describe_feature`` gives ``(phrase, unit, channel)`` for sentences and
tables, ``human_name`` the short name a table header shows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

#: Window statistics a recording-level column may carry, and how to say them.
STATISTICS: dict[str, str] = {
    "median": "",
    "mean": "",
    "iqr": "spread (interquartile range across windows) of",
    "std": "spread (standard deviation across windows) of",
    "sd": "spread (standard deviation across windows) of",
    "min": "lowest window value of",
    "max": "highest window value of",
    "p10": "10th percentile across windows of",
    "p90": "90th percentile across windows of",
}



# ----------------------------------------------------------------------------------------------------
# Column names


@dataclass(frozen=True)
class FeatureColumn:
    """A recording-level column such as ``"MDF_median_ch1"`` split into its parts."""

    column: str
    feature: str  # the window feature, a key of signal_core.features.FEATURES when known
    statistic: str  # how windows were summarised ("median", "iqr", ...; "" when not given)
    channel: str  # channel name ("" when not given)


def parse_feature_column(column: str, known_features: Any = ()) -> FeatureColumn:
    """Split ``"{feature}_{statistic}_{channel}"`` robustly.

    Feature and channel names may themselves hold underscores (``"AR_1_median_left_biceps"``): the
    statistic is the first token after the feature that names a known statistic. When ``known_features``
    is given, the longest registered feature name that prefixes the column wins.

    >>> parse_feature_column("MDF_median_ch1")
    FeatureColumn(column='MDF_median_ch1', feature='MDF', statistic='median', channel='ch1')
    >>> parse_feature_column("AR_1_iqr_left_biceps", ["AR_1", "AR"])
    FeatureColumn(column='AR_1_iqr_left_biceps', feature='AR_1', statistic='iqr', channel='left_biceps')
    """
    column = str(column)
    for name in sorted((str(k) for k in known_features), key=len, reverse=True):
        if column.startswith(name + "_"):
            rest = column[len(name) + 1 :].split("_")
            if rest[0].lower() in STATISTICS:
                return FeatureColumn(column, name, rest[0].lower(), "_".join(rest[1:]))
            return FeatureColumn(column, name, "", "_".join(rest))
        if column == name:
            return FeatureColumn(column, name, "", "")
    tokens = column.split("_")
    for i in range(1, len(tokens)):
        if tokens[i].lower() in STATISTICS:
            return FeatureColumn(column, "_".join(tokens[:i]), tokens[i].lower(), "_".join(tokens[i + 1 :]))
    if len(tokens) > 1 and re.fullmatch(r"(ch)?\d+", tokens[-1], flags=re.I):
        return FeatureColumn(column, "_".join(tokens[:-1]), "", tokens[-1])
    return FeatureColumn(column, column, "", "")


def _feature_registry() -> dict:
    """Feature name -> spec (``.unit``, ``.meaning``): signal_core's window features, overlaid by the
    recording-level features decision_support derives from them (``transformers.WINDOW_FEATURES``)."""
    registry: dict = {}
    try:
        from signal_core.features import FEATURES

        registry.update(FEATURES)
    except ImportError:  # without the registry plain column names still work
        pass
    try:
        from decision_support.transformers import WINDOW_FEATURES

        registry.update(WINDOW_FEATURES)
    except ImportError:
        pass
    return registry


def _clinical_registry() -> dict:
    from decision_support.clinical_features import CLINICAL_COLUMNS

    return CLINICAL_COLUMNS


def is_clinical(column: str) -> bool:
    """True for a clinical column (MUAP parameter, reference deviation or interference measure)."""
    return str(column) in _clinical_registry()


def is_feature_column(column: str) -> bool:
    """True for a column a medlens model can read: a clinical column or a known window feature summarised
    by a known statistic (``"MNF_median"``, ``"ZC_RATE_iqr_ch2"``)."""
    if is_clinical(column):
        return True
    from decision_support.transformers import STAT_MEANING, WINDOW_FEATURES

    parsed = parse_feature_column(column, WINDOW_FEATURES.keys())
    if parsed.feature not in WINDOW_FEATURES or parsed.statistic not in STAT_MEANING:
        return False
    return parsed.channel == "" or bool(re.fullmatch(r"ch\d+", parsed.channel))


#: Units that read better left out of a sentence ("12", not "12 count").
UNITLESS = ("", "1", "count", "fraction", "dimensionless")


def describe_feature(column: str, registry: dict | None = None, *, amplitude_unit: str = "") -> tuple[str, str, str]:
    """``(phrase, unit, channel)`` for a column, e.g. ``("Median frequency (MDF)", "Hz", "ch1")``.

    ``amplitude_unit`` (the recording's unit, e.g. "mV") replaces the registry's generic "signal units".
    """
    clinical = _clinical_registry().get(str(column))
    if clinical is not None:
        return clinical.name, ("" if clinical.unit in UNITLESS else clinical.unit), ""
    registry = _feature_registry() if registry is None else registry
    parsed = parse_feature_column(column, registry.keys())
    spec = registry.get(parsed.feature)
    name = _short_meaning(spec, parsed.feature)
    unit = str(getattr(spec, "unit", "") or "")
    if "signal units" in unit:
        unit = unit.replace("signal units", amplitude_unit or "signal units")
    if unit in UNITLESS:
        unit = ""
    prefix = STATISTICS.get(parsed.statistic, "")
    if prefix:
        # lower-case the name's first letter unless it starts an abbreviation ("RMS over ...")
        head = name[0].lower() if len(name) > 1 and not name[1].isupper() else name[0]
        phrase = f"{prefix[0].upper()}{prefix[1:]} {head}{name[1:]}"
    else:
        phrase = name
    return phrase, unit, parsed.channel


def _short_meaning(spec: Any, feature: str) -> str:
    """The registry's meaning up to its first colon, dash or full stop; the bare name if there is none."""
    if spec is None:
        return feature
    title = getattr(spec, "title", "") or getattr(spec, "label", "")
    if title:
        return str(title)
    meaning = str(getattr(spec, "meaning", "") or "").strip()
    if not meaning:
        return feature
    head = re.split(r":| - | \u2013 | \(|\.\s|;|, ", meaning, maxsplit=1)[0].strip().rstrip(".")
    head = head if 0 < len(head) <= 60 else feature
    return f"{head} ({feature})" if feature.lower() not in head.lower() else head


def format_value(value: float, unit: str = "") -> str:
    """Three significant figures and the unit: ``format_value(52.04, "Hz") == "52 Hz"``."""
    if value is None or not math.isfinite(float(value)):
        return "not a number"
    value = float(value)
    if 1000 <= abs(value) < 1e7:
        text = f"{value:.0f}"
    else:
        text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    unit = "" if unit in UNITLESS else {"per s": "per second"}.get(unit, unit)
    return f"{text} {unit}".strip()


def human_name(column: str) -> str:
    """A short table header for a column: "MUAP duration (ms)", "Mean frequency (MNF), median over windows"."""
    phrase, unit, channel = describe_feature(column)
    where = f" on {channel}" if channel else ""
    return f"{phrase}{where}" + (f" ({unit})" if unit else "")
