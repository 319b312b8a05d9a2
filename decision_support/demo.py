"""The simulated demo cohorts, their dataset cards, and the shipped demo model.

Two cohorts come from signal_core's motor-unit simulator (``signal_core.synthetic``):

- ``demo-needle``: needle EMG at 4 kHz, one channel, like the classic clinical teaching recordings;
- ``demo-surface``: surface EMG at 2 kHz, four channels 10 mm apart along the muscle.

Each has 20 simulated subjects per class (healthy, myopathic, neurogenic); every subject's parameters
are drawn by ``sample_subject`` (number of motor units, MUAP amplitude and duration, fibre density, firing
rates and electrode gain vary from person to person), and each subject gives 3 recordings of 5 s at
different efforts. Subjects are seeded apart from the ones the app offers as demo recordings
(``demo_recording``), so those are never in the training cohort.

``ensure_demo_model()`` trains the shipped model on ``demo-needle`` and saves it to
``default_model_dir() / "demo"`` if it is not there yet. It is a random forest: in subject-grouped
validation on this cohort the four kinds discriminate about equally well (macro AUC 0.96-0.98), and the
forest combines one of the lowest Brier scores with a calibration slope near 1 (LDA's was 1.4: too timid),
trains in about half a minute, and saturates instead of extrapolating linearly on recordings unlike the
training data, which matters when the demo model meets real clinical recordings. The comparison is
reproduced by ``bench/bench_training.py`` (numbers in the README).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps

from decision_support.registry import default_model_dir, load_model, read_sidecar, save_model
from decision_support.training import TrainedModel, train_model
from decision_support.transformers import FeatureSettings, recording_features
from signal_core.recording import Recording
from signal_core.synthetic import (
    CONDITION_PARAMS,
    CONDITIONS,
    REFERENCES,
    SIMULATOR_VERSION,
    SubjectParams,
    sample_subject,
    simulate_recording,
)

DEMO_MODEL_NAME = "demo"
DEMO_MODEL_KIND = "rf"
EFFORTS = (0.2, 0.35, 0.5)  # surface: excitation of the motor pool for the recordings of a subject (0-1), +-0.05
NEEDLE_EFFORTS = ("low", "moderate", "twice moderate")  # needle: the simulator's fitted protocol efforts
NEEDLE_EFFORT_SPREAD = 0.2  # log-normal SD around them
SEVERITY_RANGE = (0.35, 1.0)  # disease severity of abnormal subjects (see subject_with_severity)
NOISE_UV_RANGE = (6.0, 30.0)  # background noise, microvolts: surface x 0.35, needle x NEEDLE_NOISE_SHARE
# Needle: white instrument noise of 0.6-3 uV (the fitted simulator's is 0.7 uV at 4 kHz; its distant units
# make the rest of the background). 6-30 uV of white noise swamped a weak contraction (20-70 uV RMS).
NEEDLE_NOISE_SHARE = 0.1
MAINS_SHARE = 1 / 3  # recordings with 50 Hz hum
HIGHPASS_HZ_RANGE = (10.0, 40.0)  # amplifier high-pass of each recording (see vary_amplifier)
LOWPASS_SHARE_RANGE = (0.55, 0.95)  # low-pass (half the recordings) as a share of the simulated band's top
TRAINING_SEED_BASE = 10_000  # training subjects are seeds 10000+; demo recordings use seeds below 1000


@dataclass(frozen=True)
class CohortSpec:
    name: str
    mode: str
    fs: float
    n_channels: int
    subjects_per_class: int
    recordings_per_subject: int
    seconds: float
    description: str


DEMO_COHORTS: dict[str, CohortSpec] = {
    "demo-needle": CohortSpec("demo-needle", "needle", 4000.0, 1, 20, 3, 5.0,
                              "Simulated concentric-needle EMG at 4 kHz, one channel."),
    "demo-surface": CohortSpec("demo-surface", "surface", 2000.0, 4, 20, 3, 5.0,
                               "Simulated surface EMG at 2 kHz, four channels 10 mm apart."),
}


def cohort_spec(name: str = "demo-needle", *, quick: bool = False) -> CohortSpec:
    """The cohort's design; ``quick`` shrinks it (4 subjects per class, 2 recordings of 2 s) for tests."""
    if name not in DEMO_COHORTS:
        raise ValueError(f"unknown demo cohort {name!r}; choose one of {', '.join(DEMO_COHORTS)}")
    spec = DEMO_COHORTS[name]
    if quick:
        return CohortSpec(spec.name + "-quick", spec.mode, spec.fs, spec.n_channels, 4, 2, 2.0,
                          spec.description + " Quick variant for tests.")
    return spec


