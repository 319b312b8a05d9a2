"""A motor-unit EMG simulator: healthy, myopathic and neurogenic muscle, needle or surface electrodes.

The simulator follows the structure of Fuglevand, Winter and Patla (1993): a pool of motor units whose
recruitment thresholds are spread exponentially (many low-threshold units, few high-threshold ones, the
size principle), firing rates that rise linearly with excitation from a minimum rate at recruitment to a
peak rate, and discharge times drawn as a renewal process with a Gaussian inter-spike-interval spread.
Each unit's train of discharges is convolved with its motor-unit action potential (MUAP); the EMG is the
sum over units plus background noise.

What changes with the condition follows the textbook picture of needle EMG (Daube and Rubin 2009,
"Needle electromyography", AANEM monograph):

- **healthy**: MUAPs of a few hundred microvolts to a few millivolts, roughly 5-15 ms long, mostly
  triphasic; orderly recruitment.
- **myopathic**: fewer muscle fibres per unit give small, short, often polyphasic MUAPs, and many units
  are needed (recruited early) for a small force.
- **neurogenic**: fewer surviving motor units, enlarged by reinnervation: large, long, often polyphasic
  and less stable MUAPs, and the few units left fire faster before more are recruited.

Needle recordings are fitted to real ones: each unit's MUAP is drawn from a shape model learnt from the
MUAP templates of the low-force N2001 biceps recordings of ``../shared/data/emg_n2001``
(``signal_core.muap_shapes``), and the parameters in ``simulator_params.json`` (MUAP amplitudes and their
spread, motor units active at low effort, rate at recruitment, the wobble of a held effort, the background
of distant units and how much its level differs between needle sites, instrument noise, baseline, ADC
offset) were fitted to the same recordings per class by ``python -m signal_core.simulator_fit
../shared/data --refine`` (provenance inside the file). Every needle signal
passes the recording chain of those recordings (``signal_core.recording_chain``: amplifier 2 Hz-10 kHz,
16-bit ADC at 23,437.5 Hz with its +/-2.5 mV rails, anti-alias resampling). The recruitment structure is
a teaching value inside the ranges of the sources below (``TEACHING_PARAMS``, whose Gaussian-lobe MUAPs
``muap_shape`` draws; not fitted); surface mode is not fitted to any data.
Recording protocols (rest, low, moderate, ramp, relaxation) and clinical sessions are in
``signal_core.simulator_protocols``. Everything is deterministic given ``seed``.

Examples
--------
>>> rec = simulate_recording("neurogenic", seconds=2.0, fs=4000.0, seed=1)
>>> rec.data.shape, rec.units[0], rec.metadata["simulated"]
((8000, 1), 'mV', True)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import signal as sps

from signal_core import recording_chain as chain_mod
from signal_core.errors import SignalError
from signal_core.muap_shapes import ShapeModel
from signal_core.recording import Recording
from signal_core.spontaneous import simulate_spontaneous

CONDITIONS: tuple[str, ...] = ("healthy", "myopathic", "neurogenic")
MODES: tuple[str, ...] = ("needle", "surface")
SIMULATOR_VERSION = "6"
PARAMS_FILE = Path(__file__).with_name("simulator_params.json")

REFERENCES: dict[str, str] = {
    "fuglevand1993": (
        "Fuglevand AJ, Winter DA, Patla AE. Models of recruitment and rate coding organization in "
        "motor-unit pools. J Neurophysiol 1993;70(6):2470-2488. doi:10.1152/jn.1993.70.6.2470"
    ),
    "daube2009": (
        "Daube JR, Rubin DI. Needle electromyography (AANEM monograph). Muscle Nerve 2009;39:244-270"
    ),
    "physionet_emg": (
        "Examples of Electromyograms (PhysioNet): needle EMG at 4 kHz from a healthy subject, a myopathy "
        "and a neuropathy. doi:10.13026/C24S3D"
    ),
}


@dataclass(frozen=True)
class ConditionParams:
    """Typical values for one condition; ``sample_subject`` varies them per subject.

    Amplitudes are peak-to-peak MUAP amplitudes at the needle (median of a log-normal spread over units),
    durations are MUAP durations, rates are motor-unit discharge rates. References: ``REFERENCES``.
    """

    n_units: int  # motor units whose MUAPs reach the electrode
    amplitude_mv: float  # median peak-to-peak MUAP amplitude (needle)
    amplitude_spread: float  # log-normal sigma of amplitude over units (distance to the needle, size)
    duration_ms: float  # median MUAP duration
    polyphasic_fraction: float  # share of units with more than 4 phases
    extra_phases: tuple[int, int]  # phases added to the triphasic shape for polyphasic units (min, max)
    max_threshold: float  # excitation (0-1) at which the last unit is recruited
    min_rate_hz: float  # discharge rate at recruitment
    peak_rate_hz: float  # discharge rate reached by the earliest-recruited units
    isi_cv: float  # inter-spike-interval coefficient of variation
    jiggle: float  # discharge-to-discharge MUAP amplitude variability (unstable MUAPs)
    sharp_ms: float | None = None  # width (about 4 sigma) of the MUAP's sharp lobes; None: from duration
    background_mv: float = 0.0  # SD of the summed activity of distant units at low effort (needle, mV)
    background_hz: float = 300.0  # low-pass corner of that background (second order)
    background_spread: float = 0.0  # log-normal SD of that background's level between recordings (needle sites)
    low_excitation: float = 0.1  # excitation (0-1) of a "low" effort recording
    moderate_excitation: float = 0.35  # excitation of a "moderate" effort recording
    effort_cv: float = 0.0  # slow fluctuation of a "steady" effort (log-normal SD, below EFFORT_HZ)
    shapes: str = "lobes"  # needle MUAP shapes: "lobes" (``muap_shape``) or "fitted" (``SHAPE_MODELS``)


@dataclass(frozen=True)
class ChainParams:
    """What the recording chain adds besides the muscle (fitted to the same recordings; mV)."""

    instrument_psd: float  # white noise density of amplifier and electrode, mV^2/Hz (full-rate 6-10 kHz)
    baseline_mv: float  # SD of the slow baseline wander (below ``baseline_hz``)
    baseline_hz: float
    dc_offset_mv: float  # offset after the amplifier's high-pass (the ADC's zero): median over records
    dc_offset_sd_mv: float = 0.0  # how much that offset differs between records (robust SD)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


# Teaching values inside the ranges of the sources in REFERENCES: the prior that
# ``signal_core.simulator_fit`` starts from (the fit replaces the needle fields it names).
TEACHING_PARAMS: dict[str, ConditionParams] = {
    "healthy": ConditionParams(
        n_units=60, amplitude_mv=0.5, amplitude_spread=0.6, duration_ms=10.0, polyphasic_fraction=0.1,
        extra_phases=(1, 2), max_threshold=0.6, min_rate_hz=8.0, peak_rate_hz=30.0, isi_cv=0.15,
        jiggle=0.03,
    ),
    "myopathic": ConditionParams(
        n_units=60, amplitude_mv=0.2, amplitude_spread=0.5, duration_ms=6.0, polyphasic_fraction=0.6,
        extra_phases=(1, 4), max_threshold=0.25, min_rate_hz=8.0, peak_rate_hz=30.0, isi_cv=0.15,
        jiggle=0.05,
    ),
    "neurogenic": ConditionParams(
        n_units=18, amplitude_mv=2.0, amplitude_spread=0.5, duration_ms=15.0, polyphasic_fraction=0.45,
        extra_phases=(1, 3), max_threshold=0.6, min_rate_hz=11.0, peak_rate_hz=42.0, isi_cv=0.15,
        jiggle=0.12,
    ),
}


def load_fitted(path: str | Path = PARAMS_FILE) -> tuple[dict[str, ConditionParams], ChainParams, dict[str, Any]]:
    """The fitted condition and chain parameters, and the file's provenance block."""
    doc = json.loads(Path(path).read_text())
    known = {f.name for f in fields(ConditionParams)}
    params = {}
    for condition in CONDITIONS:
        fitted = {k: v for k, v in doc["conditions"][condition]["params"].items() if k in known}
        if condition in doc.get("shapes", {}):
            fitted["shapes"] = "fitted"
        params[condition] = replace(TEACHING_PARAMS[condition], **fitted)
    return params, ChainParams(**doc["chain"]), doc["provenance"]


