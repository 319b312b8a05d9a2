"""The default model's answers on real N2001 records with and without added mains hum (README, "Out of
distribution"). Hum is subtracted before the quality check and the features (``predict.without_hum``); this
measures how far that leaves the answer from the clean record's.

Every low-force training record (218 of 15 subjects; ``--step k``: every k-th) gets 50 Hz hum at
``--size`` times the record's own SD (default 1.5: about half the power, which failed the quality check before)
plus a third harmonic at a fifth of that. Reports the quality verdicts, refusals, label agreement and the
largest change of a class probability. Needs ``../shared/data``; trains the default model into a temporary
folder first (a few seconds).

Run: ``.venv/bin/python bench/hum_prediction.py [--step 1] [--size 1.5]`` (about 20 s)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from decision_support.n2001 import dataset_root, load_n2001, training_records  # noqa: E402
from decision_support.predict import predict_recording  # noqa: E402
from decision_support.registry import load_model  # noqa: E402
from signal_core.quality import assess_quality  # noqa: E402
from tests.decision_support.quick_model import default_model_folder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--size", type=float, default=1.5)
    args = parser.parse_args()
    data = REPO.parent / "shared" / "data"
    if not (data / "emg_n2001" / "index.json").is_file():
        print(f"{data}/emg_n2001 is not here; nothing to measure.")
        return 1
    model = load_model(default_model_folder())
    root = dataset_root(data)
    rows = training_records(root)[:: args.step]
    failed = refused_clean = refused_hum = differ = same = both = 0
    changes: list[float] = []
    started = time.perf_counter()
    for row in rows:
        rec, _ = load_n2001(root, row)
        t = np.arange(rec.n_samples) / rec.fs
        size = args.size * float(np.std(rec.data[:, 0]))
        hum = size * np.sin(2 * np.pi * 50.03 * t + 1.0) + 0.2 * size * np.sin(2 * np.pi * 150.09 * t)
        noisy = dataclasses.replace(rec, data=rec.data + hum[:, None])
        failed += assess_quality(noisy).verdict == "fail"
        clean, humming = predict_recording(rec, model, explain=False), predict_recording(noisy, model, explain=False)
        refused_clean += clean.abstained
        refused_hum += humming.abstained
        differ += clean.abstained != humming.abstained
        if not clean.abstained and not humming.abstained:
            both += 1
            same += clean.predicted_label == humming.predicted_label
            changes.append(max(abs(clean.probabilities[k] - humming.probabilities[k]) for k in clean.probabilities))
    which = "every record" if args.step == 1 else f"every {args.step}th record"
    print(f"{len(rows)} N2001 low-force records ({which}), 50 Hz hum at {args.size:g} x the record's SD "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"- quality check fails on the hummed records: {failed} of {len(rows)}")
    print(f"- refused: clean {refused_clean}, with hum {refused_hum}; refused one way only: {differ}")
    print(f"- same label: {same} of {both} predicted both ways")
    if changes:
        print(f"- largest change of a class probability: median {np.median(changes):.3f}, max {max(changes):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
