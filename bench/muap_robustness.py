"""How much other labs' interference changes the MUAP analysis of real recordings (README "Quantitative
needle EMG", conditioning).

Every N2001 low-force record is analysed as it is and with, added: a slow drift (0.4 Hz, 300 uV, plus a
200 uV offset), mains hum (50 Hz, 100 uV, and 30 uV at 150 Hz), and both. Printed per disturbance: how many
records still give MUAPs, how often the record's pattern stays the same, and the median change of the
record's MUAP count and mean duration. Needs ``../shared/data``.

Run: ``.venv/bin/python bench/muap_robustness.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from signal_core.io import load_recording  # noqa: E402
from signal_core.muap import analyse_muaps  # noqa: E402
from tests.signal_core import muap_real  # noqa: E402


def disturbances(n: int, fs: float) -> dict[str, np.ndarray]:
    t = np.arange(n) / fs
    drift = 0.3 * np.sin(2 * np.pi * 0.4 * t) + 0.2
    hum = 0.1 * np.sin(2 * np.pi * 50 * t) + 0.03 * np.sin(2 * np.pi * 150 * t + 1.0)
    return {"drift 0.4 Hz, 300 uV": drift, "hum 50 Hz, 100 uV": hum, "drift and hum": drift + hum}


def main() -> int:
    if not muap_real.available():
        print("../shared/data is not here; nothing to measure.")
        return 1
    started = time.perf_counter()
    rows = muap_real.low_force_rows()
    stats: dict[str, list[tuple[bool, bool, float, float]]] = {}
    for row in rows:
        rec = load_recording(row["path"])
        clean = analyse_muaps(rec, muscle="biceps")
        for name, added in disturbances(rec.n_samples, rec.fs).items():
            got = analyse_muaps(rec.with_data(rec.data + added[:, None]), muscle="biceps")
            count_change = (len(got.muaps) - len(clean.muaps)) / max(1, len(clean.muaps))
            dur_change = got.summary["duration_ms_mean"] - clean.summary["duration_ms_mean"]
            stats.setdefault(name, []).append((bool(got.muaps), got.pattern == clean.pattern, count_change,
                                               dur_change))
    print(f"{len(rows)} N2001 low-force records, each clean and disturbed ({time.perf_counter() - started:.0f} s)\n")
    print("| added | records with MUAPs | same pattern as clean | MUAP count change (median) | mean duration change ms (median, IQR) |")
    print("|---|---:|---:|---:|---:|")
    for name, values in stats.items():
        found, same, count, dur = (np.array(v, float) for v in zip(*values))
        q1, q2, q3 = np.nanpercentile(dur, [25, 50, 75])
        print(f"| {name} | {int(found.sum())} of {len(found)} | {int(same.sum())} of {len(same)} | "
              f"{np.median(count):+.0%} | {q2:+.1f} ({q1:+.1f} to {q3:+.1f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
