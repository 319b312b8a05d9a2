"""Cached decision-support resources for the Streamlit pages (models load once per server process)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from decision_support.default_model import DEFAULT_MODEL_NAME, ensure_default_model
from decision_support.demo import ensure_demo_model
from decision_support.registry import default_model_dir, load_model
from decision_support.trained import TrainedModel


@st.cache_resource(show_spinner="Preparing the demo model (trained on simulated EMG; first run only)...")
def _demo_model(folder: str) -> TrainedModel:
    return load_model(ensure_demo_model(folder))


def load_demo_model() -> TrainedModel:
    """The demo model at ``default_model_dir()/demo``, trained on first use if missing."""
    return _demo_model(str(default_model_dir() / "demo"))


@st.cache_resource(show_spinner="Preparing the default model (trained on real patients; first run only)...")
def _default_model(folder: str) -> TrainedModel:
    return load_model(ensure_default_model(folder))


def load_default_model() -> TrainedModel:
    """The default model at ``default_model_dir()/n2001`` (real patients), trained from the shipped table if
    missing."""
    return _default_model(str(default_model_dir() / DEFAULT_MODEL_NAME))


@st.cache_resource(show_spinner="Loading the model...")
def _model_at(folder: str, stamp: float) -> TrainedModel:
    return load_model(folder)


def _stamped(folder: str | Path) -> tuple[str, float]:
    """A model folder and its sidecar's modification time: the cache key, so a retrained model reloads."""
    sidecar = Path(folder) / "model.json"
    return str(folder), (sidecar.stat().st_mtime if sidecar.exists() else 0.0)


def load_model_cached(folder: str | Path) -> TrainedModel:
    """A saved model, reloaded when its files change."""
    return _model_at(*_stamped(folder))


def available_models() -> list[Path]:
    """Model folders under ``default_model_dir()``: the default (real patients) first, the simulated demo next."""
    root = default_model_dir()
    if not root.is_dir():
        return []
    found = sorted(p for p in root.iterdir() if (p / "model.json").is_file())
    return sorted(found, key=lambda p: (p.name != DEFAULT_MODEL_NAME, p.name != "demo", p.name))


def model_label(folder: Path) -> str:
    """A model's name as a menu shows it, saying which one is simulated."""
    return {DEFAULT_MODEL_NAME: f"{DEFAULT_MODEL_NAME} (default: real patients)",
            "demo": "demo (simulated EMG, for teaching)"}.get(folder.name, folder.name)


@st.cache_data(show_spinner=False)
def _sidecar(folder: str, stamp: float) -> dict:
    from decision_support.registry import read_sidecar

    return read_sidecar(folder)


def model_sidecar(folder: str | Path) -> dict:
    """A model's metrics, card and metadata (JSON sidecar only: fast, no pipeline loaded)."""
    return _sidecar(*_stamped(folder))


@st.cache_data(show_spinner=False, max_entries=64)
def _report_plot_png(folder: str, stamp: float, plot: str) -> bytes:
    import io

    import matplotlib.pyplot as plt

    figure = REPORT_PLOTS[plot](_sidecar(folder, stamp)["metrics"])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _report_plots() -> dict:
    from decision_support import validation as v

    return {"roc": v.plot_roc, "calibration": v.plot_calibration, "decision_curve": v.plot_decision_curve,
            "confusion": v.plot_confusion}


REPORT_PLOTS = _report_plots()


def report_plot_png(folder: str | Path, plot: str) -> bytes:
    """A validation plot (roc, calibration, decision_curve, confusion) as PNG, drawn once per model file."""
    return _report_plot_png(*_stamped(folder), plot)
