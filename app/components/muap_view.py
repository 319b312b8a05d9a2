"""Signal explorer parts for quantitative needle EMG: the sweep, the clinical header fields, the MUAP
gallery, the parameter and reference tables and the findings. Figure and table builders are pure; the
``render_*`` functions draw them with Streamlit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from signal_core.activity import activity_sentence, segment_activity, spontaneous_activity
from signal_core.muap import MuapAnalysis, analyse_muaps, analyse_session
from signal_core.recording import Recording

SWEEP_WINDOWS_MS = (100, 150, 200)
CLINICAL_LABELS = (("age", "Age"), ("sex", "Sex"), ("diagnosis", "Diagnosis"), ("muscle", "Muscle"),
                   ("side", "Side"), ("contraction_level", "Contraction"), ("electrode", "Electrode"))
COLUMNS = {"duration_ms": "duration (ms)", "amplitude_mv": "amplitude (mV)", "phases": "phases", "turns": "turns",
           "area_mv_ms": "area (mV·ms)", "thickness_ms": "thickness (ms)", "size_index": "size index",
           "spike_duration_ms": "spike duration (ms)", "n_discharges": "discharges",
           "firing_rate_hz": "firing rate (Hz)", "firing_rate_cv": "firing CV", "satellite": "satellite"}


def plain(text) -> str:
    """Markdown-safe text (names and header fields can come from an uploaded file)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


def sweep_frame(rec: Recording, start_s: float, window_ms: float) -> pd.DataFrame:
    """Every sample of every channel in ``[start_s, start_s + window_ms)``, indexed by time in ms."""
    first = int(max(0.0, start_s) * rec.fs)
    last = min(rec.n_samples, first + max(2, int(round(window_ms * rec.fs / 1000.0))))
    times = pd.Index(np.arange(first, last) / rec.fs * 1000.0, name="time (ms)")
    return pd.DataFrame(rec.data[first:last], columns=list(rec.channel_names), index=times)


def clinical_fields(metadata: dict) -> pd.DataFrame:
    rows = [{"field": label, "value": str(metadata[key])} for key, label in CLINICAL_LABELS if metadata.get(key)]
    return pd.DataFrame(rows, columns=["field", "value"])


def muap_table(analysis: MuapAnalysis) -> pd.DataFrame:
    rows = []
    for i, m in enumerate(analysis.muaps, 1):
        row = {"MUAP": i}
        row.update({label: getattr(m, key) for key, label in COLUMNS.items()})
        rows.append(row)
    return pd.DataFrame(rows).round(3) if rows else pd.DataFrame(columns=["MUAP", *COLUMNS.values()])


def reference_table(analysis: MuapAnalysis) -> pd.DataFrame:
    return pd.DataFrame([{
        "parameter": c.parameter, "recording mean": round(c.value, 3), "reference low": c.low,
        "reference high": c.high, "vs reference mean (%)": None if math.isnan(c.deviation) else round(c.deviation),
        "verdict": c.verdict,
    } for c in analysis.reference])


