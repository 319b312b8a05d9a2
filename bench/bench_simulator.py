"""Simulator vs real needle EMG: per class, the simulated "low" protocol against the N2001 low-force records.

For each class (healthy; myopathy; ALS, the simulator's "neurogenic") it prints the median over
recordings of the window-median mean frequency (MNF), zero-crossing rate and RMS (0.2 s windows), and
the MUAP parameters of ``signal_core.muap.analyse_muaps`` (median over recordings of each recording's
mean duration, amplitude, phases), simulated against real, with the ratio; and a classifier two-sample
test: a random forest on the decision-support feature set (``recording_features``) learns to tell
simulated from real recordings of the same class, validated by subject (GroupKFold, every subject's
recordings in one fold). AUC 0.5 means it cannot tell them apart. Targets: median MNF and ZC rate
within 20% of real, AUC <= 0.75.

Simulated subjects are seeded apart from the ones the fit used (``signal_core.simulator_fit``: 50000+),
so this is not the fit's own sample. Needs ``../shared/data`` (skips with a message without it).

Run: ``.venv/bin/python bench/bench_simulator.py [--subjects 6] [--recordings 10] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from decision_support.transformers import FeatureSettings, recording_features  # noqa: E402
from signal_core.recording import Recording  # noqa: E402
from signal_core.simulator_fit import (  # noqa: E402
    LABEL_TO_CONDITION,
    VALIDATION_SECONDS,
    load_signal,
    real_records,
    recording_stats,
    validation_recordings,
)
from signal_core.synthetic import CONDITIONS  # noqa: E402

DATA = REPO.parent / "shared" / "data"
TOLERANCE = 0.20
AUC_TARGET = 0.75
MUAP_PARAMS = ("duration_ms", "amplitude_mv", "phases")
LABELS = {"healthy": "healthy", "myopathic": "myopathy", "neurogenic": "ALS (neurogenic)"}


def _muap_means(rec: Recording) -> dict[str, float]:
    try:
        from signal_core.muap import analyse_muaps
    except ImportError:  # built in parallel; the table leaves MUAP rows out without it
        return {}
    result = analyse_muaps(rec, muscle="biceps brachii")
    if not result.muaps:
        return {p: float("nan") for p in MUAP_PARAMS}
    return {p: float(np.mean([getattr(m, p) for m in result.muaps])) for p in MUAP_PARAMS}


def _row(rec: Recording, subject: str, source: str) -> dict[str, Any]:
    return {"subject": subject, "source": source, **recording_stats(rec.data[:, 0], rec.fs), **_muap_means(rec),
            "features": recording_features(rec, FeatureSettings())}


def real_rows(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in CONDITIONS}
    for row in real_records(data_dir):
        x, fs = load_signal(data_dir, row)
        rec = Recording(x, fs, ("needle1",), ("mV",))
        out[LABEL_TO_CONDITION[row["label"]]].append(_row(rec, "real-" + row["subject"], "real"))
    return out


def simulated_rows(condition: str, n_subjects: int, n_recordings: int) -> list[dict[str, Any]]:
    return [_row(rec, subject, "simulated") for subject, rec in validation_recordings(condition, n_subjects, n_recordings)]


def two_sample_auc(real: list[dict[str, Any]], sim: list[dict[str, Any]], seed: int = 0) -> float:
    """Out-of-fold AUC of a subject-grouped random forest telling simulated from real recordings."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    rows = real + sim
    x = np.array([r["features"].to_numpy(dtype=float) for r in rows])
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    y = np.array([r["source"] == "simulated" for r in rows], dtype=int)
    groups = np.array([r["subject"] for r in rows])
    scores = np.zeros(len(rows))
    for train, test in GroupKFold(n_splits=min(5, len(set(groups)))).split(x, y, groups):
        model = RandomForestClassifier(n_estimators=200, min_samples_leaf=3, random_state=seed, n_jobs=1)
        model.fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    return float(roc_auc_score(y, scores))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulator vs real needle EMG (N2001, low force).")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--subjects", type=int, default=6, help="simulated subjects per class")
    parser.add_argument("--recordings", type=int, default=10, help="recordings per simulated subject")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (args.data / "emg_n2001" / "index.json").exists():
        print(f"skipped: {args.data}/emg_n2001 not found (the real recordings are needed)")
        return 0
    started = time.time()
    real = real_rows(args.data)
    results = {c: compare(real[c], simulated_rows(c, args.subjects, args.recordings)) for c in CONDITIONS}
    print(f"Simulator vs real, low force, {VALIDATION_SECONDS} s recordings at 4 kHz "
          f"({time.time() - started:.0f} s to run)\n")
    print("| class | measure | real | simulated | sim/real | target |")
    print("|---|---|---|---|---|---|")
    for c, res in results.items():
        for k, v in res["stats"].items():
            target = f"within {TOLERANCE:.0%}: {'met' if abs(v['ratio'] - 1) <= TOLERANCE else 'missed'}" \
                if k in ("mnf_hz", "zc_per_s") else ""
            print(f"| {LABELS[c]} | {k} | {v['real']:.4g} | {v['simulated']:.4g} | {v['ratio']:.2f} | {target} |")
        auc_ok = "met" if res["auc"] <= AUC_TARGET else "missed"
        print(f"| {LABELS[c]} | two-sample AUC ({res['n_real']} real recordings of {res['n_real_subjects']} subjects "
              f"vs {res['n_sim']} simulated of {res['n_sim_subjects']}) | | | {res['auc']:.2f} | <= {AUC_TARGET}: {auc_ok} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