def load_shapes(path: str | Path = PARAMS_FILE) -> dict[str, ShapeModel]:
    """The fitted MUAP shape model of each class (``signal_core.muap_shapes``), where the file has one."""
    doc = json.loads(Path(path).read_text())
    return {c: ShapeModel.from_dict(d) for c, d in doc.get("shapes", {}).items() if c in CONDITIONS}


#: The simulator's parameters: teaching values with the needle fields fitted to real recordings.
CONDITION_PARAMS, CHAIN_PARAMS, FIT_PROVENANCE = load_fitted()
#: MUAP shapes learnt from the same recordings; ``signal_core.simulator_fit`` swaps in new ones while it fits.
SHAPE_MODELS: dict[str, ShapeModel] = load_shapes()


def use_parameters(path: str | Path) -> None:
    """Simulate from another fitted parameter file from now on, in this process (for benchmarks: e.g. a fit
    that held some real subjects out). The module's dictionaries are updated in place, so every module
    that imported them sees the change."""
    global CHAIN_PARAMS, FIT_PROVENANCE
    params, CHAIN_PARAMS, FIT_PROVENANCE = load_fitted(path)
    CONDITION_PARAMS.update(params)
    SHAPE_MODELS.update(load_shapes(path))

RENDER_FS = 20_000.0  # MUAPs are drawn at least this finely, then decimated to the recording's rate
RECRUITMENT_RANGE = 30.0  # ratio of the highest to the lowest recruitment threshold (Fuglevand 1993)
SURFACE_NOISE_UV = 4.0
SURFACE_BAND_HZ = (20.0, 450.0)  # surface EMG band
SURFACE_TISSUE_MS = 0.8  # spread of the tissue low-pass (Gaussian sigma) for surface MUAPs
SURFACE_GAIN = 1.0  # relative gain of surface MUAPs after the tissue low-pass (sets surface RMS ~0.1 mV)
SURFACE_SPACING_MM = 10.0  # inter-electrode distance of the surface channels
SURFACE_DECAY_MM = 8.0  # amplitude decay length with distance from a unit to an electrode
EFFORT_HZ = 1.0  # corner of the slow fluctuation of a held effort (needle; ``effort_cv``)
# Hum at the mains frequency (teaching values): 10 uV is a clear line next to a weak needle contraction
# (about 20-70 uV RMS in the real low-force recordings).
MAINS_AMPLITUDE_MV = {"needle": 0.01, "surface": 0.01}


