"""Small on-disk cohorts of simulated recordings (NPZ) with a manifest, for cohort and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from signal_core.io import save_recording
from signal_core.synthetic import CONDITIONS, sample_subject, simulate_recording


def write_cohort(root: Path, *, subjects: int = 3, recordings: int = 2, seconds: float = 1.0,
                 layout: str = "manifest") -> Path:
    """Write ``label/subject/rN.npz`` files; returns the manifest path (or the folder for layout="folder")."""
    rows = []
    for k, condition in enumerate(CONDITIONS):
        for s in range(subjects):
            seed = 500 + 10 * k + s
            subject = sample_subject(condition, seed)
            for r in range(recordings):
                rec = simulate_recording(condition, seconds=seconds, fs=4000.0, seed=seed * 7 + r, subject=subject)
                rel = Path(condition) / f"S{k}{s}" / f"r{r}.npz"
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                save_recording(rec, root / rel)
                rows.append({"path": str(rel), "subject": f"S{k}{s}", "label": condition,
                             "age": 30 + 10 * s, "sex": "F" if s % 2 else "M", "muscle": "biceps"})
    if layout == "folder":
        return root
    manifest = root / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest
