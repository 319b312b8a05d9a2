"""Model report: how a saved model was validated (subject-grouped), its uncertainty and its model card."""

import json

import pandas as pd
import streamlit as st

from app.components.layout import not_a_device_note, page_boundary, page_header, simulated_data_note
from app.state_decision import available_models, model_sidecar, report_plot_png
from decision_support import validation as v
from decision_support.demo import dataset_card_markdown, ensure_demo_model
from decision_support.model_card import card_markdown
from decision_support.registry import jsonable

page_header("Model report", "How a model was validated on subjects it never saw: metrics with 95% intervals, "
            "calibration, decision curve, prediction-set coverage, and its model card.")
not_a_device_note()

with page_boundary("the model report"):
    models = available_models()
    if not models:
        st.info("No model yet. The demo model is trained on simulated EMG in about a minute.")
        if st.button("Train the demo model", key="report_train_demo", type="primary"):
            bar = st.progress(0.0, text="Starting...")
            ensure_demo_model(progress=lambda f, m: bar.progress(min(1.0, f), text=m))
            st.rerun()
        st.stop()
    names = [p.name for p in models]
    chosen = st.selectbox("Model", names, key="report_model")
    folder = models[names.index(chosen)]
    sidecar = model_sidecar(folder)
    meta, metrics = sidecar["metadata"], sidecar["metrics"]
    if meta.get("simulated"):
        simulated_data_note()
    st.caption(f"Version {meta['version']} ({sidecar['kind']}); cohort {meta['cohort_name']}: {meta['n_subjects']} "
               f"subjects, {meta['n_recordings']} recordings; created {meta['created']}.")

    st.subheader("Validation on held-out subjects")
    st.write(metrics["validation"].capitalize() + ".")
    table = pd.DataFrame(v.metrics_table(metrics))
    st.dataframe(table, hide_index=True, key="report_metrics", column_config={
        c: st.column_config.NumberColumn(format="%.2f") for c in ("estimate", "ci_low", "ci_high")})

    tabs = st.tabs(["ROC", "Calibration", "Decision curve", "Confusion matrix"])
    plots = [("roc", v.summarize_roc), ("calibration", v.summarize_calibration),
             ("decision_curve", v.summarize_decision_curve), ("confusion", v.summarize_confusion)]
    for tab, (plot, summary) in zip(tabs, plots):
        with tab:
            st.image(report_plot_png(folder, plot), width="content")
            st.caption(summary(metrics))

    if metrics.get("heldout") and "healthy" in metrics["classes"]:
        target = st.slider("Sensitivity to reach for abnormal vs healthy", 0.5, 1.0, 0.9, 0.05,
                           key="report_target_sensitivity")
        op = v.operating_point(metrics, target)
        st.write(f"Flag a recording as abnormal when P(abnormal) >= **{op['threshold']:.2f}**: on held-out subjects "
                 f"that caught {op['sensitivity']:.0%} of abnormal recordings at a specificity of "
                 f"{op['specificity']:.0%}.")

    st.subheader("Prediction sets: coverage per class on held-out subjects")
    coverage = metrics.get("conformal_coverage", {})
    st.dataframe(pd.DataFrame([{"confidence": f"{float(c):.0%}", **{k: f"{x:.0%}" for k, x in t["per_class"].items()},
                                "mean set size": round(t["mean_set_size"], 2)} for c, t in sorted(coverage.items())]),
                 hide_index=True, key="report_coverage")
    st.caption("At 90% confidence a set should hold the true class for at least 90% of recordings of each class; "
               "these are the shares measured on subjects held out of calibration.")
    st.write(metrics.get("ood", {}).get("text", ""))

    subgroups = metrics.get("subgroups", {})
    if subgroups:
        st.subheader("By subgroup")
        st.dataframe(pd.DataFrame([{"factor": f, "group": g, **vals} for f, groups in subgroups.items()
                                   for g, vals in groups.items()]), hide_index=True, key="report_subgroups")

    with st.expander("Model card", expanded=False):
        st.markdown(card_markdown(sidecar["card"]))
    if meta.get("dataset_card"):
        with st.expander("Dataset card", expanded=False):
            st.markdown(dataset_card_markdown(meta["dataset_card"]))
    c1, c2 = st.columns(2)
    c1.download_button("Download the model card (Markdown)", card_markdown(sidecar["card"]),
                       file_name=f"{chosen}-model-card.md", key="report_download_card")
    c2.download_button("Download the metrics (JSON)", json.dumps(jsonable(metrics), default=str, indent=1),
                       file_name=f"{chosen}-metrics.json", key="report_download_metrics")
