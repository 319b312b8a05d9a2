"""A needle recording with known MUAP shapes and firing times, for checking `signal_core.muap`.

Built here (not by `signal_core.synthetic`, which is being refitted to real recordings) so the ground truth
is exact: each unit's template and discharge samples are returned with the signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signal_core import _kernels
from signal_core.muap import DURATION_LEVEL_MV, DURATION_WINDOW_MS
from signal_core.recording import Recording


@dataclass
class Truth:
    recording: Recording
    templates: list[np.ndarray]  # noiseless, peak (largest |value|) at index ``peak``
    peak: int
    trains: list[np.ndarray]  # sample index of each discharge's peak


def _shape(fs: float, duration_ms: float, weights: list[float], half: int) -> np.ndarray:
    """Sum of Gaussian derivatives: a smooth bi- or triphasic wave lasting about ``duration_ms``."""
    t = (np.arange(-half, half + 1) / fs) * 1000.0
    sigma = duration_ms / 6.0
    g = np.exp(-0.5 * (t / sigma) ** 2)
    d1 = -t / sigma * g
    d2 = (t**2 / sigma**2 - 1.0) * g
    wave = weights[0] * d1 + weights[1] * d2
    return wave / np.ptp(wave)


def make_truth(fs: float = 4000.0, seconds: float = 10.0, seed: int = 0, noise_mv: float = 0.010) -> Truth:
    rng = np.random.default_rng(seed)
    units = [  # (peak-to-peak mV, duration ms, weights, rate Hz)
        (1.2, 11.0, [0.3, 1.0], 9.0),
        (0.8, 9.0, [1.0, 0.2], 11.0),
        (0.5, 8.0, [0.4, -1.0], 13.0),
        (0.35, 10.0, [1.0, -0.6], 10.0),
        (0.25, 7.0, [-0.2, 1.0], 12.0),
    ]
    half = int(round(0.025 * fs))
    n = int(round(seconds * fs))
    x = rng.normal(0.0, noise_mv, n)
    templates, trains = [], []
    for amp, dur, weights, rate in units:
        shape = amp * _shape(fs, dur, weights, half)
        peak = int(np.argmax(np.abs(shape)))
        shape = np.roll(shape, half - peak)  # largest peak in the middle
        isi = np.clip(rng.normal(1.0 / rate, 0.15 / rate, int(seconds * rate * 1.5)), 0.02, None)
        times = np.cumsum(isi) + rng.uniform(0, 1.0 / rate)
        idx = np.round(times[times < seconds - 0.06] * fs).astype(np.int64)
        idx = idx[idx > half + 1]
        for i in idx:
            x[i - half:i + half + 1] += shape
        templates.append(shape)
        trains.append(idx)
    rec = Recording(data=x, fs=fs, units=("mV",), metadata={"muscle": "biceps brachii"})
    return Truth(rec, templates, half, trains)


def score(truth: Truth, result) -> np.ndarray:
    """Per true unit: (recall, precision, duration error ms, amplitude error fraction) of its best class.

    A class may be aligned on another phase of the unit than the true peak, so each class's discharges are
    first shifted by their median offset to the nearest true discharge; a hit is then within 1 ms.
    """
    fs = truth.recording.fs
    tol = int(round(0.001 * fs))
    win = max(2, int(round(DURATION_WINDOW_MS * fs / 1000)))
    rows = []
    for template, train in zip(truth.templates, truth.trains):
        onset, end, _ = _kernels.muap_markers(template, truth.peak, DURATION_LEVEL_MV, win)
        true_dur, true_amp = (end - onset) / fs * 1000, np.ptp(template)
        best = (0, None)
        for m in result.muaps:
            gap = train[None, :] - m.discharges[:, None]
            nearest = gap[np.arange(gap.shape[0]), np.abs(gap).argmin(axis=1)]
            offset = np.median(nearest)
            hits = int(np.sum(np.abs(nearest - offset) <= tol))
            if hits > best[0]:
                best = (hits, m)
        hits, m = best
        rows.append((hits / train.size, hits / m.n_discharges, abs(m.duration_ms - true_dur),
                     abs(m.amplitude_mv - true_amp) / true_amp))
    return np.array(rows)
