"""The Recording dataclass: the one shape every signal has inside medlens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_core.errors import SignalError, check_sampling_rate

MAX_CHANNELS = 512


@dataclass(frozen=True)
class Recording:
    """A multichannel signal.

    ``data`` is ``float64`` with shape ``(n_samples, n_channels)``; ``fs`` is the sampling rate in Hz.
    """

    data: np.ndarray
    fs: float
    channel_names: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = np.asarray(self.data)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2:
            raise SignalError(f"signal must be 1-D or 2-D (samples x channels), got {data.ndim} dimensions")
        data = np.ascontiguousarray(data, dtype=np.float64)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "fs", check_sampling_rate(self.fs))
        n_channels = data.shape[1]
        if n_channels > MAX_CHANNELS:
            raise SignalError(f"{n_channels} channels is more than the {MAX_CHANNELS} medlens accepts")
        names = tuple(self.channel_names) or tuple(f"ch{i + 1}" for i in range(n_channels))
        if len(names) != n_channels:
            raise SignalError(f"{len(names)} channel names for {n_channels} channels")
        units = tuple(self.units) or ("",) * n_channels
        if len(units) != n_channels:
            raise SignalError(f"{len(units)} units for {n_channels} channels")
        object.__setattr__(self, "channel_names", tuple(str(n) for n in names))
        object.__setattr__(self, "units", tuple(str(u) for u in units))

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs

    def with_data(self, data: np.ndarray, **changes: Any) -> "Recording":
        """A copy with new samples (same channels), e.g. after filtering; other fields via ``changes``.

        >>> rec.with_data(bandpass(rec.data, rec.fs))  # doctest: +SKIP
        """
        from dataclasses import replace

        return replace(self, data=data, metadata={**self.metadata, **changes.pop("metadata", {})}, **changes)
