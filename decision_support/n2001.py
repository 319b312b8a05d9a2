"""The real training cohort: EMGLAB N2001 needle recordings -> the shipped feature table and its dataset card.

``n2001_feature_table(root)`` reads ``root/index.json`` and ``root/records/*.npz`` (see
``../shared/data/README.md``), keeps the **low-force** records (only controls have moderate-force records, so a
model that saw them could learn "strong contraction = healthy"), drops the flat record ``N2001A06BB08``, and
computes one ``clinical_features.clinical_row`` per recording. ``write_feature_table`` writes it with a fixed
number format, so `medlens cohort features --n2001 DIR` regenerates ``decision_support/data/n2001_features.csv``
byte for byte. The recordings themselves never enter the repository; the table and the card do.

Labels are renamed to the model's classes: ``neuropathy`` -> ``neurogenic`` (every such subject had ALS, motor
neuron disease, not a peripheral neuropathy) and ``myopathy`` -> ``myopathic`` (polymyositis, a dystrophy and
unclassified myopathies); the original diagnosis stays in the ``diagnosis`` column.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decision_support.clinical_features import clinical_row
from signal_core.muap_reference import normalise_muscle
from signal_core.recording import Recording

DATA_DIR = Path(__file__).parent / "data"
TABLE_FILE = DATA_DIR / "n2001_features.csv"
CARD_FILE = DATA_DIR / "n2001_dataset_card.md"
FLOAT_FORMAT = "%.6g"
LABELS = {"healthy": "healthy", "neuropathy": "neurogenic", "myopathy": "myopathic"}
EXCLUDED = {"N2001A06BB08": "99.6% of the samples are flat (no signal)"}
LEVEL = "low"
META_COLUMNS = ("subject", "record", "label", "diagnosis", "muscle", "level", "age", "sex", "fs", "seconds")

CITATIONS = (
    "Nikolic M. Detailed analysis of clinical electromyography signals. PhD thesis, University of Copenhagen, "
    "2001 (EMGLAB N2001 data set).",
    "McGill KC, Lateva ZC, Marateb HR. EMGLAB: an interactive EMG decomposition program. "
    "J Neurosci Methods 2005;149:121-133.",
)

#: Who the default model learnt from, in one sentence every page shows.
TRAINING_POPULATION = (
    "Trained on 15 people (6 controls, 5 with ALS, 4 with myopathy): concentric-needle EMG of the biceps "
    "brachii at low force, one hospital (Rigshospitalet, Copenhagen), 2001. \"Neurogenic\" here means ALS, "
    "not peripheral neuropathy. Education and research only; not a medical device."
)

ProgressFn = Callable[[float, str], None]


def dataset_root(path: str | os.PathLike) -> Path:
    """The N2001 folder (with ``index.json``): ``path`` itself or ``path/emg_n2001``."""
    path = Path(path)
    for candidate in (path, path / "emg_n2001"):
        if (candidate / "index.json").is_file():
            return candidate
    raise ValueError(f"{path} holds no N2001 data set (no index.json there or in {path / 'emg_n2001'}); "
                     "point to ../shared/data or ../shared/data/emg_n2001")


def training_records(root: str | os.PathLike, subjects: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The index rows used for training: low force, not excluded, in index order (optionally some subjects)."""
    root = dataset_root(root)
    rows = json.loads((root / "index.json").read_text())
    if subjects:
        known = {r["subject"] for r in rows}
        unknown = sorted(set(subjects) - known)
        if unknown:
            raise ValueError(f"no subject {', '.join(unknown)} in the N2001 data set; known: {', '.join(sorted(known))}")
    return [r for r in rows if r["level"] == LEVEL and r["record"] not in EXCLUDED
            and (not subjects or r["subject"] in subjects)]


def load_n2001(root: Path, row: dict[str, Any]) -> tuple[Recording, dict[str, Any]]:
    """One record as a Recording (mV) and its table metadata."""
    with np.load(root / row["file"], allow_pickle=False) as npz:
        signal = np.asarray(npz["signal"], dtype=np.float64)[:, None]
        fs = float(npz["fs"])
        age = float(str(npz["age"])) if str(npz["age"]).strip() else float("nan")
        sex = str(npz["sex"])
        muscle = normalise_muscle(str(npz["muscle"])) or ""
    recording = Recording(signal, fs, ("ch1",), ("mV",), {"record": row["record"], "muscle": muscle, "age": age})
    meta = {"subject": row["subject"], "record": row["record"], "label": LABELS[row["label"]],
            "diagnosis": row.get("diagnosis") or ("none (control)" if row["label"] == "healthy" else ""),
            "muscle": muscle, "level": row["level"], "age": age, "sex": sex, "fs": fs,
            "seconds": round(signal.shape[0] / fs, 3)}
    return recording, meta


