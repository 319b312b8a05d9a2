"""Signal-quality report for an EMG recording: is each channel usable, and if not, why (in plain words).

Checks per channel: flat or disconnected stretches, clipping at the amplifier's limits, mains hum
(50/60 Hz and harmonics), low-frequency motion artefact (below 20 Hz), missing values, and a
signal-to-noise estimate (reported only; see ``SNR_FLOOR_PERCENTILE``). Each check has a warn and a fail threshold below (module constants, documented). The
recording's verdict is the worst channel verdict: "pass", "warn" or "fail".

The thresholds are chosen for both needle EMG (most power between about 100 Hz and 2 kHz) and surface
EMG (20-450 Hz): healthy recordings of either kind pass, and a power share below 20 Hz or at the mains
frequency only counts against a recording when it is a large part of the total.

Examples
--------
>>> from signal_core.synthetic import simulate_recording
>>> assess_quality(simulate_recording("healthy", seconds=2.0, seed=0)).verdict
'pass'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal as sps

from signal_core.recording import Recording

SEGMENT_S = 0.05  # length of the segments used for the flat-signal and noise-floor estimates
FLAT_RELATIVE = 0.002  # a segment is flat if its range is below this share of the recording's typical range
FLAT_WARN = 0.10  # share of flat segments that gives a warning ...
FLAT_FAIL = 0.50  # ... and that means the channel looks disconnected
CLIP_MIN_COUNT = 4  # samples at the channel's extreme value before it counts as clipping
CLIP_WARN = 0.001  # share of samples clipped: warning (0.1%) ...
CLIP_FAIL = 0.01  # ... and fail (1%)
MAINS_FREQUENCIES = (50.0, 60.0)
MAINS_HARMONICS = 3  # fundamental plus 2nd and 3rd harmonics
MAINS_HALF_WIDTH_HZ = 1.0  # power within +-1 Hz of each harmonic counts as hum ...
MAINS_NEIGHBOUR_HZ = 8.0  # ... above the median level of the spectrum within +-8 Hz around it
MAINS_LINE_FACTOR = 4.0  # ... counting only bins at least 4 times that level (a real line, not a chance peak)
MAINS_WARN = 0.05  # share of power at the mains frequencies: warning ...
MAINS_FAIL = 0.30  # ... and fail
MOTION_CUTOFF_HZ = 20.0  # EMG carries little power below 20 Hz; motion artefact and drift live there
MOTION_WARN = 0.25  # share of power below 20 Hz: warning ...
MOTION_FAIL = 0.60  # ... and fail
# The SNR estimate compares the recording's power with its quietest 5% of segments. A steady contraction
# leaves no quiet stretch, so a low value is normal there: the estimate is reported, not used for the verdict.
SNR_FLOOR_PERCENTILE = 5
VERDICTS = ("pass", "warn", "fail")


@dataclass(frozen=True)
class ChannelQuality:
    name: str
    flat_fraction: float  # share of 50 ms segments with (almost) no variation
    disconnected: bool
    clipping_fraction: float
    mains_hz: float | None  # the mains frequency with more hum (50 or 60), None when it cannot be measured
    mains_ratio: float  # excess power at mains frequency and harmonics / total power
    motion_ratio: float  # power below 20 Hz / total power
    snr_db: float  # total power vs the quietest 5% of segments, in dB (informative only)
    nan_count: int
    verdict: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons"] = list(self.reasons)
        return d


@dataclass(frozen=True)
class QualityReport:
    verdict: str
    reasons: tuple[str, ...]
    channels: list[ChannelQuality] = field(default_factory=list)
    fs: float = 0.0
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "fs": self.fs,
            "duration_s": self.duration_s,
            "channels": [c.to_dict() for c in self.channels],
        }


def _worst(verdicts: list[str]) -> str:
    return max(verdicts, key=VERDICTS.index) if verdicts else "pass"


def _segments(rows: np.ndarray, seg: int) -> np.ndarray:
    """``(n_rows, n_segments, seg)`` view of the whole segments of each row (the whole row if shorter)."""
    n = (rows.shape[1] // seg) * seg
    return rows[:, :n].reshape(rows.shape[0], -1, seg) if n else rows[:, None, :]


def _flat_fraction(ptp: np.ndarray, peak: np.ndarray, reference: float) -> np.ndarray:
    tol = np.maximum(FLAT_RELATIVE * reference, 1e-12 * np.maximum(1.0, peak))
    return np.mean(ptp <= tol[:, None], axis=1)


def _clipping_fraction(rows: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Share of samples sitting exactly at the channel's maximum or minimum, counted only when that
    extreme occurs at least CLIP_MIN_COUNT times (an unclipped signal reaches its extreme once or twice)."""
    clipped = np.zeros(rows.shape[0])
    for extreme in (hi, lo):
        count = np.count_nonzero(rows == extreme[:, None], axis=1)
        clipped += np.where(count >= CLIP_MIN_COUNT, count, 0)
    # A constant channel is reported as flat, not clipped.
    return np.where(hi == lo, 0.0, clipped / rows.shape[1])


