"""Cached signal loaders for the Streamlit pages (simulations and uploads are pure, so cache_data)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from signal_core.io import load_recording_bytes
from signal_core.recording import Recording
from signal_core.synthetic import simulate_recording

WFDB_PARTS = (".hea", ".dat")


@st.cache_data(max_entries=16, show_spinner="Simulating motor units...")
def simulated(condition: str, mode: str, seconds: float, seed: int, channels: int) -> Recording:
    fs = 4000.0 if mode == "needle" else 2000.0
    return simulate_recording(condition, seconds=seconds, fs=fs, mode=mode, n_channels=channels, seed=seed)


@st.cache_data(max_entries=8, show_spinner="Reading the recording...")
def uploaded(files: tuple[tuple[str, bytes], ...], fs: float | None) -> Recording:
    """Load one uploaded recording; a WFDB record arrives as its .hea and .dat files together."""
    by_name = dict(files)
    headers = [n for n in by_name if Path(n).suffix.lower() == ".hea"]
    if headers:
        main = headers[0]
    elif len(by_name) == 1:
        main = next(iter(by_name))
    else:
        raise ValueError("Upload one recording at a time (a WFDB record as its .hea and .dat files together).")
    companions = {n: b for n, b in by_name.items() if n != main and Path(n).suffix.lower() in WFDB_PARTS}
    return load_recording_bytes(by_name[main], main, fs, companions=companions)


@st.cache_data(max_entries=8, show_spinner="Reading the recordings...")
def uploaded_many(files: tuple[tuple[str, bytes], ...], fs: float | None) -> list[Recording]:
    """Several uploaded recordings; a WFDB record's .hea and .dat files go together (matched by name)."""
    groups: dict[str, list[tuple[str, bytes]]] = {}
    for name, data in files:
        key = Path(name).stem.lower() if Path(name).suffix.lower() in WFDB_PARTS else name
        groups.setdefault(key, []).append((name, data))
    return [uploaded(tuple(group), fs) for group in groups.values()]
