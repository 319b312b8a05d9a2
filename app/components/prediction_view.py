"""Rendering of one prediction (or abstention): quality, probability, prediction set, SHAP, cohort.

Used by the "Decision support" page; every plot comes with its text summary. User-provided text (file
names, channel names inside reasons) is shown with st.text/st.markdown of escaped text, never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decision_support import explain as ex
from decision_support.predict import PredictionResult


def _escape(text: str) -> str:
    """Markdown-safe text (file and channel names come from users)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


def render_quality(result: PredictionResult) -> None:
    verdict = result.quality_verdict
    st.subheader("Signal quality")
    shown = {"pass": st.success, "warn": st.warning, "fail": st.error}.get(verdict, st.info)
    shown(f"Quality check: **{verdict}**")
    if result.quality is not None and result.quality.reasons:
        for reason in result.quality.reasons:
            st.markdown(f"- {_escape(reason)}")
    if result.quality is not None and result.quality.channels:
        st.dataframe(pd.DataFrame([c.to_dict() for c in result.quality.channels]), hide_index=True)


def render_abstention(result: PredictionResult) -> None:
    st.error("**No prediction.** The model abstained, for these reasons:", icon=":material/block:")
    for reason in result.abstain_reasons:
        st.markdown(f"- {_escape(reason)}")


def render_prediction(result: PredictionResult) -> None:
    st.subheader("Prediction")
    cols = st.columns(3)
    cols[0].metric("Most likely", result.predicted_label or "-")
    cols[1].metric("Calibrated probability", f"{result.probability:.0%}" if result.probability is not None else "-")
    shown = ", ".join(result.prediction_set) if result.prediction_set else "empty"
    cols[2].metric(f"Prediction set at {result.confidence:.0%}", shown)
    table = pd.DataFrame({
        "class": list(result.probabilities),
        "calibrated probability": [round(v, 3) for v in result.probabilities.values()],
        "in the prediction set": [c in result.prediction_set for c in result.probabilities],
        f"coverage at {result.confidence:.0%} (held-out subjects)": [
            (round(result.coverage[c], 3) if result.coverage and c in result.coverage else None)
            for c in result.probabilities
        ],
    })
    st.dataframe(table, hide_index=True)
    st.caption(
        f"The prediction set lists every class the model cannot rule out at {result.confidence:.0%} confidence. "
        "Coverage is how often sets contained the true class for held-out training subjects of each class."
    )


@st.cache_resource(show_spinner="Measuring what the model relies on overall...")
def _global_importance(_model, version: str) -> ex.GlobalImportance:
    return ex.global_importance(_model)


def render_global_importance(model, version: str) -> None:
    with st.expander("What the model relies on overall (global SHAP importance)"):
        importance = _global_importance(model, version)
        st.pyplot(ex.importance_figure(importance), clear_figure=False)
        st.caption(ex.importance_summary(importance))


def render_explanation(result: PredictionResult, model) -> None:
    explanation = result.explanation
    if explanation is None:
        return
    st.subheader("Why: the top reasons")
    for reason in result.reasons:
        st.markdown(f"- {_escape(reason)}")
    st.subheader("SHAP explanation")
    st.pyplot(ex.waterfall_figure(explanation), clear_figure=False)
    st.caption(ex.explanation_summary(explanation))
    st.subheader("Where this recording sits in the training cohort")
    st.pyplot(ex.cohort_figure(model, explanation, k=3), clear_figure=False)
    st.caption(ex.cohort_summary(model, explanation, k=3))
    render_global_importance(model, result.model_version)


def render_result(result: PredictionResult, model) -> None:
    st.markdown(f"**Recording:** {_escape(result.input_name or 'recording')}  \n"
                f"**Model version:** {_escape(result.model_version)}  \n"
                f"**SHA-256:** `{result.input_sha256}`")
    render_quality(result)
    if result.abstained:
        render_abstention(result)
    else:
        render_prediction(result)
    for warning in result.warnings:
        st.warning(warning)
    if not result.abstained:
        render_explanation(result, model)
    st.caption(result.note)