def _subject_seed(condition: str, index: int) -> int:
    return TRAINING_SEED_BASE + 1000 * CONDITIONS.index(condition) + index


def subject_with_severity(condition: str, seed: int) -> tuple[SubjectParams, float]:
    """A simulated subject and their disease severity (1 = the simulator's typical picture, healthy: 0).

    Real patients range from mild to severe, so the demo cohort draws a severity in [0.35, 1] for each
    abnormal subject and moves the subject's MUAP amplitude, MUAP duration, number of motor units and firing
    rates that far (geometrically) from the healthy values towards the condition's values. Mild cases then
    overlap with healthy ones, as in clinics, and a model cannot look perfect by construction.
    """
    subject = sample_subject(condition, seed)
    if condition == "healthy":
        return subject, 0.0
    rng = np.random.default_rng([seed, 99])
    severity = float(rng.uniform(*SEVERITY_RANGE))
    sick, well = CONDITION_PARAMS[condition], CONDITION_PARAMS["healthy"]
    toward = 1.0 - severity

    def blend(ill: float, healthy: float) -> float:
        return (healthy / ill) ** toward

    return replace(
        subject,
        amplitude_scale=subject.amplitude_scale * blend(sick.amplitude_mv, well.amplitude_mv),
        duration_scale=subject.duration_scale * blend(sick.duration_ms, well.duration_ms),
        n_units=max(4, int(round(subject.n_units * blend(sick.n_units, well.n_units)))),
        firing_rate_scale=subject.firing_rate_scale * blend(sick.peak_rate_hz, well.peak_rate_hz),
    ), severity


def vary_amplifier(rec: Recording, rng: np.random.Generator) -> Recording:
    """Another amplifier's filters: a high-pass at 10-40 Hz and, for half the recordings, a low-pass at
    55-95% of the simulator's upper band edge (second-order Butterworth, zero phase).

    Clinical machines differ in their filter settings; without this the spectral features of the demo
    cohort would all share one amplifier's band, and a model would learn that band as "normal".
    """
    high = float(rng.uniform(*HIGHPASS_HZ_RANGE))
    sos = [sps.butter(2, high, "highpass", fs=rec.fs, output="sos")]
    low = None
    if rng.random() < 0.5:
        top = min(0.45 * rec.fs, 2000.0 if rec.fs >= 4000 else 450.0)
        low = float(rng.uniform(*LOWPASS_SHARE_RANGE) * top)
        sos.append(sps.butter(2, low, "lowpass", fs=rec.fs, output="sos"))
    data = rec.data
    for section in sos:
        data = sps.sosfiltfilt(section, data, axis=0)
    meta = {**rec.metadata, "demo_highpass_hz": round(high, 1), "demo_lowpass_hz": None if low is None else round(low)}
    return Recording(data, rec.fs, rec.channel_names, rec.units, meta)


def _effort(condition: str, mode: str, r: int, rng: np.random.Generator) -> float:
    """Excitation of recording ``r``: needle, the fitted low and moderate efforts of the condition (and twice
    moderate), varied log-normally; surface (not fitted), ``EFFORTS`` +- N(0, 0.05)."""
    if mode != "needle":
        return float(np.clip(EFFORTS[r % len(EFFORTS)] + rng.normal(0, 0.05), 0.1, 0.8))
    p = CONDITION_PARAMS[condition]
    levels = (p.low_excitation, p.moderate_excitation, min(1.0, 2 * p.moderate_excitation))
    return float(np.clip(levels[r % len(levels)] * np.exp(rng.normal(0, NEEDLE_EFFORT_SPREAD)), 0.005, 0.8))


