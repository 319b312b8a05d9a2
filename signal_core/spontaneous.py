"""Spontaneous activity at rest for the simulator: fibrillation potentials and positive sharp waves.

Both come from single muscle fibres that fire on their own, typically after denervation and in some
myopathies (inflammatory, necrotising), and both fire regularly (Daube and Rubin 2009, AANEM monograph,
in ``signal_core.synthetic.REFERENCES``). Shapes follow their textbook description: a fibrillation potential
is a brief spike with an initial positive phase (bi- or triphasic); a positive sharp wave is a sharp
positive deflection followed by a long, slow negative phase. The sizes, durations and rates below are
medlens' teaching values, chosen by us and **not fitted** to recordings (the N2001 set has no rest
recordings); positive means a positive sample value here.

Examples
--------
>>> import numpy as np
>>> x, info = simulate_spontaneous(23437, 23437.0, 1.0, np.random.default_rng(0))
>>> x.shape, len(info["fibrillations"]) >= 1, len(info["positive_sharp_waves"]) >= 1
((23437,), True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

FIB_DURATION_MS = (1.5, 3.0)  # teaching values (see the module docstring)
FIB_AMPLITUDE_MV = (0.05, 0.3)
PSW_DURATION_MS = (8.0, 15.0)
PSW_AMPLITUDE_MV = (0.05, 0.3)
RATE_HZ = (1.0, 10.0)  # regular firing
INTERVAL_CV = 0.02  # "regular": intervals vary by about 2%
GENERATORS = {"fibrillations": (1, 3), "positive_sharp_waves": (1, 2)}  # fibres of each kind (min, max)


def fibrillation_shape(fs: float, duration_ms: float) -> np.ndarray:
    """A fibrillation potential scaled to 1 peak-to-peak: small positive, sharp negative, positive."""
    d = duration_ms / 1000.0
    t = np.arange(0.0, d, 1.0 / fs)
    lobes = ((0.25 * d, 0.07 * d, 0.35), (0.45 * d, 0.06 * d, -1.0), (0.68 * d, 0.1 * d, 0.3))
    wave = sum(a * np.exp(-0.5 * ((t - c) / s) ** 2) for c, s, a in lobes)
    return wave / np.ptp(wave)


def positive_sharp_wave_shape(fs: float, duration_ms: float) -> np.ndarray:
    """A positive sharp wave scaled to 1 peak-to-peak: a fast positive peak, then a slow negative phase."""
    d = duration_ms / 1000.0
    t = np.arange(0.0, d, 1.0 / fs)
    rise, peak = 0.4e-3, 0.1 * d
    wave = np.where(t < peak, np.exp(-0.5 * ((t - peak) / (rise / 2)) ** 2),
                    np.exp(-(t - peak) / (0.04 * d)))
    wave = wave - 0.35 * np.exp(-0.5 * ((t - 0.45 * d) / (0.18 * d)) ** 2)
    return wave / np.ptp(wave)


def simulate_spontaneous(n: int, fs: float, seconds: float, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """``n`` samples at ``fs`` of regularly firing fibrillating fibres and positive-sharp-wave generators.

    Returns the signal (mV) and, per generator, its rate, amplitude, duration and number of discharges.
    """
    out = np.zeros(n)
    info: dict[str, Any] = {}
    for kind, (lo, hi) in GENERATORS.items():
        shape_fn, dur_range, amp_range = (
            (fibrillation_shape, FIB_DURATION_MS, FIB_AMPLITUDE_MV) if kind == "fibrillations"
            else (positive_sharp_wave_shape, PSW_DURATION_MS, PSW_AMPLITUDE_MV)
        )
        info[kind] = []
        for _ in range(int(rng.integers(lo, hi + 1))):
            rate = float(rng.uniform(*RATE_HZ))
            amplitude = float(rng.uniform(*amp_range))
            duration = float(rng.uniform(*dur_range))
            shape = amplitude * shape_fn(fs, duration)
            count = int(seconds * rate) + 2
            times = rng.uniform(0, 1 / rate) + np.cumsum(rng.normal(1 / rate, INTERVAL_CV / rate, count))
            starts = (times[times < seconds - duration / 1000.0] * fs).astype(np.int64)
            for s in starts:
                out[s:s + shape.size] += shape[: n - s]
            info[kind].append({"rate_hz": round(rate, 2), "amplitude_mv": round(amplitude, 3),
                               "duration_ms": round(duration, 2), "discharges": int(starts.size)})
    return out, info
