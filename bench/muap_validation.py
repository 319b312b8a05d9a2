"""Validation tables for quantitative needle EMG on the real recordings (README "Quantitative needle EMG").

Per class (low-force N2001 records, N2001A06BB08 dropped): median over subjects of each subject's median
of the per-record MUAP means, beside the UCY table (Pattichis 1995; same muscle, another lab), and the
same records at 4 kHz against their native 23,437.5 Hz. Needs ``../shared/data``.

Run: ``.venv/bin/python bench/muap_validation.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.signal_core import muap_real  # noqa: E402

SHOW = [("duration_ms_mean", "duration ms", ".1f"), ("amplitude_mv_mean", "amplitude mV", ".2f"),
        ("phases_mean", "phases", ".1f"), ("turns_mean", "turns", ".1f"), ("area_mv_ms_mean", "area mV·ms", ".2f"),
        ("spike_duration_ms_mean", "spike dur. ms", ".1f"), ("polyphasic_pct", "polyphasic %", ".0f"),
        ("n_muaps", "MUAPs/record", ".1f"), ("firing_rate_hz_mean", "firing Hz", ".1f")]


def main() -> int:
    if not muap_real.available():
        print("../shared/data is not here; nothing to validate against.")
        return 1
    start = time.perf_counter()
    results = muap_real.analyse_rows(muap_real.low_force_rows())
    n2001 = muap_real.class_medians(results)
    ucy = muap_real.ucy_medians()
    print(f"{len(results)} low-force records analysed in {time.perf_counter() - start:.1f} s; "
          f"{sum(r['n_muaps'] == 0 for r in results)} without MUAPs.\n")
    head = " | ".join(f"{c} N2001 ({n2001[c]['subjects']} subj) | {c} UCY ({ucy[c]['subjects']})"
                      for c in muap_real.CLASSES)
    print(f"| parameter | {head} |")
    print("|---|" + "---:|" * 6)
    for key, name, fmt in SHOW:
        cells = []
        for c in muap_real.CLASSES:
            cells.append(format(n2001[c][key], fmt))
            cells.append(format(ucy[c][key], fmt) if key in ucy[c] else "-")
        print(f"| {name} | " + " | ".join(cells) + " |")
    full = muap_real.analyse_rows(muap_real.low_force_rows("emg_n2001_fullrate"))
    same = {r["record"]: r for r in results}
    pairs = [(same[r["record"]], r) for r in full if r["record"] in same and r["n_muaps"] > 0
             and same[r["record"]]["n_muaps"] > 0]
    print(f"\nSame {len(pairs)} low-force records at 4 kHz and at 23,437.5 Hz (median of per-record values):\n")
    print("| parameter | 4 kHz | 23.4 kHz |")
    print("|---|---:|---:|")
    import numpy as np
    for key, name, fmt in SHOW:
        lo = np.nanmedian([a[key] for a, _ in pairs])
        hi = np.nanmedian([b[key] for _, b in pairs])
        print(f"| {name} | {format(lo, fmt)} | {format(hi, fmt)} |")
    patterns = {c: {} for c in muap_real.CLASSES}
    for r in results:
        patterns[r["label"]][r["pattern"]] = patterns[r["label"]].get(r["pattern"], 0) + 1
    print("\nPattern per record against the Pattichis-derived biceps range:")
    for c, counts in patterns.items():
        print(f"- {c}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("\nPattern per subject, all its low-force MUAPs pooled (as a clinician pools needle positions):")
    for s, (label, pattern, n) in muap_real.subject_patterns(results).items():
        print(f"- {s} ({label}): {pattern}, {n} MUAPs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