def _welch(rows: np.ndarray, fs: float, nper: int) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.welch(rows, fs, nperseg=nper, detrend=False)`` (Hann window, half-overlapping
    segments, mean of their periodograms, one-sided density), equal to it up to rounding.

    SciPy's general implementation spent most of its time copying and windowing segments; here each row's
    segments are a strided view, windowed and transformed in one batch.
    """
    step = nper - nper // 2
    n_seg = 1 + (rows.shape[1] - nper) // step
    window = sps.get_window("hann", nper)
    spectra = np.empty((rows.shape[0], nper // 2 + 1))
    for r, row in enumerate(rows):  # one row at a time keeps the batch of segments small
        segments = sliding_window_view(row, nper)[: (n_seg - 1) * step + 1 : step]
        spectrum = scipy.fft.rfft(segments * window, axis=-1)
        spectra[r] = np.mean(spectrum.real ** 2 + spectrum.imag ** 2, axis=0)
    spectra *= 1.0 / (fs * np.sum(window * window))
    spectra[:, 1 : None if nper % 2 else -1] *= 2  # one-sided: fold negative frequencies (not DC, Nyquist)
    return np.fft.rfftfreq(nper, 1.0 / fs), spectra


def _spectral_ratios(centred: np.ndarray, fs: float) -> list[tuple[float | None, float, float]]:
    """(mains frequency, mains power share, power share below MOTION_CUTOFF_HZ) for each mean-removed row.

    One Welch spectrum over all rows at once (rows of equal length share one segment plan).
    """
    size = centred.shape[1]
    # About 1 Hz resolution when the recording is long enough to average 4+ segments, else about 2 Hz:
    # coarser bins would smear a hum line into the EMG's own spectral peak (often near 50-100 Hz).
    target = 2 ** max(4, int(np.ceil(np.log2(fs))))  # at least 16 samples, also below 1 Hz
    nper = target if size >= 4 * target else min(size, max(16, target // 2))
    f, spectra = _welch(centred, fs, nper)
    df = f[1] - f[0] if f.size > 1 else fs
    half = max(MAINS_HALF_WIDTH_HZ, df)
    segments = 1 + max(0, size - nper) // max(1, nper // 2)
    # Few averaged segments leave a noisy spectrum where chance peaks reach several times the median:
    # ask more of a line then (12x for one segment, down to MAINS_LINE_FACTOR from 9 segments).
    line_factor = max(MAINS_LINE_FACTOR, 12.0 / np.sqrt(segments))
    neighbour = max(MAINS_NEIGHBOUR_HZ, 5 * df)
    # Bins around each mains harmonic, the same for every row.
    bands = []
    for mains in MAINS_FREQUENCIES:
        harmonics = []
        claimed = np.zeros(f.shape, dtype=bool)
        for k in range(1, MAINS_HARMONICS + 1):
            centre = k * mains
            if centre + neighbour >= fs / 2:
                break
            # A bin counts for one harmonic at most: with the coarse bins of a very short recording the
            # harmonics' windows overlap, and counting a bin twice gave hum shares above 100%.
            peak = (np.abs(f - centre) <= half) & ~claimed
            claimed |= peak
            near = (np.abs(f - centre) > 2 * half) & (np.abs(f - centre) <= neighbour)
            harmonics.append((peak, near))
        bands.append((mains, harmonics))
    motion_bins = (f > 0) & (f < MOTION_CUTOFF_HZ)
    results: list[tuple[float | None, float, float]] = []
    for p in spectra:
        total = p.sum()
        if total <= 0 or not np.isfinite(total):
            results.append((None, 0.0, 0.0))
            continue
        best_hz, best = None, 0.0
        for mains, harmonics in bands:
            excess = 0.0
            for peak, near in harmonics:
                # Hum is a narrow line standing well above the EMG's own level around it: count the power
                # of bins at least line_factor times that level, minus the level itself.
                baseline = float(np.median(p[near])) if near.any() else 0.0
                line = p[peak][p[peak] > line_factor * baseline]
                excess += float(np.sum(line - baseline))
            share = excess / float(total)
            if best_hz is None or share > best:
                best_hz, best = mains, share
        results.append((best_hz, best, float(p[motion_bins].sum() / total)))
    return results


def mains_hum(x: np.ndarray, fs: float) -> tuple[float | None, float]:
    """(mains frequency, share of the power in its hum lines) of one signal, as the quality report measures it."""
    return mains_hum_channels(np.asarray(x, dtype=float).reshape(-1, 1), fs)[0]


def mains_hum_channels(data: np.ndarray, fs: float) -> list[tuple[float | None, float]]:
    """``mains_hum`` of every column of ``(n_samples, n_channels)`` data, in one spectrum pass."""
    rows = np.asarray(data, dtype=float).T
    return [(hz, share) for hz, share, _ in _spectral_ratios(rows - rows.mean(axis=1, keepdims=True), float(fs))]


def _snr_db(centred: np.ndarray, seg: int) -> np.ndarray:
    power = np.mean(_segments(centred, seg) ** 2, axis=2)
    floor = np.percentile(power, SNR_FLOOR_PERCENTILE, axis=1)
    total = power.mean(axis=1)
    with np.errstate(divide="ignore"):
        snr = 10 * np.log10(total / np.where(floor > 0, floor, 1.0))
    return np.where(total <= 0, 0.0, np.where(floor <= 0, np.inf, snr))


@dataclass(frozen=True)
class _Measures:
    """The raw measurements of equal-length rows (one row per channel), computed together."""

    flat: np.ndarray
    clip: np.ndarray
    spectral: list[tuple[float | None, float, float]]
    snr: np.ndarray


def _segment_ptp(rows: np.ndarray, seg: int) -> np.ndarray:
    """Peak-to-peak range of every whole segment of each row, ``(n_rows, n_segments)``."""
    return np.ptp(_segments(rows, seg), axis=2)


def _measure(rows: np.ndarray, fs: float, seg: int, reference: float, ptp: np.ndarray | None = None) -> _Measures:
    """Every check's measurement for the finite ``(n_rows, n_samples)`` rows, at least 4 samples long."""
    hi, lo = rows.max(axis=1), rows.min(axis=1)
    peak = np.maximum(np.abs(hi), np.abs(lo))  # max |x|
    flat = _flat_fraction(_segment_ptp(rows, seg) if ptp is None else ptp, peak, reference)
    clip = _clipping_fraction(rows, hi, lo)
    # Power ratios do not depend on scale: normalise first so huge values cannot overflow when squared.
    usable = np.isfinite(peak) & (peak > 0)
    scaled = rows / np.where(usable, peak, 1.0)[:, None]
    centred = scaled - scaled.mean(axis=1, keepdims=True)  # both measures below work on the mean-removed rows
    return _Measures(flat, clip, _spectral_ratios(centred, fs), _snr_db(centred, seg))


