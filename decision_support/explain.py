"""The explanation API in one import: SHAP (``shap_explain``), plain-language reasons (``reasons``), figures
(``plots``) and column names (``columns``). Each lives in its own module; this one only gathers them.

>>> from decision_support import explain as ex
>>> ex.parse_feature_column("MDF_median_ch1").statistic
'median'
"""

from __future__ import annotations

from decision_support.columns import (
    STATISTICS,
    UNITLESS,
    FeatureColumn,
    _feature_registry,
    describe_feature,
    format_value,
    human_name,
    parse_feature_column,
)
from decision_support.plots import cohort_figure, cohort_summary, importance_figure, waterfall_figure
from decision_support.reasons import (
    cohort_percentile,
    explanation_summary,
    importance_summary,
    plain_reasons,
    reason_sentence,
)
from decision_support.shap_explain import (
    ADDITIVITY_TOL,
    BACKGROUND_SIZE,
    GLOBAL_ROWS,
    OUTPUT_SPACE,
    SPACE_WORDS,
    Explanation,
    GlobalImportance,
    ShapExplainer,
    ShapValues,
    explain_prediction,
    explainer_for,
    global_importance,
)

__all__ = [
    "ADDITIVITY_TOL", "BACKGROUND_SIZE", "GLOBAL_ROWS", "OUTPUT_SPACE", "SPACE_WORDS", "STATISTICS", "UNITLESS",
    "Explanation", "FeatureColumn", "GlobalImportance", "ShapExplainer", "ShapValues", "_feature_registry",
    "cohort_figure", "cohort_percentile", "cohort_summary", "describe_feature", "explain_prediction",
    "explainer_for", "explanation_summary", "format_value", "global_importance", "human_name",
    "importance_figure", "importance_summary", "parse_feature_column", "plain_reasons", "reason_sentence",
    "waterfall_figure",
]
