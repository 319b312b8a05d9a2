"""Subject-grouped accuracy on a simulated within-subject gesture cohort: medlens vs the reviewer's baseline.

Workload: ``signal_core.synthetic_gestures`` sessions (6 gestures x 3 s, 8 channels, 2 sessions per
subject, a 200 Hz device logged at 1 kHz with sample-and-hold, seed 7), written as CSV with a time column
in ms and a label column, read back through the same path as `medlens model train --label-column`.
Prints medlens' nested subject-grouped result (classifier and per-subject normalisation chosen on inner
folds), the random-forest-on-Hudgins baseline in the same folds, and medlens with normalisation forced on
and forced off.

Run: .venv/bin/python bench/bench_gestures.py [--subjects 20] [--sessions 2] [--hold 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decision_support.cohort import load_cohort  # noqa: E402
from decision_support.cohort_windows import WindowSettings, cohort_windows  # noqa: E402
from decision_support.windowed import validate_windowed  # noqa: E402
from signal_core.synthetic_gestures import write_gesture_cohort  # noqa: E402


def _line(name: str, m: dict) -> str:
    s = m["per_subject_summary"]
    lo, hi = m["segment_accuracy_ci"]
    return (f"{name:<34} segments {m['segment_accuracy']:.1%} (95% CI {lo:.0%}-{hi:.0%})  windows "
            f"{m['window_accuracy']:.1%}  per subject {s['min']:.0%}-{s['max']:.0%} (SD {s['sd']:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--hold", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_gesture_cohort(Path(tmp), subjects=args.subjects, sessions=args.sessions, hold=args.hold,
                                        seed=args.seed)
        start = time.perf_counter()
        table = cohort_windows(load_cohort(manifest, label_column="gesture"), WindowSettings(label_column="gesture"))
        print(f"{table.text()} ({time.perf_counter() - start:.1f} s)")
        for w in table.warnings:
            print(f"warning: {w}")
        start = time.perf_counter()
        result = validate_windowed(table)
        print(f"nested validation with the baseline: {time.perf_counter() - start:.0f} s; classifier per fold: "
              f"{', '.join(result.chosen_per_fold)}")
        print(_line("medlens (nested choice)", result.ours))
        print(_line("baseline: RF on Hudgins' features", result.baseline))
        for forced in (True, False):
            other = validate_windowed(table, per_subject_norm=forced, baseline=False)
            print(_line(f"medlens, normalisation forced {'on' if forced else 'off'}", other.ours) +
                  f"  ({', '.join(other.chosen_per_fold)})")


if __name__ == "__main__":
    main()
