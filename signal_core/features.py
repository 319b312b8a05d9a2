"""EMG features over sliding windows: the `FEATURES` registry and `extract_features`.

>>> import numpy as np
>>> from signal_core.features import extract_features
>>> x = np.random.default_rng(0).normal(scale=0.1, size=(4000, 2))
>>> result = extract_features(x, fs=2000.0, window_s=0.2, step_s=0.05, features=["MAV", "MNF"])
>>> result.values.shape
(37, 2, 2)
>>> result.to_frame().columns[:3].tolist()
['window_start_s', 'MAV_ch1', 'MAV_ch2']

Every feature is computed by a Numba kernel in `signal_core._kernels` (see that module for how the
sum-type features cost O(n_samples) however much the windows overlap); this module validates input in
plain words and assembles the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from signal_core import _kernels, spectral, windows
from signal_core.errors import SignalError, check_sampling_rate
from signal_core.limits import check_feature_output
from signal_core.recording import MAX_CHANNELS, Recording

if TYPE_CHECKING:  # pandas only for type hints; to_frame imports it lazily
    import pandas as pd

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FEATURES",
    "FEATURE_SETS",
    "FeatureResult",
    "FeatureSpec",
    "extract_features",
]


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: its name, unit, domain, a one-line meaning for clinicians, and a literature reference."""

    name: str
    unit: str
    domain: str  # "time" | "frequency" | "statistical" | "ar" | "hjorth"
    meaning: str
    reference: str


_HUDGINS = "Hudgins B, Parker P, Scott RN. A new strategy for multifunction myoelectric control. IEEE Trans Biomed Eng 1993;40(1):82-94. doi:10.1109/10.204774"
_PHINYOMARK = "Phinyomark A, Phukpattaranont P, Limsakul C. Feature reduction and selection for EMG signal classification. Expert Syst Appl 2012;39:7420-7431"
_LIBEMG = "Eddy E, Campbell E, Phinyomark A, Bateman S, Scheme E. LibEMG: an open source library to facilitate the exploration of myoelectric control. IEEE Access 2023;11:87380-87397. doi:10.1109/ACCESS.2023.3304544"
_HJORTH = "Hjorth B. EEG analysis based on time domain properties. Electroencephalogr Clin Neurophysiol 1970;29(3):306-310"
_BURG = "Burg JP. Maximum entropy spectral analysis. PhD thesis, Stanford University, 1975 (method); AR features for EMG as in " + _PHINYOMARK


def _spec(name: str, unit: str, domain: str, meaning: str, reference: str) -> FeatureSpec:
    return FeatureSpec(name, unit, domain, meaning, reference)


_AMP = "signal units"  # the unit of the recording (often mV or uV)

