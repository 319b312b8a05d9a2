"""Zero-phase EMG filters (scipy.signal, second-order sections): band-pass, mains notch, envelope; and
mains hum removed as fitted sinusoids (``remove_mains``; ``remove_hum`` only where the hum is marked).

Every function takes ``x`` as ``(n_samples,)`` or ``(n_samples, n_channels)`` and filters along the
samples; frequencies are checked against the Nyquist frequency (``fs / 2``) with plain messages.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=4000)
>>> bandpass(x, fs=4000.0).shape
(4000,)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal as sps

from signal_core import _kernels
from signal_core.errors import SignalError, check_sampling_rate

SURFACE_BAND_HZ = (20.0, 450.0)  # usual surface-EMG band
NYQUIST_MARGIN = 0.45  # upper edges are kept below 0.45 * fs so the filter stays well conditioned
DEFAULT_ORDER = 4
NOTCH_Q = 30.0  # quality factor: at 50 Hz the notch is about 1.7 Hz wide
ENVELOPE_CUTOFF_HZ = 6.0  # linear-envelope low-pass


def _prepare(x, fs) -> tuple[np.ndarray, float]:
    fs = check_sampling_rate(fs)
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise SignalError(f"signal must be 1-D or samples x channels, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SignalError("signal contains NaN or infinite values; fill or cut them before filtering")
    if arr.shape[0] < 16:
        raise SignalError(f"signal has {arr.shape[0]} samples; filtering needs at least 16")
    return arr, fs


def _run(sos: np.ndarray, x: np.ndarray, padlen: int | None = None) -> np.ndarray:
    padlen = min(x.shape[0] - 1, padlen or 3 * (2 * sos.shape[0] + 1))
    return sps.sosfiltfilt(sos, x, axis=0, padlen=padlen)


def _check_freq(name: str, value: float, fs: float) -> float:
    value = float(value)
    nyquist = fs / 2
    if not math.isfinite(value) or value <= 0:
        raise SignalError(f"{name} must be a positive frequency in Hz, got {value}")
    if value >= nyquist:
        raise SignalError(f"{name} {value:g} Hz must be below half the sampling rate ({nyquist:g} Hz at "
                          f"fs = {fs:g} Hz)")
    return value


def bandpass(x, fs: float, low: float = SURFACE_BAND_HZ[0], high: float | None = SURFACE_BAND_HZ[1],
             order: int = DEFAULT_ORDER) -> np.ndarray:
    """Zero-phase Butterworth band-pass from ``low`` to ``high`` Hz (``high`` capped at 0.45 * fs;
    ``None`` gives a high-pass at ``low``)."""
    arr, fs = _prepare(x, fs)
    low = _check_freq("low cut-off", low, fs)
    if high is None:
        sos = sps.butter(order, low, btype="highpass", fs=fs, output="sos")
        return _run(sos, arr)
    high = min(float(high), NYQUIST_MARGIN * fs)
    high = _check_freq("high cut-off", high, fs)
    if high <= low:
        raise SignalError(f"the band {low:g}-{high:g} Hz is empty: the high cut-off must be above the low "
                          f"one (at fs = {fs:g} Hz the highest usable is {NYQUIST_MARGIN * fs:g} Hz)")
    sos = sps.butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    return _run(sos, arr)


def notch(x, fs: float, mains: float = 50.0, harmonics: int = 3, q: float = NOTCH_Q) -> np.ndarray:
    """Remove mains hum at ``mains`` Hz (50 or 60) and its harmonics up to ``harmonics`` (those below
    Nyquist) with zero-phase IIR notches."""
    arr, fs = _prepare(x, fs)
    if float(mains) not in (50.0, 60.0):
        raise SignalError(f"mains frequency must be 50 or 60 Hz, got {mains}")
    _check_freq("mains frequency", mains, fs)
    if int(harmonics) < 1:
        raise SignalError("harmonics must be at least 1 (the mains frequency itself)")
    out = arr
    for k in range(1, int(harmonics) + 1):
        f0 = k * float(mains)
        if f0 >= fs / 2:
            break
        b, a = sps.iirnotch(f0, q, fs=fs)
        # A narrow notch rings for about q / (pi * f0) seconds: pad by a few of those to tame the edges.
        out = _run(sps.tf2sos(b, a), out, padlen=int(3 * fs * q / (np.pi * f0)))
    return out


def remove_mains(x, fs: float, mains: float = 50.0, harmonics: int = 5, search_hz: float = 0.5) -> np.ndarray:
    """Subtract mains hum as fitted sinusoids: the line's exact frequency is found near ``mains`` (the
    largest Fourier magnitude within +-``search_hz``, in 0.01 Hz steps), then each harmonic's amplitude and
    phase are fitted over the whole recording by least squares and subtracted.

    Unlike a notch (``notch``), which also cuts the EMG's own power around every harmonic and rings after
    each MUAP, a fit over seconds removes only what is locked to the line: the MUAPs keep their shape. It
    assumes the hum's amplitude is steady over the recording, as mains pickup usually is.
    """
    arr, fs = _prepare(x, fs)
    if float(mains) not in (50.0, 60.0):
        raise SignalError(f"mains frequency must be 50 or 60 Hz, got {mains}")
    _check_freq("mains frequency", mains, fs)
    one = arr.ndim == 1
    cols = arr[:, None] if one else arr
    t = np.arange(cols.shape[0]) / fs
    grid = float(mains) + np.arange(-search_hz, search_hz + 1e-9, 0.01)
    out = np.empty_like(cols)
    for c in range(cols.shape[1]):
        y = cols[:, c] - cols[:, c].mean()
        # Fourier magnitude of the fundamental on the grid (a chirp of small steps: one complex product each)
        step = np.exp(-2j * np.pi * 0.01 * t)
        probe = y * np.exp(-2j * np.pi * grid[0] * t)
        best, f1 = -1.0, float(mains)
        for f in grid:
            mag = abs(probe.sum())
            if mag > best:
                best, f1 = mag, float(f)
            probe *= step
        for k in range(1, int(harmonics) + 1):
            if k * f1 >= fs / 2:
                break
            w = 2 * np.pi * k * f1 * t
            basis = np.column_stack([np.cos(w), np.sin(w)])
            coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
            y = y - basis @ coef
        out[:, c] = y + cols[:, c].mean()
    return out[:, 0] if one else out


HUM_SHARE = 0.05  # remove hum when its lines hold this share of a channel's power (the quality warning level)
HUM_HARMONICS = 5


def remove_hum(x, fs: float, min_share: float = HUM_SHARE,
               harmonics: int = HUM_HARMONICS) -> tuple[np.ndarray, list[tuple[int, float, float]]]:
    """Subtract mains hum (``remove_mains``) from each channel whose hum lines hold at least ``min_share``
    of its power, as ``signal_core.quality`` measures it; other channels are returned unchanged.

    Returns the signal and ``(channel index, mains Hz, share before)`` for each channel cleaned, so callers
    can say what they removed. Used by the MUAP analysis and by the decision support's features, so a
    recording from a clinic with hum is measured as if its ground were good.
    """
    from signal_core.quality import mains_hum_channels  # quality does not import filters: no import cycle

    arr, fs = _prepare(x, fs)
    one = arr.ndim == 1
    cols = arr[:, None] if one else arr
    out = cols
    removed: list[tuple[int, float, float]] = []
    for c, (hz, share) in enumerate(mains_hum_channels(cols, fs)):
        if hz is None or share < min_share or hz >= fs / 2:
            continue
        if out is cols:
            out = cols.copy()
        out[:, c] = remove_mains(cols[:, c], fs, hz, harmonics=harmonics)
        removed.append((c, float(hz), float(share)))
    return (out[:, 0] if one else out), removed


def envelope(x, fs: float, cutoff: float = ENVELOPE_CUTOFF_HZ, method: str = "rectify",
             window_s: float = 0.05) -> np.ndarray:
    """Amplitude envelope: full-wave rectify then zero-phase low-pass at ``cutoff`` Hz
    (``method="rectify"``), or a moving root-mean-square over ``window_s`` seconds (``method="rms"``)."""
    arr, fs = _prepare(x, fs)
    centred = arr - arr.mean(axis=0)
    if method == "rectify":
        cutoff = _check_freq("envelope cut-off", cutoff, fs)
        sos = sps.butter(2, cutoff, btype="lowpass", fs=fs, output="sos")
        return np.maximum(_run(sos, np.abs(centred)), 0.0)
    if method == "rms":
        n = int(round(float(window_s) * fs))
        if n < 1 or n > arr.shape[0]:
            raise SignalError(f"RMS window {window_s} s must be between one sample and the recording length")
        kernel = np.ones(n) / n
        sq = centred ** 2
        if sq.ndim == 1:
            ms = np.convolve(sq, kernel, mode="same")
        else:
            ms = np.column_stack([np.convolve(sq[:, c], kernel, mode="same") for c in range(sq.shape[1])])
        return np.sqrt(np.maximum(ms, 0.0))
    raise SignalError(f"unknown envelope method {method!r}; use 'rectify' or 'rms'")


def sosfiltfilt_channels(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x, axis=0)`` for a ``(n_samples, n_channels)`` signal, the same numbers.

    Same odd padding (default length), initial states and arithmetic, in the same order, but one Numba
    kernel streams all channels together (SciPy filters them one after the other, with copies between the
    passes): about twice as fast on a minute of 8-channel EMG. Inputs it does not cover (non-finite
    samples, a signal no longer than the padding, sections not normalised to a0 = 1) go to SciPy itself.
    """
    sos = np.asarray(sos, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or sos.ndim != 2 or sos.shape[1] != 6 or not np.all(sos[:, 3] == 1.0):
        return sps.sosfiltfilt(sos, x, axis=0)
    n_sections = sos.shape[0]
    ntaps = 2 * n_sections + 1 - min(int(np.sum(sos[:, 2] == 0)), int(np.sum(sos[:, 5] == 0)))
    edge = 3 * ntaps  # SciPy's default pad length
    if x.shape[0] <= edge + 1 or _kernels.count_nonfinite(np.ascontiguousarray(x)):
        return sps.sosfiltfilt(sos, x, axis=0)
    # SciPy's odd extension: a 180-degree rotation of the signal about each end sample.
    ext = np.concatenate((2 * x[:1] - x[edge:0:-1], x, 2 * x[-1:] - x[-2 : -(edge + 2) : -1]), axis=0)
    _kernels.sos_filtfilt(sos, sps.sosfilt_zi(sos), ext)
    return ext[edge:-edge]