def n2001_feature_table(path: str | os.PathLike, *, subjects: Sequence[str] | None = None,
                        progress: ProgressFn | None = None) -> pd.DataFrame:
    """One row per training recording: the metadata columns, then the clinical and window features."""
    root = dataset_root(path)
    records = training_records(root, subjects)
    rows = []
    for k, row in enumerate(records):
        recording, meta = load_n2001(root, row)
        features = clinical_row(recording, muscle=meta["muscle"], age=meta["age"])
        rows.append({**meta, **features.to_dict()})
        if progress and (k + 1) % 10 == 0:
            progress((k + 1) / len(records), f"measured {k + 1} of {len(records)} N2001 recordings")
    return pd.DataFrame(rows)


def write_feature_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """CSV with a fixed float format, so regenerating it gives the same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path


def read_feature_table(path: str | os.PathLike = TABLE_FILE) -> pd.DataFrame:
    """The shipped (or a regenerated) table, with subjects and records as text."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"the N2001 feature table {path} is missing; regenerate it with "
                         "`medlens cohort features --n2001 ../shared/data -o decision_support/data/n2001_features.csv`")
    return pd.read_csv(path, dtype={"subject": str, "record": str})


def dataset_card() -> dict[str, Any]:
    """What the default model's cohort is and is not (dict; ``dataset_card_markdown`` renders it)."""
    return {
        "name": "n2001-biceps-low-force",
        "simulated": False,
        "summary": TRAINING_POPULATION,
        "description": (
            "EMGLAB N2001 (Nikolic 2001): concentric needle EMG of the biceps brachii during steady isometric "
            "contraction, analog filter 2 Hz-10 kHz, recorded at Rigshospitalet, Copenhagen, in 2001; 15 of the "
            "22 subjects (the other 7 are held back by the project for an independent check). Low-force records "
            f"only; {', '.join(EXCLUDED)} dropped ({'; '.join(EXCLUDED.values())}). Resampled to 4 kHz (anti-alias "
            "FIR, nothing above about 2 kHz), millivolts."),
        "how": ("decision_support.n2001.n2001_feature_table: one row per recording with MUAP parameters and their "
                "deviation from the muscle's reference range (signal_core.muap, signal_core.muap_reference) and "
                "window features (decision_support.transformers, 0.2 s windows, step 0.05 s)."),
        "parameters": {"classes": ["healthy", "neurogenic", "myopathic"],
                       "labels": "healthy = control; neurogenic = ALS (motor neuron disease); myopathic = "
                                 "polymyositis, a dystrophy or unclassified myopathy",
                       "contraction_level": LEVEL, "muscle": "biceps brachii", "electrode": "concentric needle",
                       "fs_hz": 4000.0, "mode": "needle", "n_channels": 1},
        "references": list(CITATIONS),
        "limitations": [
            "15 subjects from one hospital and one muscle: every accuracy figure has wide intervals, and other "
            "labs, needles and muscles may differ.",
            "Controls (21-37 years) are younger than the patients: age and disease are partly confounded.",
            "Neurogenic means ALS only; peripheral neuropathies, radiculopathies and other neurogenic disorders "
            "are not in the training data.",
            "No licence is stated for the recordings; they are used for research with citation, and only this "
            "derived table ships with medlens.",
        ],
    }


def dataset_card_markdown(card: dict[str, Any] | None = None) -> str:
    card = card or dataset_card()
    lines = [f"# Dataset card: {card['name']}", "", card["summary"], "", "## What it is", "", card["description"],
             "", "## How the table was made", "", card["how"], "", "## Parameters", ""]
    lines += [f"- **{k.replace('_', ' ')}**: {v}" for k, v in card["parameters"].items()]
    lines += ["", "## Limitations", ""] + [f"- {item}" for item in card["limitations"]]
    lines += ["", "## Cite", ""] + [f"- {ref}" for ref in card["references"]]
    return "\n".join(lines) + "\n"