_SPECS: list[FeatureSpec] = [
    _spec("MAV", _AMP, "time", "Mean absolute value: average size of the signal in the window; rises with muscle effort.", _HUDGINS + "; definition as libemg 2.0.3: mean |x|"),
    _spec("RMS", _AMP, "time", "Root mean square: the signal's typical amplitude, weighting large peaks more than MAV.", _PHINYOMARK + "; as libemg 2.0.3: sqrt(mean x^2)"),
    _spec("VAR", _AMP + " squared", "time", "Variance: power of the signal around its mean in the window (ddof 0).", _PHINYOMARK + "; as libemg 2.0.3: np.var (ddof 0)"),
    _spec("IAV", _AMP + " x samples", "time", "Integrated EMG: the sum of absolute values over the window (MAV times window length).", _PHINYOMARK + "; as libemg 2.0.3: sum |x|"),
    _spec("WL", _AMP, "time", "Waveform length: total up-and-down travel of the trace; grows with amplitude and frequency.", _HUDGINS + "; as libemg 2.0.3: sum |x_i - x_{i-1}|"),
    _spec("ZC", "count", "time", "Zero crossings: how often the trace crosses zero; a rough frequency measure.", _HUDGINS + "; as libemg 2.0.3 at threshold 0 (a sample exactly 0 breaks a crossing)"),
    _spec("SSC", "count", "time", "Slope sign changes: how often the trace turns from rising to falling or back.", _HUDGINS + "; as libemg 2.0.3: count of (x_i - x_{i-1})(x_i - x_{i+1}) >= threshold"),
    _spec("WAMP", "count", "time", "Willison amplitude: how often consecutive samples jump by more than a threshold; reflects motor-unit firing.", _PHINYOMARK + "; as libemg 2.0.3: count of |x_i - x_{i-1}| > threshold"),
    _spec("LOG", _AMP, "time", "Log detector: geometric mean of |x|, an estimate of contraction force less driven by peaks.", _PHINYOMARK + "; exp(mean log|x|) over the samples that are not exactly 0 (an integer ADC stores samples below its resolution as 0; they would make log|x| -inf), 0 only for an all-zero window; medlens' choice (libemg's LD uses log(|x|+1) instead)"),
    _spec("DASDV", _AMP, "time", "Difference absolute standard deviation: typical size of the sample-to-sample change.", _PHINYOMARK + "; as libemg 2.0.3: sqrt(mean (x_i - x_{i-1})^2)"),
    _spec("MYOP", "fraction", "time", "Myopulse percentage rate: share of samples whose size exceeds a threshold.", _PHINYOMARK + "; fraction of samples with |x| >= threshold"),
    _spec("SKEW", "1", "statistical", "Skewness: whether large deflections lean positive or negative.", _LIBEMG + "; biased estimator as scipy.stats.skew; 0 for a flat window"),
    _spec("KURT", "1", "statistical", "Kurtosis (Pearson, 3 for Gaussian noise): how spiky the signal is; sparse firing gives high values.", _LIBEMG + "; as scipy.stats.kurtosis(fisher=False); 0 for a flat window"),
    _spec("HJORTH_ACT", _AMP + " squared", "hjorth", "Hjorth activity: the variance of the signal in the window (its power).", _HJORTH + "; per window"),
    _spec("HJORTH_MOB", "1/sample", "hjorth", "Hjorth mobility: a measure of the signal's mean frequency, sqrt(var(dx)/var(x)).", _HJORTH + "; per window, 0 for a flat window"),
    _spec("HJORTH_COMP", "1", "hjorth", "Hjorth complexity: how far the shape is from a pure sine wave (1 for a sine).", _HJORTH + "; per window (libemg 2.0.3 sums over all windows by mistake), 0 for a flat window"),
    _spec("AR1", "1", "ar", "Autoregressive coefficient 1 (Burg, order 4): how each sample depends on the previous one.", _BURG),
    _spec("AR2", "1", "ar", "Autoregressive coefficient 2 (Burg, order 4): dependence on the sample two steps back.", _BURG),
    _spec("AR3", "1", "ar", "Autoregressive coefficient 3 (Burg, order 4): dependence on the sample three steps back.", _BURG),
    _spec("AR4", "1", "ar", "Autoregressive coefficient 4 (Burg, order 4): dependence on the sample four steps back.", _BURG),
    _spec("MNF", "Hz", "frequency", "Mean frequency of the power spectrum; falls with muscle fatigue.", _PHINYOMARK + "; as libemg 2.0.3 (FFT padded to a power of two)"),
    _spec("MDF", "Hz", "frequency", "Median frequency: splits the spectrum's power into two equal halves; falls with fatigue.", _PHINYOMARK + "; as libemg 2.0.3 (first bin whose cumulative power exceeds half); 0 for a silent window"),
    _spec("PKF", "Hz", "frequency", "Peak frequency: the frequency with the most power.", _PHINYOMARK),
    _spec("TTP", _AMP + " squared", "frequency", "Total power of the spectrum (one-sided, spectrum divided by window length as libemg).", _PHINYOMARK),
    _spec("SM1", _AMP + " squared x Hz", "frequency", "First spectral moment: power weighted by frequency.", _PHINYOMARK + "; as libemg 2.0.3 SM with order 1"),
    _spec("SM2", _AMP + " squared x Hz^2", "frequency", "Second spectral moment: power weighted by frequency squared.", _PHINYOMARK + "; as libemg 2.0.3 SM with order 2"),
    _spec("SM3", _AMP + " squared x Hz^3", "frequency", "Third spectral moment: power weighted by frequency cubed.", _PHINYOMARK + "; as libemg 2.0.3 SM with order 3"),
    _spec("FR", "1", "frequency", "Frequency ratio: power in the low band over power in the high band; rises when slow components dominate.", _PHINYOMARK + "; band edges are medlens defaults (see DEFAULT_THRESHOLDS), 0 if the high band holds no power"),
]

