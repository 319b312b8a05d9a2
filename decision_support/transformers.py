"""From a recording to one row of recording-level features, and the ``EMGFeatures`` transformer.

How a recording becomes a row (medlens predicts per *recording*, from aggregated window features):

1. Each channel is high-passed at ``highpass_hz`` (10 Hz, zero phase; a DC offset or baseline drift must
   not change the features), cleared of mains hum where its lines hold 5% or more of the power
   (``remove_hum``: sinusoids fitted at the mains frequency and its harmonics and subtracted, as the MUAP
   analysis does; hum would otherwise pull every spectral and crossing feature towards 50 or 60 Hz), cut
   into windows (``window_s``, ``step_s``), and signal_core computes the base
   window features (``signal_core.features.extract_features``).
2. Window features are turned into the *gain-robust* set below. A clinical needle recording's amplitude
   depends on the amplifier, the needle and how close it sits to the fibres, so the default set avoids
   absolute amplitude: spectral shape (MNF, MDF, PKF, FR), crossing and turn rates per second (ZC with an
   amplitude-relative dead band, SSC), WAMP and MYOP with thresholds relative to the recording's own
   robust noise level (so multiplying a recording by any gain leaves them unchanged), shape statistics
   (kurtosis, absolute skewness), Hjorth mobility (in Hz) and complexity, AR coefficients, and amplitude
   *ratios* (RMS/MAV, LOG/MAV, relative waveform length). Every default feature is also unchanged when the
   recording's sign is flipped (clinical systems differ in polarity convention). ``LOG10_RMS`` (absolute
   amplitude, log scale) and signed ``SKEW`` exist but are off by default; add them when all recordings
   share one calibrated amplifier and one polarity.
3. Each window feature is summarised over windows by its **median** (typical value) and **IQR**
   (interquartile range: how much it varies, e.g. how irregular recruitment is). With
   ``channel_mode="pooled"`` (default) windows of all channels are pooled, so a model trained on one-channel
   needle recordings also reads multi-channel files; ``"per_channel"`` keeps one column per channel.
   A pooled median and IQR are estimated from at most ``MAX_POOLED_WINDOWS`` windows: a longer or
   many-channel recording uses every k-th window of the same grid (a 60 s, 8-channel recording: every 4th),
   which moves the estimates far less than their spread across recordings and keeps a prediction fast.
   Recordings the size of the training records (11 s, one channel: 220 windows) use every window. For the
   same reason the noise level behind the relative thresholds comes from at most ``MAX_NOISE_SAMPLES``
   evenly spaced samples per channel (all of an 11 s record at 4 kHz).

Columns are named ``"{feature}_{stat}"`` (pooled) or ``"{feature}_{stat}_{channel}"`` with channels
``ch1``, ``ch2``, ... by position. ``describe_column`` parses a name and gives its meaning.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from signal_core.errors import SignalError
from signal_core.features import FEATURES as SIGNAL_FEATURES
from signal_core.features import extract_features
from signal_core.filters import remove_hum, sosfiltfilt_channels
from signal_core.recording import Recording
from signal_core.robust import robust_sd

# Base signal_core features needed by the derived set.
_BASE = ("MAV", "RMS", "WL", "LOG", "ZC", "SSC", "WAMP", "MYOP", "SKEW", "KURT", "HJORTH_MOB", "HJORTH_COMP",
         "AR1", "AR2", "AR3", "AR4", "MNF", "MDF", "PKF", "FR")
ZC_DEADBAND = 0.25  # ZC needs a step of at least this many robust SDs of the sample differences
WAMP_RELATIVE = 1.0  # WAMP threshold in robust SDs of the sample differences
MYOP_RELATIVE = 3.0  # MYOP threshold in robust SDs of the signal (3 SD: clearly above the noise)


@dataclass(frozen=True)
class WindowFeature:
    name: str
    unit: str
    meaning: str
    gain_robust: bool
    compute: Callable[[dict[str, np.ndarray], float, float], np.ndarray]  # (base, fs, window_s) -> values


def _base(name: str) -> Callable[[dict[str, np.ndarray], float, float], np.ndarray]:
    return lambda b, fs, w: b[name]


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _meaning(name: str) -> str:
    return SIGNAL_FEATURES[name].meaning


WINDOW_FEATURES: dict[str, WindowFeature] = {f.name: f for f in [
    WindowFeature("MNF", "Hz", _meaning("MNF"), True, _base("MNF")),
    WindowFeature("MDF", "Hz", _meaning("MDF"), True, _base("MDF")),
    WindowFeature("PKF", "Hz", _meaning("PKF"), True, _base("PKF")),
    WindowFeature("FR", "1", _meaning("FR"), True, _base("FR")),
    WindowFeature("ZC_RATE", "per s", "Zero crossings per second (ignoring steps smaller than a quarter of the "
                  "typical sample-to-sample change): a rough frequency measure.", True,
                  lambda b, fs, w: b["ZC"] / w),
    WindowFeature("SSC_RATE", "per s", "Slope sign changes per second: how often the trace turns; more turns "
                  "with short, polyphasic potentials.", True, lambda b, fs, w: b["SSC"] / w),
    WindowFeature("WAMP_RATE", "per s", "Willison amplitude per second, threshold relative to the recording's "
                  "own noise: how often the trace makes large fast jumps (motor-unit firing).", True,
                  lambda b, fs, w: b["WAMP"] / w),
    WindowFeature("MYOP", "fraction", "Share of samples more than 3 noise SDs from zero: how much of the "
                  "time motor-unit potentials stand out of the baseline.", True, _base("MYOP")),
    WindowFeature("KURT", "1", _meaning("KURT"), True, _base("KURT")),
    WindowFeature("ABS_SKEW", "1", "Absolute skewness: how lopsided the large deflections are, whatever the "
                  "recording's polarity convention (negative-up or positive-up).", True,
                  lambda b, fs, w: np.abs(b["SKEW"])),
    WindowFeature("SKEW", "1", _meaning("SKEW") + " Depends on the recording's polarity.", True, _base("SKEW")),
    WindowFeature("HJORTH_MOB_HZ", "Hz", "Hjorth mobility as a frequency (mobility x fs / 2 pi): the signal's "
                  "typical frequency.", True, lambda b, fs, w: b["HJORTH_MOB"] * fs / (2 * np.pi)),
    WindowFeature("HJORTH_COMP", "1", _meaning("HJORTH_COMP"), True, _base("HJORTH_COMP")),
    WindowFeature("AR1", "1", _meaning("AR1"), True, _base("AR1")),
    WindowFeature("AR2", "1", _meaning("AR2"), True, _base("AR2")),
    WindowFeature("AR3", "1", _meaning("AR3"), True, _base("AR3")),
    WindowFeature("AR4", "1", _meaning("AR4"), True, _base("AR4")),
    WindowFeature("RMS_MAV", "1", "RMS over mean absolute value: how peaky the amplitude is (about 1.25 for "
                  "steady noise, higher when sparse large potentials dominate).", True,
                  lambda b, fs, w: _safe_ratio(b["RMS"], b["MAV"])),
    WindowFeature("LOG_MAV", "1", "Geometric over arithmetic mean amplitude: low when a few large "
                  "potentials stand over a quiet baseline.", True, lambda b, fs, w: _safe_ratio(b["LOG"], b["MAV"])),
    WindowFeature("REL_WL", "1", "Waveform length relative to amplitude (mean |change| / mean |value|): "
                  "high for short, sharp or polyphasic potentials.", True,
                  lambda b, fs, w: _safe_ratio(b["WL"] / max(1.0, round(w * fs)), b["MAV"])),
    WindowFeature("LOG10_RMS", "log10 signal units", "Absolute amplitude on a log scale (depends on the "
                  "amplifier gain and needle position).", False,
                  lambda b, fs, w: np.log10(np.maximum(b["RMS"], 1e-12))),
    # For surface EMG (one electrode array per person, amplitude pattern across channels carries the task):
    WindowFeature("MAV", "signal units", _meaning("MAV"), False, _base("MAV")),
    WindowFeature("WL", "signal units", _meaning("WL"), False, _base("WL")),
    WindowFeature("LOG10_WL", "log10 signal units per s", "Waveform length per second on a log scale: how "
                  "much the trace travels, growing with amplitude and frequency.", False,
                  lambda b, fs, w: np.log10(np.maximum(b["WL"] / w, 1e-12))),
    WindowFeature("REL_RMS", "fraction", "This channel's share of the window's RMS summed over all channels: "
                  "the spatial pattern of activity across the electrodes, whatever the overall gain.", True,
                  lambda b, fs, w: _safe_ratio(b["RMS"], np.sum(b["RMS"], axis=-1, keepdims=True))),
]}

#: The signal_core base features each window feature is computed from.
BASE_NEEDED: dict[str, tuple[str, ...]] = {
    "MNF": ("MNF",), "MDF": ("MDF",), "PKF": ("PKF",), "FR": ("FR",), "ZC_RATE": ("ZC",),
    "SSC_RATE": ("SSC",), "WAMP_RATE": ("WAMP",), "MYOP": ("MYOP",), "KURT": ("KURT",), "ABS_SKEW": ("SKEW",),
    "SKEW": ("SKEW",), "HJORTH_MOB_HZ": ("HJORTH_MOB",), "HJORTH_COMP": ("HJORTH_COMP",), "AR1": ("AR1",),
    "AR2": ("AR2",), "AR3": ("AR3",), "AR4": ("AR4",), "RMS_MAV": ("RMS", "MAV"), "LOG_MAV": ("LOG", "MAV"),
    "REL_WL": ("WL", "MAV"), "LOG10_RMS": ("RMS",), "MAV": ("MAV",), "WL": ("WL",), "LOG10_WL": ("WL",),
    "REL_RMS": ("RMS",),
}

#: The default set: every feature unchanged by the amplifier's gain and by the recording's polarity.
DEFAULT_FEATURES: tuple[str, ...] = tuple(n for n, f in WINDOW_FEATURES.items()
                                          if f.gain_robust and n not in ("SKEW", "REL_RMS"))
#: Hudgins' time-domain set (MAV, waveform length, zero crossings, slope sign changes), the classic surface
#: EMG baseline: Hudgins B, Parker P, Scott RN, IEEE Trans Biomed Eng 1993;40(1):82-94, doi:10.1109/10.204774.
HUDGINS_FEATURES: tuple[str, ...] = ("MAV", "WL", "ZC_RATE", "SSC_RATE")
#: medlens' surface set: log amplitude and its spatial pattern, rates, Hjorth, AR(4) and spectral shape.
SURFACE_FEATURES: tuple[str, ...] = ("LOG10_RMS", "LOG10_WL", "REL_RMS", "ZC_RATE", "SSC_RATE", "WAMP_RATE",
                                     "HJORTH_MOB_HZ", "HJORTH_COMP", "AR1", "AR2", "AR3", "AR4", "MNF", "MDF")
#: Window feature set by electrode type ("needle": the gain-robust clinical set above).
ELECTRODE_FEATURES: dict[str, tuple[str, ...]] = {"surface": SURFACE_FEATURES, "needle": DEFAULT_FEATURES}
AGGREGATIONS = {"median+iqr": ("median", "iqr")}
STAT_MEANING = {"median": "typical value over windows", "iqr": "spread over windows (interquartile range)"}


@dataclass(frozen=True)
class FeatureSettings:
    """How recordings become features; part of every trained model and of the cohort cache key."""

    window_s: float = 0.2
    step_s: float = 0.05
    features: tuple[str, ...] = DEFAULT_FEATURES
    aggregation: str = "median+iqr"
    channel_mode: str = "pooled"
    highpass_hz: float = 10.0  # zero-phase high-pass before features (0 = off): removes DC offset and drift
    remove_hum: bool = True  # subtract mains hum holding >= 5% of a channel's power (signal_core.filters.remove_hum)

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(str(f).upper() for f in self.features))
        unknown = [f for f in self.features if f not in WINDOW_FEATURES]
        if unknown:
            raise ValueError(f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(WINDOW_FEATURES)}")
        if not self.features:
            raise ValueError("choose at least one feature")
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {self.aggregation!r}; known: {', '.join(AGGREGATIONS)}")
        if self.channel_mode not in ("pooled", "per_channel"):
            raise ValueError("channel_mode must be 'pooled' or 'per_channel'")
        if not (0 < float(self.step_s) and 0 < float(self.window_s)):
            raise ValueError("window and step must be positive numbers of seconds")
        if not 0 <= float(self.highpass_hz) < 500:
            raise ValueError("the high-pass cut-off must be between 0 (off) and 500 Hz")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSettings:
        return cls(window_s=float(d["window_s"]), step_s=float(d["step_s"]), features=tuple(d["features"]),
                   aggregation=d.get("aggregation", "median+iqr"), channel_mode=d.get("channel_mode", "pooled"),
                   highpass_hz=float(d.get("highpass_hz", 0.0)),  # settings saved before the filter had none
                   remove_hum=bool(d.get("remove_hum", False)))  # ... and before hum removal

    def digest(self) -> str:
        """Short hash of the settings (and of the feature code version) for cache keys."""
        payload = json.dumps({**self.to_dict(), "version": FEATURE_CODE_VERSION}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


#: Pooled windows (all channels together) behind one median and IQR; more are thinned to every k-th window.
MAX_POOLED_WINDOWS = 2400
#: Samples per channel behind the noise level that sets the ZC, WAMP and MYOP thresholds (thinned beyond).
MAX_NOISE_SAMPLES = 65_536

FEATURE_CODE_VERSION = "4"  # bump when a derived feature's definition changes (invalidates caches)


def feature_columns(settings: FeatureSettings, n_channels: int = 1) -> list[str]:
    stats = AGGREGATIONS[settings.aggregation]
    if settings.channel_mode == "pooled":
        return [f"{f}_{s}" for f in settings.features for s in stats]
    return [f"{f}_{s}_ch{c + 1}" for f in settings.features for s in stats for c in range(n_channels)]


def describe_column(column: str) -> dict[str, Any]:
    """Parse a column name: ``{"feature", "stat", "channel" (None if pooled), "unit", "meaning"}``."""
    parts = column.split("_")
    channel = None
    if len(parts) >= 3 and parts[-1].startswith("ch") and parts[-1][2:].isdigit():
        channel, parts = parts[-1], parts[:-1]
    stat = parts[-1]
    feature = "_".join(parts[:-1])
    if feature not in WINDOW_FEATURES or stat not in STAT_MEANING:
        raise ValueError(f"{column!r} is not a medlens recording-level feature column")
    spec = WINDOW_FEATURES[feature]
    return {"feature": feature, "stat": stat, "channel": channel, "unit": spec.unit, "meaning": spec.meaning,
            "stat_meaning": STAT_MEANING[stat]}


def _base_needed(features: Iterable[str]) -> tuple[str, ...]:
    """The signal_core features the derived ``features`` read, in ``_BASE`` order (nothing else is computed)."""
    needed = {base for f in features for base in BASE_NEEDED[f]}
    return tuple(name for name in _BASE if name in needed)


def _noise_levels(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust SD of each channel and of its sample-to-sample differences, from at most
    ``MAX_NOISE_SAMPLES`` evenly spaced samples (and differences) per channel: a 60 s recording's noise
    level is known as well from every 4th sample, at a quarter of the cost."""
    n = data.shape[0]
    if n < 2:
        return robust_sd(data), np.zeros(data.shape[1])
    k = max(1, -(-n // MAX_NOISE_SAMPLES))
    if k == 1:
        return robust_sd(data), robust_sd(data, differences=True)
    starts = np.arange(0, n - 1, k)
    return robust_sd(data[starts]), robust_sd(data[starts + 1] - data[starts])


def _window_features(data: np.ndarray, fs: float, settings: FeatureSettings) -> np.ndarray:
    """``(n_windows, n_channels, n_derived)`` for every channel of the (filtered) ``(n_samples, n_channels)``
    signal, in one ``extract_features`` call, with each channel's own amplitude-relative thresholds."""
    base_names = _base_needed(settings.features)
    thresholds: dict[str, np.ndarray] = {}
    if {"ZC", "WAMP", "MYOP"} & set(base_names):
        # Thresholds relative to each channel's robust noise level (so a gain change leaves them unchanged).
        sd, sd_diff = _noise_levels(data)
        thresholds = {"zc": ZC_DEADBAND * sd_diff, "wamp": WAMP_RELATIVE * sd_diff, "myop": MYOP_RELATIVE * sd}
    result = extract_features(data, fs, window_s=settings.window_s, step_s=settings.step_s, features=base_names,
                              thresholds=thresholds)
    base = {name: result.values[:, :, i] for i, name in enumerate(result.feature_names)}
    out = np.empty((result.n_windows, data.shape[1], len(settings.features)))
    with np.errstate(all="ignore"):
        for j, name in enumerate(settings.features):
            out[:, :, j] = WINDOW_FEATURES[name].compute(base, fs, settings.window_s)
    return out


def _aggregate(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and IQR over windows, ignoring non-finite windows (all-NaN columns stay NaN)."""
    is_finite = np.isfinite(windows)
    if is_finite.all():  # the usual case: the same numbers without the (much slower) NaN-aware path
        median = np.median(windows, axis=0)
        q75, q25 = np.percentile(windows, [75, 25], axis=0)
        return median, q75 - q25
    finite = np.where(is_finite, windows, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column is reported as NaN
        median = np.nanmedian(finite, axis=0)
        q75, q25 = np.nanpercentile(finite, [75, 25], axis=0)
    return median, q75 - q25


def _highpass(data: np.ndarray, fs: float, cutoff_hz: float) -> np.ndarray:
    """Second-order zero-phase Butterworth high-pass: a DC offset or slow drift must not change features."""
    if cutoff_hz <= 0 or cutoff_hz >= 0.45 * fs or data.shape[0] < 16:
        return data
    sos = sps.butter(2, cutoff_hz, "highpass", fs=fs, output="sos")
    return sosfiltfilt_channels(sos, data)  # exactly sps.sosfiltfilt(sos, data, axis=0), faster


def _conditioned(data: np.ndarray, fs: float, settings: FeatureSettings) -> np.ndarray:
    """The channels the window features are computed on: high-passed, then cleared of marked mains hum."""
    data = _highpass(data, fs, settings.highpass_hz)
    if settings.remove_hum and data.shape[0] >= 16 and np.isfinite(data).all():
        data, _ = remove_hum(data, fs)
    return data


def _thinned(settings: FeatureSettings, recording: Recording) -> FeatureSettings:
    """The same window grid, every k-th window, so that at most ``MAX_POOLED_WINDOWS`` windows are pooled."""
    from signal_core.windows import plan

    _, _, n = plan(recording.n_samples, recording.fs, settings.window_s, settings.step_s)
    k = -(-n * recording.n_channels // MAX_POOLED_WINDOWS)  # ceil
    return settings if k <= 1 else replace(settings, step_s=settings.step_s * k)


def recording_features(recording: Recording, settings: FeatureSettings | None = None) -> pd.Series:
    """One recording -> one Series of recording-level features (see the module docstring)."""
    settings = settings or FeatureSettings()
    if not isinstance(recording, Recording):
        raise SignalError("expected a Recording (load one with signal_core.io.load_recording)")
    data = _conditioned(recording.data, recording.fs, settings)
    if settings.channel_mode == "pooled":
        settings = _thinned(settings, recording)
    windows = _window_features(data, recording.fs, settings)  # (n_windows, n_channels, n_features)
    values: list[float] = []
    if settings.channel_mode == "pooled":
        # Windows of all channels together, channel after channel.
        median, iqr = _aggregate(windows.transpose(1, 0, 2).reshape(-1, windows.shape[2]))
        for j in range(len(settings.features)):
            values += [median[j], iqr[j]]
    else:
        stats = [_aggregate(windows[:, c, :]) for c in range(recording.n_channels)]
        for j in range(len(settings.features)):
            for k in (0, 1):
                values += [stats[c][k][j] for c in range(recording.n_channels)]
    return pd.Series(values, index=feature_columns(settings, recording.n_channels), dtype=float)


def window_columns(features: Sequence[str], n_channels: int) -> list[str]:
    """Window-level column names ``"{feature}_ch{c}"`` (feature-major, as ``window_feature_matrix``)."""
    return [f"{f}_ch{c + 1}" for f in features for c in range(n_channels)]


def window_feature_matrix(recording: Recording, settings: FeatureSettings) -> tuple[np.ndarray, np.ndarray, int]:
    """Every window's features, one column per feature and channel: ``(values, starts, window_length)``.

    ``values`` is ``(n_windows, n_features * n_channels)`` in ``window_columns`` order; ``starts`` the first
    sample of each window; thresholds and the high-pass are those of ``recording_features``, set once for
    the whole recording (so a quiet segment keeps its low amplitude relative to the active ones).
    """
    data = _conditioned(recording.data, recording.fs, settings)
    windows = _window_features(data, recording.fs, settings)  # (n_windows, n_channels, n_features)
    from signal_core.windows import plan

    length, step, n = plan(recording.n_samples, recording.fs, settings.window_s, settings.step_s)
    values = windows.transpose(0, 2, 1).reshape(windows.shape[0], -1)
    return values, np.arange(n, dtype=np.int64) * step, length


class EMGFeatures(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: a sequence of Recordings -> a DataFrame of recording-level features.

    Examples
    --------
    >>> from signal_core.synthetic import simulate_recording
    >>> recs = [simulate_recording(c, seconds=1.0, seed=i) for i, c in enumerate(["healthy", "neurogenic"])]
    >>> table = EMGFeatures().fit(recs).transform(recs)
    >>> table.shape[0], "MNF_median" in table.columns
    (2, True)
    """

    def __init__(self, *, window_s: float = 0.2, step_s: float = 0.05, features: Sequence[str] = DEFAULT_FEATURES,
                 aggregation: str = "median+iqr", channel_mode: str = "pooled"):
        self.window_s = window_s
        self.step_s = step_s
        self.features = features
        self.aggregation = aggregation
        self.channel_mode = channel_mode

    def _settings(self) -> FeatureSettings:
        return FeatureSettings(self.window_s, self.step_s, tuple(self.features), self.aggregation, self.channel_mode)

    def fit(self, X: Iterable[Recording], y: Any = None) -> EMGFeatures:
        settings = self._settings()
        recordings = list(X)
        n_channels = recordings[0].n_channels if recordings else 1
        if settings.channel_mode == "per_channel" and any(r.n_channels != n_channels for r in recordings):
            raise ValueError("per-channel features need every recording to have the same number of channels")
        self.n_channels_ = n_channels
        self.feature_names_out_ = np.asarray(feature_columns(settings, n_channels), dtype=object)
        return self

    def transform(self, X: Iterable[Recording]) -> pd.DataFrame:
        check_is_fitted(self, "feature_names_out_")
        settings = self._settings()
        rows = [recording_features(r, settings) for r in X]
        for i, row in enumerate(rows):
            if list(row.index) != list(self.feature_names_out_):
                raise ValueError(f"recording {i + 1} has {len(row)} features; the transformer was fitted on "
                                 f"{len(self.feature_names_out_)} (different number of channels?)")
        return pd.DataFrame(rows, columns=list(self.feature_names_out_)).reset_index(drop=True)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
