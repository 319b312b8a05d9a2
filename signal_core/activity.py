"""What a needle recording holds over time: rest, voluntary activity and artefact; spontaneous activity
at rest; and the interference pattern at stronger effort.

- `segment_activity`: each 100 ms epoch is *artefact* (flat, or at the amplifier's limits), *voluntary*
  (two or more discharges above the MUAP detection threshold) or *rest*; equal neighbours are merged.
- `spontaneous_activity`: in rest epochs, brief potentials are counted as fibrillation potentials (short,
  spiky: duration under 5 ms) or positive sharp waves (a sharp first deflection followed by a slow phase,
  5-30 ms, with no opposite spike as large), with their rates. The shape rules are a plain reading of the
  textbook descriptions (Daube and Rubin 2009), not a validated detector; the polarity of a recording is
  not known to medlens, so either direction of the sharp deflection is accepted.
- `interference_pattern`: per epoch, turns per second and the mean amplitude between successive turns
  (turns with a swing of at least 100 uV, Willison's rule). `signal_core.interference_cloud` places these
  points against a normal cloud.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from signal_core import _kernels
from signal_core.muap import (
    DEAD_MS,
    DETECT_FLOOR_MV,
    DETECT_K,
    _signal_mv,
    condition_signal,
    fill_missing,
    prepare_signal,
    robust_noise_mv,
)
from signal_core.recording import Recording

EPOCH_S = 0.1
VOLUNTARY_MIN_DISCHARGES = 2
IP_TURN_MV = 0.100
FIB_MAX_MS = 5.0
PSW_MAX_MS = 30.0
MIN_REST_S = 0.5
MIN_TRAIN = 4  # fibrillation potentials and positive sharp waves are counted in trains of at least 4 ...
REGULAR_TOL = 0.10  # ... at equal intervals, within 10% (voluntary units' intervals vary by 10-25%) ...
TRAIN_RATE_HZ = (0.5, 30.0)  # ... at rates fibrillating fibres fire
SHAPE_CORR = 0.9  # potentials of one generator: shapes this alike (correlation over +-2 ms) ...
SHAPE_RATIO = 1.5  # ... and peaks within this ratio
UNIT_MATCH_TOL = 0.25  # a spike this close (normalised residual over +-2 ms) to a voluntary unit is that unit
REST_WORDS = ("rest", "relaxed", "spontaneous")
CONTRACTION_WORDS = ("low", "moderate", "slight", "weak", "strong", "max", "contraction", "effort", "ramp",
                     "isometric", "voluntary")


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    kind: str  # "rest" | "voluntary" | "artefact"


@dataclass
class SpontaneousActivity:
    rest_seconds: float
    fibrillations: int
    positive_sharp_waves: int
    fibrillation_rate_hz: float  # per second of rest
    psw_rate_hz: float
    times_s: list[tuple[float, str]] = field(default_factory=list)
    message: str = ""


@dataclass
class InterferencePattern:
    epoch_s: float
    turns_per_s: np.ndarray
    mean_amplitude_uv: np.ndarray
    note: str
    conditioning: list[str] = field(default_factory=list)  # drift or hum removed first (condition_signal)


def _epochs(n: int, fs: float, epoch_s: float) -> int:
    return max(1, int(n // max(1, int(round(epoch_s * fs)))))


def _detections(x: np.ndarray, fs: float) -> tuple[np.ndarray, float, float]:
    noise = robust_noise_mv(x)
    thr = max(DETECT_K * noise, DETECT_FLOOR_MV)
    return _kernels.muap_detect(x, thr, max(1, int(round(DEAD_MS * fs / 1000)))), noise, thr


def segment_activity(recording: Recording, *, channel: int = 0, epoch_s: float = EPOCH_S) -> list[Segment]:
    """Rest, voluntary and artefact stretches of one channel, in time order."""
    x, _ = _signal_mv(recording, channel)
    fs = recording.fs
    if not np.isfinite(epoch_s) or epoch_s <= 0:
        raise ValueError("epoch length must be a positive number of seconds")
    size = max(1, int(round(epoch_s * fs)))
    x, missing = fill_missing(x)
    if x.size < size:
        return [Segment(0.0, x.size / fs, "artefact" if np.ptp(x) == 0 or missing.any() else "rest")]
    raw = x  # flat and clipped stretches are judged on the signal as recorded, before any filter
    x = prepare_signal(x, fs)
    idx, _, _ = _detections(x, fs)
    n_ep = x.size // size
    counts = np.bincount(np.minimum(idx // size, n_ep - 1), minlength=n_ep)
    rows = raw[: n_ep * size].reshape(n_ep, size)
    hi, lo = raw.max(), raw.min()
    at_rails = ((rows == hi) | (rows == lo)).sum(axis=1)
    gappy = missing[: n_ep * size].reshape(n_ep, size).any(axis=1)  # missing samples: not judged
    kinds = np.where((np.ptp(rows, axis=1) == 0) | gappy, "artefact",
                     np.where(at_rails >= 4, "artefact",
                              np.where(counts >= VOLUNTARY_MIN_DISCHARGES, "voluntary", "rest")))
    segments: list[Segment] = []
    for k, kind in enumerate(kinds.tolist()):
        start, end = k * size / fs, (k + 1) * size / fs
        if k == n_ep - 1:
            end = x.size / fs
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(segments[-1].start_s, end, kind)
        else:
            segments.append(Segment(start, end, str(kind)))
    return segments


def recording_state(metadata: dict) -> str | None:
    """"rest" or "contraction" from a recording's protocol or contraction level (a WFDB header's "level: low",
    a simulated protocol), None when it does not say (or says both, as a relaxation does)."""
    for key in ("protocol", "contraction_level"):
        text = str(metadata.get(key) or "").strip().lower()
        if not text or "relaxation" in text:
            continue
        if any(word in text for word in REST_WORDS):
            return "rest"
        if any(word in text for word in CONTRACTION_WORDS):
            return "contraction"
    return None


def activity_sentence(seconds: dict[str, float], spontaneous_message: str, at_rest: bool | None = None,
                      metadata: dict | None = None) -> str:
    """"Activity: 8.3 s voluntary, 2.9 s rest, 0.0 s artefact. <spontaneous activity>" for a report. At rest
    (``at_rest`` or the recording's protocol) epochs with repeated discharges are not voluntary: they are
    called "with repeated discharges" (fibrillating fibres, or units the patient could not relax)."""
    state = {True: "rest", False: "contraction"}.get(at_rest) if at_rest is not None else recording_state(
        metadata or {})
    active = "with repeated discharges" if state == "rest" else "voluntary"
    return (f"Activity: {seconds.get('voluntary', 0.0):.1f} s {active}, {seconds.get('rest', 0.0):.1f} s rest, "
            f"{seconds.get('artefact', 0.0):.1f} s artefact. {spontaneous_message}")


def _voluntary_unit_templates(recording: Recording, channel: int) -> list[tuple[np.ndarray, int]]:
    """Templates (and peak index) of the recording's MUAP-like units: classes of the MUAP analysis lasting
    ``FIB_MAX_MS`` or more. A unit firing alone at 8-10 Hz leaves every 100 ms epoch "rest", so where
    its discharges fall says nothing; its length does (fibrillation potentials last under 5 ms)."""
    from signal_core.muap import analyse_muaps

    return [(m.template, m.peak_index) for m in analyse_muaps(recording, channel=channel).muaps
            if m.duration_ms >= FIB_MAX_MS]


def _is_unit_discharge(sweep: np.ndarray, pre: int, half: int, units: list[tuple[np.ndarray, int]]) -> bool:
    seg = sweep[pre - half: pre + half + 1]
    for template, peak in units:
        ref = template[peak - half: peak + half + 1]
        if ref.size == seg.size and np.sum((seg - ref) ** 2) < UNIT_MATCH_TOL * np.sum(ref ** 2):
            return True
    return False


def spontaneous_activity(recording: Recording, *, channel: int = 0, at_rest: bool | None = None) -> SpontaneousActivity:
    """Fibrillation potentials and positive sharp waves at rest, with rates per second.

    ``at_rest``: True counts them in the whole recording (artefact aside); False (a voluntary contraction)
    does not count them and says why; None (the default) reads the recording's protocol or contraction
    level (``recording_state``) and, when it says nothing, counts them in rest stretches of ``MIN_REST_S``
    or more only, leaving out discharges of the recording's own voluntary units.
    """
    state = {True: "rest", False: "contraction"}.get(at_rest) if at_rest is not None else recording_state(
        recording.metadata)
    if state == "contraction":
        return SpontaneousActivity(0.0, 0, 0, math.nan, math.nan, [],
                                   "Not assessed: this is a voluntary contraction. Fibrillation potentials and "
                                   "positive sharp waves are judged with the muscle at complete rest; in the pauses "
                                   "of a contraction the same units fire on and off, and a simple rule mistakes "
                                   "their brief spikes for spontaneous activity.")
    segments = segment_activity(recording, channel=channel)
    if state == "rest":  # relaxed muscle: repeated discharges are spontaneous activity, not voluntary units
        rest = [s for s in segments if s.kind != "artefact"]
    else:  # gaps between discharges inside a contraction are not rest: only stretches of MIN_REST_S or more
        rest = [s for s in segments if s.kind == "rest" and s.end_s - s.start_s >= MIN_REST_S]
    rest_s = sum(s.end_s - s.start_s for s in rest)
    if rest_s <= 0:
        hint = ("" if state == "rest" else " The recording does not say whether the muscle was at rest, so its busy "
                "stretches are read as voluntary; if it was at rest (a needle in a relaxed, perhaps denervated "
                "muscle), say so (--at-rest, or Muscle state in the Signal explorer) and its discharges are judged "
                "as spontaneous activity.")
        return SpontaneousActivity(0.0, 0, 0, math.nan, math.nan, [],
                                   f"No rest stretch of {MIN_REST_S:g} s or more in this recording, so "
                                   f"spontaneous activity cannot be assessed.{hint}")
    x, _ = _signal_mv(recording, channel)
    fs = recording.fs
    x = prepare_signal(fill_missing(x)[0], fs)
    idx, noise, _ = _detections(x, fs)
    in_rest = np.zeros(x.size, bool)
    for s in rest:
        in_rest[int(s.start_s * fs): int(s.end_s * fs)] = True
    idx = idx[in_rest[idx]]
    pre, post = int(round(10 * fs / 1000)), int(round(40 * fs / 1000))
    idx = idx[(idx >= pre) & (idx < x.size - post)]
    found: list[tuple[float, str]] = []
    candidates: list[int] = []
    kinds: list[str] = []
    units = _voluntary_unit_templates(recording, channel) if state is None and idx.size else []
    half = max(2, int(round(2.0 * fs / 1000)))
    if idx.size:
        sweeps = _kernels.muap_windows(x, idx, pre, post)
        level = max(0.010, 3.0 * noise)
        win = max(2, int(round(1.0 * fs / 1000)))
        for k in range(idx.size):
            t = sweeps[k]
            if units and _is_unit_discharge(t, pre, half, units):
                continue  # a voluntary unit firing in a pause, not spontaneous activity
            onset, end, complete = _kernels.muap_markers(t, pre, level, win)
            dur = (end - onset) * 1000.0 / fs
            peak = t[pre]
            opposite = -np.sign(peak) * t[onset:end + 1]
            rise_ms = (pre - onset) * 1000.0 / fs
            if not complete:
                continue
            if dur < FIB_MAX_MS:
                candidates.append(k)
                kinds.append("fibrillation")
            elif dur <= PSW_MAX_MS and rise_ms <= 2.0 and opposite.max(initial=0.0) < 0.5 * abs(peak):
                candidates.append(k)
                kinds.append("positive sharp wave")
        regular = _in_regular_trains(sweeps[candidates], idx[candidates], pre, half, fs) if candidates else []
        found = [(idx[k] / fs, kind) for k, kind, ok in zip(candidates, kinds, regular) if ok]
    fib = sum(1 for _, kind in found if kind == "fibrillation")
    psw = len(found) - fib
    dropped = len(candidates) - len(found)
    msg = (f"{fib} fibrillation potential(s) and {psw} positive sharp wave(s) in {rest_s:.1f} s of rest."
           if found else f"No spontaneous activity in {rest_s:.1f} s of rest.")
    if dropped:
        msg += (f" {dropped} brief spike(s) not counted: they did not repeat in a regular train of at least "
                f"{MIN_TRAIN}, as fibrillation potentials and positive sharp waves fire.")
    return SpontaneousActivity(rest_s, fib, psw, fib / rest_s, psw / rest_s, found, msg)


def _in_regular_trains(sweeps: np.ndarray, times: np.ndarray, pre: int, half: int, fs: float) -> list[bool]:
    """For each candidate: is it one of ``MIN_TRAIN`` potentials of the same shape at equal intervals (within
    ``REGULAR_TOL``, at 0.5-30 Hz)? Fibrillating fibres and positive-sharp-wave generators fire regularly
    (Daube and Rubin 2009); an isolated spike in a pause is usually a unit's or noise. Shapes match when
    their correlation over +-2 ms is at least ``SHAPE_CORR`` and their peaks differ by under ``SHAPE_RATIO``.
    Several trains may interleave: a candidate needs one regular run, not a regular class."""
    seg = sweeps[:, pre - half: pre + half + 1]
    centred = seg - seg.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    norms[norms == 0] = np.inf
    corr = (centred @ centred.T) / np.outer(norms, norms)
    peak = np.abs(seg[:, half])
    ratio = np.maximum.outer(peak, peak) / np.maximum(np.minimum.outer(peak, peak), 1e-12)
    alike = (corr >= SHAPE_CORR) & (ratio <= SHAPE_RATIO)
    t = np.asarray(times, float) / fs
    ok = np.zeros(t.size, bool)
    lo, hi = 1.0 / TRAIN_RATE_HZ[1], 1.0 / TRAIN_RATE_HZ[0]
    steps = np.arange(-(MIN_TRAIN - 1), MIN_TRAIN)  # positions in a train, k at 0
    for k in range(t.size):
        d = t[alike[k]] - t[k]
        d = d[d != 0]
        periods = np.unique(np.abs(d[(np.abs(d) >= lo) & (np.abs(d) <= hi)]))
        for period in periods:
            # which multiples of the period hold a potential of this shape (within REGULAR_TOL of the period)?
            hit = (np.abs(d[None, :] - steps[:, None] * period) <= REGULAR_TOL * period).any(axis=1)
            hit[MIN_TRAIN - 1] = True  # k itself
            # a run of MIN_TRAIN consecutive positions that includes k (every window holding position 0)
            if any(hit[i:i + MIN_TRAIN].all() for i in range(MIN_TRAIN)):
                ok[k] = True
                break
    return ok.tolist()


def interference_pattern(recording: Recording, *, channel: int = 0, epoch_s: float = EPOCH_S) -> InterferencePattern:
    """Turns per second and mean amplitude between turns (uV) per epoch (turn swing >= 100 uV), after the
    same conditioning as the MUAP analysis (drift and mains hum out: a 100 uV hum alone makes turns)."""
    x, _ = _signal_mv(recording, channel)
    fs = recording.fs
    x, missing = fill_missing(x)
    x, conditioning = condition_signal(x, fs) if x.size else (x, [])
    size = max(2, int(round(epoch_s * fs)))
    n_ep = x.size // size
    tps = np.full(n_ep, np.nan)
    amp = np.full(n_ep, np.nan)
    for k in range(n_ep):
        if missing[k * size:(k + 1) * size].any():
            continue  # samples missing here: no point for this epoch
        seg = x[k * size:(k + 1) * size]
        turns = _kernels.turn_points(seg, IP_TURN_MV)
        tps[k] = turns.size / (size / fs)
        if turns.size >= 2:
            amp[k] = float(np.mean(np.abs(np.diff(seg[turns])))) * 1000.0
    note = ("Points only; signal_core.interference_cloud.compare_with_cloud places them against the normal cloud "
            "measured on the N2001 controls (not a published cloud).")
    return InterferencePattern(epoch_s, tps, amp, note, conditioning)
