"""Simulator vs real needle EMG, shared by ``bench/bench_simulator.py`` and
``tests/signal_core/test_synthetic_real.py``: per class, summary statistics and MUAP parameters of the
simulated "low" protocol and of the real N2001 low-force records, and a classifier two-sample test.
Needs ``../shared/data`` (callers skip when it is absent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from decision_support.transformers import FeatureSettings, recording_features
from signal_core.recording import Recording
from signal_core.simulator_fit import (
    LABEL_TO_CONDITION,
    load_signal,
    real_records,
    recording_stats,
    validation_recordings,
)
from signal_core.synthetic import CONDITIONS

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TOLERANCE = 0.20
AUC_TARGET = 0.75
MUAP_PARAMS = ("duration_ms", "amplitude_mv", "phases")
LABELS = {"healthy": "healthy", "myopathic": "myopathy", "neurogenic": "ALS (neurogenic)"}


def _muap_means(rec: Recording) -> dict[str, float]:
    from signal_core.muap import analyse_muaps

    result = analyse_muaps(rec, muscle="biceps brachii")
    if not result.muaps:
        return {p: float("nan") for p in MUAP_PARAMS}
    return {p: float(np.mean([getattr(m, p) for m in result.muaps])) for p in MUAP_PARAMS}


def _row(rec: Recording, subject: str, source: str) -> dict[str, Any]:
    return {"subject": subject, "source": source, **recording_stats(rec.data[:, 0], rec.fs), **_muap_means(rec),
            "features": recording_features(rec, FeatureSettings())}


def real_rows(data_dir: Path, only: set[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per class, one row per real low-force record (of the subjects in ``only``, when given)."""
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in CONDITIONS}
    for row in real_records(data_dir):
        if only is not None and row["subject"] not in only:
            continue
        x, fs = load_signal(data_dir, row)
        rec = Recording(x, fs, ("needle1",), ("mV",))
        out[LABEL_TO_CONDITION[row["label"]]].append(_row(rec, "real-" + row["subject"], "real"))
    return out


def simulated_rows(condition: str, n_subjects: int = 15, n_recordings: int = 4,
                   seed_base: int | None = None) -> list[dict[str, Any]]:
    return [_row(rec, subject, "simulated")
            for subject, rec in validation_recordings(condition, n_subjects, n_recordings, seed_base)]


def two_sample_auc(real: list[dict[str, Any]], sim: list[dict[str, Any]], seed: int = 0) -> float:
    """Out-of-fold AUC of a subject-grouped random forest telling simulated from real recordings
    (``signal_core.simulator_refine.two_sample_auc``, which the fit's refinement uses too)."""
    from signal_core.simulator_refine import two_sample_auc as auc

    return auc(np.array([r["features"].to_numpy(dtype=float) for r in real]),
               np.array([r["features"].to_numpy(dtype=float) for r in sim]),
               np.array([r["subject"] for r in real + sim]), seed)


def compare(real: list[dict[str, Any]], sim: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ["mnf_hz", "zc_per_s", "rms_mv"] + [p for p in MUAP_PARAMS if p in real[0]]
    table = {}
    for k in keys:
        r = float(np.nanmedian([row[k] for row in real]))
        s = float(np.nanmedian([row[k] for row in sim]))
        table[k] = {"real": r, "simulated": s, "ratio": s / r if r else float("nan")}
    return {"stats": table, "auc": two_sample_auc(real, sim),
            "n_real": len(real), "n_real_subjects": len({r["subject"] for r in real}),
            "n_sim": len(sim), "n_sim_subjects": len({r["subject"] for r in sim})}