@dataclass(frozen=True)
class SubjectParams:
    """One simulated subject: the condition's values times per-subject factors (all about 1)."""

    condition: str
    n_units: int
    amplitude_scale: float
    duration_scale: float
    fibre_density: float  # relative; more fibres per unit -> larger MUAPs and more polyphasia
    firing_rate_scale: float
    electrode_gain: float
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MotorUnitPool:
    """The motor units of one subject: thresholds, rates and MUAP templates (needle, in mV)."""

    thresholds: np.ndarray  # excitation at recruitment, ascending
    min_rates: np.ndarray
    peak_rates: np.ndarray
    templates: list[np.ndarray]  # one MUAP per unit, sampled at fs
    amplitudes_mv: np.ndarray  # peak-to-peak of each template
    durations_ms: np.ndarray  # nominal duration of each template
    phases: np.ndarray  # number of phases of each template
    positions: np.ndarray  # relative position along the muscle, 0-1 (for surface channels)
    fs: float
    jiggle: float
    isi_cv: float


def _check_condition(condition: str) -> str:
    if condition not in CONDITIONS:
        raise SignalError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    return condition


def sample_subject(condition: str, seed: int = 0) -> SubjectParams:
    """Draw one subject's parameters for ``condition`` (deterministic by ``seed``)."""
    params = CONDITION_PARAMS[_check_condition(condition)]
    rng = np.random.default_rng([int(seed), CONDITIONS.index(condition), 7])
    return SubjectParams(
        condition=condition,
        n_units=max(4, int(round(params.n_units * rng.uniform(0.75, 1.25)))),
        amplitude_scale=float(np.exp(rng.normal(0.0, 0.2))),
        duration_scale=float(np.exp(rng.normal(0.0, 0.1))),
        fibre_density=float(np.exp(rng.normal(0.0, 0.15))),
        firing_rate_scale=float(np.exp(rng.normal(0.0, 0.08))),
        electrode_gain=float(np.exp(rng.normal(0.0, 0.15))),
        seed=int(seed),
    )


def muap_shape(fs: float, duration_ms: float, n_phases: int, rng: np.random.Generator,
               sharp_ms: float | None = None) -> np.ndarray:
    """One MUAP scaled to 1 peak-to-peak: Gaussian lobes of alternating sign laid end to end.

    The triphasic base is a slow initial positive phase ending in a sharp positive peak, a sharp main
    negative spike (rise time about half a millisecond, as for a MUAP recorded close to the needle) and
    a slow terminal positive phase; polyphasic units get extra sharp lobes after the spike. The whole
    waveform lasts about ``duration_ms``. ``sharp_ms`` sets the width of the sharp lobes (fitted to real
    recordings for needle EMG); by default it grows slowly with the duration.
    """
    n_phases = max(3, int(n_phases))
    d = duration_ms / 1000.0
    # Width (about 4 sigma) of a sharp lobe: set mostly by how close the fibres are to the needle, so it
    # grows only slowly with the MUAP's duration.
    sharp = (0.25e-3 + 0.03 * d) if sharp_ms is None else sharp_ms / 1000.0
    sharp = max(min(sharp, 0.3 * d), 2.5 / fs)
    extra = n_phases - 3
    lobe_widths = rng.uniform(0.9, 1.3, extra) * sharp
    initial = 0.28 * d
    terminal = max(d - initial - sharp - lobe_widths.sum(), 2 * sharp)
    # (centre, sigma, signed amplitude) of each Gaussian component
    parts = [
        (initial / 2, initial / 4, rng.uniform(0.1, 0.18)),  # slow initial positive phase
        (initial - sharp / 2, sharp / 4, rng.uniform(0.25, 0.4)),  # sharp positive peak before the spike
        (initial + sharp / 2, sharp / 4, -1.0),  # main negative spike
    ]
    edge, sign = initial + sharp, 1.0
    for width in lobe_widths:  # polyphasic units: extra alternating sharp lobes
        parts.append((edge + width / 2, width / 4, sign * rng.uniform(0.3, 0.85)))
        edge, sign = edge + width, -sign
    parts.append((edge + sharp, sharp / 2, sign * rng.uniform(0.25, 0.4)))  # start of the terminal phase
    parts.append((edge + terminal / 2, terminal / 4, sign * rng.uniform(0.1, 0.16)))  # slow terminal phase
    total = edge + terminal
    t = np.arange(-0.2 * total, 1.2 * total, 1.0 / fs)
    wave = np.zeros_like(t)
    for centre, sigma, amp in parts:
        wave += amp * np.exp(-0.5 * ((t - centre) / sigma) ** 2)
    ptp = np.ptp(wave)
    return wave / ptp if ptp > 0 else wave


