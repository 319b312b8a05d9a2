"""Signal explorer part for the interference pattern: every 100 ms epoch as a point (mean amplitude between
turns against turns per second) over the normal cloud, and the verdict. The figure builder is pure;
``render_interference`` draws it with Streamlit."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.components.muap_view import plain
from signal_core.interference_cloud import INSIDE, LEFT, RIGHT, Cloud, CloudComparison, compare_with_cloud, load_cloud
from signal_core.recording import Recording

SIDE_COLOURS = {INSIDE: "tab:green", RIGHT: "tab:red", LEFT: "tab:blue"}
SIDE_LABELS = {INSIDE: "inside the cloud", RIGHT: "right: large for the turn rate", LEFT: "left: small for the turn rate"}


def cloud_figure(result: CloudComparison, cloud: Cloud):
    """The cloud as one grey box per turn-rate band, the compared epochs coloured by side (log amplitude)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    for k, band in enumerate(cloud.bands):
        ax.add_patch(Rectangle((band.amp_low_uv, band.turns_min), band.amp_high_uv - band.amp_low_uv,
                               band.turns_max - band.turns_min, color="0.85", zorder=0,
                               label="normal cloud (N2001 controls)" if k == 0 else None))
    sides = np.array(result.sides)
    for side, colour in SIDE_COLOURS.items():
        m = sides == side
        if m.any():
            ax.scatter(result.mean_amplitude_uv[m], result.turns_per_s[m], s=12, color=colour, alpha=0.7,
                       label=f"{SIDE_LABELS[side]} ({int(m.sum())})", zorder=2)
    ax.set_xscale("log")
    ax.set_xlim(50, 3000)
    ax.set_ylim(0, max(cloud.turns_range[1], float(np.nanmax(result.turns_per_s, initial=0.0))) * 1.05)
    ax.set_xlabel("mean amplitude between turns (uV, log scale)")
    ax.set_ylabel("turns per second")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper right")
    return fig


def render_interference(rec: Recording) -> None:
    st.subheader("Interference pattern (cloud analysis)")
    channel = int(st.session_state.get("muap_channel", 0) or 0)
    muscle = st.session_state.get("muap_muscle") or None
    result = compare_with_cloud(rec, channel=channel, muscle=muscle)
    show = st.info if result.verdict in ("within the normal cloud", "not compared") else st.warning
    show(f"**{result.verdict.capitalize()}.** " + plain(result.message))
    if result.n_compared:
        st.pyplot(cloud_figure(result, load_cloud()), clear_figure=False)
    counts = result.counts()
    st.caption(f"{len(result.sides)} epochs of {result.epoch_s * 1000:g} ms at {result.fs_compared:g} Hz: "
               + ", ".join(f"{n} {side}" for side, n in counts.items() if n)
               + ". Turns are direction changes of at least 100 uV. Weak to moderate efforts only.")
    for line in result.limits:
        st.caption(plain(line))
    st.caption(plain("Cloud: " + result.source) + " For education and research; not a diagnosis.")
