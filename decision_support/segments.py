"""A recording with a per-sample label column -> labelled segments (and what was left out, and why).

Public EMG datasets (gesture sets, NinaPro-style sessions) often come as one long file per session with
a label on every row. medlens turns each run of one label into a **segment**:

1. rows whose label means "no label" (``unlabelled``, by default an empty cell) are dropped;
2. ``trim_s`` seconds are cut from both ends of every run: the hand is still moving there, and a label
   switched by an operator rarely lands exactly on the change;
3. runs shorter than ``min_segment_s`` after trimming are dropped.

Every step is counted in a ``SegmentReport`` (rows and seconds per reason, segments per label), which
the training report shows. ``collapse_sample_and_hold`` first undoes sample-and-hold logging (a slow
device logged on a faster clock repeats each sample), so features see the rate the signal really has.

Examples
--------
>>> import numpy as np
>>> labels = np.array(["", "fist", "fist", "fist", "fist", "", "rest", "rest"])
>>> report = find_segments(labels, fs=2.0, settings=SegmentSettings(min_segment_s=1.0, trim_s=0.0))
>>> [(s.label, s.start, s.stop) for s in report.segments]
[('fist', 1, 5), ('rest', 6, 8)]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signal_core.recording import Recording


@dataclass(frozen=True)
class SegmentSettings:
    """How labelled rows become segments (part of a trained model's settings)."""

    min_segment_s: float = 1.0
    trim_s: float = 0.25
    unlabelled: tuple[str, ...] = ("",)
    collapse_hold: bool = True

    def __post_init__(self) -> None:
        if not float(self.min_segment_s) > 0:
            raise ValueError("the minimum segment length must be a positive number of seconds")
        if not float(self.trim_s) >= 0:
            raise ValueError("the transition trim must be zero or a positive number of seconds")
        object.__setattr__(self, "unlabelled", tuple(normalise_label(v) for v in self.unlabelled))

    def to_dict(self) -> dict[str, Any]:
        return {"min_segment_s": float(self.min_segment_s), "trim_s": float(self.trim_s),
                "unlabelled": list(self.unlabelled), "collapse_hold": bool(self.collapse_hold)}


@dataclass(frozen=True)
class Segment:
    label: str
    start: int  # first sample
    stop: int  # one past the last sample


@dataclass
class SegmentReport:
    """Segments found in one recording, and every row left out, by reason."""

    segments: list[Segment]
    fs: float
    n_rows: int
    unlabelled_rows: int = 0
    trimmed_rows: int = 0
    short_rows: int = 0
    short_segments: int = 0
    per_label: dict[str, int] = field(default_factory=dict)

    @property
    def kept_rows(self) -> int:
        return int(sum(s.stop - s.start for s in self.segments))

    def to_dict(self) -> dict[str, Any]:
        return {"n_rows": self.n_rows, "kept_rows": self.kept_rows, "unlabelled_rows": self.unlabelled_rows,
                "trimmed_rows": self.trimmed_rows, "short_rows": self.short_rows,
                "short_segments": self.short_segments, "segments": len(self.segments), "per_label": self.per_label}

    def text(self) -> str:
        s = self.fs
        return (f"{len(self.segments)} segments kept ({self.kept_rows / s:.1f} s); left out: "
                f"{self.unlabelled_rows / s:.1f} s unlabelled, {self.trimmed_rows / s:.1f} s of transitions, "
                f"{self.short_segments} segment(s) shorter than the minimum ({self.short_rows / s:.1f} s)")


def normalise_label(value: Any) -> str:
    """A label as text: stripped, and ``"2.0"`` (a number saved as a float) read as ``"2"``."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def normalise_labels(labels: Any) -> np.ndarray:
    raw = np.asarray(labels).astype(str)
    uniques, inverse = np.unique(raw, return_inverse=True)
    return np.asarray([normalise_label(u) for u in uniques], dtype=object)[inverse].astype(str)


def find_segments(labels: Any, fs: float, settings: SegmentSettings | None = None) -> SegmentReport:
    """Runs of one label -> trimmed segments of at least the minimum length (see the module docstring)."""
    settings = settings or SegmentSettings()
    labels = normalise_labels(labels)
    n = labels.size
    report = SegmentReport([], float(fs), int(n))
    if n == 0:
        return report
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [n]])
    trim = int(round(float(settings.trim_s) * fs))
    shortest = max(1, int(round(float(settings.min_segment_s) * fs)))
    unlabelled = set(settings.unlabelled)
    per_label: Counter = Counter()
    for a, b in zip(starts.tolist(), stops.tolist()):
        label = str(labels[a])
        if label in unlabelled:
            report.unlabelled_rows += b - a
            continue
        a2, b2 = min(a + trim, b), max(b - trim, a)
        if b2 - a2 < shortest:
            report.short_segments += 1
            report.short_rows += b - a
            continue
        report.trimmed_rows += (b - a) - (b2 - a2)
        report.segments.append(Segment(label, a2, b2))
        per_label[label] += 1
    report.per_label = dict(sorted(per_label.items()))
    return report


def collapse_sample_and_hold(recording: Recording, labels: Any) -> tuple[Recording, np.ndarray, dict[str, Any] | None]:
    """Keep the first row of every run of identical rows when the file is sample-and-hold.

    Uses ``recording.metadata["sample_and_hold"]`` (set by ``signal_core.io`` for CSV files); returns the
    recording at the effective rate, its labels, and what was done (``None`` when nothing was).
    """
    hold = recording.metadata.get("sample_and_hold")
    labels = np.asarray(labels)
    if not hold:
        return recording, labels, None
    data = recording.data
    keep = np.concatenate([[True], ~np.all(data[1:] == data[:-1], axis=1)])
    fs = round(recording.fs * keep.sum() / data.shape[0], 1)
    meta = {**recording.metadata, "collapsed_from_fs": recording.fs}
    collapsed = recording.with_data(np.ascontiguousarray(data[keep]), fs=fs, metadata=meta)
    done = {"rows_before": int(data.shape[0]), "rows_after": int(keep.sum()), "fs_before": float(recording.fs),
            "effective_fs": float(fs)}
    return collapsed, labels[keep], done
