"""Decision support: one patient's recordings -> findings, a calibrated, explained prediction, logged."""

import streamlit as st

from app.actions import RecordingInput, predict_and_log
from app.prediction_log import not_logged_warning
from app.components.layout import not_a_device_note, page_boundary, page_header
from app.components.prediction_view import render_global_importance, render_outcome, render_population
from app.state_decision import available_models, load_default_model, load_model_cached, model_label
from app.state_knowledge import current_user
from decision_support.predict import recording_sha256, simulate_demo_recording
from signal_core.synthetic import CONDITIONS

SENT_KEY = "ds_sent_recording"  # set by Signal explorer's "Send to decision support"

page_header(
    "Decision support",
    "Load one or more needle recordings of one patient's muscle (WFDB .hea + .dat together, CSV, NPY/NPZ, "
    "EDF/BDF). You get the MUAP findings, the model's calibrated probability, the conformal prediction set "
    "(every class it cannot rule out), the reasons in clinical words and a patient-level answer that combines "
    "the recordings. Poor signals and recordings unlike anything the model knows are refused with reasons.",
)
not_a_device_note()


def _model(folder):
    return load_model_cached(folder) if folder else load_default_model()


def _run(inputs, user: str, folder, confidence: float, muscle: str, age: float) -> None:
    st.session_state.pop("ds_outcome", None)  # never leave an older result under a new error
    with st.spinner("Checking quality, measuring MUAPs, predicting and explaining..."):
        model = _model(folder)
        outcome = predict_and_log(inputs, model, user=user, confidence=confidence, muscle=muscle or None,
                                  age=age or None)
    st.session_state["ds_outcome"] = (outcome, folder)


with page_boundary("the Decision support page"):
    folders = available_models()
    folder = (st.selectbox("Model", folders, format_func=model_label, key="ds_model") if len(folders) > 1
              else folders[0] if folders else None)  # None: the default model, trained from the shipped table
    render_population(_model(folder))
    c1, c2, c3 = st.columns(3)
    confidence = c1.select_slider("Confidence for the prediction set", options=[0.8, 0.9, 0.95], value=0.9,
                                  key="confidence", format_func=lambda c: f"{c:.0%}")
    muscle = c2.text_input("Muscle (for its reference ranges)", value="biceps brachii", key="ds_muscle",
                           max_chars=60)
    age = c3.number_input("Age (years; 0 = not given)", min_value=0, max_value=120, value=0, key="ds_age")
    logged_in = current_user()
    user = logged_in["name"] if logged_in else st.text_input(
        "Your name for the audit log (optional)", key="audit_user", max_chars=80)

    sent = st.session_state.get(SENT_KEY)
    upload_tab, demo_tab = st.tabs(["Patient recordings", "Simulated demo recording (teaching)"])
    with upload_tab:
        if sent is not None:
            st.success(f"From Signal explorer: {sent.name}.")
            if st.button("Predict on the recording from Signal explorer", key="predict_sent", type="primary"):
                _run([sent], user, folder, confidence, muscle, age)
        uploads = st.file_uploader(
            "Recordings of one patient's muscle (several allowed; a WFDB record as its .hea and .dat together)",
            type=["hea", "dat", "csv", "txt", "tsv", "npy", "npz", "edf", "bdf"], accept_multiple_files=True,
            key="predict_upload")
        fs = st.number_input("Sampling rate in Hz (0 = read it from the file)", min_value=0.0, value=0.0,
                             key="upload_fs")
        if st.button("Predict on the uploaded files", key="predict_file", disabled=not uploads):
            files = {f.name: f.getvalue() for f in uploads}
            _run(RecordingInput.from_upload(files, fs or None), user, folder, confidence, muscle, age)
    with demo_tab:
        st.caption("A new simulated subject recorded like the model's training data: for teaching only. Simulated "
                   "signals are not patients, and the default model was trained on real ones.")
        d1, d2 = st.columns(2)
        condition = d1.selectbox("Simulated condition", CONDITIONS, key="demo_condition")
        seed = d2.number_input("Simulated subject number", min_value=0, max_value=99, value=0, step=1, key="demo_seed")
        if st.button("Predict on the demo recording", key="predict_demo"):
            recording = simulate_demo_recording(_model(folder), condition, int(seed))
            demo = RecordingInput(recording, f"simulated {condition} subject {int(seed)}", recording_sha256(recording))
            _run([demo], user, folder, confidence, muscle, age)

    outcome, used = st.session_state.get("ds_outcome", (None, None))
    if outcome is None:
        st.info("Upload a patient's recordings (or send one from Signal explorer) and press **Predict**. Every "
                "prediction, including refusals, is written to the audit log.")
    else:
        st.divider()
        if outcome.audit_problem:
            st.warning(not_logged_warning(outcome.audit_problem), icon=":material/warning:")
        render_outcome(outcome.results, outcome.patient, _model(used))
        render_global_importance(_model(used))