#: The registry: feature name -> `FeatureSpec`, in the order `extract_features` returns them.
FEATURES: dict[str, FeatureSpec] = {spec.name: spec for spec in _SPECS}

#: Named feature sets. "time" is the eight sum-type features of the benchmark; "all" is every feature.
FEATURE_SETS: dict[str, list[str]] = {
    "time": ["MAV", "RMS", "VAR", "IAV", "WL", "ZC", "SSC", "WAMP"],
    "all": list(FEATURES),
}

#: Thresholds and band edges (override any of them with ``extract_features(..., thresholds={...})``).
#: Amplitude thresholds are in the recording's own units, compared with sample differences or samples.
DEFAULT_THRESHOLDS: dict[str, Any] = {
    "zc": 0.0,  # ZC counts a sign change only if |x_i - x_{i-1}| >= this; 0 is libemg's definition
    "ssc": 0.0,  # SSC counts (x_i - x_{i-1})(x_i - x_{i+1}) >= this (libemg's default 0.0)
    "wamp": 2e-3,  # WAMP counts |x_i - x_{i-1}| > this (libemg's default 2e-3)
    "myop": 2e-3,  # MYOP counts |x| >= this (medlens default, same value as WAMP)
    "fr_low_band": (20.0, 100.0),  # FR numerator band in Hz, low <= f < high (medlens default)
    "fr_high_band": (100.0, 450.0),  # FR denominator band in Hz (medlens default; clipped at fs/2)
}

_SUM_INDEX = {name: i for i, name in enumerate(_kernels.SUM_FEATURES)}
_MOMENT_INDEX = {name: i for i, name in enumerate(_kernels.MOMENT_FEATURES)}
_SPECTRAL_INDEX = {name: i for i, name in enumerate(_kernels.SPECTRAL_FEATURES)}
_AR_INDEX = {f"AR{i + 1}": i for i in range(4)}
AR_ORDER = 4


@dataclass(frozen=True)
class FeatureResult:
    """Features of every window and channel.

    ``values`` is float64 ``(n_windows, n_channels, n_features)``; ``window_starts`` are in seconds from
    the start of the signal.
    """

    values: np.ndarray
    feature_names: tuple[str, ...]
    channel_names: tuple[str, ...]
    window_starts: np.ndarray
    fs: float
    window_s: float
    step_s: float

    @property
    def n_windows(self) -> int:
        return int(self.values.shape[0])

    def column_names(self) -> list[str]:
        """``"{feature}_{channel}"`` for every feature and channel, feature-major (the to_frame order)."""
        return [f"{f}_{c}" for f in self.feature_names for c in self.channel_names]

    def to_frame(self) -> "pd.DataFrame":
        """One row per window: a ``window_start_s`` column, then ``"{feature}_{channel}"`` columns."""
        import pandas as pd

        flat = self.values.transpose(0, 2, 1).reshape(self.n_windows, -1)
        frame = pd.DataFrame(flat, columns=self.column_names())
        frame.insert(0, "window_start_s", self.window_starts)
        return frame


def _resolve_features(features: str | Iterable[str] | None) -> tuple[str, ...]:
    if features is None:
        return tuple(FEATURES)
    if isinstance(features, str):
        if features.lower() in FEATURE_SETS:
            return tuple(FEATURE_SETS[features.lower()])
        features = [features]
    names: list[str] = []
    for item in features:
        name = str(item).strip().upper()
        if name not in FEATURES:
            known = ", ".join(FEATURES)
            raise SignalError(f"unknown feature {item!r}; known features: {known}")
        if name not in names:
            names.append(name)
    if not names:
        raise SignalError("no features requested; name at least one, or pass None for all")
    return tuple(names)


