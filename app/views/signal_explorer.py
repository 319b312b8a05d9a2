"""Signal explorer: open or simulate an EMG recording, see its channels, signal quality and features."""

import pandas as pd
import streamlit as st

from app.components.layout import page_boundary, page_header, simulated_data_note
from app.components.interference_view import render_interference
from app.components.muap_view import render_clinical_fields, render_muaps, render_sweep
from app.state_signals import simulated, uploaded
from signal_core.features import extract_features
from signal_core.quality import assess_quality
from signal_core.synthetic import CONDITIONS, MODES


def _plain(text) -> str:
    """Markdown-safe text: channel names and metadata can come from an uploaded file."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


page_header(
    "Signal explorer",
    "Open an EMG recording (CSV, NPY/NPZ, WFDB .hea + .dat, EDF/BDF) or simulate one, sweep through it, "
    "check its signal quality and the features a model would see, and measure its MUAPs.",
)

with page_boundary("the signal explorer"):
    source = st.radio("Recording", ["Simulate", "Open a file"], horizontal=True, key="signal_source")
    if source == "Simulate":
        c1, c2, c3, c4, c5 = st.columns(5)
        condition = c1.selectbox("Condition", CONDITIONS, key="sim_condition")
        mode = c2.selectbox("Electrode", MODES, key="sim_mode")
        seconds = c3.number_input("Seconds", 0.5, 60.0, 5.0, step=0.5, key="sim_seconds")
        seed = c4.number_input("Seed", 0, 1_000_000, 0, step=1, key="sim_seed")
        channels = c5.number_input("Channels", 1, 8, 1, step=1, key="sim_channels")
        if st.button("Simulate", key="simulate", type="primary"):
            st.session_state["signal_recording"] = simulated(condition, mode, float(seconds), int(seed), int(channels))
    else:
        files = st.file_uploader("Recording file(s)", type=["csv", "txt", "npy", "npz", "edf", "bdf", "dat", "hea"],
                                 accept_multiple_files=True, key="signal_upload")
        fs = st.number_input("Sampling rate in Hz (0 = read it from the file)", 0.0, 100_000.0, 0.0, key="signal_fs")
        if files:
            st.session_state["signal_recording"] = uploaded(tuple((f.name, f.getvalue()) for f in files), fs or None)

rec = st.session_state.get("signal_recording")
if rec is None:
    st.info("Simulate a recording or open a file to begin.")
    st.stop()

with page_boundary("the recording view"):
    if rec.metadata.get("simulated"):
        simulated_data_note()
    render_sweep(rec)
    render_clinical_fields(rec)

    st.subheader("Signal quality")
    report = assess_quality(rec)
    show = {"pass": st.success, "warn": st.warning, "fail": st.error}[report.verdict]
    show(f"Quality verdict: **{report.verdict.upper()}**")
    for reason in report.reasons:
        st.markdown(f"- {_plain(reason)}")
    st.dataframe(pd.DataFrame([{
        "channel": c.name, "verdict": c.verdict, "flat": f"{c.flat_fraction:.0%}",
        "clipped": f"{c.clipping_fraction:.2%}", "mains hum": f"{c.mains_ratio:.1%}",
        "power < 20 Hz": f"{c.motion_ratio:.1%}", "SNR (dB)": round(c.snr_db, 1), "missing values": c.nan_count,
    } for c in report.channels]), hide_index=True, key="quality_table")
    st.caption("Flat or disconnected channels, clipping, hum at 50/60 Hz, movement below 20 Hz and missing "
               "values each have a warn and a fail threshold (see the README). SNR is shown for information.")
    if st.button("Send to decision support", key="send_to_decision_support",
                 help="Predict on this recording on the Decision support page (MUAP findings, explained prediction)."):
        from app.actions import RecordingInput
        from decision_support.predict import recording_sha256

        name = str(rec.metadata.get("file_name") or rec.metadata.get("name") or "recording from Signal explorer")
        st.session_state["ds_sent_recording"] = RecordingInput(rec, name, recording_sha256(rec))
        st.success("Sent. Open **Decision support** in the sidebar to predict on it.")

    st.subheader("Features")
    w1, w2 = st.columns(2)
    window = w1.number_input("Window (s)", 0.01, 5.0, 0.2, step=0.05, key="feat_window")
    step = w2.number_input("Step (s)", 0.005, 5.0, 0.05, step=0.01, key="feat_step")
    result = extract_features(rec, window_s=float(window), step_s=float(step))
    frame = result.to_frame()
    summary = frame.drop(columns="window_start_s").median().rename("median over windows")
    st.dataframe(summary.to_frame(), key="feature_summary")
    st.caption(f"{result.n_windows} windows of {window:g} s every {step:g} s; {len(result.feature_names)} "
               "features per channel. Every window is in the table below.")
    st.dataframe(frame, hide_index=True, height=240, key="feature_table")

with page_boundary("the MUAP analysis"):
    render_muaps(rec)

with page_boundary("the interference pattern"):
    render_interference(rec)
