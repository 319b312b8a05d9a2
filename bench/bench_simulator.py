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
so this is not the fit's own sample; the real side is the fit's own records (there are no others). Which
simulated subjects are drawn matters: the comparison is repeated with each of
``VALIDATION_SEED_SETS`` (15 new subjects x 4 recordings each time) and the AUC reported as the mean and
range over the sets; the table of measures is the first set's. Needs ``../shared/data`` (skips with a
message without it).

Run: ``.venv/bin/python bench/bench_simulator.py [--subjects 15] [--recordings 4] [--seed-sets 3] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from signal_core.simulator_fit import VALIDATION_SECONDS, VALIDATION_SEED_SETS  # noqa: E402
from signal_core.synthetic import CONDITIONS  # noqa: E402
from tests.signal_core.sim_real import (  # noqa: E402
    AUC_TARGET,
    DATA,
    LABELS,
    TOLERANCE,
    compare,
    real_rows,
    simulated_rows,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulator vs real needle EMG (N2001, low force).")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--subjects", type=int, default=15, help="simulated subjects per class")
    parser.add_argument("--recordings", type=int, default=4, help="recordings per simulated subject")
    parser.add_argument("--seed-sets", type=int, default=len(VALIDATION_SEED_SETS),
                        help=f"repeat with this many sets of simulated subjects (at most {len(VALIDATION_SEED_SETS)})")
    parser.add_argument("--params", type=Path,
                        help="simulate from this parameter file instead of the shipped one (e.g. a held-out fit)")
    parser.add_argument("--only-subjects", default="",
                        help="compare with these real subjects only (comma-separated; e.g. the ones a fit held out)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (args.data / "emg_n2001" / "index.json").exists():
        print(f"skipped: {args.data}/emg_n2001 not found (the real recordings are needed)")
        return 0
    started = time.time()
    if args.params is not None:
        from signal_core.synthetic import use_parameters

        use_parameters(args.params)
        print(f"simulating from {args.params}")
    only = set(filter(None, args.only_subjects.split(","))) or None
    real = real_rows(args.data, only)
    seeds = VALIDATION_SEED_SETS[: max(1, args.seed_sets)]
    results = {}
    for c in CONDITIONS:
        runs = [compare(real[c], simulated_rows(c, args.subjects, args.recordings, seed)) for seed in seeds]
        aucs = [r["auc"] for r in runs]
        results[c] = {**runs[0], "auc": float(sum(aucs) / len(aucs)), "auc_per_seed_set": aucs,
                      "seed_sets": list(seeds)}
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
        spread = ", ".join(f"{a:.2f}" for a in res["auc_per_seed_set"])
        print(f"| {LABELS[c]} | two-sample AUC, mean of {len(seeds)} sets ({spread}); {res['n_real']} real recordings "
              f"of {res['n_real_subjects']} subjects vs {res['n_sim']} simulated of {res['n_sim_subjects']} | | | "
              f"{res['auc']:.2f} | <= {AUC_TARGET}: {auc_ok} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