def _render_muap(fs: float, duration_ms: float, n_phases: int, rng: np.random.Generator,
                 sharp_ms: float | None = None) -> np.ndarray:
    """A MUAP at ``fs``, drawn at RENDER_FS or more and decimated with an anti-alias filter, as an
    amplifier sampling at a high rate and storing at ``fs`` would (no aliased sharp spikes)."""
    factor = max(1, int(np.ceil(RENDER_FS / fs)))
    if factor == 1:
        return muap_shape(fs, duration_ms, n_phases, rng, sharp_ms)
    fine = muap_shape(fs * factor, duration_ms, n_phases, rng, sharp_ms)
    return sps.resample_poly(fine, 1, factor, window=_antialias(factor))


@lru_cache(maxsize=8)
def _antialias(factor: int) -> np.ndarray:
    """Low-pass FIR for decimating by ``factor`` (designed once per factor)."""
    return sps.firwin(20 * factor + 1, 1.0 / factor, window=("kaiser", 5.0))


def count_phases(template: np.ndarray, threshold: float = 0.02) -> int:
    """Phases of a MUAP: baseline crossings + 1, ignoring wiggles below ``threshold`` of its peak."""
    x = np.asarray(template, dtype=float)
    peak = np.max(np.abs(x)) if x.size else 0.0
    if peak == 0:
        return 0
    signs = np.sign(x[np.abs(x) > threshold * peak])
    return int(np.count_nonzero(np.diff(signs))) + 1


def muap_duration_ms(template: np.ndarray, fs: float, threshold: float = 0.05) -> float:
    """Duration of a MUAP: from leaving to returning to baseline (``threshold`` of its peak), in ms."""
    x = np.abs(np.asarray(template, dtype=float))
    if not x.size or x.max() == 0:
        return 0.0
    above = np.flatnonzero(x > threshold * x.max())
    return float((above[-1] - above[0] + 1) / fs * 1000.0)


def motor_unit_pool(subject: SubjectParams, fs: float, seed: int = 0, *,
                    params: ConditionParams | None = None) -> MotorUnitPool:
    """Build the subject's motor units (thresholds, rates, needle MUAP templates at ``fs``).

    ``params`` defaults to the condition's fitted ``CONDITION_PARAMS``.
    """
    params = params or CONDITION_PARAMS[_check_condition(subject.condition)]
    rng = np.random.default_rng([int(seed), 11])
    n = int(subject.n_units)
    # Exponential spread of thresholds (Fuglevand 1993): unit i recruited at RR**(i/n) / RR * max.
    rank = np.arange(1, n + 1) / n
    thresholds = params.max_threshold * RECRUITMENT_RANGE ** (rank - 1.0)
    # Earlier-recruited units reach higher peak rates (Fuglevand 1993: peak rate falls with threshold).
    peak = params.peak_rate_hz - 8.0 * (rank - rank[0])
    rate_scale = subject.firing_rate_scale
    min_rates = np.full(n, params.min_rate_hz * rate_scale)
    peak_rates = np.maximum(peak * rate_scale, min_rates + 1.0)

    # Amplitude grows with recruitment rank (size principle) and varies with distance to the needle.
    size = 0.7 + 0.6 * rank
    amplitudes = (
        params.amplitude_mv * subject.amplitude_scale * subject.fibre_density * size
        * np.exp(rng.normal(0.0, params.amplitude_spread, n))
    )
    durations = params.duration_ms * subject.duration_scale * np.exp(rng.normal(0.0, 0.15, n))
    poly_p = min(0.95, params.polyphasic_fraction * subject.fibre_density)
    is_poly = rng.random(n) < poly_p
    lo, hi = params.extra_phases
    n_phases = np.where(is_poly, 3 + rng.integers(lo, hi + 1, n), 3)
    model = SHAPE_MODELS.get(subject.condition) if params.shapes == "fitted" else None
    if model is not None:  # shapes learnt from real recordings (their own durations and phases)
        templates = [amplitudes[i] * model.sample(rng, fs, subject.duration_scale) for i in range(n)]
        durations = np.array([muap_duration_ms(t, fs) for t in templates])
    else:
        templates = [amplitudes[i] * _render_muap(fs, durations[i], n_phases[i], rng, params.sharp_ms)
                     for i in range(n)]
    return MotorUnitPool(
        thresholds=thresholds,
        min_rates=min_rates,
        peak_rates=peak_rates,
        templates=templates,
        amplitudes_mv=np.array([np.ptp(t) for t in templates]),
        durations_ms=durations,
        phases=np.array([count_phases(t) for t in templates]),
        positions=rng.uniform(0.0, 1.0, n),
        fs=float(fs),
        jiggle=params.jiggle,
        isi_cv=params.isi_cv,
    )


