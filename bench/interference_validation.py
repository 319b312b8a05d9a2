"""Cloud analysis on the real N2001 recordings: ``.venv/bin/python bench/interference_validation.py``.

Controls are compared with a cloud built without their own subject (leave-one-subject-out), patients
with the cloud of all 6 controls. Prints, per class and force level, how the records' verdicts fall,
the median shares of epochs right and left of the cloud, and the verdict per subject with all its
low-force epochs pooled; whether the 30 full-rate records get the verdict of their 4 kHz copies; and, for
comparison, the simulator's subjects (seeds 0-9, 10 s) at the low and moderate protocols; and the time of
one cloud analysis (warm, median of 20) against the MUAP analysis of the same record in the same run.
Needs ``../shared/data``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from signal_core.interference_cloud import compare_with_cloud, pooled_verdicts, validate_on_n2001  # noqa: E402
from signal_core.io import load_recording  # noqa: E402
from signal_core.simulator_protocols import simulate_protocol  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
VERDICTS = ("within the normal cloud", "neurogenic side", "myopathic side", "both sides", "not compared")


def main() -> int:
    if not (DATA / "emg_n2001").exists():
        print(f"skipped: {DATA}/emg_n2001 is not here (the real recordings stay outside the repository)")
        return 0
    rows = validate_on_n2001(DATA)
    print("| class | force | records | " + " | ".join(VERDICTS) + " | median % right | median % left |")
    print("|---|---|---:|" + "---:|" * len(VERDICTS) + "---:|---:|")
    for label in ("healthy", "myopathy", "neuropathy"):
        for level in ("low", "moderate"):
            sel = [r for r in rows if r["label"] == label and r["level"] == level]
            if not sel:
                continue
            counts = Counter(r["verdict"] for r in sel)
            right = np.nanmedian([r["share_right"] for r in sel]) * 100
            left = np.nanmedian([r["share_left"] for r in sel]) * 100
            print(f"| {label} | {level} | {len(sel)} | " + " | ".join(str(counts.get(v, 0)) for v in VERDICTS)
                  + f" | {right:.0f} | {left:.0f} |")
    print()
    print("Per subject, all low-force epochs pooled:")
    for subject, (label, verdict) in pooled_verdicts(rows).items():
        print(f"  {subject} ({label}): {verdict}")
    full = sorted((DATA / "emg_n2001_fullrate" / "records").glob("*.npz"))
    agree = sum(compare_with_cloud(load_recording(p)).verdict
                == compare_with_cloud(load_recording(DATA / "emg_n2001" / "records" / p.name)).verdict for p in full)
    print(f"\nFull-rate records with the verdict of their 4 kHz copy: {agree} of {len(full)}")
    print("\nSimulated subjects (seeds 0-9, 10 s, 4 kHz):")
    print("| condition | protocol | " + " | ".join(VERDICTS) + " |")
    print("|---|---|" + "---:|" * len(VERDICTS))
    for condition in ("healthy", "myopathic", "neurogenic"):
        for protocol in ("low", "moderate"):
            counts = Counter(compare_with_cloud(simulate_protocol(condition, protocol, seconds=10.0, seed=s)).verdict
                             for s in range(10))
            print(f"| {condition} | {protocol} | " + " | ".join(str(counts.get(v, 0)) for v in VERDICTS) + " |")
    print()
    from signal_core.muap import analyse_muaps  # noqa: PLC0415

    for folder in ("emg_n2001", "emg_n2001_fullrate"):
        rec = load_recording(DATA / folder / "records" / "N2001C04BB52.npz")
        cloud_ms, muap_ms = (_median_ms(lambda f=f: f(rec)) for f in (compare_with_cloud, analyse_muaps))
        print(f"Cloud analysis of N2001C04BB52 at {rec.fs:g} Hz: {cloud_ms:.1f} ms "
              f"(MUAP analysis of the same record: {muap_ms:.1f} ms, {muap_ms / cloud_ms:.0f}x longer)")
    return 0


def _median_ms(call, repeats: int = 20) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


if __name__ == "__main__":
    raise SystemExit(main())
