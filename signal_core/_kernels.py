"""All Numba kernels of signal_core, in one module so ``cache=True`` works and the flags live in one place.

Kernels never validate: `signal_core.features` checks every input before calling them. The signal is
always the row-major ``(n_samples, n_channels)`` float64 array, read in order; never transposed as a
whole. Each parallel kernel copies one block or window at a time into a small channel-major scratch
buffer (it stays in cache), so the inner loops run over contiguous samples and vectorise.

Kinds of kernel:

* **Block sums** (`block_sums` + `sum_features`): the sum-type features (MAV, RMS, VAR, IAV, WL, ZC, SSC,
  WAMP, LOG, DASDV, MYOP). The signal is cut into blocks of ``step`` samples; per block and channel we keep
  the sum of every per-sample quantity over the whole block and over its first ``window % step`` samples
  (its "head"). A window starting at block ``k`` is then blocks ``k .. k + window // step - 1`` plus the
  head of the next block, with exact corrections for the difference terms at its two edges. Cost is
  O(n_samples) however much the windows overlap; no overlapping window is ever copied.
* **Per-window kernels** (`moment_features`, `burg_ar`): statistics that are not sums of per-sample terms
  (skewness, kurtosis, Hjorth parameters, AR coefficients), in parallel over windows.
* **Spectral** (`fill_windows`, `spectral_features`): a chunk of windows into a zero-padded FFT batch, and
  the reduction of its spectra to MNF, MDF, PKF, total power, spectral moments and the band ratio
  (`signal_core.spectral` runs the FFTs).
* **Validation helper** (`count_nonfinite`).
* **Bracketed median** (`bracket_medians`): the exact median of each channel of a long signal, selected among
  the few samples inside a value bracket (`signal_core.robust` chooses the bracket).
* **Zero-phase filter** (`sos_filtfilt`): SciPy's sosfiltfilt passes over all channels at once
  (`signal_core.filters.sosfiltfilt_channels` pads and checks).
"""

from __future__ import annotations

import math
import os

# Idle OpenMP worker threads sleep instead of spinning. On a shared machine with more busy processes
# than cores, spinning workers made the time-domain set about 4x slower (measured); a user's own setting
# wins. Set before Numba's thread pool starts (it starts lazily, at the first parallel kernel).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

# One place for the Numba flags. ``parallel`` is added only where a kernel has a prange loop.
_NUMBA = dict(cache=True, nogil=True)
_NUMBA_PARALLEL = dict(_NUMBA, parallel=True)
# Reductions may be reassociated so LLVM can vectorise them (last-bit rounding differences only).
_NUMBA_REASSOC = dict(_NUMBA, fastmath={"reassoc", "contract"})

# ---- block-sum quantities (second axis of the block arrays) ------------------------------------------
Q_ABS = 0  # |x|
Q_RAWSQ = 1  # x^2 (uncentred; RMS)
Q_LIN = 2  # x - offset           (VAR, centred for stability under a DC offset)
Q_SQ = 3  # (x - offset)^2        (VAR)
Q_MYOP = 4  # |x| >= myop threshold
Q_LOG = 5  # log|x| over non-zero samples
Q_ZERO = 6  # samples exactly 0 (below the ADC's resolution; LOG leaves them out)
Q_ABSD = 7  # |x_i - x_{i-1}|        pair terms: belong to sample i, need i >= 1
Q_SQD = 8  # (x_i - x_{i-1})^2
Q_ZC = 9  # sign change between x_{i-1} and x_i with |x_i - x_{i-1}| >= zc threshold
Q_WAMP = 10  # |x_i - x_{i-1}| > wamp threshold
Q_SSC = 11  # (x_i - x_{i-1})(x_i - x_{i+1}) >= ssc threshold   triple term: needs 1 <= i <= n - 2
N_QUANTITIES = 12

#: Parallel loops split their items into this many contiguous parts, each with its own scratch buffers
#: (a buffer per item cost a third of the time; numba.get_thread_id would defeat ``cache=True``).
N_PARTS = 64

#: Output order of `sum_features` (third axis).
SUM_FEATURES = ("MAV", "RMS", "VAR", "IAV", "WL", "ZC", "SSC", "WAMP", "LOG", "DASDV", "MYOP")
#: Output order of `moment_features`.
MOMENT_FEATURES = ("SKEW", "KURT", "HJORTH_ACT", "HJORTH_MOB", "HJORTH_COMP")
#: Output order of `spectral_features`.
SPECTRAL_FEATURES = ("MNF", "MDF", "PKF", "TTP", "SM1", "SM2", "SM3", "FR")


@njit(**_NUMBA)
def _one_if(cond):
    # Becomes a select instruction, not a branch.
    return 1.0 if cond else 0.0


@njit(**_NUMBA)
def _sign_change(prev, cur):
    # Bitwise, not short-circuit: a branch here would be mispredicted half the time on EMG.
    return ((prev > 0.0) & (cur < 0.0)) | ((prev < 0.0) & (cur > 0.0))


