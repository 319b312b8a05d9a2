"""MUAP analysis over the real N2001 recordings and the UCY table (Pattichis 1995), for the validation test
and `bench/muap_validation.py`. Needs ``../shared/data`` (callers skip when it is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from signal_core.io import load_recording
from signal_core.muap import analyse_muaps, combine_analyses

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXCLUDE = {"N2001A06BB08"}  # 99.6% flat (data README)
CLASSES = ("myopathy", "healthy", "neuropathy")  # clinical order: small/short, normal, large/long
PARAMS = ("n_muaps", "duration_ms_mean", "amplitude_mv_mean", "phases_mean", "turns_mean", "area_mv_ms_mean",
          "spike_duration_ms_mean", "polyphasic_pct", "firing_rate_hz_mean")
UCY_COLUMNS = {"duration_ms_mean": "DurMn", "amplitude_mv_mean": "AmpMn", "spike_duration_ms_mean": "SpDMn",
               "phases_mean": "PhMn", "turns_mean": "TurMn", "area_mv_ms_mean": "ArMn"}


def available() -> bool:
    return (DATA / "emg_n2001" / "index.json").exists() and (DATA / "ucy_muap" / "muap_labeled.csv").exists()


def low_force_rows(folder: str = "emg_n2001") -> list[dict]:
    rows = json.loads((DATA / folder / "index.json").read_text())
    label = {r["record"]: r for r in json.loads((DATA / "emg_n2001" / "index.json").read_text())}
    out = []
    for r in rows:
        meta = label.get(r["record"], r)
        if meta.get("level") == "low" and r["record"] not in EXCLUDE:
            out.append({"record": r["record"], "subject": meta["subject"], "label": meta["label"],
                        "path": DATA / folder / "records" / f"{r['record']}.npz"})
    return out


def analyse_rows(rows: list[dict]) -> list[dict]:
    """One dict per record: its identifiers, summary, message, pattern and the analysis itself."""
    out = []
    for r in rows:
        result = analyse_muaps(load_recording(r["path"]), muscle="biceps")
        out.append({**r, **result.summary, "message": result.message, "pattern": result.pattern,
                    "analysis": result})
    return out


def subject_patterns(results: list[dict]) -> dict[str, tuple[str, str, int]]:
    """Per subject: (label, pattern of all its low-force MUAPs pooled, number of MUAPs)."""
    out = {}
    for s in sorted({r["subject"] for r in results}):
        recs = [r for r in results if r["subject"] == s]
        pooled = combine_analyses([r["analysis"] for r in recs])
        out[s] = (recs[0]["label"], pooled.pattern, len(pooled.muaps))
    return out


EXPECTED_PATTERN = {"healthy": "normal", "myopathy": "myopathic", "neuropathy": "neurogenic"}


def pooled_group_accuracy(results: list[dict], size: int) -> dict[str, tuple[int, int]]:
    """Per class, (right, groups): each subject's low-force records in consecutive groups of ``size`` (a
    shorter remainder left out), pooled, and the group's pattern compared with the subject's class."""
    out: dict[str, tuple[int, int]] = {}
    for s in sorted({r["subject"] for r in results}):
        recs = [r for r in results if r["subject"] == s]
        label = recs[0]["label"]
        for start in range(0, len(recs) - size + 1, size):
            group = [r["analysis"] for r in recs[start:start + size]]
            pattern = combine_analyses(group).pattern if size > 1 else group[0].pattern
            right, total = out.get(label, (0, 0))
            out[label] = (right + (pattern == EXPECTED_PATTERN[label]), total + 1)
    return out


def class_medians(results: list[dict]) -> dict[str, dict[str, float]]:
    """Per class: the median over subjects of each subject's median over records (records without MUAPs
    are left out of the parameter medians)."""
    table = {}
    for label in CLASSES:
        subjects = sorted({r["subject"] for r in results if r["label"] == label})
        per_subject = []
        for s in subjects:
            recs = [r for r in results if r["subject"] == s and r["n_muaps"] > 0]
            per_subject.append([np.nanmedian([r[p] for r in recs]) if recs else np.nan for p in PARAMS])
        med = np.nanmedian(np.array(per_subject), axis=0)
        table[label] = {p: float(v) for p, v in zip(PARAMS, med)}
        table[label]["subjects"] = len(subjects)
        table[label]["records"] = sum(r["label"] == label for r in results)
    return table


def ucy_medians() -> dict[str, dict[str, float]]:
    """Per class: the median over subjects of the UCY per-subject means."""
    names = {"healthy": "healthy", "neuropathy": "neuropathy", "myopathy": "myopathy"}
    with (DATA / "ucy_muap" / "muap_labeled.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = {}
    for label in CLASSES:
        sel = [r for r in rows if r["label"] == names[label]]
        table[label] = {p: float(np.median([float(r[c]) for r in sel])) for p, c in UCY_COLUMNS.items()}
        table[label]["subjects"] = len(sel)
    return table
