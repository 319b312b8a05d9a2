"""The needle-EMG recording chain the simulator passes its signals through, as for the N2001 recordings.

Electrode signal -> amplifier (analog band 2 Hz-10 kHz) -> 16-bit ADC at 23,437.5 Hz (13.107 units per
microvolt, so one step is 1/13.107 uV and the rails are at +/-2.5 mV) -> stored, or resampled to a lower
rate with an anti-alias FIR (the 4 kHz copies in ``../shared/data/emg_n2001`` were made with
``scipy.signal.resample_poly(x, 64, 375)``, Kaiser window). The band, rate, gain and rails are those of the
recordings' WFDB headers (``../shared/data/README.md``); the amplifier's filter order is not stated
there, so second-order Butterworth sections are assumed.

Examples
--------
>>> import numpy as np
>>> plan = resampling_plan(4000.0)
>>> plan.render_fs, plan.up, plan.down
(23437.5, 64, 375)
>>> [round(v, 5) for v in adc(np.array([0.0, 3.0, -3.0, 1e-5])).tolist()]
[0.0, 2.49996, -2.50004, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal as sps

NATIVE_FS = 23_437.5  # N2001 sampling rate, Hz
AMPLIFIER_BAND_HZ = (2.0, 10_000.0)  # analog filter in the N2001 headers
ADC_UNITS_PER_UV = 13.107  # WFDB gain of the N2001 headers
ADC_STEP_MV = 1.0 / (ADC_UNITS_PER_UV * 1000.0)  # one ADC step in mV
ADC_CODES = (-32768, 32767)  # int16
RAIL_MV = 2.5  # about ADC_CODES x ADC_STEP_MV: the ADC clips at +/-2.5 mV
MAX_POLY_FACTOR = 1000  # largest up/down factor used for rational resampling from the native rate
MIN_RENDER_FS = 20_000.0  # rates without a simple ratio to NATIVE_FS are rendered at a multiple >= this


@dataclass(frozen=True)
class ResamplingPlan:
    """Render at ``render_fs``, then ``resample_poly(x, up, down)`` to the requested rate."""

    render_fs: float
    up: int
    down: int

    @property
    def resamples(self) -> bool:
        return self.up != self.down


def resampling_plan(fs: float) -> ResamplingPlan:
    """How a recording at ``fs`` is made: from the native ADC rate when the ratio is simple, else from
    the smallest integer multiple of ``fs`` at or above 20 kHz (rates above the native one: as they are)."""
    if fs >= NATIVE_FS:
        return ResamplingPlan(float(fs), 1, 1)
    ratio = Fraction(str(float(fs))) / Fraction(str(NATIVE_FS))
    if ratio.numerator <= MAX_POLY_FACTOR and ratio.denominator <= MAX_POLY_FACTOR:
        return ResamplingPlan(NATIVE_FS, ratio.numerator, ratio.denominator)
    factor = int(np.ceil(MIN_RENDER_FS / fs))
    return ResamplingPlan(float(fs) * factor, 1, factor)


def amplifier(x: np.ndarray, fs: float, band: tuple[float, float] = AMPLIFIER_BAND_HZ) -> np.ndarray:
    """Causal analog band-pass (second-order Butterworth high- and low-pass), along axis 0.

    The low-pass is skipped when its corner is at or above 0.45 x ``fs`` (the ADC's own band is lower).
    """
    low, high = band
    sos = [sps.butter(2, low, btype="highpass", fs=fs, output="sos")]
    if high < 0.45 * fs:
        sos.append(sps.butter(2, high, btype="lowpass", fs=fs, output="sos"))
    return sps.sosfilt(np.vstack(sos), x, axis=0)


def adc(x: np.ndarray, step_mv: float = ADC_STEP_MV, codes: tuple[int, int] = ADC_CODES) -> np.ndarray:
    """Round to whole ADC steps and clip at the int16 codes (samples below half a step become exact 0)."""
    return np.clip(np.round(x / step_mv), *codes) * step_mv


def resample(x: np.ndarray, plan: ResamplingPlan) -> np.ndarray:
    """Anti-alias FIR and rate change along axis 0 (SciPy's default Kaiser window, as for N2001's 4 kHz)."""
    if not plan.resamples:
        return x
    return sps.resample_poly(x, plan.up, plan.down, axis=0)


def white_noise_sd(psd_mv2_per_hz: float, fs: float) -> float:
    """Standard deviation of white noise with one-sided density ``psd`` sampled at ``fs``."""
    return float(np.sqrt(psd_mv2_per_hz * fs / 2.0))
