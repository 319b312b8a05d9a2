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

import numpy as np  # noqa: E402

from tests.signal_core import muap_real  # noqa: E402

SHOW = [("duration_ms_mean", "duration ms", ".1f"), ("amplitude_mv_mean", "amplitude mV", ".2f"),
        ("phases_mean", "phases", ".1f"), ("turns_mean", "turns", ".1f"), ("area_mv_ms_mean", "area mV·ms", ".2f"),
        ("spike_duration_ms_mean", "spike dur. ms", ".1f"), ("polyphasic_pct", "polyphasic %", ".0f"),
        ("n_muaps", "MUAPs/record", ".1f"), ("firing_rate_hz_mean", "firing Hz", ".1f")]


def ground_truth() -> None:
    """Known units (tests/signal_core/muap_truth.py): 5 units, 0.25-1.2 mV, 9-13 Hz, 10 s, 10 uV noise."""
    from signal_core.muap import analyse_muaps
    from tests.signal_core.muap_truth import make_truth, score

    print("| rate | units found / true | recall (min-max) | precision (min-max) | duration error ms (median, max) "
          "| amplitude error (max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for fs in (4000.0, 23437.5):
        truth = make_truth(fs)
        result = analyse_muaps(truth.recording)
        rows = score(truth, result)
        r, p, d, a = rows.T
        print(f"| {fs:g} Hz | {len(result.muaps)} / {len(truth.templates)} | {r.min():.2f}-{r.max():.2f} | "
              f"{p.min():.2f}-{p.max():.2f} | {np.median(d):.2f}, {d.max():.2f} | {100 * a.max():.1f}% |")
    print()


def main() -> int:
    ground_truth()
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
    for key, name, fmt in SHOW:
        lo = np.nanmedian([a[key] for a, _ in pairs])
        hi = np.nanmedian([b[key] for _, b in pairs])
        print(f"| {name} | {format(lo, fmt)} | {format(hi, fmt)} |")
    # Is the 4 kHz copies' 2 kHz band why so few myopathic MUAPs are polyphasic? Pool the MUAPs of the same
    # records at both rates, per class.
    print("\nPolyphasic MUAPs (more than 4 phases), pooled over the same records at both rates:\n")
    print("| class | records | 4 kHz | 23.4 kHz |")
    print("|---|---:|---:|---:|")
    for c in muap_real.CLASSES:
        mine = [(a, b) for a, b in pairs if a["label"] == c]
        cells = []
        for i in (0, 1):
            muaps = [m for pair in mine for m in pair[i]["analysis"].muaps]
            cells.append(f"{sum(m.polyphasic for m in muaps)} of {len(muaps)}")
        print(f"| {c} | {len(mine)} | {cells[0]} | {cells[1]} |")
    patterns = {c: {} for c in muap_real.CLASSES}
    for r in results:
        patterns[r["label"]][r["pattern"]] = patterns[r["label"]].get(r["pattern"], 0) + 1
    print("\nPattern per record against the Pattichis-derived biceps range:")
    for c, counts in patterns.items():
        print(f"- {c}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("\nPattern per subject, all its low-force MUAPs pooled (as a clinician pools needle positions):")
    for s, (label, pattern, n) in muap_real.subject_patterns(results).items():
        print(f"- {s} ({label}): {pattern}, {n} MUAPs")
    print("\nPooling a few needle sites (`medlens emg muap REC1 REC2 ...`): each subject's records in consecutive "
          "groups, pattern as labelled (right / groups):\n")
    print("| records pooled | " + " | ".join(muap_real.CLASSES) + " | all |")
    print("|---:|" + "---:|" * (len(muap_real.CLASSES) + 1))
    for size in (1, 3, 5):
        acc = muap_real.pooled_group_accuracy(results, size)
        right, total = sum(a for a, _ in acc.values()), sum(b for _, b in acc.values())
        print(f"| {size} | " + " | ".join("{}/{}".format(*acc[c]) for c in muap_real.CLASSES)
              + f" | {right}/{total} ({right / total:.0%}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