def simulate_cohort(spec: CohortSpec) -> Iterator[tuple[Recording, dict[str, Any]]]:
    """Yield (recording, row metadata) for every simulated recording of the cohort.

    Per recording, the effort, the background noise (6-30 microvolts) and mains hum (50 Hz in about a
    third of recordings) vary, as they do between real recordings of one person.
    """
    for condition in CONDITIONS:
        for i in range(spec.subjects_per_class):
            seed = _subject_seed(condition, i)
            subject, severity = subject_with_severity(condition, seed)
            rng = np.random.default_rng([seed, 7])
            for r in range(spec.recordings_per_subject):
                effort = _effort(condition, spec.mode, r, rng)
                noise = float(rng.uniform(*NOISE_UV_RANGE)) * (NEEDLE_NOISE_SHARE if spec.mode == "needle" else 0.35)
                mains = 50.0 if rng.random() < MAINS_SHARE else None
                rec = simulate_recording(condition, seconds=spec.seconds, fs=spec.fs, mode=spec.mode,
                                         n_channels=spec.n_channels, seed=seed * 10 + r, subject=subject,
                                         excitation=effort, noise_uv=noise, mains_hz=mains)
                rec = vary_amplifier(rec, rng)
                yield rec, {"subject": f"{condition[:3]}-{i + 1:02d}", "label": condition,
                            "recording": f"{condition[:3]}-{i + 1:02d}-r{r + 1}", "mode": spec.mode,
                            "effort": round(effort, 3), "severity": round(severity, 3)}


def demo_feature_table(name: str = "demo-needle", *, quick: bool = False, settings: FeatureSettings | None = None,
                       progress: Callable[[float, str], None] | None = None) -> pd.DataFrame:
    """Recording-level feature table of a demo cohort (features + subject, label, recording, mode, effort)."""
    spec = cohort_spec(name, quick=quick)
    settings = settings or FeatureSettings()
    total = len(CONDITIONS) * spec.subjects_per_class * spec.recordings_per_subject
    rows = []
    for k, (rec, meta) in enumerate(simulate_cohort(spec)):
        rows.append({**recording_features(rec, settings).to_dict(), **meta})
        if progress and (k + 1) % 10 == 0:
            progress((k + 1) / total, f"simulated and measured {k + 1} of {total} recordings")
    return pd.DataFrame(rows)


