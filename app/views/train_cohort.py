"""Train on your cohort: a manifest and recordings (uploaded or in a folder) -> a validated, saved model."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app.components.layout import not_a_device_note, page_boundary, page_header
from app.components.windowed_view import show_windowed_result
from decision_support import validation as v
from decision_support.cohort import COVARIATES, REQUIRED_COLUMNS, default_cache_dir
from decision_support.models import MODEL_KINDS
from decision_support.windowed_workflow import train_any_cohort, window_settings
from decision_support.workflow import model_folder_for, save_uploaded_cohort

page_header("Train on your cohort", "Point medlens at your EMG recordings with their labels; it measures features, "
            "validates a model on subjects it never saw, calibrates its uncertainty, writes a model card and saves it.")
not_a_device_note()
st.markdown(f"A **manifest** is a CSV with columns {', '.join(f'`{c}`' for c in REQUIRED_COLUMNS)} and optionally "
            f"{', '.join(f'`{c}`' for c in COVARIATES)} and `fs` (sampling rate, for files without one). A **folder** "
            "is laid out as `label/subject/recording`. Files with a **label column** (one label per row, e.g. "
            "gestures) need no `label` in the manifest, and a folder is then `subject/recording`.")

with page_boundary("the training page"):
    source = st.radio("Cohort", ["A folder or manifest on this computer", "Upload a manifest and recordings"],
                      key="train_source")
    if source.startswith("A folder"):
        location = st.text_input("Folder or manifest path", key="train_path",
                                 placeholder="/data/emg-cohort or /data/emg-cohort/manifest.csv").strip()
    else:
        manifest = st.file_uploader("Manifest (CSV)", type=["csv"], key="train_manifest")
        files = st.file_uploader("Recordings", accept_multiple_files=True, key="train_files",
                                 type=["csv", "txt", "npy", "npz", "edf", "bdf", "dat", "hea"])
        location = ""
    c1, c2, c3 = st.columns(3)
    electrode = c1.selectbox("Electrodes", ["needle", "surface"], key="train_electrode",
                             help="surface: window-level models and the reviewer's Hudgins baseline")
    design = c2.selectbox("Design", ["auto", "between", "within"], key="train_design",
                          help="between: one label per subject; within: every subject gives several labels")
    label_column = c3.text_input("Label column in the files (optional)", key="train_label_column").strip()
    with st.expander("Segments and windows (surface, label column or within-subject cohorts)"):
        s1, s2, s3 = st.columns(3)
        min_segment_s = s1.number_input("Shortest segment (s)", 0.1, 60.0, 1.0, key="train_min_segment")
        trim_s = s2.number_input("Trim at each end (s)", 0.0, 10.0, 0.25, key="train_trim")
        unlabelled = s3.text_input("Values meaning 'no label'", key="train_unlabelled", help="comma-separated")
        per_subject_norm = st.checkbox("Try per-subject normalisation (within-subject designs; kept only if the "
                                       "nested validation prefers it)", True, key="train_norm")
    c1, c2 = st.columns(2)
    kind = c1.selectbox("Model (one label per subject)", list(MODEL_KINDS), format_func=lambda k: MODEL_KINDS[k],
                        key="train_kind")
    name = c2.text_input("Save as (model name)", "my-cohort", key="train_name")
    skip_bad = st.checkbox("Leave out recordings that cannot be read (they are listed)", key="train_skip_bad")
    replace = st.checkbox("Replace an existing model with this name", key="train_replace")

    if st.button("Train and validate", key="train_go", type="primary"):
        output = model_folder_for(name)
        if output.exists() and not replace:
            raise ValueError(f"a model called {name!r} exists; choose another name or tick 'Replace'")
        if source.startswith("Upload"):
            if manifest is None or not files:
                raise ValueError("upload a manifest and its recordings first")
            cache = default_cache_dir()
            cache.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="upload-", dir=cache))
            location = str(save_uploaded_cohort(manifest.getvalue(), {f.name: f.getvalue() for f in files}, folder))
        if not location:
            raise ValueError("enter the path of a cohort folder or manifest")
        bar = st.progress(0.0, text="Starting...")
        progress = lambda f, m: bar.progress(min(1.0, max(0.0, f)), text=m)  # noqa: E731
        settings = window_settings(electrode=electrode, label_column=label_column or None, min_segment_s=min_segment_s,
                                   trim_s=trim_s, unlabelled=[u.strip() for u in unlabelled.split(",") if u.strip()])
        summary = train_any_cohort(location, output, settings=settings, electrode=electrode, design=design,
                                   per_subject_norm=None if per_subject_norm else False, kind=kind,
                                   skip_bad=skip_bad, progress=progress)
        st.session_state["train_result"] = {"name": output.name, **summary}

result = st.session_state.get("train_result")
if result:
    with page_boundary("the training result"):
        where = ("Its model card is model_card.md in the model folder." if "windowed" in result else
                 "Open the Model report page for plots and the model card.")
        st.success(f"Saved model **{result['name']}** (version {result['version']}). {where}")
        for item in result["skipped"]:
            st.warning(f"Left out {item['recording']}: {item['error']}")
        if "windowed" in result:
            show_windowed_result(result["windowed"])
        else:
            st.caption(v.summarize_roc(result["metrics"]))
            st.dataframe(pd.DataFrame(v.metrics_table(result["metrics"])), hide_index=True, key="train_metrics",
                         column_config={c: st.column_config.NumberColumn(format="%.2f")
                                        for c in ("estimate", "ci_low", "ci_high")})
            tabs = st.tabs(["ROC", "Calibration", "Decision curve", "Confusion matrix"])
            for tab, plot, summary in zip(tabs, (v.plot_roc, v.plot_calibration, v.plot_decision_curve,
                                                 v.plot_confusion),
                                          (v.summarize_roc, v.summarize_calibration, v.summarize_decision_curve,
                                           v.summarize_confusion)):
                with tab:
                    st.pyplot(plot(result["metrics"]), width="content")
                    st.caption(summary(result["metrics"]))
