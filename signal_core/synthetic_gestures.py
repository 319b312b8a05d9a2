"""Simulated surface-EMG gesture sessions: every subject performs every gesture (a within-subject design).

A forearm is modelled as ``len(SOURCE_ANGLES_DEG)`` muscle groups around the arm. Each group is one
surface recording from ``signal_core.synthetic`` (its own motor-unit pool and subject parameters),
driven by a per-gesture effort. ``n_channels`` electrodes sit evenly around the arm; each sees every
group with a Gaussian weight of the angle between them (volume conduction / crosstalk).

What differs between subjects (what makes cross-subject validation hard, as in real cohorts): the
electrode ring's rotation on the arm, each channel's contact gain, the overall amplitude, the width of
the spatial spread, each group's motor units, and how strongly each person uses each group for a
gesture. Sessions of one subject share all of that except a small extra rotation of the ring.

A session is one recording with a per-sample label: each gesture held for ``gesture_s`` seconds,
with ``transition_s`` unlabelled ramps between them (labelled ``""``), and the label switching half
way through each ramp (so the first samples of a labelled segment are still transition, as when an
operator marks gestures by hand). ``hold`` > 1 emulates a slow device logged on a faster clock: the
signal is sampled at ``fs / hold`` and each sample repeated ``hold`` times (sample-and-hold).

This is a teaching and testing aid, not a model of any particular dataset or device.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import signal as sps

from signal_core.recording import Recording
from signal_core.synthetic import sample_subject, simulate_recording

SOURCE_ANGLES_DEG = (0.0, 90.0, 180.0, 270.0)  # flexor, radial, extensor, ulnar groups (schematic)
#: Effort (0-1) of each muscle group in each gesture.
GESTURES: dict[str, tuple[float, float, float, float]] = {
    "rest": (0.02, 0.02, 0.02, 0.02),
    "fist": (0.45, 0.35, 0.45, 0.35),
    "flexion": (0.55, 0.15, 0.05, 0.25),
    "extension": (0.05, 0.25, 0.55, 0.15),
    "radial": (0.25, 0.5, 0.25, 0.05),
    "ulnar": (0.25, 0.05, 0.2, 0.5),
}


def _subject_rng(subject: int, seed: int, *extra: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(subject), 7919, *extra])


def _mixing(subject: int, session: int, n_channels: int, seed: int) -> np.ndarray:
    """``(n_sources, n_channels)`` weights: Gaussian in the angle between group and electrode."""
    rng = _subject_rng(subject, seed)
    rotation = rng.uniform(-30.0, 30.0) + _subject_rng(subject, seed, session + 1).normal(0.0, 8.0)
    width = 55.0 * np.exp(rng.normal(0.0, 0.15))
    contact = np.exp(rng.normal(0.0, 0.25, n_channels))
    amplitude = np.exp(rng.normal(0.0, 0.4))
    electrodes = np.arange(n_channels) * 360.0 / n_channels + rotation
    diff = (np.asarray(SOURCE_ANGLES_DEG)[:, None] - electrodes[None, :] + 180.0) % 360.0 - 180.0
    return amplitude * contact[None, :] * np.exp(-0.5 * (diff / width) ** 2)


def _efforts(subject: int, gestures: Sequence[str], seed: int) -> np.ndarray:
    """``(n_gestures, n_sources)``: the gesture table scaled by how this subject performs each gesture."""
    rng = _subject_rng(subject, seed, 99)
    base = np.array([GESTURES[g] for g in gestures])
    return np.clip(base * np.exp(rng.normal(0.0, 0.3, base.shape)), 0.0, 1.0)


def simulate_gesture_session(
    subject: int,
    *,
    session: int = 0,
    gestures: Sequence[str] = tuple(GESTURES),
    repetitions: int = 1,
    gesture_s: float = 3.0,
    transition_s: float = 0.5,
    fs: float = 1000.0,
    n_channels: int = 8,
    hold: int = 1,
    seed: int = 0,
) -> tuple[Recording, np.ndarray]:
    """One session of one subject -> ``(recording in mV, per-sample labels)``; see the module docstring."""
    unknown = [g for g in gestures if g not in GESTURES]
    if unknown:
        raise ValueError(f"unknown gesture(s) {', '.join(unknown)}; known: {', '.join(GESTURES)}")
    if int(hold) < 1:
        raise ValueError("hold must be 1 or more rows per sample")
    order = [g for _ in range(int(repetitions)) for g in gestures]
    efforts = _efforts(subject, gestures, seed)
    index = {g: i for i, g in enumerate(gestures)}
    n_gesture, n_ramp = int(round(gesture_s * fs)), int(round(transition_s * fs))
    n = n_ramp + len(order) * (n_gesture + n_ramp)
    profiles = np.empty((len(SOURCE_ANGLES_DEG), n))
    labels = np.full(n, "", dtype=object)
    previous = np.array(GESTURES["rest"])
    at = 0
    for g in order:
        level = efforts[index[g]]
        ramp = np.linspace(0.0, 1.0, n_ramp, endpoint=False)
        profiles[:, at:at + n_ramp] = previous[:, None] + (level - previous)[:, None] * ramp[None, :]
        labels[at + n_ramp // 2:at + n_ramp + n_gesture] = g
        profiles[:, at + n_ramp:at + n_ramp + n_gesture] = level[:, None]
        at += n_ramp + n_gesture
        previous = level
    profiles[:, at:] = previous[:, None] * np.linspace(1.0, 0.0, n - at)[None, :]
    sources = np.empty((n, len(SOURCE_ANGLES_DEG)))
    for k in range(len(SOURCE_ANGLES_DEG)):
        params = sample_subject("healthy", seed=1000 * int(seed) + 10 * int(subject) + k)
        rec = simulate_recording("healthy", seconds=n / fs, fs=fs, mode="surface", subject=params,
                                 excitation=profiles[k], seed=int(seed) * 100003 + int(subject) * 101 + session * 11 + k)
        sources[:, k] = rec.data[:n, 0]
    noise = _subject_rng(subject, seed, session + 50).normal(0.0, 0.004, (n, n_channels))
    data = sources @ _mixing(subject, session, n_channels, seed) + noise
    if hold > 1:
        slow = sps.decimate(data, int(hold), axis=0, zero_phase=True)
        data = np.repeat(slow, int(hold), axis=0)[:n]
    names = tuple(f"ch{i + 1}" for i in range(n_channels))
    meta = {"simulated": True, "subject": int(subject), "session": int(session), "hold": int(hold),
            "gestures": list(gestures)}
    return Recording(data=np.ascontiguousarray(data), fs=float(fs), channel_names=names,
                     units=("mV",) * n_channels, metadata=meta), labels.astype(str)


def write_gesture_csv(path: str | Path, recording: Recording, labels: np.ndarray, *,
                      time_column: str = "time", label_column: str = "gesture") -> Path:
    """Write a session as CSV: time in milliseconds (named ``time_column``), channels, then the label."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    t_ms = np.arange(recording.n_samples) * 1000.0 / recording.fs
    rows = [f"{t:.3f}," + ",".join(f"{v:.6g}" for v in values) + f",{lab}"
            for t, values, lab in zip(t_ms, recording.data, labels)]
    header = ",".join([time_column, *recording.channel_names, label_column])
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def write_gesture_cohort(root: str | Path, *, subjects: int = 6, sessions: int = 1, seed: int = 0,
                         **session_options) -> Path:
    """Write ``root/S01-session1.csv``... and ``root/manifest.csv`` (path, subject, session); returns it."""
    root = Path(root)
    lines = ["path,subject,session"]
    for s in range(subjects):
        for k in range(sessions):
            rec, labels = simulate_gesture_session(s, session=k, seed=seed, **session_options)
            name = f"S{s + 1:02d}-session{k + 1}.csv"
            write_gesture_csv(root / name, rec, labels)
            lines.append(f"{name},S{s + 1:02d},{k + 1}")
    manifest = root / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest
