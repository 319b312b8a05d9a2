"""Quantitative needle EMG: MUAPs from a low-force contraction, measured as a clinical EMG machine does.

The multi-MUP approach (Stålberg et al. 1986 describe the parameters; clinical systems detect, sort and
average discharges): discharges rising above the noise are detected and aligned on their largest peak,
sorted into MUAP classes by template matching over the spike (the +-2 ms around the peak), outliers and
superimpositions are rejected, and each class is averaged (median per sample, robust to other units
firing inside a few sweeps) into a template. Every template is then measured:

- **duration**: onset and end markers by a sliding-window rule: scanning outward from the main peak, each
  marker sits where the template then stays within +-level of the baseline for 3 ms. Pattichis et al.
  (1995) used a 3 ms window at +-40 uV (their biceps reference values rest on it); medlens keeps the 3 ms
  window but uses level = max(10 uV, 4 x the template's residual noise), because at +-40 uV the small MUAPs
  of the N2001 recordings (controls about 0.15 mV) lose most of their duration (median control duration
  2.0 ms at 40 uV, 7.4 ms at 10 uV, first 3 records per subject). Durations are therefore a little longer
  than with the 40 uV rule for large MUAPs; compare with the reference range with that in mind;
- **amplitude** (peak to peak), **phases** (baseline crossings of excursions over 25 uV, plus one),
  **turns** (reversals with a swing of at least 25 uV both sides), **area** (of the rectified template
  between the markers), **thickness** (area / amplitude), **size index** (2 log10(amplitude in mV) +
  thickness; Sonoo M, Stålberg E, 1993, PubMed 7691568), **spike duration** (first to last turn), the
  **satellite** flag (a time-locked component after the end marker), and the unit's **firing rate** and
  its coefficient of variation from the class's inter-discharge intervals.

References: Stålberg E et al. Quantitative analysis of individual motor unit potentials: a proposition
for standardized terminology and criteria for measurement (1986). Pattichis CS, Schizas CN, Middleton LT. Neural
network models in EMG diagnosis. IEEE Trans Biomed Eng 1995;42(5):486-496.

Examples
--------
>>> from signal_core.io import load_recording
>>> result = analyse_muaps(load_recording("N2001C02BB51.npz"), muscle="biceps")  # doctest: +SKIP
>>> result.muaps[0].duration_ms, result.summary["polyphasic_pct"], result.pattern  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sps

from signal_core import _kernels
from signal_core.filters import HUM_HARMONICS, HUM_SHARE, remove_hum, sosfiltfilt_channels
from signal_core.muap_findings import findings_and_pattern, outlier_findings, sampling_limits
from signal_core.muap_reference import (
    OutlierCount,
    ReferenceComparison,
    age_caveat,
    compare,
    normalise_muscle,
    outlier_counts,
    recording_muscle,
)
from signal_core.recording import Recording

PATTERNS = ("normal", "myopathic", "neurogenic", "indeterminate")

DETECT_K = 5.0  # detection threshold: this many robust noise SDs ...
DETECT_FLOOR_MV = 0.02  # ... and at least 20 uV
DEAD_MS = 3.0  # one discharge per +-3 ms (its largest peak)
PRE_MS, POST_MS = 20.0, 30.0  # sweep around the peak (satellites come late)
SPIKE_HALF_MS = 2.0  # template matching over +-2 ms around the peak
CLUSTER_TOL = 0.25  # normalised residual for joining a class
MERGE_TOL = 0.125  # ... and for merging two classes that are one unit (compared over +-6 ms; 0.25 merged
# two different units of the ground-truth test)
REJECT_TOL = 0.6  # a member this far from its template over the MUAP (markers) is a superimposition
MIN_DISCHARGES = 5
MERGE_SHIFT_MS = 5.0  # merge a class that is another's unit aligned on a phase up to 5 ms from its main peak
MAX_CLASSES = 40
DURATION_LEVEL_MV = 0.010  # at least +-10 uV (Pattichis 1995 used 40 uV; see the module docstring) ...
DURATION_WINDOW_MS = 3.0  # ... for 3 ms
PHASE_TURN_MV = 0.025  # 25 uV for phases and turns
MIN_SECONDS = 0.5
ANALYSIS_LOWPASS_HZ = 5000.0  # recordings sampled above 10 kHz are analysed in a 0-5 kHz band
BASELINE_HZ = 2.0  # high-pass: the clinical band for MUAP analysis (and the N2001 amplifier's) starts at 2 Hz
DRIFT_NOTE_MV = 0.05  # say so when the drift removed spans more than 50 uV
ISI_RANGE_MS = (20.0, 250.0)  # plausible intervals of one unit at low force (4-50 Hz)

UNIT_SCALE = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}
#: A recording that does not say its unit is read in the unit its size fits: the robust SD (median absolute
#: deviation / 0.6745) of needle EMG lies between 2 uV and 2 mV (the 309 N2001 records, low and moderate
#: force: 3.9 uV at the 1st percentile, 361 uV at most). The ranges do not overlap, so only one unit fits.
UNIT_BY_SIZE = (("mV", 2e-3, 2.0, 1.0), ("uV", 2.0, 2000.0, 1e-3), ("V", 2e-6, 2e-3, 1e3))


@dataclass(frozen=True)
class Muap:
    duration_ms: float
    amplitude_mv: float
    phases: int
    turns: int
    area_mv_ms: float
    thickness_ms: float
    size_index: float
    spike_duration_ms: float
    n_discharges: int
    firing_rate_hz: float
    firing_rate_cv: float
    satellite: bool
    onset_index: int  # in the template, samples
    end_index: int
    template: np.ndarray  # mV, sampled at the recording's rate; the peak at ``peak_index``
    peak_index: int = 0
    complete: bool = True  # both markers found inside the sweep
    discharges: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sample indices

    @property
    def polyphasic(self) -> bool:
        return self.phases > 4

    def to_dict(self) -> dict:
        return {
            "duration_ms": self.duration_ms, "amplitude_mv": self.amplitude_mv, "phases": self.phases,
            "turns": self.turns, "area_mv_ms": self.area_mv_ms, "thickness_ms": self.thickness_ms,
            "size_index": self.size_index, "spike_duration_ms": self.spike_duration_ms,
            "n_discharges": self.n_discharges, "firing_rate_hz": self.firing_rate_hz,
            "firing_rate_cv": self.firing_rate_cv, "satellite": self.satellite, "polyphasic": self.polyphasic,
            "onset_index": self.onset_index, "end_index": self.end_index, "peak_index": self.peak_index,
            "complete": self.complete,
        }


@dataclass
class MuapAnalysis:
    muaps: list[Muap]
    summary: dict[str, float]
    reference: list[ReferenceComparison]
    findings: list[str]
    pattern: str
    message: str | None
    limits: list[str]
    fs: float = 0.0
    muscle: str | None = None
    age: float | None = None
    reference_note: str = ""
    noise_mv: float = math.nan
    threshold_mv: float = math.nan
    outliers: list[OutlierCount] = field(default_factory=list)
    unit_note: str = ""  # how the amplitude unit was read when the recording did not give a known one (also in limits)

    def to_dict(self) -> dict:
        return {
            "muaps": [m.to_dict() for m in self.muaps], "summary": self.summary,
            "reference": [r.to_dict() for r in self.reference], "reference_note": self.reference_note,
            "findings": self.findings, "pattern": self.pattern, "message": self.message, "limits": self.limits,
            "fs": self.fs, "muscle": self.muscle, "age": self.age, "noise_mv": self.noise_mv,
            "threshold_mv": self.threshold_mv, "outliers": [o.to_dict() for o in self.outliers],
            "unit_note": self.unit_note,
        }


SUMMARY_PARAMS = ("duration_ms", "amplitude_mv", "phases", "turns", "area_mv_ms", "thickness_ms", "size_index",
                  "spike_duration_ms", "firing_rate_hz", "firing_rate_cv")


def summarise(muaps: list[Muap]) -> dict[str, float]:
    """Means and medians of every parameter, percent polyphasic and satellites (NaN when not measurable)."""
    out: dict[str, float] = {"n_muaps": float(len(muaps))}
    for name in SUMMARY_PARAMS:
        values = np.array([getattr(m, name) for m in muaps], dtype=float)
        values = values[np.isfinite(values)]
        out[f"{name}_mean"] = float(values.mean()) if values.size else math.nan
        out[f"{name}_median"] = float(np.median(values)) if values.size else math.nan
    out["polyphasic_pct"] = 100.0 * np.mean([m.polyphasic for m in muaps]) if muaps else math.nan
    out["satellite_pct"] = 100.0 * np.mean([m.satellite for m in muaps]) if muaps else math.nan
    return out


def _signal_mv(recording: Recording, channel: int) -> tuple[np.ndarray, list[str]]:
    if not isinstance(recording, Recording):
        raise ValueError("analyse_muaps needs a Recording (load one with signal_core.io.load_recording)")
    if not 0 <= int(channel) < recording.n_channels:
        raise ValueError(f"channel {channel} does not exist; the recording has {recording.n_channels} "
                         f"channel(s), numbered from 0")
    given = (recording.units[channel] if channel < len(recording.units) else "") or ""
    unit = given.strip().lower()
    x = recording.data[:, channel]
    if unit in UNIT_SCALE:
        return x * UNIT_SCALE[unit], []
    scale, note = unit_from_size(x, given.strip())
    return x * scale, [note]


def unit_from_size(x: np.ndarray, given: str = "") -> tuple[float, str]:
    """``(factor to mV, note)`` for a channel whose unit is missing or unknown: the unit of ``UNIT_BY_SIZE``
    whose range holds the channel's robust SD; mV, with a warning, when none does (flat, or ADC counts)."""
    said = f"The recording's unit {given!r} is not one medlens knows" if given else "The recording does not say its unit"
    finite = np.asarray(x, dtype=float)
    finite = finite[np.isfinite(finite)]
    with np.errstate(over="ignore", invalid="ignore"):  # absurd values (1e300) give an absurd size, not a warning
        size = float(np.median(np.abs(finite - np.median(finite))) / 0.6745) if finite.size else 0.0
        if size == 0.0 and finite.size:
            size = float(np.std(finite))
    for unit, low, high, scale in UNIT_BY_SIZE:
        if low <= size < high or (unit == "mV" and size == 0.0):  # flat: nothing to tell by; said so elsewhere
            if unit == "mV":
                return scale, (f"{said}; its size (robust SD {size:.3g}) is that of needle EMG in mV, so mV was "
                               "assumed.")
            return scale, (f"{said}; its size (robust SD {size:.3g}) is that "
                           f"of needle EMG in {unit} (in mV its baseline would be {size:.3g} mV, far from any needle "
                           f"recording), so it was read as {unit}. Give the unit if that is wrong (e.g. a CSV column "
                           "named 'emg_mV').")
    return 1.0, (f"{said}, and its size (robust SD {size:.3g}) fits no "
                 "usual unit of needle EMG (ADC counts?); amplitudes assume mV and may be wrong. Convert it to mV, uV "
                 "or V, or give the unit.")


def finite_stretch(x: np.ndarray, fs: float) -> tuple[int, int, str | None]:
    """``(start, stop, note)``: the longest run of finite samples, and a note when samples are missing
    (NaN or infinite: gaps in an export, a disconnected channel); ``note`` is None when none are."""
    ok = np.isfinite(x)
    if ok.all():
        return 0, x.size, None
    if not ok.any():
        return 0, 0, "Every sample is missing (NaN or infinite): there is no signal to analyse."
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.view(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    gaps = int(np.count_nonzero(np.diff(np.concatenate(([1], ok.view(np.int8)))) == -1))
    start, stop = int(starts[k]), int(stops[k])
    return start, stop, (f"{x.size - ok.sum()} samples are missing (NaN or infinite) in {gaps} gap(s); only the "
                         f"longest stretch without gaps is analysed, {start / fs:.2f}-{stop / fs:.2f} s "
                         f"({(stop - start) / fs:.1f} s).")


def fill_missing(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(filled, missing)``: non-finite samples replaced by the median of the finite ones (a flat stretch
    the detector ignores), and where they were."""
    missing = ~np.isfinite(x)
    if not missing.any():
        return x, missing
    fill = float(np.median(x[~missing])) if (~missing).any() else 0.0
    return np.where(missing, fill, x), missing


def _why_no_signal(x: np.ndarray, fs: float) -> str | None:
    """A message when the channel cannot hold MUAPs at all (short, flat, clipped), else None."""
    if x.size < MIN_SECONDS * fs:
        return (f"No MUAPs analysed: the recording is only {x.size / fs:.2g} s long; MUAP analysis needs at "
                f"least {MIN_SECONDS:g} s (ideally 5-10 s) of slight voluntary contraction.")
    if np.ptp(x) == 0.0:
        return "No MUAPs found: the recording is flat (no signal at all). Check that the needle is connected."
    hi, lo = x.max(), x.min()
    at_rails = np.count_nonzero(x == hi) + np.count_nonzero(x == lo)
    if at_rails / x.size >= 0.01:
        return (f"No MUAPs analysed: {at_rails / x.size:.0%} of samples sit at the amplifier's limits "
                f"(the signal is clipped), so amplitudes and shapes cannot be measured. Record again with a "
                f"lower gain or a wider input range.")
    return None


def prepare_signal(x: np.ndarray, fs: float) -> np.ndarray:
    """``condition_signal`` without its notes."""
    return condition_signal(x, fs)[0]


def condition_signal(x: np.ndarray, fs: float) -> tuple[np.ndarray, list[str]]:
    """The signal as a clinical EMG machine analyses it, and notes on what was removed.

    - Offset and drift: a zero-phase high-pass at ``BASELINE_HZ``, the lower edge of the clinical band
      (and of the N2001 amplifier); a wandering baseline would otherwise inflate the noise estimate and
      hide every MUAP under the detection threshold.
    - Mains hum: when its lines hold at least ``HUM_SHARE`` of the power (the quality report's warning
      level), subtracted as sinusoids fitted at the mains frequency and its harmonics (``remove_mains``; a
      notch would also cut the MUAPs' own power there and ring after each one).
    - Above ``ANALYSIS_LOWPASS_HZ * 2`` Hz: a low-pass at ``ANALYSIS_LOWPASS_HZ`` (zero phase), because
      unfiltered full-rate recordings carry broadband noise up to 10 kHz that would raise the detection
      threshold several-fold and add turns, while the MUAP itself has little energy up there.
    """
    notes: list[str] = []
    x = x - np.median(x)
    if x.size > 3 * 7:  # sosfiltfilt's shortest padding: shorter signals keep only the offset removal
        sos = sps.butter(2, BASELINE_HZ, btype="highpass", fs=fs, output="sos")
        # pad by half a second (the filter's settling time), not scipy's few samples, so the edges do not ring
        steady = sps.sosfiltfilt(sos, x, padtype="even", padlen=min(x.size - 1, int(fs / BASELINE_HZ)))
        drift = x - steady
        if np.ptp(drift) > DRIFT_NOTE_MV:
            notes.append(f"Slow baseline drift (below {BASELINE_HZ:g} Hz, {np.ptp(drift) * 1000:.0f} uV peak to peak) "
                         "removed before the analysis, as a clinical EMG machine's high-pass does.")
        x = steady
    x, removed = remove_hum(x, fs, HUM_SHARE, HUM_HARMONICS) if x.size >= 16 else (x, [])
    for _, hz, share in removed:
        notes.append(f"Mains hum at {hz:g} Hz ({share:.0%} of the signal's power) subtracted before the analysis (sinusoids "
                     f"fitted at {hz:g} Hz and its harmonics); check the needle's ground and cables.")
    if fs > 2 * ANALYSIS_LOWPASS_HZ:
        sos = sps.butter(4, ANALYSIS_LOWPASS_HZ, btype="lowpass", fs=fs, output="sos")
        x = sosfiltfilt_channels(sos, x[:, None])[:, 0]
    return x, notes


def robust_noise_mv(x: np.ndarray) -> float:
    """Noise SD from the median absolute deviation (MUAPs occupy few samples at low force)."""
    return float(np.median(np.abs(x - np.median(x))) / 0.6745)


def _firing(discharges: np.ndarray, fs: float) -> tuple[float, float]:
    if discharges.size < 4:
        return math.nan, math.nan
    isi = np.diff(np.sort(discharges)) / fs * 1000.0
    isi = isi[(isi >= ISI_RANGE_MS[0]) & (isi <= ISI_RANGE_MS[1])]
    if isi.size >= 3:  # drop intervals that skip discharges (missed, or rejected as superimposed): with
        # many skips the median is a double interval, so the reference is the 30th percentile
        ref = np.percentile(isi, 30)
        isi = isi[(isi > 0.6 * ref) & (isi < 1.5 * ref)]
    if isi.size < 3:
        return math.nan, math.nan
    return float(1000.0 / isi.mean()), float(isi.std() / isi.mean())


def _measure(template: np.ndarray, peak: int, fs: float, level: float, discharges: np.ndarray) -> Muap:
    win = max(2, int(round(DURATION_WINDOW_MS * fs / 1000.0)))
    onset, end, complete = _kernels.muap_markers(template, peak, level, win)
    ptp, phases, turns, abs_sum, first, last = _kernels.muap_shape(template, onset, end, PHASE_TURN_MV)
    dt_ms = 1000.0 / fs
    area = abs_sum * dt_ms
    thickness = area / ptp if ptp > 0 else math.nan
    after = template[min(template.size, end + win):]
    satellite = bool(after.size and np.max(np.abs(after)) > max(level, 0.25 * ptp))
    rate, cv = _firing(discharges, fs)
    return Muap(
        duration_ms=(end - onset) * dt_ms, amplitude_mv=float(ptp), phases=int(phases), turns=int(turns),
        area_mv_ms=float(area), thickness_ms=float(thickness),
        size_index=float(2.0 * math.log10(ptp) + thickness) if ptp > 0 else math.nan,
        spike_duration_ms=float((last - first) * dt_ms) if first >= 0 else math.nan,
        n_discharges=int(discharges.size), firing_rate_hz=rate, firing_rate_cv=cv, satellite=satellite,
        onset_index=int(onset), end_index=int(end), template=template, peak_index=int(peak),
        complete=bool(complete), discharges=np.sort(discharges),
    )


def detect_and_sort(x: np.ndarray, fs: float, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Discharge indices, their sweeps ``(n, pre + post + 1)``, class labels (-1: unclassified) and the
    number of classes, before templates are measured."""
    pre, post = int(round(PRE_MS * fs / 1000)), int(round(POST_MS * fs / 1000))
    dead = max(1, int(round(DEAD_MS * fs / 1000)))
    idx = _kernels.muap_detect(x, threshold, dead)
    idx = idx[(idx >= pre) & (idx < x.size - post)]
    if idx.size == 0:
        return idx, np.zeros((0, pre + post + 1)), np.zeros(0, np.int64), 0
    sweeps = _kernels.muap_windows(x, idx, pre, post)
    half = max(2, int(round(SPIKE_HALF_MS * fs / 1000)))
    lo, hi = pre - half, pre + half + 1
    order = np.argsort(-np.abs(sweeps[:, pre]), kind="stable")
    labels, n_cls = _kernels.muap_cluster(sweeps, order, lo, hi, CLUSTER_TOL, MAX_CLASSES)
    if n_cls == 0:
        return idx, sweeps, labels, 0
    # One refinement pass against each class's median (the running means drift while classes form).
    templates, _ = _kernels.muap_median(sweeps, labels, n_cls)
    wide = 3 * half  # compare whole potentials (+-6 ms), not just spikes, before merging
    reach = max(dead, int(round(MERGE_SHIFT_MS * fs / 1000)))
    lo_w, hi_w = max(reach, pre - wide), min(pre + post + 1 - reach, pre + wide + 1)
    shift, templates = _merge_duplicates(templates, lo_w, hi_w, reach)
    if shift.any():  # re-cut the merged classes' sweeps on the kept class's peak
        moved = labels >= 0
        idx = idx + np.where(moved, shift[np.maximum(labels, 0)], 0)
        keep = (idx >= pre) & (idx < x.size - post)
        idx = idx[keep]
        sweeps = _kernels.muap_windows(x, idx, pre, post)
    labels, _ = _kernels.muap_assign(sweeps, templates, lo, hi, CLUSTER_TOL)
    return idx, sweeps, labels, n_cls


def _merge_duplicates(templates: np.ndarray, lo: int, hi: int, max_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Find classes that are a larger class's unit seen again: the same potential (within ``MERGE_TOL``) at
    the same alignment (split while the running means formed) or shifted by up to the dead time (aligned on
    another phase of similar size). Returns each class's shift in samples (to move its discharges onto the
    larger class's peak) and the templates with merged classes zeroed, so that `muap_assign` gives their
    discharges to the larger class."""
    shift, merged = _kernels.muap_merge(templates, lo, hi, max_shift, MERGE_TOL)
    out = templates.copy()
    out[merged] = 0.0
    return np.where(merged, shift, 0), out


def analyse_muaps(recording: Recording, *, channel: int = 0, muscle: str | None = None,
                  age: float | None = None) -> MuapAnalysis:
    """MUAPs of one channel of a low-force needle recording, their summary, reference comparison and findings.

    ``muscle`` defaults to the recording's ``metadata["muscle"]`` and ``age`` to ``metadata["age"]``.
    Never raises for a recording without MUAPs (flat, clipped, noise, rest, too short): ``message`` says
    why none were found. Raises ``ValueError`` only for a wrong channel or a non-Recording.
    """
    x, unit_notes = _signal_mv(recording, channel)
    fs = recording.fs
    start, stop, gap_note = finite_stretch(x, fs)
    x = x[start:stop]
    muscle, muscle_notes = recording_muscle(recording, channel, muscle)
    age = _age(age if age is not None else recording.metadata.get("age"))
    limits = unit_notes + ([gap_note] if gap_note else []) + muscle_notes + sampling_limits(fs)

    def empty(message: str, noise: float = math.nan, thr: float = math.nan) -> MuapAnalysis:
        reference, note = compare({}, muscle, age)
        return MuapAnalysis([], summarise([]), [], [message], "indeterminate", message, limits, fs,
                            normalise_muscle(muscle), age, note, noise, thr, unit_note=" ".join(unit_notes))

    why = ("No MUAPs analysed: every sample is missing (NaN or infinite), so there is no signal. Check the export "
           "or the channel." if stop == start else _why_no_signal(x, fs))
    if why:
        return empty(why)
    x, conditioning = condition_signal(x, fs)
    limits = conditioning + limits
    noise = robust_noise_mv(x)
    threshold = max(DETECT_K * noise, DETECT_FLOOR_MV)
    idx, sweeps, labels, n_cls = detect_and_sort(x, fs, threshold)
    muaps = _templates(sweeps, labels, n_cls, idx, fs, noise, threshold)
    if start:  # discharge times in the recording's own samples, not the gap-free stretch's
        muaps = [dataclasses.replace(m, discharges=m.discharges + start) for m in muaps]
    if not muaps:
        n_det = idx.size
        thr_text = f"{threshold * 1000:.0f} uV, {DETECT_K:g} x the noise of {noise * 1000:.0f} uV"
        if n_det == 0:
            why = (f"No MUAPs found: no potential rose above the detection threshold ({thr_text}). The "
                   "recording looks like rest or noise only; ask for a slight voluntary contraction.")
        elif n_det < MIN_DISCHARGES:
            why = (f"No MUAPs found: only {n_det} potential(s) rose above the detection threshold ({thr_text}), "
                   f"too few for a MUAP ({MIN_DISCHARGES} discharges needed): rest or noise with occasional "
                   "spikes. Ask for a slight voluntary contraction.")
        else:
            why = (f"No MUAPs found: {n_det} potentials rose above the noise but none recurred at least "
                   f"{MIN_DISCHARGES} times with a stable shape (rest with occasional spikes, or an unsteady "
                   "contraction). Ask for a steady, slight contraction.")
        return empty(why, noise, threshold)
    summary = summarise(muaps)
    reference, note = compare(summary, muscle, age)
    findings, pattern = findings_and_pattern(summary, reference, normalise_muscle(muscle), note)
    outliers = muap_outliers(muaps, muscle, age)
    findings += outlier_findings(outliers) + [line for line in [age_caveat(age, reference, muscle)] if line]
    return MuapAnalysis(muaps, summary, reference, findings, pattern, None, limits, fs,
                        normalise_muscle(muscle), age, note, noise, threshold, outliers, unit_note=" ".join(unit_notes))


def muap_outliers(muaps: list[Muap], muscle: str | None, age: float | None) -> list[OutlierCount]:
    """Single MUAPs beyond the reference's outlier limits, where the muscle's source gives them."""
    return outlier_counts({p: [getattr(m, p) for m in muaps] for p in ("duration_ms", "amplitude_mv")}, muscle, age)


_AGE_TEXT = re.compile(r"^\s*(?:age\W*)?(\d{1,3}(?:[.,]\d+)?)\s*(?:y|yr|yrs|year|years|years old|a|j|jahre|år)?\.?\s*$",
                       re.IGNORECASE)


def _age(value) -> float | None:
    """Age in years from a number or a header's text ('61', '61 years', '61 y', 'age 61'); None otherwise."""
    if isinstance(value, str):
        match = _AGE_TEXT.match(value)
        value = match.group(1).replace(",", ".") if match else None
    try:
        age = float(value)
    except (TypeError, ValueError):
        return None
    return age if math.isfinite(age) and 0 <= age < 130 else None


def _templates(sweeps, labels, n_cls, idx, fs, noise, min_ptp) -> list[Muap]:
    if n_cls == 0:
        return []
    pre = int(round(PRE_MS * fs / 1000))
    templates, counts = _kernels.muap_median(sweeps, labels, n_cls)
    keep = counts >= MIN_DISCHARGES
    if not keep.any():
        return []
    # Baseline: the median of the sweep's first 5 ms (before the MUAP).
    base = int(round(5.0 * fs / 1000))
    templates = templates - np.median(templates[:, :base], axis=1, keepdims=True)
    level = np.maximum(DURATION_LEVEL_MV, 4.0 * noise / np.sqrt(np.maximum(counts, 1)))
    win = max(2, int(round(DURATION_WINDOW_MS * fs / 1000.0)))
    lo = np.empty(n_cls, np.int64)
    hi = np.empty(n_cls, np.int64)
    for c in range(n_cls):
        onset, end, _ = _kernels.muap_markers(templates[c], pre, level[c], win)
        lo[c], hi[c] = onset, end + 1
    shifted = sweeps - np.median(sweeps[:, :base], axis=1, keepdims=True)
    resid = _kernels.muap_member_residuals(shifted, labels, templates, lo, hi)
    labels = np.where(resid <= REJECT_TOL, labels, -1)  # superimpositions and outliers
    templates, counts = _kernels.muap_median(shifted, labels, n_cls)
    muaps = []
    for c in np.argsort(-np.ptp(templates, axis=1), kind="stable"):
        if counts[c] < MIN_DISCHARGES or np.ptp(templates[c]) < min_ptp:
            continue  # too few discharges, or a class of noise peaks whose median cancels out
        muaps.append(_measure(templates[c], pre, fs, float(level[c]), idx[labels == c]))
    return muaps


def analyse_session(recordings: list[Recording], *, channel: int = 0, muscle: str | None = None,
                    age: float | None = None) -> tuple[MuapAnalysis, list[MuapAnalysis]]:
    """Several low-force recordings of one muscle of one patient (needle sites of one examination):
    each analysed, then their MUAPs pooled (``combine_analyses``). Returns ``(pooled, per_recording)``.

    The muscle and age are the ones given, else the recordings' own. Raises ``SignalError`` when the
    recordings name different muscles, subjects or ages: pooling them would mix muscles or patients.
    """
    from signal_core.errors import SignalError

    if not recordings:
        raise SignalError("no recordings to pool; give at least one")
    if muscle is None:
        named = {normalise_muscle(recording_muscle(r, channel)[0]) for r in recordings} - {None}
        if len(named) > 1:
            raise SignalError(f"these recordings are from different muscles ({', '.join(sorted(named))}); pool the "
                              "recordings of one muscle, or give the muscle if the headers are wrong")
        muscle = next(iter(named), None)
    subjects = {str(r.metadata["subject"]) for r in recordings if r.metadata.get("subject")}
    if len(subjects) > 1:
        raise SignalError(f"these recordings are from different subjects ({', '.join(sorted(subjects))}); pool the "
                          "recordings of one patient only")
    if age is None:
        ages = {a for a in (_age(r.metadata.get("age")) for r in recordings) if a is not None}
        if len(ages) > 1:
            raise SignalError(f"these recordings give different ages ({', '.join(f'{a:g}' for a in sorted(ages))}); "
                              "pool the recordings of one examination, or give the age")
        age = next(iter(ages), None)
    per = [analyse_muaps(r, channel=channel, muscle=muscle, age=age) for r in recordings]
    return combine_analyses(per, muscle=muscle, age=age), per


def combine_analyses(analyses: list[MuapAnalysis], *, muscle: str | None = None,
                     age: float | None = None) -> MuapAnalysis:
    """Pool the MUAPs of several recordings of one muscle (needle positions of one examination), as a
    clinician collects about 20 MUAPs per muscle before judging it; summary, reference and findings are
    recomputed over the pool. ``muscle``/``age`` default to the first analysis's."""
    if not analyses:
        raise ValueError("no analyses to combine; analyse at least one recording first")
    first = analyses[0]
    muscle = muscle if muscle is not None else first.muscle
    age = _age(age if age is not None else first.age)
    muaps = [m for a in analyses for m in a.muaps]
    limits = list(dict.fromkeys(line for a in analyses for line in a.limits))
    unit_note = " ".join(dict.fromkeys(a.unit_note for a in analyses if a.unit_note))
    if not muaps:
        message = f"No MUAPs found in any of the {len(analyses)} recordings: " + "; ".join(
            dict.fromkeys(a.message or "" for a in analyses))
        _, note = compare({}, muscle, age)
        return MuapAnalysis([], summarise([]), [], [message], "indeterminate", message, limits, first.fs,
                            normalise_muscle(muscle), age, note, unit_note=unit_note)
    summary = summarise(muaps)
    reference, note = compare(summary, muscle, age)
    findings, pattern = findings_and_pattern(summary, reference, normalise_muscle(muscle), note)
    outliers = muap_outliers(muaps, muscle, age)
    findings += outlier_findings(outliers) + [line for line in [age_caveat(age, reference, muscle)] if line]
    return MuapAnalysis(muaps, summary, reference, findings, pattern, None, limits,
                        first.fs, normalise_muscle(muscle), age, note, first.noise_mv, first.threshold_mv, outliers,
                        unit_note=unit_note)