def _channel(name: str, m: _Measures, i: int, nan_count: int) -> ChannelQuality:
    """Row ``i`` of the measurements ``m`` judged against the thresholds, as a ChannelQuality."""
    reasons: list[str] = []
    verdicts: list[str] = []
    if nan_count:
        verdicts.append("fail")
        reasons.append(f"Channel {name} has {nan_count} missing or infinite values.")
    flat, clip, snr = float(m.flat[i]), float(m.clip[i]), float(m.snr[i])
    mains_hz, mains, motion = m.spectral[i]
    disconnected = flat >= FLAT_FAIL
    if disconnected:
        verdicts.append("fail")
        reasons.append(f"Channel {name} looks disconnected: the signal is flat for {flat:.0%} of the recording.")
    elif flat >= FLAT_WARN:
        verdicts.append("warn")
        reasons.append(f"Channel {name} is flat for {flat:.0%} of the recording (a loose electrode?).")
    if clip >= CLIP_WARN:
        verdicts.append("fail" if clip >= CLIP_FAIL else "warn")
        reasons.append(f"Channel {name} is clipped (stuck at the amplifier's limit) for {clip:.1%} of samples.")
    if mains >= MAINS_WARN and not disconnected:
        verdicts.append("fail" if mains >= MAINS_FAIL else "warn")
        reasons.append(f"Channel {name} has mains hum: {mains:.0%} of its power is at {mains_hz:g} Hz and "
                       "its harmonics (check grounding and cables). The MUAP analysis and the decision support "
                       "subtract steady hum before they measure, and say so.")
    if motion >= MOTION_WARN and not disconnected:
        verdicts.append("fail" if motion >= MOTION_FAIL else "warn")
        reasons.append(f"Channel {name} has {motion:.0%} of its power below {MOTION_CUTOFF_HZ:g} Hz, "
                       "typical of movement artefact or baseline drift.")
    return ChannelQuality(name, flat, disconnected, clip, mains_hz, mains, motion, snr, nan_count,
                          _worst(verdicts), tuple(reasons))


