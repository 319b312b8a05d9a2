"""Small simulated within-subject gesture cohorts on disk (CSV sessions with a time and a label column)."""

from __future__ import annotations

from pathlib import Path

from signal_core.synthetic_gestures import write_gesture_cohort

SMALL = {"gestures": ("rest", "fist", "extension"), "gesture_s": 2.0, "transition_s": 0.4, "n_channels": 4}


def write_small_gesture_cohort(root: Path, *, subjects: int = 4, sessions: int = 1, hold: int = 1,
                               fs: float = 1000.0) -> Path:
    """``subjects`` x ``sessions`` CSV files of three gestures (2 s each), 4 channels; returns the manifest."""
    return write_gesture_cohort(root, subjects=subjects, sessions=sessions, hold=hold, fs=fs, **SMALL)
