"""Benchmark: MUAP analysis (`signal_core.muap.analyse_muaps`) of one 11.2 s needle recording, warm.

The same real record (N2001A01BB01, ALS, biceps, low force) at 4 kHz and at its native 23,437.5 Hz, against
the same analysis with every Numba kernel replaced by its plain NumPy reference (tests/signal_core/naive.py),
measured in the same run; the two must find the same MUAPs. Targets: < 100 ms at 4 kHz, < 500 ms at
23.4 kHz. Needs ``../shared/data``.

Run: ``.venv/bin/python bench/bench_muap.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from signal_core import muap  # noqa: E402
from signal_core.io import load_recording  # noqa: E402
from tests.signal_core import naive  # noqa: E402

DATA = REPO.parent / "shared" / "data"
RECORD = "N2001A01BB01"
NAIVE = types.SimpleNamespace(**{name: getattr(naive, name) for name in (
    "muap_detect", "muap_windows", "muap_cluster", "muap_assign", "muap_median", "muap_member_residuals",
    "muap_markers", "muap_shape", "muap_merge")})


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def main() -> int:
    quick = "--quick" in sys.argv
    if not (DATA / "emg_n2001" / "records" / f"{RECORD}.npz").exists():
        print("../shared/data is not here; nothing to benchmark.")
        return 1
    print(f"| recording | MUAPs | medlens (Numba) | plain NumPy reference | ratio | target |")
    print("|---|---:|---:|---:|---:|---|")
    for folder, target in (("emg_n2001", 100.0), ("emg_n2001_fullrate", 500.0)):
        rec = load_recording(DATA / folder / "records" / f"{RECORD}.npz")
        fast = muap.analyse_muaps(rec, muscle="biceps")  # warm-up: JIT compile or load from cache
        t_fast = median_ms(lambda: muap.analyse_muaps(rec, muscle="biceps"), 5 if quick else 21)
        kernels = muap._kernels
        muap._kernels = NAIVE
        try:
            slow = muap.analyse_muaps(rec, muscle="biceps")
            t_slow = median_ms(lambda: muap.analyse_muaps(rec, muscle="biceps"), 1 if quick else 3)
        finally:
            muap._kernels = kernels
        same = [round(m.duration_ms, 6) for m in fast.muaps] == [round(m.duration_ms, 6) for m in slow.muaps]
        verdict = "met" if t_fast < target else "NOT met"
        print(f"| {RECORD} at {rec.fs:g} Hz, {rec.duration_s:.1f} s | {len(fast.muaps)} | {t_fast:.1f} ms | "
              f"{t_slow:.0f} ms | {t_slow / t_fast:.0f}x | < {target:g} ms: {verdict} |")
        if not same:
            print("  WARNING: the reference implementation found different MUAPs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