def _too_short(name: str, nan_count: int) -> ChannelQuality:
    reasons = [f"Channel {name} has {nan_count} missing or infinite values."] if nan_count else []
    return ChannelQuality(name, 1.0, True, 0.0, None, 0.0, 0.0, 0.0, nan_count, "fail",
                          tuple(reasons + [f"Channel {name} has too few valid samples to judge."]))


def assess_quality(recording: Recording) -> QualityReport:
    """Check every channel of ``recording``; the verdict is the worst channel's.

    Returns a ``QualityReport`` with ``.verdict`` ("pass", "warn" or "fail"), ``.reasons`` (plain
    sentences; empty when everything passes) and ``.channels`` (one ``ChannelQuality`` each).
    """
    data = recording.data
    fs = recording.fs
    seg = max(4, int(round(SEGMENT_S * fs)))
    names = recording.channel_names
    # Channel-major rows (one copy), so every check runs over contiguous samples of all channels at once.
    rows = np.ascontiguousarray(data.T)
    finite = np.isfinite(rows)
    nan_counts = rows.shape[1] - np.count_nonzero(finite, axis=1)
    clean = nan_counts == 0  # channels measured together; the others one at a time, without their gaps
    ptp = _segment_ptp(rows[clean], seg) if rows.shape[1] >= seg and clean.any() else None
    references = [] if ptp is None else [float(v) for v in np.percentile(ptp, 90, axis=1)]
    gaps = {c: rows[c][finite[c]] for c in np.flatnonzero(~clean)}
    references += [float(np.percentile(_segment_ptp(x[None, :], seg)[0], 90)) for x in gaps.values() if x.size >= seg]
    reference = max(references) if references else 0.0
    channels: list[ChannelQuality | None] = [None] * len(names)
    if clean.any() and rows.shape[1] >= 4:
        together = _measure(rows[clean], fs, seg, reference, ptp)
        for i, c in enumerate(np.flatnonzero(clean)):
            channels[c] = _channel(names[c], together, i, 0)
    for c in range(len(names)):
        if channels[c] is not None:
            continue
        x = gaps.get(c, rows[c])
        nan_count = int(nan_counts[c])
        channels[c] = (_too_short(names[c], nan_count) if x.size < 4 else
                       _channel(names[c], _measure(x[None, :], fs, seg, reference), 0, nan_count))
    reasons = tuple(r for ch in channels for r in ch.reasons)
    return QualityReport(
        verdict=_worst([ch.verdict for ch in channels]),
        reasons=reasons,
        channels=channels,
        fs=fs,
        duration_s=recording.duration_s,
    )
