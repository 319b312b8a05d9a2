"""Spectral EMG features: one batched FFT per chunk of windows (scipy.fft), reduced by a Numba kernel.

Like libemg, each window is zero-padded to the next power of two ``nfft``, the spectrum is divided by the
window length, and the power of bins ``0 .. nfft/2 - 1`` (DC included, Nyquist not) is used, bin ``j``
lying at ``j * fs / nfft`` Hz. Windows are copied a chunk at a time into one reused, zero-padded,
cache-sized buffer (never the whole set of overlapping windows), so the extra memory stays bounded.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft

from signal_core import _kernels

#: Extra bytes one chunk of FFTs may use at most (its padded input and complex output).
CHUNK_BYTES = 4 * 1024 * 1024


def next_pow2(n: int) -> int:
    """Smallest power of two >= ``n`` (1 for ``n <= 1``), as libemg pads its FFTs."""
    return 1 if n <= 1 else 1 << (int(n) - 1).bit_length()


def band_bins(low_hz: float, high_hz: float, fs: float, nfft: int) -> tuple[int, int]:
    """Bin index range ``[lo, hi)`` of the frequencies ``low_hz <= f < high_hz`` among the ``nfft/2`` bins."""
    n_bins = nfft // 2
    lo = min(max(math.ceil(low_hz * nfft / fs), 0), n_bins)
    hi = min(max(math.ceil(high_hz * nfft / fs), 0), n_bins)
    return lo, max(lo, hi)


def chunk_windows(n_channels: int, nfft: int, budget_bytes: int = CHUNK_BYTES) -> int:
    """Windows per FFT chunk so one chunk's padded input and complex output stay within ``budget_bytes``."""
    per_window = n_channels * (nfft * 8 + (nfft // 2 + 1) * 16)
    return max(1, budget_bytes // per_window)


def spectral_features(
    x: np.ndarray,
    fs: float,
    window: int,
    step: int,
    n_win: int,
    low_band: tuple[float, float],
    high_band: tuple[float, float],
) -> np.ndarray:
    """MNF, MDF, PKF, TTP, SM1, SM2, SM3, FR for every window: ``(n_win, n_channels, 8)``.

    ``x`` is the validated C-contiguous float64 ``(n_samples, n_channels)`` signal; ``window``/``step`` are
    in samples. Order of the last axis is `signal_core._kernels.SPECTRAL_FEATURES`.
    """
    n_ch = x.shape[1]
    nfft = next_pow2(window)
    n_bins = nfft // 2
    low = band_bins(low_band[0], low_band[1], fs, nfft)
    high = band_bins(high_band[0], high_band[1], fs, nfft)
    out = np.empty((n_win, n_ch, len(_kernels.SPECTRAL_FEATURES)))
    per_chunk = min(chunk_windows(n_ch, nfft), n_win)
    # One zero-padded batch buffer, reused for every chunk: the padding is written once.
    batch = np.zeros((per_chunk, n_ch, nfft))
    for start in range(0, n_win, per_chunk):
        stop = min(start + per_chunk, n_win)
        chunk = batch[: stop - start]
        _kernels.fill_windows(x, start, step, window, chunk)
        # One FFT thread: the Numba kernels use their own thread pool, and two pools on the same cores
        # slowed the whole set down on a busy 2-core machine.
        spec = scipy.fft.rfft(chunk, axis=-1, workers=1)
        _kernels.spectral_features(spec, window, float(fs), n_bins, *low, *high, out[start:stop])
    return out
