"""Model report: how a saved model was validated on subjects it never saw, beside a baseline and a published study."""

import json

import streamlit as st

from app.components.layout import not_a_device_note, page_boundary, page_header, simulated_data_note
from app.components.report_tables import (calibration_bins, comparison_frame, coverage_frame, metrics_frame,
                                          subgroup_frame)
from app.state_decision import available_models, model_label, model_sidecar, report_plot_png
from decision_support import validation as v
from decision_support.default_model import ensure_default_model
from decision_support.model_card import card_markdown, report_warnings
from decision_support.demo import dataset_card_markdown as simulated_card_markdown
from decision_support.n2001 import dataset_card_markdown
from decision_support.registry import jsonable

page_header("Model report", "How a model was validated on subjects it never saw: metrics with 95% intervals per "
            "recording and per patient, calibration, decision curve, prediction-set coverage, a simple baseline and "
            "a published study side by side, and the model card.")
not_a_device_note()

with page_boundary("the model report"):
    models = available_models()
    if not models:
        st.info("No model yet. The default model trains from the shipped N2001 feature table in seconds.")
        if st.button("Train the default model", key="report_train_default", type="primary"):
            bar = st.progress(0.0, text="Starting...")
            ensure_default_model(progress=lambda f, m: bar.progress(min(1.0, f), text=m))
            st.rerun()
        st.stop()
    folder = st.selectbox("Model", models, format_func=model_label, key="report_model")
    sidecar = model_sidecar(folder)
    meta, metrics = sidecar["metadata"], sidecar["metrics"]
    if meta.get("simulated"):
        simulated_data_note()
    card = meta.get("dataset_card") or {}
    if card.get("summary"):
        st.info(card["summary"], icon=":material/groups:")
    st.caption(f"Version {meta['version']} ({sidecar['kind']}); {meta['n_subjects']} subjects, "
               f"{meta['n_recordings']} recordings; created {meta['created']}.")
    for warning in report_warnings(sidecar):
        st.warning(warning)

    st.subheader("Validation on held-out subjects")
    st.write(metrics["validation"].capitalize() + ".")
    if metrics.get("tempering"):
        st.caption("Probabilities: " + metrics["tempering"] + ".")
    level = st.radio("Level", ["per recording", "per patient"], horizontal=True, key="report_level",
                     disabled="patient" not in metrics)
    shown = metrics["patient"] if level == "per patient" and "patient" in metrics else metrics
    st.dataframe(metrics_frame(shown), hide_index=True, key="report_metrics")
    if metrics.get("comparison"):
        st.subheader("Beside a baseline and a published study")
        st.dataframe(comparison_frame(metrics["comparison"]), hide_index=True, key="report_comparison")
        st.caption(metrics["comparison"][-1].get("note", "") + " " +
                   metrics.get("feature_selection", {}).get("text", ""))

    tabs = st.tabs(["ROC", "Calibration", "Decision curve", "Confusion matrix"])
    plots = [("roc", v.summarize_roc), ("calibration", v.summarize_calibration),
             ("decision_curve", v.summarize_decision_curve), ("confusion", v.summarize_confusion)]
    for tab, (plot, summary) in zip(tabs, plots):
        with tab:
            st.image(report_plot_png(folder, plot), width="content")
            st.caption(summary(metrics))
            if plot == "calibration" and calibration_bins(metrics) is not None:
                st.dataframe(calibration_bins(metrics), hide_index=True, key="report_calibration_bins")

    if metrics.get("heldout") and "healthy" in metrics["classes"]:
        target = st.slider("Sensitivity to reach for abnormal vs healthy", 0.5, 1.0, 0.9, 0.05,
                           key="report_target_sensitivity")
        op = v.operating_point(metrics, target)
        st.write(f"Flag a recording as abnormal when P(abnormal) >= **{op['threshold']:.2f}**: on held-out subjects "
                 f"that caught {op['sensitivity']:.0%} of abnormal recordings at a specificity of "
                 f"{op['specificity']:.0%}.")

    st.subheader("Prediction sets: coverage per class on held-out subjects")
    st.dataframe(coverage_frame(metrics), hide_index=True, key="report_coverage")
    st.caption("At 90% confidence a set should hold the true class for at least 90% of each class's recordings "
               "(or patients); these are the shares measured on subjects held out of calibration.")
    st.write(metrics.get("ood", {}).get("text", ""))
    subgroups = subgroup_frame(metrics)
    if subgroups is not None:
        st.subheader("By subgroup")
        st.dataframe(subgroups, hide_index=True, key="report_subgroups")

    with st.expander("Model card", expanded=False):
        st.markdown(card_markdown(sidecar["card"]))
    if card:
        with st.expander("Dataset card", expanded=False):
            st.markdown(simulated_card_markdown(card) if card.get("simulated") else dataset_card_markdown(card))
    c1, c2 = st.columns(2)
    c1.download_button("Download the model card (Markdown)", card_markdown(sidecar["card"]),
                       file_name=f"{folder.name}-model-card.md", key="report_download_card")
    c2.download_button("Download the metrics (JSON)", json.dumps(jsonable(metrics), default=str, indent=1),
                       file_name=f"{folder.name}-metrics.json", key="report_download_metrics")
