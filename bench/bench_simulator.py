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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from signal_core.simulator_fit import VALIDATION_SECONDS  # noqa: E402
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
