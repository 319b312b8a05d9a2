"""How a lab's noisier amplifier moves the default model's answers (README, "The default model").

Every ``--step``-th low-force N2001 training record (default 3: 73 records of all 15 subjects) is predicted as
it is and with white noise added (``--noise-uv``, default 0.2, 2, 5 and 10 uV SD at 4 kHz; N2001's own instrument
noise is 0.7 uV there). Two models trained the same way on the shipped table are compared: the default
(clinical features: MUAP parameters and their reference deviations) and the same with the window features
added (spectral shape, crossing rates, Hjorth, AR), the set an earlier version chose. Reports, per noise level,
how many predictions keep their label, which way the others move, how many are flagged as unlike the
training data, and how many patients keep their label when each one's sampled records are combined. Needs ``../shared/data``; trains both models first (about 20 s).

Run: ``.venv/bin/python bench/noise_robustness.py [--step 3] [--noise-uv 0.2,2,5,10]``
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from decision_support import default_model as dm  # noqa: E402
from decision_support.n2001 import dataset_card, dataset_root, load_n2001, read_feature_table, training_records  # noqa: E402
from decision_support.predict import predict_patient, predict_recording  # noqa: E402
from decision_support.registry import load_model, save_model  # noqa: E402
from decision_support.training import train_model  # noqa: E402


def _models(folder: Path) -> dict[str, object]:
    table = read_feature_table()
    sets = dm.candidate_sets(table)
    out = {}
    for name in ("clinical", "clinical + window"):
        model = train_model(table, kind=dm.KIND, features=sets[name], feature_set="clinical", ood_policy="warn",
                            cohort_name=dataset_card()["name"], simulated=False, n_splits=dm.N_SPLITS, n_boot=20,
                            seed=0, dataset_card=dataset_card(), temper_probabilities=True)
        out[name] = load_model(save_model(model, folder / name.replace(" + ", "_")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=3)
    parser.add_argument("--noise-uv", default="0.2,2,5,10")
    args = parser.parse_args()
    data = REPO.parent / "shared" / "data"
    if not (data / "emg_n2001" / "index.json").is_file():
        print(f"{data}/emg_n2001 is not here; nothing to measure.")
        return 1
    levels = [float(v) for v in args.noise_uv.split(",")]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        models = _models(Path(tmp))
        root = dataset_root(data)
        rows = training_records(root)[:: args.step]
        which = "every record" if args.step == 1 else f"one in {args.step}"
        print(f"{len(rows)} N2001 low-force records ({which}), white noise added at 4 kHz\n")
        print("| features | added noise (uV SD) | same label | changed: from -> to | flagged unlike the training data "
              "| patients with the same label |")
        print("|---|---:|---:|---|---:|---:|")
        for name, model in models.items():
            base = {}
            for row in rows:
                rec, _ = load_n2001(root, row)
                base[row["record"]] = (row["subject"], rec, predict_recording(rec, model, explain=False))
            subjects = sorted({s for s, _, _ in base.values()})
            for level in levels:
                same = both = flagged = 0
                moves: Counter = Counter()
                noisy_by: dict[str, list] = {s: [] for s in subjects}
                for k, (subject, rec, clean) in enumerate(base.values()):
                    noise = np.random.default_rng(k).normal(0.0, level / 1000.0, rec.data.shape)
                    noisy = predict_recording(dataclasses.replace(rec, data=rec.data + noise), model, explain=False)
                    noisy_by[subject].append(noisy)
                    flagged += bool(noisy.is_outlier)
                    if not clean.abstained and not noisy.abstained:
                        both += 1
                        same += noisy.predicted_label == clean.predicted_label
                        if noisy.predicted_label != clean.predicted_label:
                            moves[f"{clean.predicted_label} -> {noisy.predicted_label}"] += 1
                changed = ", ".join(f"{m} {n}" for m, n in moves.most_common()) or "none"
                patients = sum(
                    predict_patient([c for s, _, c in base.values() if s == subject], model).predicted_label
                    == predict_patient(noisy_by[subject], model).predicted_label for subject in subjects)
                print(f"| {name} | {level:g} | {same} of {both} | {changed} | {flagged} | {patients} of {len(subjects)} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
