"""Rendering of predictions: a patient's combined answer and each recording's findings, trace and MUAPs.

Order on screen follows an EMG report: findings first, then the prediction with its set, the reasons in
clinical words and the SHAP plot; window-feature details last. Every plot comes with its text summary. User
text (file and channel names inside reasons) is escaped, never rendered as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decision_support import plots
from decision_support.predict import PatientResult, PredictionResult
from decision_support.shap_explain import global_importance
from decision_support.trained import TrainedModel


def _escape(text: str) -> str:
    """Markdown-safe text (file and channel names come from users)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


def render_population(model: TrainedModel) -> None:
    """Who the model learnt from, on every page that shows its answers."""
    if model.population:
        st.info(model.population, icon=":material/groups:")


def render_quality(result: PredictionResult) -> None:
    verdict = result.quality_verdict
    shown = {"pass": st.success, "warn": st.warning, "fail": st.error}.get(verdict, st.info)
    shown(f"Signal quality: **{verdict}**")
    if result.quality is not None and result.quality.reasons:
        for reason in result.quality.reasons:
            st.markdown(f"- {_escape(reason)}")


def render_answer(result: PredictionResult | PatientResult, *, key: str) -> None:
    """The predicted class, its probability, the prediction set and the coverage per class."""
    cols = st.columns(3)
    cols[0].metric("Most likely", result.predicted_label or "-")
    cols[1].metric("Probability (calibrated, tempered)",
                   f"{result.probability:.0%}" if result.probability is not None else "-")
    shown = ", ".join(result.prediction_set) if result.prediction_set else "empty"
    cols[2].metric(f"Prediction set at {result.confidence:.0%}", shown)
    st.dataframe(pd.DataFrame({
        "class": list(result.probabilities),
        "probability": [round(v, 3) for v in result.probabilities.values()],
        "in the prediction set": [c in result.prediction_set for c in result.probabilities],
        f"coverage at {result.confidence:.0%} (held-out subjects)": [
            (round(result.coverage[c], 3) if result.coverage and c in result.coverage else None)
            for c in result.probabilities],
    }), hide_index=True, key=f"{key}_answer")
    st.caption(f"The prediction set lists every class the model cannot rule out at {result.confidence:.0%} "
               "confidence; coverage is how often such sets held the true class for held-out training subjects.")


def render_reasons(result: PredictionResult | PatientResult, model: TrainedModel) -> None:
    if result.reasons:
        st.markdown("**Why (top reasons)**")
        for reason in result.reasons:
            st.markdown(f"- {_escape(reason)}")
    if result.explanation is not None:
        st.pyplot(plots.waterfall_figure(result.explanation), clear_figure=False)
        st.caption(plots.cohort_summary(model, result.explanation, k=3) if isinstance(result, PredictionResult)
                   else "Mean SHAP values over the patient's recordings (log-odds before calibration).")


def render_record(result: PredictionResult, model: TrainedModel, *, key: str) -> None:
    """One recording: trace and MUAPs on the left; findings, quality, prediction and reasons on the right."""
    left, right = st.columns([1, 1])
    with left:
        if result.recording is not None:
            st.pyplot(plots.trace_figure(result.recording), clear_figure=False)
            st.caption(plots.trace_summary(result.recording))
        if result.muap is not None and result.muap.muaps:
            st.pyplot(plots.muap_gallery_figure(result.muap), clear_figure=False)
            st.caption(plots.muap_gallery_summary(result.muap))
    with right:
        if result.findings:
            st.markdown("**Findings:** " + _escape(" ".join(result.findings)))
        render_quality(result)
        if result.abstained:
            st.error("**No prediction.** The model abstained:", icon=":material/block:")
            for reason in result.abstain_reasons:
                st.markdown(f"- {_escape(reason)}")
        else:
            render_answer(result, key=key)
            render_reasons(result, model)
        for warning in result.warnings:
            st.warning(warning)
    if result.details:
        with st.expander("Details: signal measures behind the prediction"):
            for detail in result.details:
                st.markdown(f"- {_escape(detail)}")
    st.caption(f"{_escape(result.input_name or 'recording')} · SHA-256 {result.input_sha256[:16]}… · model "
               f"{_escape(result.model_version)} · {result.note}")


def render_patient(patient: PatientResult, model: TrainedModel) -> None:
    st.subheader(f"Patient: {len(patient.records)} recordings combined")
    findings = [f"{_escape(r.input_name)}: {_escape(' '.join(r.findings))}" for r in patient.records if r.findings]
    if findings:
        st.markdown("**Findings per recording**\n\n" + "\n".join(f"- {f}" for f in findings))
    if patient.abstained:
        st.error("**No patient-level prediction.**", icon=":material/block:")
        for reason in patient.abstain_reasons:
            st.markdown(f"- {_escape(reason)}")
    else:
        render_answer(patient, key="patient")
        st.caption("Combined as the normalised geometric mean of the usable recordings' probabilities; the set is "
                   "calibrated on combinations of held-out subjects' recordings.")
        render_reasons(patient, model)
    for warning in patient.warnings:
        st.warning(warning)


def render_outcome(results: list[PredictionResult], patient: PatientResult | None, model: TrainedModel) -> None:
    render_population(model)
    if patient is not None:
        render_patient(patient, model)
        for i, result in enumerate(results, 1):
            with st.expander(f"Recording {i}: {result.input_name}", expanded=False):
                render_record(result, model, key=f"record_{i}")
    else:
        render_record(results[0], model, key="record_1")


@st.cache_resource(show_spinner="Measuring what the model relies on overall...")
def _global_importance(_model, version: str):
    return global_importance(_model)


def render_global_importance(model: TrainedModel) -> None:
    with st.expander("What the model relies on overall (global SHAP importance)"):
        importance = _global_importance(model, model.version)
        st.pyplot(plots.importance_figure(importance), clear_figure=False)
        from decision_support.reasons import importance_summary

        st.caption(importance_summary(importance))
