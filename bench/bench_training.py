"""Training with subject-grouped cross-validation on the demo cohort: how long each step takes (issue 5).

Times, in one run: simulating the full demo-needle cohort and computing its features (20 subjects x 3
classes x 3 recordings x 5 s at 4 kHz), then `train_model` for each model kind (5-fold subject-grouped
CV with inner grouped calibration, 500 subject-bootstrap resamples, conformal coverage, OOD threshold,
final fit). The ratio column compares each kind with logistic regression, the shipped demo model.

Run: .venv/bin/python bench/bench_training.py [--kinds logistic,rf]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decision_support.demo import demo_feature_table  # noqa: E402
from decision_support.models import MODEL_KINDS  # noqa: E402
from decision_support.training import train_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(MODEL_KINDS))
    args = parser.parse_args()
    demo_feature_table("demo-needle", quick=True)  # JIT warm-up
    start = time.perf_counter()
    table = demo_feature_table("demo-needle")
    t_features = time.perf_counter() - start
    print(f"demo-needle: {len(table)} recordings of {table['subject'].nunique()} simulated subjects")
    print(f"simulate + features     {t_features:6.1f} s")
    base = None
    for kind in args.kinds.split(","):
        start = time.perf_counter()
        model = train_model(table, kind=kind, simulated=True)
        elapsed = time.perf_counter() - start
        base = base or elapsed
        auc = model.metrics["point"]["macro_auc"]
        abnormal = model.metrics["abnormal"]
        print(f"train {kind:<9}         {elapsed:6.1f} s   {elapsed / base:4.2f}x logistic   "
              f"(held-out macro AUC {auc:.3f}, Brier {abnormal['brier']:.3f}, "
              f"calibration slope {abnormal['calibration']['slope']:.2f})")


if __name__ == "__main__":
    main()