@njit(**_NUMBA_PARALLEL)
def block_sums(x, offset, step, head, n_blocks, zc_thr, ssc_thr, wamp_thr, myop_thr, with_log):
    """Per-block sums of every quantity: returns ``(full, heads)``, each ``(n_blocks, N_QUANTITIES, C)``.

    The four thresholds are float64 arrays with one value per channel (channels of one recording may
    have their own amplitude-relative thresholds).

    ``full[b]`` sums samples ``[b*step, (b+1)*step)`` (clipped to the signal); ``heads[b]`` sums only the
    first ``head`` samples of block ``b`` (unused when ``head == 0``). Pair terms are attributed to their
    later sample, the SSC triple term to its middle sample; a term whose neighbours fall outside the
    signal is zero.

    The block's rows are read once, in order, into a small channel-major buffer (it stays in L1 cache);
    each channel's sums then run over contiguous samples, branch-free, so they vectorise.
    """
    n, n_ch = x.shape
    # Every entry is written below, so no zero-fill (touching fresh pages twice cost ~15% of the time);
    # without a head, heads is a one-block dummy that sum_features never reads.
    full = np.empty((n_blocks, N_QUANTITIES, n_ch))
    heads = np.empty((n_blocks if head > 0 else 1, N_QUANTITIES, n_ch))
    n_parts = min(N_PARTS, n_blocks)
    for part in prange(n_parts):
        # buf[c, 0] is the sample before the block, buf[c, length + 1] the one after (edge-padded).
        buf = np.empty((n_ch, step + 2))
        acc = np.empty(N_QUANTITIES)
        for b in range(part * n_blocks // n_parts, (part + 1) * n_blocks // n_parts):
            _one_block(x, offset, step, head, b, zc_thr, ssc_thr, wamp_thr, myop_thr, with_log, buf, acc, full, heads)
    return full, heads


@njit(**_NUMBA)
def _one_block(x, offset, step, head, b, zc_thr, ssc_thr, wamp_thr, myop_thr, with_log, buf, acc, full, heads):
    """Fill ``full[b]`` and ``heads[b]`` (see `block_sums`) using the scratch arrays ``buf`` and ``acc``."""
    n, n_ch = x.shape
    i0 = b * step
    i1 = min(i0 + step, n)
    length = i1 - i0
    split = min(head, length) if head > 0 else length
    before = max(i0 - 1, 0)
    after = min(i1, n - 1)
    for c in range(n_ch):
        buf[c, 0] = x[before, c]
    # Channel-outer copy: contiguous writes; the block's rows (step x C doubles) stay in L1 for reads.
    for c in range(n_ch):
        for j in range(length):
            buf[c, j + 1] = x[i0 + j, c]
    for c in range(n_ch):
        buf[c, length + 1] = x[after, c]
    for c in range(n_ch):
        row = buf[c]
        acc[:] = 0.0
        _segment_sums(row, 0, split, i0, n, offset[c], zc_thr[c], ssc_thr[c], wamp_thr[c], myop_thr[c], acc)
        if with_log:
            _segment_logs(row, 0, split, acc)
        if head > 0:
            heads[b, :, c] = acc
        if split < length:
            _segment_sums(row, split, length, i0, n, offset[c], zc_thr[c], ssc_thr[c], wamp_thr[c], myop_thr[c], acc)
            if with_log:
                _segment_logs(row, split, length, acc)
        full[b, :, c] = acc


@njit(**_NUMBA_REASSOC)
def _segment_sums(row, lo, hi, i0, n, off, zc_thr, ssc_thr, wamp_thr, myop_thr, out):
    """Add the sums over buffer samples ``[lo, hi)`` (signal index ``i0 + j``) to ``out``.

    ``reassoc`` lets LLVM vectorise these reductions; the rounding differs from a sequential sum only in
    the last bits (tests compare with NumPy at 1e-9 relative).
    """
    s_abs = 0.0
    s_raw = 0.0
    s_lin = 0.0
    s_sq = 0.0
    s_myop = 0.0
    s_absd = 0.0
    s_sqd = 0.0
    s_zc = 0.0
    s_wamp = 0.0
    s_ssc = 0.0
    for j in range(lo, hi):
        i = i0 + j
        p = row[j]
        v = row[j + 1]
        nx = row[j + 2]
        a = abs(v)
        t = v - off
        s_abs += a
        s_raw += v * v
        s_lin += t
        s_sq += t * t
        s_myop += _one_if(a >= myop_thr)
        has_prev = i > 0
        d = v - p
        ad = abs(d)
        s_absd += ad
        s_sqd += d * d
        s_wamp += _one_if((ad > wamp_thr) & has_prev)
        s_zc += _one_if(_sign_change(p, v) & (ad >= zc_thr) & has_prev)
        s_ssc += _one_if((d * (v - nx) >= ssc_thr) & has_prev & (i + 1 < n))
    # With edge padding the sample before the signal equals its first sample, so d = 0 there and the
    # |d| and d^2 sums need no correction.
    out[Q_ABS] += s_abs
    out[Q_RAWSQ] += s_raw
    out[Q_LIN] += s_lin
    out[Q_SQ] += s_sq
    out[Q_MYOP] += s_myop
    out[Q_ABSD] += s_absd
    out[Q_SQD] += s_sqd
    out[Q_ZC] += s_zc
    out[Q_WAMP] += s_wamp
    out[Q_SSC] += s_ssc


@njit(**_NUMBA_REASSOC)
def _segment_logs(row, lo, hi, out):
    s_log = 0.0
    s_zero = 0.0
    for j in range(lo, hi):
        a = abs(row[j + 1])
        # log(1) = 0 stands in for an exact zero (a sample below the ADC's resolution); the zero count
        # takes it out of LOG's mean, so LOG is the geometric mean of the resolved samples.
        s_log += math.log(a if a > 0.0 else 1.0)
        s_zero += _one_if(a == 0.0)
    out[Q_LOG] += s_log
    out[Q_ZERO] += s_zero


@njit(**_NUMBA)
def _pair_terms(x, i, c, zc_thr, wamp_thr):
    """The pair terms (|d|, d^2, ZC, WAMP) attributed to sample ``i >= 1``."""
    v = x[i, c]
    p = x[i - 1, c]
    d = v - p
    ad = abs(d)
    zc = 1.0 if (_sign_change(p, v) and ad >= zc_thr) else 0.0
    wamp = 1.0 if ad > wamp_thr else 0.0
    return ad, d * d, zc, wamp


@njit(**_NUMBA)
def _ssc_term(x, i, c, ssc_thr):
    n = x.shape[0]
    if i < 1 or i + 1 >= n:
        return 0.0
    v = x[i, c]
    return 1.0 if (v - x[i - 1, c]) * (v - x[i + 1, c]) >= ssc_thr else 0.0


@njit(**_NUMBA_PARALLEL)
def sum_features(x, offset, full, heads, window, step, n_win, zc_thr, ssc_thr, wamp_thr):
    """Sum-type features for every window, ``(n_win, C, len(SUM_FEATURES))``, from `block_sums` output.

    Thresholds are per-channel arrays, as in `block_sums`.
    """
    n, n_ch = x.shape
    n_full = window // step
    head = window - n_full * step
    out = np.empty((n_win, n_ch, len(SUM_FEATURES)))
    w = float(window)
    for k in prange(n_win):
        tot = np.empty(N_QUANTITIES)
        s = k * step
        e = s + window
        for c in range(n_ch):
            for q in range(N_QUANTITIES):
                acc = 0.0
                for j in range(n_full):
                    acc += full[k + j, q, c]
                if head > 0:
                    acc += heads[k + n_full, q, c]
                tot[q] = acc
            # The blocks hold the pair term of sample s (pair s-1, s) and the SSC terms of samples s and
            # e-1, whose neighbours lie outside the window: take them out exactly.
            if s > 0:
                ad, d2, zc, wamp = _pair_terms(x, s, c, zc_thr[c], wamp_thr[c])
                tot[Q_ABSD] -= ad
                tot[Q_SQD] -= d2
                tot[Q_ZC] -= zc
                tot[Q_WAMP] -= wamp
                tot[Q_SSC] -= _ssc_term(x, s, c, ssc_thr[c])
            if e < n:
                tot[Q_SSC] -= _ssc_term(x, e - 1, c, ssc_thr[c])
            mean_t = tot[Q_LIN] / w
            var = tot[Q_SQ] / w - mean_t * mean_t
            out[k, c, 0] = tot[Q_ABS] / w
            out[k, c, 1] = math.sqrt(max(tot[Q_RAWSQ] / w, 0.0))
            out[k, c, 2] = max(var, 0.0)
            out[k, c, 3] = tot[Q_ABS]
            out[k, c, 4] = max(tot[Q_ABSD], 0.0)
            out[k, c, 5] = tot[Q_ZC]
            out[k, c, 6] = tot[Q_SSC]
            out[k, c, 7] = tot[Q_WAMP]
            resolved = w - tot[Q_ZERO]
            out[k, c, 8] = math.exp(tot[Q_LOG] / resolved) if resolved > 0.0 else 0.0
            out[k, c, 9] = math.sqrt(max(tot[Q_SQD], 0.0) / (w - 1.0))
            out[k, c, 10] = tot[Q_MYOP] / w
    return out


@njit(**_NUMBA)
def _window_channel_major(x, s, window, buf):
    """Copy window ``[s, s + window)`` into ``buf`` ``(C, window)`` minus each channel's first sample.

    Channel-outer copy: contiguous writes, the window's rows stay in cache. Differences from the first
    sample are exact for nearby values, so a DC offset of 1e6 costs no accuracy downstream.
    """
    n_ch = x.shape[1]
    for c in range(n_ch):
        first = x[s, c]
        for j in range(window):
            buf[c, j] = x[s + j, c] - first


@njit(**_NUMBA_REASSOC)
def _moments_1d(v, out):
    """SKEW, KURT, HJORTH_ACT, HJORTH_MOB, HJORTH_COMP of one contiguous window ``v`` into ``out``."""
    w = v.shape[0]
    total = 0.0
    for j in range(w):
        total += v[j]
    mean = total / w
    # Means of the first and second differences telescope to their end points.
    mean_d = (v[w - 1] - v[0]) / (w - 1.0)
    mean_dd = ((v[w - 1] - v[w - 2]) - (v[1] - v[0])) / (w - 2.0)
    # Second pass: centred powers and the centred first and second differences together.
    d0 = v[0] - mean
    d1 = v[1] - mean
    m2 = d0 * d0 + d1 * d1
    m3 = d0 * d0 * d0 + d1 * d1 * d1
    m4 = d0 * d0 * d0 * d0 + d1 * d1 * d1 * d1
    dd1 = (v[1] - v[0]) - mean_d
    vd = dd1 * dd1
    vdd = 0.0
    for j in range(2, w):
        d = v[j] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
        dd = (v[j] - v[j - 1]) - mean_d
        vd += dd * dd
        ddd = (v[j] - 2.0 * v[j - 1] + v[j - 2]) - mean_dd
        vdd += ddd * ddd
    var = m2 / w
    var_d = vd / (w - 1.0)
    var_dd = vdd / (w - 2.0)
    # var * var > 0 also guards against underflow for absurdly small (~1e-160) amplitudes.
    if var * var > 0.0:
        out[0] = (m3 / w) / var**1.5
        out[1] = (m4 / w) / (var * var)
        mobility = math.sqrt(var_d / var)
    else:
        out[0] = 0.0
        out[1] = 0.0
        mobility = 0.0
    out[2] = var
    out[3] = mobility
    out[4] = math.sqrt(var_dd / var_d) / mobility if (mobility > 0.0 and var_d > 0.0) else 0.0


@njit(**_NUMBA_PARALLEL)
def moment_features(x, window, step, n_win):
    """Skewness, kurtosis (Pearson, not excess) and Hjorth activity/mobility/complexity per window.

    Two passes per window (mean first, then centred sums) on a channel-major copy of the window (in
    cache), in parallel over windows. A window with zero variance gets 0 for every shape statistic
    (they are undefined there).
    """
    n_ch = x.shape[1]
    out = np.empty((n_win, n_ch, len(MOMENT_FEATURES)))
    n_parts = min(N_PARTS, n_win)
    for part in prange(n_parts):
        buf = np.empty((n_ch, window))
        for k in range(part * n_win // n_parts, (part + 1) * n_win // n_parts):
            _window_channel_major(x, k * step, window, buf)
            for c in range(n_ch):
                _moments_1d(buf[c], out[k, c])
    return out


@njit(**_NUMBA)
def _lag_sum(v, lags, u, w_start, length):
    """``sum_{t<length} v[u + t] * v[w_start + t]`` from the full-series lag sums ``lags`` minus edges."""
    if u < w_start:
        u, w_start = w_start, u
    d = u - w_start
    n = v.shape[0]
    total = lags[d]
    # lags[d] sums t from 0 to n - 1 - d; remove the terms before w_start and after w_start + length - 1.
    for t in range(0, w_start):
        total -= v[t + d] * v[t]
    for t in range(w_start + length, n - d):
        total -= v[t + d] * v[t]
    return total


@njit(**_NUMBA_REASSOC)
def _burg_1d(v, order, centred, lags, a, prev, out):
    """Burg AR coefficients of the contiguous series ``v`` minus its mean into ``out`` (length ``order``).

    Burg's reflection coefficient at order m + 1 is ``-2 sum f_m[i] b_m[i-1] / sum (f_m[i]^2 +
    b_m[i-1]^2)`` over ``i = m+1 .. n-1``. Both errors are linear in the series with the order-m
    coefficients ``a``, so each sum is a quadratic form in ``a`` over lagged products of the series; those
    are the full-series lag sums (one vectorised pass) minus a few edge products. No error series is
    stored or updated: O(n * order) multiply-adds in one pass instead of two passes per order.
    """
    n = v.shape[0]
    total = 0.0
    for j in range(n):
        total += v[j]
    mean = total / n
    for j in range(n):
        centred[j] = v[j] - mean
    for d in range(order + 1):
        acc = 0.0
        for t in range(n - d):
            acc += centred[t + d] * centred[t]
        lags[d] = acc
    a[:] = 0.0
    a[0] = 1.0
    for m in range(order):
        length = n - m - 1
        num = 0.0
        den = 0.0
        for j in range(m + 1):
            for l in range(m + 1):
                weight = a[j] * a[l]
                # f_m[i] = sum_j a_j x[i - j];  b_m[i - 1] = sum_l a_l x[i - 1 - m + l];  i = m+1 .. n-1
                num += weight * _lag_sum(centred, lags, m + 1 - j, l, length)
                den += weight * (
                    _lag_sum(centred, lags, m + 1 - j, m + 1 - l, length) + _lag_sum(centred, lags, j, l, length)
                )
        refl = -2.0 * num / den if den > 0.0 else 0.0
        prev[:] = a
        for j in range(1, m + 2):
            a[j] = prev[j] + refl * prev[m + 1 - j]
    for j in range(order):
        out[j] = a[j + 1]


@njit(**_NUMBA_PARALLEL)
def burg_ar(x, window, step, n_win, order):
    """AR coefficients ``a_1..a_order`` per window by Burg's method, on the window minus its mean.

    Sign convention of the prediction-error filter (as librosa.lpc and libemg): ``x[t] + a_1 x[t-1] + ...
    + a_p x[t-p] = e[t]``. A window with no variation gets all zeros. Returns ``(n_win, C, order)``.
    """
    n_ch = x.shape[1]
    out = np.empty((n_win, n_ch, order))
    n_parts = min(N_PARTS, n_win)
    for part in prange(n_parts):
        buf = np.empty((n_ch, window))
        centred = np.empty(window)
        lags = np.empty(order + 1)
        a = np.empty(order + 1)
        prev = np.empty(order + 1)
        for k in range(part * n_win // n_parts, (part + 1) * n_win // n_parts):
            _window_channel_major(x, k * step, window, buf)
            for c in range(n_ch):
                _burg_1d(buf[c], order, centred, lags, a, prev, out[k, c])
    return out


@njit(**_NUMBA_REASSOC)
def _spectrum_row(row, scale, df, n_bins, low_lo, low_hi, high_lo, high_hi, power, out):
    """The 8 spectral features of one FFT row into ``out`` (``power`` is a scratch array of n_bins)."""
    for j in range(n_bins):
        z = row[j]
        power[j] = (z.real * z.real + z.imag * z.imag) * scale
    total = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(n_bins):
        p = power[j]
        f = j * df
        pf = p * f
        total += p
        s1 += pf
        s2 += pf * f
        s3 += pf * f * f
    low = 0.0
    for j in range(low_lo, low_hi):
        low += power[j]
    high = 0.0
    for j in range(high_lo, high_hi):
        high += power[j]
    peak_j = 0
    peak = power[0]
    for j in range(1, n_bins):
        if power[j] > peak:  # strict: the first maximum, as argmax
            peak = power[j]
            peak_j = j
    median_j = 0
    if total > 0.0:
        # Sequential running sum, as numpy.cumsum in libemg: the first bin whose cumulative power
        # exceeds half the total.
        half = total / 2.0
        cum = 0.0
        for j in range(n_bins):
            cum += power[j]
            if cum > half:
                median_j = j
                break
        out[0] = s1 / total
        out[2] = peak_j * df
    else:
        out[0] = 0.0
        out[2] = 0.0
    out[1] = median_j * df
    out[3] = total
    out[4] = s1
    out[5] = s2
    out[6] = s3
    out[7] = low / high if high > 0.0 else 0.0


@njit(**_NUMBA)
def spectral_features(spec, window, fs, n_bins, low_lo, low_hi, high_lo, high_hi, out):
    """Reduce one chunk of FFTs ``spec`` (windows, channels, >= n_bins) into ``out`` (windows, C, 8).

    Power is ``|X_j|^2 / window^2`` over bins ``0 .. n_bins - 1`` (DC included, Nyquist not), bin ``j`` at
    ``j * fs / nfft`` Hz with ``nfft = 2 * n_bins``, as libemg. ``low_*``/``high_*`` are bin index ranges
    ``[lo, hi)`` of the two bands of the frequency ratio. A window with no power gets zeros.

    Serial on purpose: it runs once per FFT chunk, and a parallel launch per chunk cost more than the
    reduction itself on a busy 2-core machine.
    """
    n_w, n_ch = spec.shape[0], spec.shape[1]
    df = fs / (2.0 * n_bins)
    scale = 1.0 / (float(window) * float(window))
    power = np.empty(n_bins)
    for k in range(n_w):
        for c in range(n_ch):
            _spectrum_row(spec[k, c], scale, df, n_bins, low_lo, low_hi, high_lo, high_hi, power, out[k, c])


@njit(**_NUMBA)
def fill_windows(x, first, step, window, buf):
    """Copy windows ``first .. first + len(buf) - 1`` into ``buf`` ``(n, C, nfft)``, channel-major.

    Only ``buf[..., :window]`` is written, so zero padding laid down once stays zero across chunks. A
    contiguous, cache-sized batch makes scipy's FFT about twice as fast as on a strided view.
    """
    n_w, n_ch = buf.shape[0], buf.shape[1]
    for k in range(n_w):
        s = (first + k) * step
        for c in range(n_ch):
            for j in range(window):
                buf[k, c, j] = x[s + j, c]


@njit(**_NUMBA_PARALLEL)
def count_nonfinite(x):
    """How many samples are NaN or infinite, in one pass without a temporary array (validation helper)."""
    n, n_ch = x.shape
    total = 0
    for i in prange(n):
        row = 0
        for c in range(n_ch):
            v = x[i, c]
            row += 0 if v - v == 0.0 else 1  # v - v is NaN for NaN and for +-inf
        total += row
    return total


@njit(**_NUMBA)
def _sample_value(data, i, c, differences, absolute, centre):
    """Sample ``i`` of channel ``c`` as `bracket_medians` ranks it (a difference, an absolute deviation)."""
    v = data[i + 1, c] - data[i, c] if differences else data[i, c]
    return abs(v - centre[c]) if absolute else v


@njit(**_NUMBA)
def bracket_medians(data, differences, absolute, centre, lo, hi, out):
    """Median of each channel's values of ``data`` ``(n_samples, n_channels)``, selected within the bracket
    ``[lo[c], hi[c]]``; NaN where it misses.

    Channel ``c``'s values are ``data[:, c]`` or, with ``differences``, its first differences; with
    ``absolute``, ``|value - centre[c]|``. The signal is read row by row with the channel loop innermost
    (as every signal_core kernel reads it; no transposed copy). One pass ranks each channel's bracket (how
    many values lie below it, how many inside); a second pass copies the bracket values of the channels whose
    middle value(s) fall inside, and they alone are partitioned. The median is the mean of the middle
    value(s), as ``np.median`` computes it. A channel holding a NaN or infinity is counted in the first pass
    and left NaN (a miss), so the caller needs no separate finiteness pass. Serial on purpose: the two
    passes take a few milliseconds, less than waking a thread pool on a busy machine.
    """
    n, n_ch = data.shape
    n_values = n - 1 if differences else n
    k_low = (n_values - 1) // 2
    k_high = n_values // 2
    below = np.zeros(n_ch, dtype=np.int64)
    inside = np.zeros(n_ch, dtype=np.int64)
    bad = np.zeros(n_ch, dtype=np.int64)
    for i in range(n_values):
        for c in range(n_ch):
            v = _sample_value(data, i, c, differences, absolute, centre)
            # Counted branch-free: "below the bracket" is a coin flip per sample for a branch predictor.
            below[c] += v < lo[c]
            inside[c] += (v >= lo[c]) & (v <= hi[c])
            bad[c] += v - v != 0.0  # NaN or infinite
    hit = np.zeros(n_ch, dtype=np.bool_)
    for c in range(n_ch):
        out[c] = np.nan
        hit[c] = n_values > 0 and bad[c] == 0 and below[c] <= k_low and k_high < below[c] + inside[c]
    if not hit.any():
        return
    # Branch-free compaction: every value is written, the slot advances only for bracket values (a
    # conditional store measured 5x slower); each channel's spare last slot takes the writes after its last.
    buf = np.empty((n_ch, inside.max() + 1))
    j = np.zeros(n_ch, dtype=np.int64)
    for i in range(n_values):
        for c in range(n_ch):
            v = _sample_value(data, i, c, differences, absolute, centre)
            buf[c, j[c]] = v
            j[c] += (v >= lo[c]) & (v <= hi[c])
    for c in range(n_ch):
        if not hit[c]:
            continue
        part = np.partition(buf[c, : inside[c]], k_low - below[c])
        low_value = part[k_low - below[c]]
        if k_high == k_low:
            out[c] = low_value
        else:
            # After partitioning, everything past the k_low-th value is at least as large: the next middle
            # value is their minimum.
            out[c] = (low_value + np.min(part[k_low - below[c] + 1 :])) / 2.0


@njit(**_NUMBA)
def _sos_pass(sos, zi, y, backward):
    """One pass of `scipy.signal.sosfilt` (direct form II transposed) over ``y`` ``(n, C)``, in place.

    The state starts at ``zi[s, k] * y[first, c]`` (as sosfiltfilt sets it) and the arithmetic is SciPy's,
    in its order, so the numbers are the same. Channels are the inner loop, so it vectorises over them.
    """
    n, n_ch = y.shape
    n_sections = sos.shape[0]
    first = n - 1 if backward else 0
    z = np.empty((n_sections, 2, n_ch))
    for s in range(n_sections):
        for k in range(2):
            for c in range(n_ch):
                z[s, k, c] = zi[s, k] * y[first, c]
    x_cur = np.empty(n_ch)
    for step in range(n):
        i = n - 1 - step if backward else step
        for c in range(n_ch):
            x_cur[c] = y[i, c]
        for s in range(n_sections):
            b0, b1, b2, a1, a2 = sos[s, 0], sos[s, 1], sos[s, 2], sos[s, 4], sos[s, 5]
            for c in range(n_ch):
                x_new = b0 * x_cur[c] + z[s, 0, c]
                z[s, 0, c] = b1 * x_cur[c] - a1 * x_new + z[s, 1, c]
                z[s, 1, c] = b2 * x_cur[c] - a2 * x_new
                x_cur[c] = x_new
        for c in range(n_ch):
            y[i, c] = x_cur[c]


@njit(**_NUMBA)
def sos_filtfilt(sos, zi, ext):
    """Forward then backward `_sos_pass` over the padded signal ``ext`` (modified in place)."""
    _sos_pass(sos, zi, ext, False)
    _sos_pass(sos, zi, ext, True)


# ---- MUAP analysis (`signal_core.muap`): detection, alignment, classification, templates, parameters ----


@njit(**_NUMBA)
def muap_detect(x, threshold, dead):
    """Discharge indices: samples with ``|x| >= threshold`` that are the largest ``|x|`` within ``dead``
    samples on either side (strictly larger than the ``dead`` samples before, at least as large as those
    after, so of equal peaks the first wins). Accepted peaks are more than ``dead`` samples apart."""
    n = x.size
    out = np.empty(n // (dead + 1) + 1, np.int64)
    m = 0
    i = 0
    while i < n:
        v = abs(x[i])
        if v < threshold:
            i += 1
            continue
        ok = True
        for k in range(max(0, i - dead), i):
            if abs(x[k]) >= v:
                ok = False
                break
        if ok:
            for k in range(i + 1, min(n, i + dead + 1)):
                if abs(x[k]) > v:
                    ok = False
                    break
        if ok:
            out[m] = i
            m += 1
            i += dead + 1
        else:
            i += 1
    return out[:m]


@njit(**_NUMBA_PARALLEL)
def muap_windows(x, idx, pre, post):
    """``(len(idx), pre + post + 1)``: the samples from ``idx - pre`` to ``idx + post`` (zero outside x)."""
    m = idx.size
    length = pre + post + 1
    out = np.zeros((m, length))
    for k in prange(m):
        s = idx[k] - pre
        for j in range(length):
            p = s + j
            if p >= 0 and p < x.size:
                out[k, j] = x[p]
    return out


@njit(**_NUMBA)
def _residual(w, k, lo, hi, sums, c, inv):
    num = 0.0
    den = 0.0
    for j in range(hi - lo):
        t = sums[c, j] * inv
        d = w[k, lo + j] - t
        num += d * d
        den += t * t
    return num / den if den > 0 else np.inf


@njit(**_NUMBA)
def muap_cluster(w, order, lo, hi, tol, max_classes):
    """Greedy template matching (the multi-MUP idea): visit windows in ``order`` (largest first); each
    joins the class whose running mean over columns ``lo:hi`` leaves the smallest normalised residual
    ``|s - t|^2 / |t|^2`` if that is below ``tol``, else opens a class (label -1 once ``max_classes`` exist).
    Returns ``(labels, n_classes)``."""
    m = w.shape[0]
    width = hi - lo
    sums = np.zeros((max_classes, width))
    counts = np.zeros(max_classes, np.int64)
    labels = np.full(m, -1, np.int64)
    n_cls = 0
    for r in range(m):
        k = order[r]
        best = -1
        best_d = tol
        for c in range(n_cls):
            d = _residual(w, k, lo, hi, sums, c, 1.0 / counts[c])
            if d < best_d:
                best = c
                best_d = d
        if best < 0 and n_cls < max_classes:
            best = n_cls
            n_cls += 1
        if best >= 0:
            labels[k] = best
            counts[best] += 1
            for j in range(width):
                sums[best, j] += w[k, lo + j]
    return labels, n_cls


@njit(**_NUMBA_PARALLEL)
def muap_assign(w, templates, lo, hi, tol):
    """Each window's nearest template by normalised residual over columns ``lo:hi`` (-1 if none is below
    ``tol``), and that residual."""
    m = w.shape[0]
    labels = np.full(m, -1, np.int64)
    dist = np.full(m, np.inf)
    for k in prange(m):
        for c in range(templates.shape[0]):
            num = 0.0
            den = 0.0
            for j in range(lo, hi):
                d = w[k, j] - templates[c, j]
                num += d * d
                den += templates[c, j] * templates[c, j]
            r = num / den if den > 0 else np.inf
            if r < dist[k]:
                dist[k] = r
                labels[k] = c if r < tol else -1
    return labels, dist


@njit(**_NUMBA_PARALLEL)
def muap_median(w, labels, n_classes):
    """Median window per class (robust to another unit firing inside a few windows) and the class sizes;
    rows with label -1 are skipped, an empty class gives zeros."""
    length = w.shape[1]
    counts = np.zeros(n_classes, np.int64)
    for k in range(w.shape[0]):
        if labels[k] >= 0:
            counts[labels[k]] += 1
    out = np.zeros((n_classes, length))
    for c in prange(n_classes):
        if counts[c] == 0:
            continue
        members = np.empty(counts[c], np.int64)
        m = 0
        for k in range(w.shape[0]):
            if labels[k] == c:
                members[m] = k
                m += 1
        col = np.empty(counts[c])
        for j in range(length):
            for i in range(counts[c]):
                col[i] = w[members[i], j]
            out[c, j] = np.median(col)
    return out, counts


@njit(**_NUMBA_PARALLEL)
def muap_member_residuals(w, labels, templates, lo, hi):
    """Each window's normalised residual ``|s - t|^2 / |t|^2`` against its own class template over that
    class's columns ``lo[c]:hi[c]`` (inf for unlabelled windows)."""
    m = w.shape[0]
    out = np.full(m, np.inf)
    for k in prange(m):
        c = labels[k]
        if c < 0:
            continue
        num = 0.0
        den = 0.0
        for j in range(lo[c], hi[c]):
            d = w[k, j] - templates[c, j]
            num += d * d
            den += templates[c, j] * templates[c, j]
        out[k] = num / den if den > 0 else np.inf
    return out


@njit(**_NUMBA)
def muap_markers(t, peak, level, win):
    """Duration markers of template ``t`` around sample ``peak``: the onset is the last sample before the
    potential and the end the first sample after it from which ``win`` consecutive samples stay within
    ``+-level`` of the baseline (0), scanning outward from the peak. ``(onset, end, complete)``; a marker
    that reaches the window edge without a quiet stretch sits at the edge and ``complete`` is False."""
    n = t.size
    complete = True
    onset = 0
    run = 0
    found = False
    for i in range(peak - 1, -1, -1):
        if abs(t[i]) <= level:
            run += 1
            if run == win:
                onset = i + win - 1
                found = True
                break
        else:
            run = 0
    if not found:
        complete = False
    end = n - 1
    run = 0
    found = False
    for i in range(peak + 1, n):
        if abs(t[i]) <= level:
            run += 1
            if run == win:
                end = i - win + 1
                found = True
                break
        else:
            run = 0
    if not found:
        complete = False
    return onset, end, complete


@njit(**_NUMBA)
def muap_shape(t, onset, end, h):
    """Shape measures of ``t[onset:end + 1]``: ``(peak_to_peak, phases, turns, abs_sum, first_turn,
    last_turn)``. Phases: sign changes of the part beyond ``+-h`` (baseline crossings with an excursion of
    at least ``h``) plus one. Turns: reversals of direction with a swing of at least ``h`` on both sides;
    ``first_turn``/``last_turn`` are their sample indices (-1 when there is none)."""
    hi_v = t[onset]
    lo_v = t[onset]
    abs_sum = 0.0
    state = 0
    changes = 0
    for i in range(onset, end + 1):
        v = t[i]
        abs_sum += abs(v)
        if v > hi_v:
            hi_v = v
        if v < lo_v:
            lo_v = v
        s = 1 if v > h else (-1 if v < -h else 0)
        if s != 0:
            if state != 0 and s != state:
                changes += 1
            state = s
    phases = changes + 1 if state != 0 else 0
    points = turn_points(t[onset:end + 1], h)
    turns = points.size
    first = points[0] + onset if turns > 0 else -1
    last = points[-1] + onset if turns > 0 else -1
    return hi_v - lo_v, phases, turns, abs_sum, first, last


@njit(**_NUMBA)
def turn_points(x, h):
    """Sample indices of the turns of ``x``: reversals of direction with a swing of at least ``h`` on both
    sides (Willison-style interference-pattern turns; the same rule as `muap_shape`'s turns)."""
    n = x.size
    out = np.empty(n, np.int64)
    m = 0
    if n < 2:
        return out[:0]
    direction = 0
    run_hi = x[0]
    run_lo = x[0]
    ext = x[0]
    ext_i = 0
    for i in range(1, n):
        v = x[i]
        if direction == 0:
            if v > run_hi:
                run_hi = v
            if v < run_lo:
                run_lo = v
            if v - run_lo >= h:
                direction = 1
                ext = v
                ext_i = i
            elif run_hi - v >= h:
                direction = -1
                ext = v
                ext_i = i
        elif direction == 1:
            if v > ext:
                ext = v
                ext_i = i
            elif ext - v >= h:
                out[m] = ext_i
                m += 1
                direction = -1
                ext = v
                ext_i = i
        else:
            if v < ext:
                ext = v
                ext_i = i
            elif v - ext >= h:
                out[m] = ext_i
                m += 1
                direction = 1
                ext = v
                ext_i = i
    return out[:m]


@njit(**_NUMBA)
def muap_merge(templates, lo, hi, max_shift, tol):
    """Classes that repeat a larger class's unit: visiting classes by decreasing peak-to-peak over
    ``lo:hi``, class b joins an earlier kept class a when ``|b[lo:hi] - a[lo+s:hi+s]|^2 / |a[lo+s:hi+s]|^2
    < tol`` for some shift ``|s| <= max_shift`` (the first such a, then the first s from -max_shift).
    Returns ``(shift, merged)``: the shift in samples and True for each merged class."""
    n, width = templates.shape
    span = np.empty(n)
    for c in range(n):
        mx = templates[c, lo]
        mn = templates[c, lo]
        for j in range(lo, hi):
            v = templates[c, j]
            if v > mx:
                mx = v
            if v < mn:
                mn = v
        span[c] = mx - mn
    order = np.argsort(-span, kind="mergesort")
    merged = np.zeros(n, np.bool_)
    shift = np.zeros(n, np.int64)
    empty = np.zeros(n, np.bool_)
    for c in range(n):
        nz = False
        for j in range(width):
            if templates[c, j] != 0.0:
                nz = True
                break
        empty[c] = not nz
    for i in range(n):
        a = order[i]
        if merged[a] or empty[a]:
            continue
        for r in range(i + 1, n):
            b = order[r]
            if merged[b] or empty[b]:
                continue
            for s in range(-max_shift, max_shift + 1):
                if lo + s < 0 or hi + s > width:
                    continue
                num = 0.0
                den = 0.0
                for j in range(lo, hi):
                    t = templates[a, j + s]
                    d = templates[b, j] - t
                    num += d * d
                    den += t * t
                if den > 0 and num / den < tol:
                    merged[b] = True
                    shift[b] = s
                    break
    return shift, merged
