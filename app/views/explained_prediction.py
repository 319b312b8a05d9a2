"""Decision support: a checked, calibrated and explained prediction for one EMG recording, logged."""

import streamlit as st

from app.components.layout import not_a_device_note, page_boundary, page_header, simulated_data_note
from app.components.prediction_view import render_result
from app.state_decision import available_models, load_demo_model, load_model_cached
from app.state_knowledge import current_user, knowledge_db
from decision_support.predict import predict_bytes, predict_recording, simulate_demo_recording
from app.prediction_log import log_safely
from signal_core.synthetic import CONDITIONS

page_header(
    "Decision support",
    "Check a recording's signal quality, then see the model's calibrated probability, the conformal prediction "
    "set (every class it cannot rule out), the reasons in plain words and how the recording compares with the "
    "training cohort. The model abstains on poor signals and on recordings unlike its training data.",
)
simulated_data_note()
not_a_device_note()


def _model(folder):
    """The chosen saved model, or the demo model (trained on first use if missing)."""
    return load_model_cached(folder) if folder else load_demo_model()


def _run_and_log(make_result, user: str, folder) -> None:
    st.session_state.pop("ds_result", None)  # never leave an older result under a new error
    with st.spinner("Checking quality, predicting and explaining..."):
        model = _model(folder)
        result = make_result(model)
        logged = log_safely(result, user, result.input_name, opener=knowledge_db)
    st.session_state["ds_result"] = (result, folder)
    st.session_state["ds_log_warning"] = logged.warning


with page_boundary("the Decision support page"):
    confidence = st.select_slider(
        "Confidence for the prediction set", options=[0.8, 0.9, 0.95], value=0.9, key="confidence",
        format_func=lambda c: f"{c:.0%}",
        help="Coverage was measured on held-out training subjects at these levels.",
    )
    folders = available_models()
    folder = st.selectbox("Model", folders, format_func=lambda p: p.name, key="ds_model") if len(folders) > 1 else None
    logged_in = current_user()
    user = logged_in["name"] if logged_in else st.text_input(
        "Your name for the audit log (optional)", key="audit_user", max_chars=80)
    demo_tab, upload_tab = st.tabs(["Simulated demo recording", "Upload a recording"])
    with demo_tab:
        st.caption("A new simulated subject (not in the training cohort), recorded like the training data.")
        c1, c2 = st.columns(2)
        condition = c1.selectbox("Simulated condition", CONDITIONS, key="demo_condition")
        seed = c2.number_input("Simulated subject number", min_value=0, max_value=99, value=0, step=1, key="demo_seed")
        if st.button("Predict on the demo recording", key="predict_demo", type="primary"):
            def _demo(model):
                recording = simulate_demo_recording(model, condition, int(seed))
                name = f"simulated {condition} subject {int(seed)}"
                return predict_recording(recording, model, confidence=confidence, input_name=name)

            _run_and_log(_demo, user, folder)
    with upload_tab:
        upload = st.file_uploader(
            "EMG recording (CSV, NPY/NPZ, EDF/BDF)", type=["csv", "txt", "tsv", "npy", "npz", "edf", "bdf"],
            key="predict_upload",
        )
        fs = st.number_input("Sampling rate in Hz (leave 0 to read it from the file)", min_value=0.0, value=0.0,
                             key="upload_fs")
        if st.button("Predict on the uploaded file", key="predict_file", disabled=upload is None):
            data, name = upload.getvalue(), upload.name
            _run_and_log(lambda model: predict_bytes(data, name, model, fs=fs or None, confidence=confidence), user,
                         folder)

    result, used = st.session_state.get("ds_result", (None, None))
    if result is None:
        st.info("Pick a simulated recording and press **Predict**, or upload your own. Every prediction, "
                "including refusals, is written to the audit log.")
    else:
        st.divider()
        if result.confidence != confidence:
            st.caption(f"Shown at {result.confidence:.0%} confidence; press Predict again to use {confidence:.0%}.")
        if st.session_state.get("ds_log_warning"):
            st.warning(st.session_state["ds_log_warning"], icon=":material/warning:")
        render_result(result, _model(used))