def demo_recording(condition: str, index: int = 0, *, seconds: float = 10.0, mode: str = "needle",
                   fs: float | None = None, n_channels: int = 1) -> Recording:
    """A simulated recording from a subject who is *not* in any demo training cohort."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    seed = 1 + 100 * CONDITIONS.index(condition) + int(index)
    fs = fs or (4000.0 if mode == "needle" else 2000.0)
    # Needle: the fitted moderate effort and the middle of the cohort's amplifier high-pass range (the
    # simulator's own 2 Hz high-pass lies outside what the demo model was trained on).
    needle = mode == "needle"
    rec = simulate_recording(condition, seconds=seconds, fs=fs, mode=mode, n_channels=n_channels, seed=seed,
                             subject=sample_subject(condition, seed),
                             excitation=CONDITION_PARAMS[condition].moderate_excitation if needle else 0.35,
                             noise_uv=float(np.mean(NOISE_UV_RANGE)) * NEEDLE_NOISE_SHARE if needle else None)
    if not needle:
        return rec
    high = float(np.mean(HIGHPASS_HZ_RANGE))
    data = sps.sosfiltfilt(sps.butter(2, high, "highpass", fs=rec.fs, output="sos"), rec.data, axis=0)
    return Recording(data, rec.fs, rec.channel_names, rec.units, {**rec.metadata, "demo_highpass_hz": high})


def dataset_card(name: str = "demo-needle", *, quick: bool = False) -> dict[str, Any]:
    """What the demo cohort is, how it was made, and what it is not (dict; see ``dataset_card_markdown``)."""
    spec = cohort_spec(name, quick=quick)
    n_rec = len(CONDITIONS) * spec.subjects_per_class * spec.recordings_per_subject
    return {
        "name": spec.name,
        "simulated": True,
        "summary": (f"SIMULATED: {spec.subjects_per_class} simulated subjects per class ({', '.join(CONDITIONS)}), "
                    f"{spec.recordings_per_subject} recordings of {spec.seconds:g} s each ({n_rec} recordings); "
                    f"{spec.mode} electrode, {spec.fs:g} Hz, {spec.n_channels} channel(s). No patient data."),
        "description": spec.description,
        "how": ("medlens' motor-unit simulator (signal_core.synthetic, simulator version "
                f"{SIMULATOR_VERSION}): motor units recruited by the size principle with rate coding, discharge "
                "times from a renewal process, condition-specific MUAP shapes (healthy; myopathic: small, short, "
                "polyphasic, early recruitment; neurogenic: few, large, long, polyphasic units firing fast), "
                "instrument noise and band-pass filtering."),
        "parameters": {
            "classes": list(CONDITIONS),
            "subjects_per_class": spec.subjects_per_class,
            "recordings_per_subject": spec.recordings_per_subject,
            "seconds": spec.seconds,
            "fs_hz": spec.fs,
            "mode": spec.mode,
            "n_channels": spec.n_channels,
            "efforts": (list(NEEDLE_EFFORTS[: spec.recordings_per_subject]) if spec.mode == "needle"
                        else list(EFFORTS[: spec.recordings_per_subject])),
            "per_subject_variation": ("sample_subject(condition, seed): number of units x U(0.75, 1.25); "
                                      "log-normal factors on MUAP amplitude (sd 0.2), duration (0.1), fibre density "
                                      "(0.15), firing rate (0.08) and electrode gain (0.15)"),
            "severity": (f"abnormal subjects: severity ~ U{SEVERITY_RANGE}; MUAP amplitude, duration, number of units "
                         "and firing rate moved geometrically from healthy towards the condition by that share"),
            "recording_variation": (f"effort: needle, the simulator's fitted efforts x log-normal (SD "
                                    f"{NEEDLE_EFFORT_SPREAD}); surface {list(EFFORTS)} +- N(0, 0.05); noise ~ U{NOISE_UV_RANGE} microvolts "
                                    f"(surface x 0.35, needle x {NEEDLE_NOISE_SHARE}); 50 Hz hum in {MAINS_SHARE:.0%} of recordings; amplifier "
                                    f"high-pass U{HIGHPASS_HZ_RANGE} Hz and, in half the recordings, a low-pass at "
                                    f"U{LOWPASS_SHARE_RANGE} x the band's top (2 kHz needle, 450 Hz surface)"),
            "subject_seeds": f"{TRAINING_SEED_BASE} + 1000 x class index + subject index",
        },
        "references": list(REFERENCES.values()),
        "limitations": [
            "Simulated signals are steadier than clinical recordings: a classifier tells the simulator's needle "
            "recordings from real ones every time (README, 'Simulator vs real'), though their mean frequency and "
            "zero crossings match the real low-force recordings. Fibrillations and positive sharp waves are not "
            "in this cohort (it has no rest recordings); complex repetitive discharges, interference from distant "
            "muscles and needle movement are not modelled.",
            "Real disease varies in severity and distribution; each simulated class is one typical picture.",
            "Results on this cohort say how well a model separates the simulator's classes, not patients'.",
        ],
    }


def dataset_card_markdown(card: dict[str, Any]) -> str:
    p = card["parameters"]
    lines = [
        f"# Dataset card: {card['name']}", "",
        "> **Simulated data.** Every recording was generated by medlens' EMG simulator; none comes from a person.",
        "", card["summary"], "", "## How it was made", "", card["how"], "", "## Parameters", "",
    ]
    lines += [f"- **{k.replace('_', ' ')}**: {v}" for k, v in p.items()]
    lines += ["", "## Limitations", ""] + [f"- {item}" for item in card["limitations"]]
    lines += ["", "## References", ""] + [f"- {ref}" for ref in card["references"]]
    return "\n".join(lines) + "\n"


def train_demo_model(*, name: str = "demo-needle", kind: str = DEMO_MODEL_KIND, quick: bool = False,
                     progress: Callable[[float, str], None] | None = None) -> TrainedModel:
    """Simulate the demo cohort and train, validate and document a model on it."""
    settings = FeatureSettings()
    report = progress or (lambda f, m: None)
    table = demo_feature_table(name, quick=quick, settings=settings, progress=lambda f, m: report(0.3 * f, m))
    card = dataset_card(name, quick=quick)
    return train_model(table, kind=kind, settings=settings, cohort_name=card["name"], simulated=True,
                       n_boot=200 if quick else 500, dataset_card=card,
                       progress=lambda f, m: report(0.3 + 0.7 * f, m))


def ensure_demo_model(folder: str | os.PathLike | None = None, *, quick: bool = False,
                      progress: Callable[[float, str], None] | None = None) -> Path:
    """Train and save the demo model unless a readable one is already at ``folder`` (default: models/demo)."""
    folder = Path(folder) if folder is not None else default_model_dir() / DEMO_MODEL_NAME
    try:
        read_sidecar(folder)
        return folder
    except ValueError:
        pass
    model = train_demo_model(quick=quick, progress=progress)
    save_model(model, folder)
    (folder / "dataset_card.md").write_text(dataset_card_markdown(model.metadata["dataset_card"]))
    return folder


def load_demo_model(folder: str | os.PathLike | None = None, *, quick: bool = False) -> TrainedModel:
    return load_model(ensure_demo_model(folder, quick=quick))