def _excitation_profile(excitation: Any, n_samples: int) -> np.ndarray:
    """A scalar or a 1-D profile (resampled to the recording) of excitation in [0, 1]."""
    arr = np.atleast_1d(np.asarray(excitation, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise SignalError("excitation must be a number or a 1-D list of numbers between 0 and 1")
    if np.any(arr < 0) or np.any(arr > 1):
        raise SignalError("excitation must lie between 0 (rest) and 1 (maximal effort)")
    if arr.size == 1:
        return np.full(n_samples, arr[0])
    return np.interp(np.linspace(0, 1, n_samples), np.linspace(0, 1, arr.size), arr)


def firing_rates(pool: MotorUnitPool, excitation: np.ndarray) -> np.ndarray:
    """Discharge rate (Hz) of every unit at each excitation value, ``(n_units, len(excitation))``.

    Zero below a unit's threshold; from its minimum rate at recruitment rising linearly to its peak rate,
    reached halfway between its threshold and maximal excitation (Fuglevand 1993).
    """
    e = np.asarray(excitation, dtype=float)[None, :]
    thr, r0, r1 = (a[:, None] for a in (pool.thresholds, pool.min_rates, pool.peak_rates))
    span = max(1e-9, 1.0 - float(pool.thresholds[0]))
    gain = (r1 - r0) / (span * 0.5)
    return np.where(e >= thr, np.minimum(r0 + gain * (e - thr), r1), 0.0)


def discharge_times(pool: MotorUnitPool, excitation: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Discharge sample indices of every unit for an excitation profile (one value per sample).

    Rates follow excitation linearly from the minimum rate at recruitment to the peak rate
    (Fuglevand 1993). Intervals are Gaussian with the pool's coefficient of variation, drawn in
    "rate time" (the integral of the instantaneous rate) so a changing excitation is handled exactly.
    """
    fs = pool.fs
    n = excitation.size
    # Effort changes slowly: evaluate rates on a 1 ms grid (exact for a constant effort), then place
    # each discharge by linear interpolation of the expected-count curve inside its grid cell.
    step = max(1, int(fs // 1000))
    coarse = excitation[::step]
    grid = np.minimum(np.arange(coarse.size + 1) * step, n).astype(float)
    widths = np.diff(grid) / fs  # seconds per grid cell (the last may be shorter)
    trains = []
    for rate in firing_rates(pool, coarse):
        if not rate.any():
            trains.append(np.empty(0, dtype=np.int64))
            continue
        cum = np.concatenate(([0.0], np.cumsum(rate * widths)))  # expected discharges so far
        total = cum[-1]
        n_draw = int(total + 6 * np.sqrt(total) + 10)
        intervals = np.clip(rng.normal(1.0, pool.isi_cv, n_draw), 0.3, None)
        phase = rng.uniform(0.0, 1.0) + np.cumsum(intervals) - 1.0
        phase = phase[(phase >= 0) & (phase < total)]
        idx = np.interp(phase, cum, grid).astype(np.int64)  # sample at which the count passes each phase
        trains.append(np.clip(idx, 0, n - 1))
    return trains


def _sum_trains(trains: list[np.ndarray], templates: list[np.ndarray], gains: np.ndarray,
                jiggle: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Place each unit's template at each of its discharges, for every channel at once.

    ``gains`` is ``(n_channels, n_units)``: how strongly each channel sees each unit. The discharge
    indices and shapes are built once; each channel is then one weighted ``bincount``.
    """
    indices, weights, owners = [], [], []
    for unit, (train, template) in enumerate(zip(trains, templates)):
        if train.size == 0:
            continue
        centre = int(np.argmax(np.abs(template)))
        scale = np.clip(rng.normal(1.0, jiggle, train.size), 0.2, None)  # discharge-to-discharge jiggle
        pos = train[:, None] - centre + np.arange(template.size)[None, :]
        indices.append(pos.ravel())
        weights.append((scale[:, None] * template[None, :]).ravel())
        owners.append(np.full(pos.size, unit, dtype=np.int32))
    out = np.zeros((n, gains.shape[0]))
    if not indices:
        return out
    pos = np.concatenate(indices)
    keep = (pos >= 0) & (pos < n)
    pos = pos[keep]
    w = np.concatenate(weights)[keep]
    owner = np.concatenate(owners)[keep]
    for c in range(gains.shape[0]):
        out[:, c] = np.bincount(pos, weights=w * gains[c][owner], minlength=n)[:n]
    return out


def _band(x: np.ndarray, fs: float, low: float, high: float) -> np.ndarray:
    high = min(high, 0.45 * fs)
    if high <= low:
        sos = sps.butter(2, low, btype="highpass", fs=fs, output="sos")
    else:
        sos = sps.butter(2, [low, high], btype="bandpass", fs=fs, output="sos")
    padlen = min(x.shape[0] - 1, 3 * 2 * sos.shape[0])
    return sps.sosfiltfilt(sos, x, axis=0, padlen=padlen)


def _coloured_noise(rng: np.random.Generator, n: int, n_channels: int, fs: float, corner_hz: float) -> np.ndarray:
    """Unit-variance Gaussian noise low-passed at ``corner_hz`` (second order), ``(n, n_channels)``."""
    white = rng.normal(0.0, 1.0, (n, n_channels))
    if corner_hz >= 0.45 * fs:
        return white
    sos = sps.butter(2, corner_hz, btype="lowpass", fs=fs, output="sos")
    out = sps.sosfilt(sos, white, axis=0)
    sd = out.std(axis=0)
    return out / np.where(sd > 0, sd, 1.0)


def _fluctuate(profile: np.ndarray, cv: float, fs: float, rng: np.random.Generator) -> np.ndarray:
    """A held effort is not steady: multiply by a slow log-normal wobble (computed on a 1 ms grid)."""
    if cv <= 0:
        return profile
    step = max(1, int(fs // 1000))
    m = -(-profile.size // step)
    wobble = _coloured_noise(rng, m, 1, fs / step, EFFORT_HZ)[:, 0] if m > 12 else np.zeros(m)
    return np.clip(profile * np.repeat(np.exp(cv * wobble), step)[: profile.size], 0.0, 1.0)


def _needle_signal(
    condition: str, subject: SubjectParams, params: ConditionParams, chain: ChainParams,
    profile_fn: Any, seconds: float, fs: float, n_channels: int, seed: int, noise_uv: float | None,
    spontaneous: bool, rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, Any], Any]:
    """The electrode signal at the render rate, before the amplifier: units + background + noise.

    Returns the signal, facts for the metadata, and the render plan.
    """
    plan = chain_mod.resampling_plan(fs)
    render_fs = plan.render_fs
    n = int(round(seconds * render_fs))
    pool = motor_unit_pool(subject, render_fs, seed=seed, params=params)
    profile = _fluctuate(profile_fn(n), params.effort_cv, render_fs, rng)
    trains = discharge_times(pool, profile, rng)
    n_units = len(pool.templates)
    gains = np.full((n_channels, n_units), subject.electrode_gain)
    gains[1:] *= np.exp(rng.normal(0.0, 0.3, (n_channels - 1, n_units)))
    data = _sum_trains(trains, pool.templates, gains, pool.jiggle, n, rng)

    # Distant units: their summed activity grows with the square root of the pool's total discharge
    # rate, relative to the rate at the condition's low effort (where ``background_mv`` was fitted).
    step = max(1, int(render_fs // 1000))
    total_rate = firing_rates(pool, profile[::step]).sum(axis=0)
    low_rate = firing_rates(pool, np.array([params.low_excitation])).sum()
    scale = np.sqrt(total_rate / low_rate) if low_rate > 0 else np.zeros_like(total_rate)
    scale = np.repeat(scale, step)[:n]
    size = subject.amplitude_scale * subject.fibre_density * subject.electrode_gain
    background = _coloured_noise(rng, n, n_channels, render_fs, params.background_hz)
    if params.background_spread > 0:  # its own stream, so the rest of a seeded recording stays as it was
        size *= float(np.exp(params.background_spread * np.random.default_rng([seed, 1]).standard_normal()))
    data += background * (params.background_mv * size * scale)[:, None]

    # Instrument noise: the fitted white density, or a requested SD within the output band.
    if noise_uv is None:
        noise_sd = chain_mod.white_noise_sd(chain.instrument_psd, render_fs)
        reported_uv = chain_mod.white_noise_sd(chain.instrument_psd, fs) * 1000.0
    else:
        reported_uv = float(noise_uv)
        if not np.isfinite(reported_uv) or reported_uv < 0:
            raise SignalError("noise level must be zero or a positive number of microvolts")
        noise_sd = reported_uv / 1000.0 * np.sqrt(render_fs / fs)  # white: the same SD once resampled
    data += rng.normal(0.0, noise_sd, data.shape)
    facts: dict[str, Any] = {
        "active_units": int(sum(train.size > 0 for train in trains)),
        "noise_uv": reported_uv,
        "excitation": float(profile.mean()),
        "spontaneous": None,
    }
    if spontaneous:
        spont, info = simulate_spontaneous(n, render_fs, seconds, rng)
        data += spont[:, None] * subject.electrode_gain
        facts["spontaneous"] = info
    return data, facts, plan


def _record(data: np.ndarray, chain: ChainParams, plan: Any, mains: Any, rng: np.random.Generator,
            shift_at: float | None) -> tuple[np.ndarray, dict[str, Any] | None]:
    """Amplifier, baseline wander, electrode shift, mains hum, ADC offset, ADC (rails, steps), resampling.

    The wander is added after the amplifier's high-pass because that is where it was measured.
    """
    fs = plan.render_fs
    n = data.shape[0]
    wander = _coloured_noise(rng, n, 1, fs, chain.baseline_hz)[:, 0] * chain.baseline_mv
    shift_info = None
    if shift_at is not None:
        at = int(n * shift_at)
        factor = float(rng.choice([rng.uniform(0.35, 0.6), rng.uniform(1.6, 2.2)]))
        data[at:] *= factor
        shift_info = {"at_s": at / fs, "amplitude_factor": factor}
    data = chain_mod.amplifier(data, fs) + wander[:, None]
    if mains is not None:
        data += mains(np.arange(n) / fs)[:, None]
    data += chain.dc_offset_mv + chain.dc_offset_sd_mv * rng.normal()
    return chain_mod.resample(chain_mod.adc(data), plan), shift_info


def simulate_recording(
    condition: str,
    seconds: float = 10.0,
    fs: float = 4000.0,
    *,
    mode: str = "needle",
    n_channels: int = 1,
    seed: int = 0,
    subject: SubjectParams | None = None,
    excitation: Any = 0.3,
    noise_uv: float | None = None,
    mains_hz: float | None = None,
    electrode_shift: bool = False,
    spontaneous: bool = False,
    units_seed: int | None = None,
    params: ConditionParams | None = None,
    chain: ChainParams | None = None,
) -> Recording:
    """Simulate an EMG recording in mV.

    Parameters
    ----------
    condition : "healthy", "myopathic" or "neurogenic".
    seconds, fs : length in seconds and sampling rate in Hz (needle EMG needs fs >= 4 kHz for
        realistic sharp MUAPs; surface EMG is fine from 1 kHz). Needle signals are made at the N2001
        ADC rate (23,437.5 Hz) and resampled to ``fs`` with an anti-alias filter, as the real ones were.
    mode : "needle" (one or more needle channels seeing the same units with independent noise, through
        the fitted recording chain of ``signal_core.recording_chain``) or "surface" (channels 10 mm apart
        along the muscle; MUAPs low-pass filtered by tissue and attenuated with distance; band 20-450 Hz;
        not fitted to data).
    subject : per-subject parameters; by default ``sample_subject(condition, seed)``. The motor units
        themselves are drawn from ``seed``, so two recordings of one subject with different seeds see
        different units, as a new needle position does.
    excitation : effort from 0 to 1, a number or a profile (a 1-D sequence stretched over the recording).
        ``CONDITION_PARAMS[condition].low_excitation`` is the fitted "low effort" of the real recordings;
        ``signal_core.simulator_protocols`` names the protocols.
    noise_uv : needle: white instrument noise (standard deviation in microvolts at ``fs``); default the
        fitted noise of the real recordings (under 1 uV at 4 kHz; most of a needle trace's baseline is
        distant units, which are part of the signal). Surface: background noise, default 4.
    mains_hz : add hum at 50 or 60 Hz (plus a weaker third harmonic); ``None`` for none.
    electrode_shift : change the amplitude partway through, as when an electrode moves.
    spontaneous : needle: add fibrillation potentials and positive sharp waves (see
        ``signal_core.spontaneous``), as at rest in a denervated or necrotising muscle.
    units_seed : seed of the motor units the needle sees (its position); default ``seed``. Recordings
        with one ``units_seed`` and different ``seed`` are new discharges of the same units.
    params, chain : override the fitted condition and chain parameters (``signal_core.simulator_fit`` uses
        this; by default ``CONDITION_PARAMS[condition]`` and ``CHAIN_PARAMS``).
    """
    _check_condition(condition)
    if mode not in MODES:
        raise SignalError(f"unknown electrode mode {mode!r}; choose 'needle' or 'surface'")
    try:
        seconds, fs = float(seconds), float(fs)
    except (TypeError, ValueError):
        raise SignalError("seconds and sampling rate must be numbers") from None
    if not np.isfinite(fs) or fs < 500:
        raise SignalError(f"sampling rate {fs} Hz is too low to simulate EMG; use at least 500 Hz")
    if fs > 200_000:
        raise SignalError(f"sampling rate {fs:g} Hz is too high to simulate; use at most 200,000 Hz")
    if not np.isfinite(seconds) or seconds <= 0 or seconds > 600:
        raise SignalError(f"length {seconds} s is out of range; simulate between 0 and 600 seconds")
    if not 1 <= int(n_channels) <= 64:
        raise SignalError(f"{n_channels} channels is out of range; simulate 1 to 64")
    if mains_hz is not None and float(mains_hz) not in (50.0, 60.0):
        raise SignalError(f"mains frequency must be 50 or 60 Hz, got {mains_hz}")
    if spontaneous and mode != "needle":
        raise SignalError("spontaneous activity (fibrillations, positive sharp waves) is simulated for needle EMG only")
    n_channels = int(n_channels)
    subject = subject or sample_subject(condition, seed)
    if subject.condition != condition:
        raise SignalError(f"subject parameters are for {subject.condition!r}, not {condition!r}")
    n = int(round(seconds * fs))
    if n < 2:
        raise SignalError(f"{seconds} s at {fs} Hz is fewer than two samples")
    _excitation_profile(excitation, 2)  # check it before any work
    params = params or CONDITION_PARAMS[condition]
    chain = chain or CHAIN_PARAMS

    rng = np.random.default_rng([int(seed), CONDITIONS.index(condition), MODES.index(mode), 3])
    if mode == "needle":
        data, facts, plan = _needle_signal(
            condition, subject, params, chain, lambda m: _excitation_profile(excitation, m), seconds, fs,
            n_channels, seed if units_seed is None else int(units_seed), noise_uv, spontaneous, rng,
        )
        shift_at = float(rng.uniform(0.35, 0.65)) if electrode_shift else None
        mains = _mains(mains_hz, "needle", fs, rng)
        data, shift_info = _record(data, chain, plan, mains, rng, shift_at)
        data = _fit_length(data, n)
    else:
        data, facts, shift_info = _surface_signal(subject, params, excitation, n, fs, n_channels, seed,
                                                  noise_uv, mains_hz, electrode_shift, rng)

    metadata = {
        "simulated": True,
        "simulator_version": SIMULATOR_VERSION,
        "condition": condition,
        "mode": mode,
        "seed": int(seed),
        "subject": subject.to_dict(),
        "excitation": facts["excitation"],
        "excitation_profile": np.ndim(excitation) > 0,
        "noise_uv": facts["noise_uv"],
        "mains_hz": None if mains_hz is None else float(mains_hz),
        "electrode_shift": shift_info,
        "active_units": facts["active_units"],
        "spontaneous": facts.get("spontaneous"),
        "fitted_to": FIT_PROVENANCE["dataset"] if mode == "needle" else None,
        "references": sorted(REFERENCES),
    }
    prefix = "needle" if mode == "needle" else "surface"
    names = tuple(f"{prefix}{i + 1}" for i in range(n_channels))
    return Recording(data=data, fs=fs, channel_names=names, units=("mV",) * n_channels, metadata=metadata)


def _fit_length(data: np.ndarray, n: int) -> np.ndarray:
    """Trim or edge-pad the resampled signal to exactly ``n`` samples (rounding of the rate change)."""
    if data.shape[0] >= n:
        return np.ascontiguousarray(data[:n])
    return np.pad(data, ((0, n - data.shape[0]), (0, 0)), mode="edge")


def _mains(mains_hz: float | None, mode: str, fs: float, rng: np.random.Generator) -> Any:
    """Hum at the mains frequency plus a weaker third harmonic (if below Nyquist), as a function of time."""
    if mains_hz is None:
        return None
    amplitude = MAINS_AMPLITUDE_MV[mode]
    phase = rng.uniform(0, 2 * np.pi)

    def hum(t: np.ndarray) -> np.ndarray:
        out = amplitude * np.sin(2 * np.pi * mains_hz * t + phase)
        if 3 * mains_hz < fs / 2:
            out += 0.3 * amplitude * np.sin(2 * np.pi * 3 * mains_hz * t)
        return out

    return hum


def _surface_signal(subject: SubjectParams, params: ConditionParams, excitation: Any, n: int, fs: float,
                    n_channels: int, seed: int, noise_uv: float | None, mains_hz: float | None,
                    electrode_shift: bool, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any], Any]:
    """Surface EMG (teaching model, not fitted): tissue low-pass, decay with distance, 20-450 Hz band."""
    pool = motor_unit_pool(subject, fs, seed=seed, params=params)
    profile = _excitation_profile(excitation, n)
    trains = discharge_times(pool, profile, rng)
    tissue = sps.windows.gaussian(int(8 * SURFACE_TISSUE_MS * fs / 1000) | 1, SURFACE_TISSUE_MS * fs / 1000)
    tissue /= tissue.sum()
    surface_templates = [np.convolve(t, tissue) * SURFACE_GAIN for t in pool.templates]
    length_mm = max(1.0, (n_channels - 1) * SURFACE_SPACING_MM)
    positions = pool.positions * (length_mm + 2 * SURFACE_SPACING_MM) - SURFACE_SPACING_MM
    depth = rng.uniform(3.0, 15.0, positions.size)
    electrodes = np.arange(n_channels)[:, None] * SURFACE_SPACING_MM
    dist = np.hypot(positions[None, :] - electrodes, depth[None, :])
    gains = subject.electrode_gain * np.exp(-dist / SURFACE_DECAY_MM) * 3.0
    data = _sum_trains(trains, surface_templates, gains, pool.jiggle, n, rng)
    noise_sd = (SURFACE_NOISE_UV if noise_uv is None else float(noise_uv)) / 1000.0
    if not np.isfinite(noise_sd) or noise_sd < 0:
        raise SignalError("noise level must be zero or a positive number of microvolts")
    data += rng.normal(0.0, noise_sd * 1.2, data.shape)  # filtering below removes about a sixth
    shift_info: dict[str, Any] | None = None
    if electrode_shift:
        at = int(n * rng.uniform(0.35, 0.65))
        factor = float(rng.choice([rng.uniform(0.35, 0.6), rng.uniform(1.6, 2.2)]))
        data[at:] *= factor
        shift_info = {"at_s": at / fs, "amplitude_factor": factor}
    if n > 12:
        data = _band(data, fs, *SURFACE_BAND_HZ)
    hum = _mains(mains_hz, "surface", fs, rng)
    if hum is not None:
        data += hum(np.arange(n) / fs)[:, None]
    facts = {"active_units": int(sum(train.size > 0 for train in trains)), "noise_uv": noise_sd * 1000.0,
             "excitation": float(profile.mean())}
    return data, facts, shift_info