def gallery_figure(analysis: MuapAnalysis):
    """Templates superimposed, aligned on their main peak, onset and end marked (a dot and a tick)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    for i, m in enumerate(analysis.muaps, 1):
        t = (np.arange(m.template.size) - m.peak_index) / analysis.fs * 1000.0
        (line,) = ax.plot(t, m.template, lw=1.0, label=f"#{i} {m.duration_ms:.1f} ms")
        for idx in (m.onset_index, min(m.end_index, m.template.size - 1)):
            ax.plot(t[idx], m.template[idx], "o", ms=4, color=line.get_color())
            ax.axvline(t[idx], color=line.get_color(), lw=0.6, ls=":")
    ax.set_xlabel("time from the main peak (ms)")
    ax.set_ylabel("mV")
    ax.grid(alpha=0.3)
    if analysis.muaps:
        ax.legend(fontsize=7, ncol=2, loc="upper right")
    return fig


MUSCLE_STATES = {"From the file (else long pauses only)": None, "At rest": True, "Contracting": False}


def activity_summary(rec: Recording, channel: int, at_rest: bool | None = None) -> str:
    segments = segment_activity(rec, channel=channel)
    seconds = {k: sum(s.end_s - s.start_s for s in segments if s.kind == k) for k in ("voluntary", "rest", "artefact")}
    return plain(activity_sentence(seconds, spontaneous_activity(rec, channel=channel, at_rest=at_rest).message,
                                   at_rest, rec.metadata))


def render_sweep(rec: Recording) -> None:
    st.subheader("Sweep")
    c1, c2 = st.columns([3, 1])
    window_ms = c2.selectbox("Sweep (ms)", SWEEP_WINDOWS_MS, index=0, key="sweep_ms")
    latest = max(0.0, rec.duration_s - window_ms / 1000.0)
    start = c1.slider("Start (s)", 0.0, float(latest) if latest > 0 else 0.001, 0.0,
                      step=window_ms / 2000.0, key="sweep_start", disabled=latest <= 0)
    frame = sweep_frame(rec, start, window_ms)
    unit = rec.units[0] or "signal units"
    st.line_chart(frame, x_label="time (ms)", y_label=unit, height=260)
    peak = np.abs(rec.data).max(axis=0).max()
    st.caption(f"{rec.n_channels} channel(s), {rec.duration_s:.3g} s at {rec.fs:g} Hz ({rec.n_samples:,} samples); "
               f"showing {window_ms} ms from {start:.2f} s, every sample, as on an EMG machine's sweep. "
               f"Largest deflection in the recording {peak:.3g} {plain(unit)}."
               + (plain(f" Simulated {rec.metadata.get('condition')} {rec.metadata.get('mode')} EMG, "
                        f"seed {rec.metadata.get('seed')}.") if rec.metadata.get("simulated") else ""))


def render_clinical_fields(rec: Recording) -> None:
    table = clinical_fields(rec.metadata)
    if len(table):
        st.subheader("From the recording's header")
        st.dataframe(table, hide_index=True, key="clinical_fields")


def render_muaps(rec: Recording) -> None:
    st.subheader("MUAPs (quantitative needle EMG)")
    c1, c2, c3 = st.columns(3)
    channel = c1.selectbox("Channel", range(rec.n_channels), format_func=lambda i: rec.channel_names[i],
                           key="muap_channel")
    muscle = c2.text_input("Muscle", str(rec.metadata.get("muscle") or ""), key="muap_muscle")
    age = c3.number_input("Age (years, 0 = from the header)", 0, 120, 0, key="muap_age")
    analysis = analyse_muaps(rec, channel=int(channel), muscle=muscle or None, age=float(age) if age else None)
    pooled = render_pool(rec, int(channel), muscle or None, float(age) if age else None)
    analysis = pooled or analysis
    state = st.radio("Muscle state, for fibrillations and positive sharp waves", list(MUSCLE_STATES),
                     horizontal=True, key="muap_state")
    st.caption(activity_summary(rec, int(channel), MUSCLE_STATES[state]))
    for line in analysis.limits:
        st.caption(plain(line))
    if analysis.message:
        st.warning(plain(analysis.message))
        return
    st.pyplot(gallery_figure(analysis), clear_figure=False)
    st.caption(f"{len(analysis.muaps)} MUAP templates (median of each unit's discharges), aligned on their main "
               "peak; dots and dotted lines mark onset and end (3 ms quiet window).")
    st.dataframe(muap_table(analysis), hide_index=True, key="muap_table")
    if analysis.reference:
        st.dataframe(reference_table(analysis), hide_index=True, key="muap_reference")
    st.caption(plain(analysis.reference_note))
    st.markdown("**Findings**")
    for line in analysis.findings:
        st.markdown(f"- {plain(line)}")
    st.caption("For education and research; not a diagnosis. Pattern names follow the textbook reading of MUAP "
               "duration against the reference range.")


UPLOAD_TYPES = ["csv", "txt", "tsv", "npy", "npz", "edf", "bdf", "dat", "hea"]


def render_pool(rec: Recording, channel: int, muscle: str | None, age: float | None) -> MuapAnalysis | None:
    """Other recordings of the same muscle, pooled with this one (``analyse_session``); None if none given
    or if they cannot be pooled (the reason is shown and the single recording's analysis stays)."""
    from app.state_signals import uploaded_many

    more = st.file_uploader("Pool with other recordings of this muscle (other needle sites of the same "
                            "examination; a clinician judges about 20 MUAPs)", type=UPLOAD_TYPES,
                            accept_multiple_files=True, key="muap_pool")
    if not more:
        return None
    try:
        others = uploaded_many(tuple((f.name, f.getvalue()) for f in more), None)
        # the muscle box starts with this file's muscle: only a changed entry overrides the other files' headers
        typed = muscle if muscle and muscle != str(rec.metadata.get("muscle") or "") else None
        pooled, per = analyse_session([rec, *others], channel=channel, muscle=typed, age=age)
    except ValueError as exc:  # SignalError included: unreadable file, other muscle, subject or channel
        st.error(f"Not pooled: {plain(str(exc).rstrip('.'))}. The analysis below is of this recording alone.")
        return None
    counts = ", ".join(str(len(a.muaps)) for a in per)
    st.info(f"Pooled {len(per)} recordings: {len(pooled.muaps)} MUAPs ({counts} per recording). The table, "
            "reference comparison and findings below are of the pool.")
    return pooled
