"""MUAP shapes learnt from real needle recordings: one principal-component model per class.

``signal_core.simulator_fit`` cuts every MUAP template that ``signal_core.muap.analyse_muaps`` finds in the
low-force N2001 biceps recordings into a fixed window around its largest peak, removes the baseline, tapers
the ends, scales it to 1 mV peak to peak, and fits a principal-component model per class (healthy, myopathy,
ALS). The simulator draws each motor unit's MUAP from its class's model: the scores of one real template on
the leading components, moved by a Gaussian step of ``KDE_BANDWIDTH`` times each component's standard
deviation (a kernel density estimate: every drawn shape lies near a real one and none is a copy), rescaled to
1 peak to peak. Independent Gaussian scores, the plainer choice, drew shapes with about 1.5 times the
real templates' power below 30 Hz (non-zero net areas that no real MUAP train shows). The shapes were
recorded through the N2001 chain (amplifier 2 Hz-10 kHz, anti-alias filter of the 4 kHz copies), so they
carry nothing above about 2 kHz; at higher sampling rates the simulated spikes are smoother than real ones.

Only the model (mean, components, score SDs: a few thousand numbers per class) is stored, in
``simulator_params.json``; the recordings stay in ``../shared/data``.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> t = np.sin(np.linspace(0, 2 * np.pi, 160))[None, :] * rng.uniform(0.5, 1.5, (30, 1))
>>> model = fit_shape_model(t + rng.normal(0, 0.01, t.shape), fs=4000.0, peak_index=60)
>>> wave = model.sample(rng, 4000.0)
>>> round(float(np.ptp(wave)), 6), wave.size
(1.0, 160)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal as sps

SHAPE_FS = 4000.0  # the rate of the recordings the shapes come from
PRE_MS, POST_MS = 15.0, 25.0  # window around the largest peak (late components are kept)
TAPER_MS = 3.0  # raised-cosine taper at each end, so a shape starts and ends at zero
MARGIN_MS = 2.0  # kept either side of a template's marked onset and end ...
EDGE_MS = 2.0  # ... then faded out over this: what lies further out is other units and averaged noise
VARIANCE_KEPT = 0.95  # components kept: enough for this share of the variance ...
MAX_COMPONENTS = 16  # ... but at most this many
KDE_BANDWIDTH = 0.3  # a drawn shape's step away from its real template, in standard deviations per component


@dataclass(frozen=True)
class ShapeModel:
    """Mean shape and principal components of peak-aligned, 1 mV peak-to-peak MUAP templates at ``fs``."""

    fs: float
    peak_index: int  # sample of the largest peak in the window
    mean: np.ndarray  # (n_samples,)
    components: np.ndarray  # (n_components, n_samples), orthonormal rows
    sd: np.ndarray  # (n_components,) standard deviation of the scores
    n_templates: int
    variance_kept: float
    scores: np.ndarray | None = None  # (n_templates, n_components): the real templates' scores, if kept

    def sample(self, rng: np.random.Generator, fs: float, stretch: float = 1.0) -> np.ndarray:
        """One MUAP at ``fs``, 1 peak to peak, lasting ``stretch`` times as long as the model's shapes (a
        subject's longer or shorter MUAPs): near a random real template's scores when the model keeps them,
        else Gaussian scores with the fitted standard deviations."""
        step = rng.normal(0.0, 1.0, self.sd.size) * self.sd
        if self.scores is not None and len(self.scores):
            scores = self.scores[rng.integers(len(self.scores))] + KDE_BANDWIDTH * step
        else:
            scores = step
        wave = self.mean + scores @ self.components
        wave = _taper(wave - wave[[0, -1]].mean(), self.fs)
        n_out = max(8, int(round(wave.size * fs * stretch / self.fs)))
        if n_out != wave.size:
            wave = sps.resample(wave, n_out)  # band-limited: the shape is zero at both ends
        ptp = np.ptp(wave)
        return wave / ptp if ptp > 0 else wave

    def to_dict(self) -> dict[str, Any]:
        return {"fs": self.fs, "peak_index": self.peak_index, "n_templates": self.n_templates,
                "variance_kept": round(self.variance_kept, 4), "sd": _rounded(self.sd),
                "mean": _rounded(self.mean), "components": [_rounded(c) for c in self.components],
                "scores": None if self.scores is None else [_rounded(r, 4) for r in self.scores]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShapeModel:
        return cls(fs=float(d["fs"]), peak_index=int(d["peak_index"]), mean=np.asarray(d["mean"], float),
                   components=np.asarray(d["components"], float).reshape(len(d["sd"]), -1),
                   sd=np.asarray(d["sd"], float), n_templates=int(d["n_templates"]),
                   variance_kept=float(d["variance_kept"]),
                   scores=None if d.get("scores") is None else np.asarray(d["scores"], float).reshape(-1, len(d["sd"])))


def _rounded(a: np.ndarray, digits: int = 5) -> list[float]:
    return [float(f"{v:.{digits}g}") for v in np.asarray(a, float)]


def _taper(wave: np.ndarray, fs: float) -> np.ndarray:
    n = min(max(2, int(round(TAPER_MS * fs / 1000.0))), wave.size // 2)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    out = wave.copy()
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def template_window(template: np.ndarray, peak_index: int, fs: float = SHAPE_FS,
                    onset_index: int | None = None, end_index: int | None = None) -> np.ndarray | None:
    """The template cut to ``PRE_MS`` before and ``POST_MS`` after its largest peak, baseline removed (the
    median of the first and last 2 ms), tapered and scaled to 1 peak to peak; ``None`` if the template
    does not reach that far on both sides or is flat.

    Given the MUAP's marked onset and end (template samples), everything more than ``MARGIN_MS`` outside
    them is faded to zero: a template's tails hold averaged noise and the discharges of other units, which
    a shape model would otherwise learn and the simulator would add to every discharge.
    """
    pre, post = int(round(PRE_MS * fs / 1000.0)), int(round(POST_MS * fs / 1000.0))
    t = np.asarray(template, dtype=float)
    if peak_index - pre < 0 or peak_index + post > t.size:
        return None
    w = t[peak_index - pre: peak_index + post]
    edge = max(2, int(round(2.0 * fs / 1000.0)))
    w = _taper(w - np.median(np.r_[w[:edge], w[-edge:]]), fs)
    if onset_index is not None and end_index is not None:
        w = w * _support(w.size, onset_index - (peak_index - pre), end_index - (peak_index - pre), fs)
    ptp = np.ptp(w)
    return w / ptp if ptp > 0 and np.all(np.isfinite(w)) else None


def _support(n: int, onset: int, end: int, fs: float) -> np.ndarray:
    """1 from ``MARGIN_MS`` before ``onset`` to ``MARGIN_MS`` after ``end``, raised-cosine edges of
    ``EDGE_MS`` beyond, 0 further out."""
    margin, fade = int(round(MARGIN_MS * fs / 1000.0)), max(1, int(round(EDGE_MS * fs / 1000.0)))
    a, b = max(0, onset - margin), min(n, end + margin + 1)
    env = np.zeros(n)
    env[a:b] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 1) / (fade + 1))
    lo, hi = max(0, a - fade), min(n, b + fade)
    env[lo:a] = ramp[fade - (a - lo):]
    env[b:hi] = ramp[::-1][: hi - b]
    return env


def fit_shape_model(windows: np.ndarray, fs: float = SHAPE_FS, peak_index: int | None = None,
                    variance: float = VARIANCE_KEPT, max_components: int = MAX_COMPONENTS) -> ShapeModel:
    """Principal components (SVD of the centred windows) keeping ``variance`` of the variance."""
    x = np.asarray(windows, dtype=float)
    if x.ndim != 2 or x.shape[0] < 3:
        raise ValueError("need at least three MUAP templates of equal length to fit a shape model")
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    var = s**2 / max(x.shape[0] - 1, 1)
    share = np.cumsum(var) / var.sum() if var.sum() > 0 else np.ones_like(var)
    k = int(min(max_components, np.searchsorted(share, variance) + 1, vt.shape[0]))
    pi = int(round(PRE_MS * fs / 1000.0)) if peak_index is None else int(peak_index)
    return ShapeModel(fs=float(fs), peak_index=pi, mean=mean, components=vt[:k], sd=np.sqrt(var[:k]),
                      n_templates=int(x.shape[0]), variance_kept=float(share[k - 1]), scores=(x - mean) @ vt[:k].T)