def _resolve_thresholds(thresholds: Mapping[str, Any] | None, n_channels: int | None = None) -> dict[str, Any]:
    """Defaults merged with overrides. An amplitude threshold is one number, or (given ``n_channels``) one
    number per channel, returned as a float64 array."""
    merged = dict(DEFAULT_THRESHOLDS)
    for key, value in (thresholds or {}).items():
        if key not in DEFAULT_THRESHOLDS:
            raise SignalError(f"unknown threshold {key!r}; known: {', '.join(DEFAULT_THRESHOLDS)}")
        merged[key] = value
    for key in ("zc", "ssc", "wamp", "myop"):
        try:
            value = np.asarray(merged[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise SignalError(f"threshold {key!r} must be a number, got {merged[key]!r}") from None
        if value.ndim == 1 and n_channels is not None and value.size == n_channels:
            if not np.all(np.isfinite(value)):
                raise SignalError(f"threshold {key!r} must hold finite numbers, got {merged[key]!r}")
            merged[key] = np.array(value)  # a private copy: the caller's array may change later
            continue
        if value.ndim != 0:
            per_channel = f" or one number per channel ({n_channels})" if n_channels is not None else ""
            raise SignalError(f"threshold {key!r} must be a number{per_channel}, got {merged[key]!r}")
        if not math.isfinite(float(value)):
            raise SignalError(f"threshold {key!r} must be a finite number, got {merged[key]!r}")
        merged[key] = float(value)
    for key in ("fr_low_band", "fr_high_band"):
        try:
            lo, hi = (float(v) for v in merged[key])
        except (TypeError, ValueError):
            raise SignalError(f"{key!r} must be two frequencies in Hz (low, high), got {merged[key]!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo < hi):
            raise SignalError(f"{key!r} must satisfy 0 <= low < high Hz, got {merged[key]!r}")
        merged[key] = (lo, hi)
    return merged


def _as_signal(signal: Any, fs: Any, channel_names: Sequence[str] | None) -> tuple[np.ndarray, float, tuple[str, ...]]:
    if isinstance(signal, Recording):
        data = signal.data
        if fs is None:
            fs = signal.fs
        names = tuple(channel_names) if channel_names is not None else signal.channel_names
    else:
        try:
            data = np.asarray(signal)
        except Exception as exc:  # ragged lists and other objects NumPy cannot hold as an array
            raise SignalError(f"the signal is not a numeric array: {exc}") from None
        names = tuple(channel_names) if channel_names is not None else ()
        if fs is None:
            raise SignalError("sampling rate missing: pass fs in Hz (or a Recording, which carries it)")
    if data.dtype == object or not (np.issubdtype(data.dtype, np.number) or data.dtype == bool):
        raise SignalError(f"the signal must hold numbers, got values of type {data.dtype}")
    if np.iscomplexobj(data):
        raise SignalError("the signal holds complex numbers; EMG features need real-valued samples")
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise SignalError(f"the signal must be 1-D or 2-D (samples x channels), got {data.ndim} dimensions")
    n_samples, n_channels = data.shape
    if n_samples == 0 or n_channels == 0:
        raise SignalError(f"the signal is empty ({n_samples} samples x {n_channels} channels)")
    if n_channels > MAX_CHANNELS:
        raise SignalError(f"{n_channels} channels is more than the {MAX_CHANNELS} medlens accepts")
    fs_value = check_sampling_rate(fs)
    data = np.ascontiguousarray(data, dtype=np.float64)
    n_bad = int(_kernels.count_nonfinite(data))
    if n_bad:
        sample, channel = (int(v) for v in np.argwhere(~np.isfinite(data))[0])
        raise SignalError(
            f"the signal holds {n_bad} missing or infinite values (NaN/inf); the first is sample {sample} "
            f"({sample / fs_value:g} s) of channel {channel + 1}. Clean or interpolate them first."
        )
    if not names:
        names = tuple(f"ch{i + 1}" for i in range(n_channels))
    if len(names) != n_channels:
        raise SignalError(f"{len(names)} channel names for {n_channels} channels")
    return data, fs_value, tuple(str(n) for n in names)


def extract_features(
    signal: Recording | np.ndarray,
    fs: float | None = None,
    window_s: float = 0.2,
    step_s: float = 0.05,
    features: str | Iterable[str] | None = None,
    *,
    thresholds: Mapping[str, Any] | None = None,
    channel_names: Sequence[str] | None = None,
) -> FeatureResult:
    """Compute EMG features over sliding windows of every channel.

    Parameters
    ----------
    signal : Recording or array
        A `Recording`, or an array of shape ``(n_samples,)`` or ``(n_samples, n_channels)``.
    fs : float, optional
        Sampling rate in Hz; taken from the Recording when omitted.
    window_s, step_s : float
        Window length and the step between window starts, in seconds.
    features : list of names, a set name ("time", "all") or None (all features)
        Names from `FEATURES`, case-insensitive.
    thresholds : dict, optional
        Overrides for `DEFAULT_THRESHOLDS`. The amplitude thresholds ("zc", "ssc", "wamp", "myop") take
        one number for every channel or a sequence with one number per channel.
    channel_names : list of str, optional
        Names for the channels (default: the Recording's, or ch1, ch2, ...).

    Returns
    -------
    FeatureResult
        ``values`` ``(n_windows, n_channels, n_features)`` in the order of ``feature_names``.

    Raises
    ------
    SignalError
        For NaN/inf samples, a missing or non-positive sampling rate, a signal shorter than one window,
        unknown feature or threshold names, or an array that is not a 1-D/2-D numeric signal.
    """
    names = _resolve_features(features)
    data, fs_value, ch_names = _as_signal(signal, fs, channel_names)
    limits = _resolve_thresholds(thresholds, data.shape[1])
    window, step, n_win = windows.plan(data.shape[0], fs_value, window_s, step_s)
    check_feature_output(data.shape[0], window, n_win, data.shape[1], len(names), fs_value)
    values = np.empty((n_win, data.shape[1], len(names)))

    wanted = set(names)
    sum_names = [n for n in names if n in _SUM_INDEX]
    if sum_names:
        block = _sum_features(data, window, step, n_win, limits, with_log="LOG" in wanted)
        for n in sum_names:
            values[:, :, names.index(n)] = block[:, :, _SUM_INDEX[n]]
    moment_names = [n for n in names if n in _MOMENT_INDEX]
    if moment_names:
        block = _kernels.moment_features(data, window, step, n_win)
        for n in moment_names:
            values[:, :, names.index(n)] = block[:, :, _MOMENT_INDEX[n]]
    ar_names = [n for n in names if n in _AR_INDEX]
    if ar_names:
        block = _kernels.burg_ar(data, window, step, n_win, AR_ORDER)
        for n in ar_names:
            values[:, :, names.index(n)] = block[:, :, _AR_INDEX[n]]
    spectral_names = [n for n in names if n in _SPECTRAL_INDEX]
    if spectral_names:
        block = spectral.spectral_features(
            data, fs_value, window, step, n_win, limits["fr_low_band"], limits["fr_high_band"]
        )
        for n in spectral_names:
            values[:, :, names.index(n)] = block[:, :, _SPECTRAL_INDEX[n]]

    starts = windows.window_starts(data.shape[0], window, step) / fs_value
    return FeatureResult(
        values=values,
        feature_names=names,
        channel_names=ch_names,
        window_starts=starts,
        fs=fs_value,
        window_s=float(window_s),
        step_s=float(step_s),
    )


def _sum_features(data: np.ndarray, window: int, step: int, n_win: int, limits: Mapping[str, Any], *, with_log: bool) -> np.ndarray:
    """The O(n_samples) block-sum path for the sum-type features (see `signal_core._kernels`)."""
    n_full, head = divmod(window, step)
    n_blocks = n_win - 1 + n_full + (1 if head else 0)
    # Centre the x^2 sums on the first window's mean so a large DC offset does not swamp VAR.
    offset = data[:window].mean(axis=0)
    # The kernels take one threshold per channel; a single number applies to every channel.
    zc, ssc, wamp, myop = (
        np.ascontiguousarray(np.broadcast_to(np.asarray(limits[k], dtype=np.float64), (data.shape[1],)))
        for k in ("zc", "ssc", "wamp", "myop")
    )
    full, heads = _kernels.block_sums(data, offset, step, head, n_blocks, zc, ssc, wamp, myop, with_log)
    return _kernels.sum_features(data, offset, full, heads, window, step, n_win, zc, ssc, wamp)
