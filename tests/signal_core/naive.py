"""Plain NumPy references for every signal_core kernel: obvious, slow, and easy to check by eye.

Each function takes materialised windows ``w`` of shape ``(n_windows, n_channels, window)`` (see
`windows`) and returns ``(n_windows, n_channels)`` (or ``(..., order)`` for AR).
"""

from __future__ import annotations

import numpy as np


def windows(x: np.ndarray, window: int, step: int) -> np.ndarray:
    """Copy every window of ``x`` ``(n_samples, n_channels)`` into ``(n_windows, n_channels, window)``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n_win = (x.shape[0] - window) // step + 1
    return np.stack([x[k * step : k * step + window].T for k in range(n_win)])


def mav(w):
    return np.mean(np.abs(w), axis=-1)


def rms(w):
    return np.sqrt(np.mean(w**2, axis=-1))


def var(w):
    return np.var(w, axis=-1)


def iav(w):
    return np.sum(np.abs(w), axis=-1)


def wl(w):
    return np.sum(np.abs(np.diff(w, axis=-1)), axis=-1)


def zc(w, threshold=0.0):
    prev, cur = w[..., :-1], w[..., 1:]
    crossing = ((prev > 0) & (cur < 0)) | ((prev < 0) & (cur > 0))
    return np.sum(crossing & (np.abs(cur - prev) >= threshold), axis=-1).astype(float)


def ssc(w, threshold=0.0):
    mid = w[..., 1:-1]
    return np.sum((mid - w[..., :-2]) * (mid - w[..., 2:]) >= threshold, axis=-1).astype(float)


def wamp(w, threshold=2e-3):
    return np.sum(np.abs(np.diff(w, axis=-1)) > threshold, axis=-1).astype(float)


def log_detector(w):
    """Geometric mean of the non-zero |x| (exact zeros are below the ADC's resolution); 0 if all are 0."""
    a = np.abs(w)
    resolved = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_log = np.sum(np.log(np.where(resolved, a, 1.0)), axis=-1) / np.sum(resolved, axis=-1)
        return np.where(np.any(resolved, axis=-1), np.exp(mean_log), 0.0)


def dasdv(w):
    return np.sqrt(np.mean(np.diff(w, axis=-1) ** 2, axis=-1))


def myop(w, threshold=2e-3):
    return np.mean(np.abs(w) >= threshold, axis=-1)


def skew(w):
    d = w - w.mean(axis=-1, keepdims=True)
    m2 = np.mean(d**2, axis=-1)
    m3 = np.mean(d**3, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m2 > 0, m3 / m2**1.5, 0.0)


def kurt(w):
    d = w - w.mean(axis=-1, keepdims=True)
    m2 = np.mean(d**2, axis=-1)
    m4 = np.mean(d**4, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m2 > 0, m4 / m2**2, 0.0)


def hjorth(w):
    """(activity, mobility, complexity), each ``(n_windows, n_channels)``."""
    dx = np.diff(w, axis=-1)
    ddx = np.diff(dx, axis=-1)
    v0, v1, v2 = np.var(w, axis=-1), np.var(dx, axis=-1), np.var(ddx, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mob = np.where(v0 > 0, np.sqrt(v1 / v0), 0.0)
        comp = np.where((mob > 0) & (v1 > 0), np.sqrt(v2 / v1) / mob, 0.0)
    return v0, mob, comp


def burg(series: np.ndarray, order: int) -> np.ndarray:
    """Burg AR coefficients a_1..a_order of one 1-D series minus its mean (prediction-error filter signs)."""
    x = np.asarray(series, dtype=float) - np.mean(series)
    f, b = x.copy(), x.copy()
    a = np.array([1.0])
    for m in range(1, order + 1):
        ef, eb = f[m:], b[m - 1 : -1]
        den = np.sum(ef**2) + np.sum(eb**2)
        k = -2.0 * np.sum(ef * eb) / den if den > 0 else 0.0
        a = np.concatenate([a, [0.0]])
        a = a + k * a[::-1]
        f_new = ef + k * eb
        b_new = eb + k * ef
        f[m:], b[m:] = f_new, b_new
    return a[1:]


def ar(w, order=4):
    out = np.empty(w.shape[:2] + (order,))
    for k in range(w.shape[0]):
        for c in range(w.shape[1]):
            out[k, c] = burg(w[k, c], order)
    return out


def power_spectrum(w, fs):
    """One-sided power as libemg: FFT padded to the next power of two, divided by the window length."""
    n = w.shape[-1]
    nfft = 1 if n <= 1 else 2 ** int(np.ceil(np.log2(n)))
    spec = np.fft.fft(w, nfft, axis=-1) / n
    power = np.real(spec * np.conj(spec))[..., : nfft // 2]
    freqs = np.arange(nfft // 2) * fs / nfft
    return power, freqs


def spectral(w, fs, low_band=(20.0, 100.0), high_band=(100.0, 450.0)):
    """dict of MNF, MDF, PKF, TTP, SM1, SM2, SM3, FR."""
    power, f = power_spectrum(w, fs)
    total = power.sum(axis=-1)
    safe = np.where(total > 0, total, 1.0)
    cum = np.cumsum(power, axis=-1)
    median_bin = np.argmax(cum > total[..., None] / 2, axis=-1)
    low = power[..., (f >= low_band[0]) & (f < low_band[1])].sum(axis=-1)
    high = power[..., (f >= high_band[0]) & (f < high_band[1])].sum(axis=-1)
    return {
        "MNF": np.where(total > 0, (power * f).sum(axis=-1) / safe, 0.0),
        "MDF": np.where(total > 0, f[median_bin], 0.0),
        "PKF": np.where(total > 0, f[np.argmax(power, axis=-1)], 0.0),
        "TTP": total,
        "SM1": (power * f).sum(axis=-1),
        "SM2": (power * f**2).sum(axis=-1),
        "SM3": (power * f**3).sum(axis=-1),
        "FR": np.where(high > 0, low / np.where(high > 0, high, 1.0), 0.0),
    }


def all_features(x, fs, window, step, thresholds=None):
    """Every registry feature by the references above: dict name -> ``(n_windows, n_channels)``."""
    t = {"zc": 0.0, "ssc": 0.0, "wamp": 2e-3, "myop": 2e-3, "fr_low_band": (20.0, 100.0), "fr_high_band": (100.0, 450.0)}
    t.update(thresholds or {})
    w = windows(x, window, step)
    act, mob, comp = hjorth(w)
    coef = ar(w)
    out = {
        "MAV": mav(w), "RMS": rms(w), "VAR": var(w), "IAV": iav(w), "WL": wl(w),
        "ZC": zc(w, t["zc"]), "SSC": ssc(w, t["ssc"]), "WAMP": wamp(w, t["wamp"]),
        "LOG": log_detector(w), "DASDV": dasdv(w), "MYOP": myop(w, t["myop"]),
        "SKEW": skew(w), "KURT": kurt(w), "HJORTH_ACT": act, "HJORTH_MOB": mob, "HJORTH_COMP": comp,
        "AR1": coef[..., 0], "AR2": coef[..., 1], "AR3": coef[..., 2], "AR4": coef[..., 3],
    }
    out.update(spectral(w, fs, t["fr_low_band"], t["fr_high_band"]))
    return out


# ---- MUAP kernels (signal_core.muap): obvious loops over the same rules ---------------------------------


def muap_detect(x, threshold, dead):
    a = np.abs(np.asarray(x, dtype=float))
    out, last = [], -(10**9)
    for i in np.flatnonzero(a >= threshold):
        if i - last <= dead:
            continue
        before = a[max(0, i - dead):i]
        after = a[i + 1:i + dead + 1]
        if (before.size == 0 or a[i] > before.max()) and (after.size == 0 or a[i] >= after.max()):
            out.append(i)
            last = i
    return np.array(out, dtype=np.int64)


def muap_windows(x, idx, pre, post):
    padded = np.concatenate([np.zeros(pre), np.asarray(x, float), np.zeros(post)])
    return np.array([padded[i:i + pre + post + 1] for i in idx]).reshape(len(idx), pre + post + 1)


def _nres(s, t):
    den = np.sum(t**2)
    return np.sum((s - t) ** 2) / den if den > 0 else np.inf


def muap_cluster(w, order, lo, hi, tol, max_classes):
    members: list[list[int]] = []
    labels = np.full(w.shape[0], -1)
    for k in order:
        d = [_nres(w[k, lo:hi], w[m, lo:hi].mean(axis=0)) for m in members]
        best = int(np.argmin(d)) if d and min(d) < tol else -1
        if best < 0 and len(members) < max_classes:
            members.append([])
            best = len(members) - 1
        if best >= 0:
            members[best].append(k)
            labels[k] = best
    return labels, len(members)


def muap_assign(w, templates, lo, hi, tol):
    d = np.array([[_nres(w[k, lo:hi], t[lo:hi]) for t in templates] for k in range(w.shape[0])])
    best = d.argmin(axis=1)
    dist = d.min(axis=1)
    return np.where(dist < tol, best, -1), dist


def muap_median(w, labels, n_classes):
    out = np.zeros((n_classes, w.shape[1]))
    counts = np.array([np.sum(labels == c) for c in range(n_classes)])
    for c in range(n_classes):
        if counts[c]:
            out[c] = np.median(w[labels == c], axis=0)
    return out, counts


def muap_member_residuals(w, labels, templates, lo, hi):
    return np.array([_nres(w[k, lo[c]:hi[c]], templates[c, lo[c]:hi[c]]) if c >= 0 else np.inf
                     for k, c in enumerate(labels)])


def muap_markers(t, peak, level, win):
    quiet = np.abs(t) <= level
    onset, end, complete = 0, len(t) - 1, True
    starts = [i for i in range(peak - win, -1, -1) if quiet[i:i + win].all()]
    if starts:
        onset = starts[0] + win - 1
    else:
        complete = False
    ends = [i for i in range(peak + 1, len(t) - win + 1) if quiet[i:i + win].all()]
    if ends:
        end = ends[0]
    else:
        complete = False
    return onset, end, complete


def turn_points(x, h):
    """Turns by the definition: alternate extremes, each at least ``h`` from the previous extreme and
    followed by a swing of at least ``h`` the other way."""
    x = np.asarray(x, float)
    out, direction, ext_i = [], 0, 0
    for i in range(1, x.size):
        if direction == 0:
            seen = x[: i + 1]
            if x[i] - seen.min() >= h:
                direction, ext_i = 1, i
            elif seen.max() - x[i] >= h:
                direction, ext_i = -1, i
        elif (x[i] - x[ext_i]) * direction > 0:
            ext_i = i
        elif (x[ext_i] - x[i]) * direction >= h:
            out.append(ext_i)
            direction, ext_i = -direction, i
    return np.array(out, dtype=np.int64)


def muap_shape(t, onset, end, h):
    seg = t[onset:end + 1]
    signs = np.sign(seg[np.abs(seg) > h])
    phases = int(np.count_nonzero(np.diff(signs))) + 1 if signs.size else 0
    turns = turn_points(seg, h) + onset
    first = int(turns[0]) if turns.size else -1
    last = int(turns[-1]) if turns.size else -1
    return float(np.ptp(seg)), phases, int(turns.size), float(np.abs(seg).sum()), first, last


def muap_merge(templates, lo, hi, max_shift, tol):
    n, width = templates.shape
    order = np.argsort(-np.ptp(templates[:, lo:hi], axis=1), kind="stable")
    merged = np.zeros(n, bool)
    shift = np.zeros(n, np.int64)
    empty = ~templates.any(axis=1)
    for i, a in enumerate(order):
        if merged[a] or empty[a]:
            continue
        for b in order[i + 1:]:
            if merged[b] or empty[b]:
                continue
            for s in range(-max_shift, max_shift + 1):
                if lo + s < 0 or hi + s > width:
                    continue
                ta = templates[a, lo + s:hi + s]
                den = np.sum(ta**2)
                if den > 0 and np.sum((templates[b, lo:hi] - ta) ** 2) / den < tol:
                    merged[b], shift[b] = True, s
                    break
    return shift, merged
