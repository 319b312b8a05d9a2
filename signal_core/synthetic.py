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

The numbers below are teaching-level values chosen inside the ranges those sources describe; they are
not fitted to any patient data. Everything is deterministic given ``seed``.

Examples
--------
>>> rec = simulate_recording("neurogenic", seconds=2.0, fs=4000.0, seed=1)
>>> rec.data.shape, rec.units[0], rec.metadata["simulated"]
((8000, 1), 'mV', True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import signal as sps

from signal_core.errors import SignalError
from signal_core.recording import Recording

CONDITIONS: tuple[str, ...] = ("healthy", "myopathic", "neurogenic")
MODES: tuple[str, ...] = ("needle", "surface")
SIMULATOR_VERSION = "1"

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


# Teaching values inside the ranges of the sources in REFERENCES (see the module docstring).
CONDITION_PARAMS: dict[str, ConditionParams] = {
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

RENDER_FS = 20_000.0  # MUAPs are drawn at least this finely, then decimated to the recording's rate
RECRUITMENT_RANGE = 30.0  # ratio of the highest to the lowest recruitment threshold (Fuglevand 1993)
NEEDLE_NOISE_UV = 12.0  # background noise of a needle recording (instrument + distant fibres)
SURFACE_NOISE_UV = 4.0
NEEDLE_BAND_HZ = (20.0, 2000.0)  # typical needle EMG filter settings; capped at 0.45 * fs
SURFACE_BAND_HZ = (20.0, 450.0)  # surface EMG band
SURFACE_TISSUE_MS = 0.8  # spread of the tissue low-pass (Gaussian sigma) for surface MUAPs
SURFACE_GAIN = 1.0  # relative gain of surface MUAPs after the tissue low-pass (sets surface RMS ~0.1 mV)
SURFACE_SPACING_MM = 10.0  # inter-electrode distance of the surface channels
SURFACE_DECAY_MM = 8.0  # amplitude decay length with distance from a unit to an electrode
MAINS_AMPLITUDE_MV = {"needle": 0.03, "surface": 0.01}  # amplitude of the simulated hum at the mains frequency


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


def muap_shape(fs: float, duration_ms: float, n_phases: int, rng: np.random.Generator) -> np.ndarray:
    """One MUAP scaled to 1 peak-to-peak: Gaussian lobes of alternating sign laid end to end.

    The triphasic base is a slow initial positive phase ending in a sharp positive peak, a sharp main
    negative spike (rise time about half a millisecond, as for a MUAP recorded close to the needle) and
    a slow terminal positive phase; polyphasic units get extra sharp lobes after the spike. The whole
    waveform lasts about ``duration_ms``.
    """
    n_phases = max(3, int(n_phases))
    d = duration_ms / 1000.0
    # Width (about 4 sigma) of a sharp lobe: set mostly by how close the fibres are to the needle, so it
    # grows only slowly with the MUAP's duration.
    sharp = max(0.25e-3 + 0.03 * d, 2.5 / fs)
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


def _render_muap(fs: float, duration_ms: float, n_phases: int, rng: np.random.Generator) -> np.ndarray:
    """A MUAP at ``fs``, drawn at RENDER_FS or more and decimated with an anti-alias filter, as an
    amplifier sampling at a high rate and storing at ``fs`` would (no aliased sharp spikes)."""
    factor = max(1, int(np.ceil(RENDER_FS / fs)))
    if factor == 1:
        return muap_shape(fs, duration_ms, n_phases, rng)
    fine = muap_shape(fs * factor, duration_ms, n_phases, rng)
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


def motor_unit_pool(subject: SubjectParams, fs: float, seed: int = 0) -> MotorUnitPool:
    """Build the subject's motor units (thresholds, rates, needle MUAP templates)."""
    params = CONDITION_PARAMS[_check_condition(subject.condition)]
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
    templates = [amplitudes[i] * _render_muap(fs, durations[i], n_phases[i], rng) for i in range(n)]
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
    span = max(1e-9, 1.0 - pool.thresholds[0])
    for thr, r0, r1 in zip(pool.thresholds, pool.min_rates, pool.peak_rates):
        active = coarse >= thr
        if not active.any():
            trains.append(np.empty(0, dtype=np.int64))
            continue
        gain = (r1 - r0) / (span * 0.5)  # reaches the peak rate halfway between threshold and maximum
        rate = np.where(active, np.minimum(r0 + gain * (coarse - thr), r1), 0.0)
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
) -> Recording:
    """Simulate an EMG recording in mV.

    Parameters
    ----------
    condition : "healthy", "myopathic" or "neurogenic".
    seconds, fs : length in seconds and sampling rate in Hz (needle EMG needs fs >= 4 kHz for
        realistic sharp MUAPs; surface EMG is fine from 1 kHz).
    mode : "needle" (one or more needle channels seeing the same units with independent noise) or
        "surface" (channels 10 mm apart along the muscle; MUAPs low-pass filtered by tissue and
        attenuated with distance; band 20-450 Hz).
    subject : per-subject parameters; by default ``sample_subject(condition, seed)``. The motor units
        themselves are drawn from ``seed``, so two recordings of one subject with different seeds see
        different units, as a new needle position does.
    excitation : effort from 0 to 1, a number or a profile (a 1-D sequence stretched over the recording).
    noise_uv : background noise (standard deviation, microvolts); default 12 (needle) or 4 (surface).
    mains_hz : add hum at 50 or 60 Hz (plus a weaker third harmonic); ``None`` for none.
    electrode_shift : change the amplitude partway through, as when an electrode moves.
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
    if not np.isfinite(seconds) or seconds <= 0 or seconds > 600:
        raise SignalError(f"length {seconds} s is out of range; simulate between 0 and 600 seconds")
    if not 1 <= int(n_channels) <= 64:
        raise SignalError(f"{n_channels} channels is out of range; simulate 1 to 64")
    if mains_hz is not None and float(mains_hz) not in (50.0, 60.0):
        raise SignalError(f"mains frequency must be 50 or 60 Hz, got {mains_hz}")
    n_channels = int(n_channels)
    subject = subject or sample_subject(condition, seed)
    if subject.condition != condition:
        raise SignalError(f"subject parameters are for {subject.condition!r}, not {condition!r}")
    n = int(round(seconds * fs))
    if n < 2:
        raise SignalError(f"{seconds} s at {fs} Hz is fewer than two samples")

    rng = np.random.default_rng([int(seed), CONDITIONS.index(condition), MODES.index(mode), 3])
    pool = motor_unit_pool(subject, fs, seed=seed)
    profile = _excitation_profile(excitation, n)
    trains = discharge_times(pool, profile, rng)

    n_units = len(pool.templates)
    if mode == "needle":
        # Extra needle channels see the same units, each with its own distance to every unit.
        gains = np.full((n_channels, n_units), subject.electrode_gain)
        gains[1:] *= np.exp(rng.normal(0.0, 0.3, (n_channels - 1, n_units)))
        data = _sum_trains(trains, pool.templates, gains, pool.jiggle, n, rng)
        noise_sd = (NEEDLE_NOISE_UV if noise_uv is None else float(noise_uv)) / 1000.0
        band = NEEDLE_BAND_HZ
    else:
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
        band = SURFACE_BAND_HZ
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
        data = _band(data, fs, *band)
    if mains_hz is not None:
        t = np.arange(n) / fs
        amplitude = MAINS_AMPLITUDE_MV[mode]
        hum = amplitude * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 2 * np.pi))
        if 3 * mains_hz < fs / 2:
            hum += 0.3 * amplitude * np.sin(2 * np.pi * 3 * mains_hz * t)
        data += hum[:, None]

    active = int(sum(train.size > 0 for train in trains))
    metadata = {
        "simulated": True,
        "simulator_version": SIMULATOR_VERSION,
        "condition": condition,
        "mode": mode,
        "seed": int(seed),
        "subject": subject.to_dict(),
        "excitation": float(profile.mean()),
        "excitation_profile": np.ndim(excitation) > 0,
        "noise_uv": noise_sd * 1000.0,
        "mains_hz": None if mains_hz is None else float(mains_hz),
        "electrode_shift": shift_info,
        "active_units": active,
        "references": sorted(REFERENCES),
    }
    prefix = "needle" if mode == "needle" else "surface"
    names = tuple(f"{prefix}{i + 1}" for i in range(n_channels))
    return Recording(data=data, fs=fs, channel_names=names, units=("mV",) * n_channels, metadata=metadata)
