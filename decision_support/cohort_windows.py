"""A cohort -> a window-level feature table with segments, for window- and segment-level models.

Each file becomes labelled segments: either from a per-sample label column (``segments.find_segments``:
unlabelled rows dropped, transitions trimmed, short runs dropped), or the whole file as one segment with
the manifest's or folder's label. Every window lying wholly inside a segment is one row, with features
per channel (``transformers.window_feature_matrix``) for medlens' feature set and, in the same pass,
Hudgins' time-domain set for the reviewer's baseline.

Sample-and-hold files (a slower device logged on a faster clock; ``signal_core.io`` detects them) are
collapsed to their effective rate first, so zero crossings and spectral features see the real rate.

``windows_for_file`` is a top-level, pure function so serial and Dask runs compute the same thing
(``cohort.run_per_file``). ``cohort_windows`` gathers them and refuses what cannot be validated: a
subject with no usable segment, or files at different sampling rates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decision_support.cohort import Cohort, run_per_file
from decision_support.segments import Segment, SegmentSettings, collapse_sample_and_hold, find_segments
from decision_support.transformers import (
    ELECTRODE_FEATURES,
    HUDGINS_FEATURES,
    FeatureSettings,
    window_columns,
    window_feature_matrix,
)
from signal_core.io import load_labelled_recording, load_recording

ProgressFn = Callable[[float, str], None]
RATE_TOLERANCE = 0.01  # sampling rates within 1% are one rate


@dataclass(frozen=True)
class WindowSettings:
    """How a cohort becomes windows: feature set by electrode type, window, segments, label column."""

    electrode: str = "surface"
    window_s: float = 0.2
    step_s: float = 0.1
    highpass_hz: float = 10.0
    label_column: str | None = None
    segments: SegmentSettings = field(default_factory=SegmentSettings)
    remove_hum: bool = True  # subtract marked mains hum before the features (FeatureSettings.remove_hum)

    def __post_init__(self) -> None:
        if self.electrode not in ELECTRODE_FEATURES:
            raise ValueError(f"electrode type must be one of {', '.join(ELECTRODE_FEATURES)}, got {self.electrode!r}")
        self.features()  # checks window, step and high-pass

    def features(self, names: tuple[str, ...] | None = None) -> FeatureSettings:
        return FeatureSettings(window_s=self.window_s, step_s=self.step_s,
                               features=names or ELECTRODE_FEATURES[self.electrode], channel_mode="per_channel",
                               highpass_hz=self.highpass_hz, remove_hum=self.remove_hum)

    def to_dict(self) -> dict[str, Any]:
        return {"electrode": self.electrode, "window_s": float(self.window_s), "step_s": float(self.step_s),
                "highpass_hz": float(self.highpass_hz), "remove_hum": bool(self.remove_hum),
                "label_column": self.label_column,
                "segments": self.segments.to_dict(), "features": list(ELECTRODE_FEATURES[self.electrode]),
                "baseline_features": list(HUDGINS_FEATURES)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WindowSettings:
        seg = d.get("segments", {})
        return cls(electrode=d["electrode"], window_s=float(d["window_s"]), step_s=float(d["step_s"]),
                   highpass_hz=float(d["highpass_hz"]), label_column=d.get("label_column"),
                   remove_hum=bool(d.get("remove_hum", False)),  # models saved before hum removal: without it
                   segments=SegmentSettings(min_segment_s=float(seg.get("min_segment_s", 1.0)),
                                            trim_s=float(seg.get("trim_s", 0.25)),
                                            unlabelled=tuple(seg.get("unlabelled", ("",))),
                                            collapse_hold=bool(seg.get("collapse_hold", True))))


def _whole_file(n: int, label: str, fs: float, settings: SegmentSettings) -> tuple[list[Segment], dict[str, Any]]:
    if n < settings.min_segment_s * fs:
        return [], {"n_rows": n, "kept_rows": 0, "short_segments": 1, "short_rows": n, "unlabelled_rows": 0,
                    "trimmed_rows": 0, "segments": 0, "per_label": {}}
    return [Segment(label, 0, n)], {"n_rows": n, "kept_rows": n, "short_segments": 0, "short_rows": 0,
                                    "unlabelled_rows": 0, "trimmed_rows": 0, "segments": 1, "per_label": {label: 1}}


def windows_for_file(path: str, label: str, fs: float | None, settings: dict[str, Any]) -> dict[str, Any]:
    """One file -> ``{"ok": True, "X", "Xb", "segment", "segments", "report", "fs", ...}`` or an error."""
    try:
        ws = WindowSettings.from_dict(settings)
        hold = None
        if ws.label_column:
            rec, labels = load_labelled_recording(path, ws.label_column, fs)
            if ws.segments.collapse_hold:
                rec, labels, hold = collapse_sample_and_hold(rec, labels)
            found = find_segments(labels, rec.fs, ws.segments)
            segments, report = found.segments, found.to_dict()
        else:
            rec = load_recording(path, fs)
            if ws.segments.collapse_hold:
                rec, _, hold = collapse_sample_and_hold(rec, np.zeros(rec.n_samples))
            segments, report = _whole_file(rec.n_samples, label, rec.fs, ws.segments)
        values, starts, length = window_feature_matrix(rec, ws.features())
        base, _, _ = window_feature_matrix(rec, ws.features(HUDGINS_FEATURES))
        owner = np.full(starts.size, -1)
        for k, seg in enumerate(segments):
            owner[(starts >= seg.start) & (starts + length <= seg.stop)] = k
        inside = owner >= 0
        with_windows = sorted(set(owner[inside].tolist()))
        report["segments_without_windows"] = len(segments) - len(with_windows)
        return {"ok": True, "X": values[inside].astype(np.float64), "Xb": base[inside].astype(np.float64),
                "segment": owner[inside], "window_start_s": starts[inside] / rec.fs,
                "segment_labels": [s.label for s in segments], "report": report, "fs": float(rec.fs),
                "n_channels": rec.n_channels, "hold": hold, "warnings": _warnings(rec.metadata, hold),
                "notes": list(rec.metadata.get("notes", []))}
    except ValueError as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop a cohort
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


def _warnings(metadata: dict[str, Any], hold: dict[str, Any] | None) -> list[str]:
    out = list(metadata.get("warnings", []))
    if hold:
        out.append(f"sample-and-hold undone: one row per real sample kept, so windows and features use "
                   f"{hold['effective_fs']:g} Hz")
    return out


@dataclass
class WindowTable:
    """Windows of a cohort: features (ours and the baseline's) and, per window, who, what and where."""

    X: pd.DataFrame
    X_baseline: pd.DataFrame
    meta: pd.DataFrame  # subject, session, recording, segment (cohort-wide id), label, window_start_s
    fs: float
    n_channels: int
    settings: WindowSettings
    files: list[dict[str, Any]]  # per file: recording, subject, segments report, hold, warnings
    failed: list[dict[str, Any]]

    @property
    def warnings(self) -> list[str]:
        seen: Counter = Counter()
        for f in self.files:
            for w in f["warnings"]:
                seen[w] += 1
        return [f"{w} ({n} file(s))" if n > 1 else w for w, n in seen.items()]

    def segment_totals(self) -> dict[str, Any]:
        keys = ("n_rows", "kept_rows", "unlabelled_rows", "trimmed_rows", "short_rows", "short_segments",
                "segments", "segments_without_windows")
        totals = {k: int(sum(f["report"].get(k, 0) for f in self.files)) for k in keys}
        totals["windows"] = int(len(self.meta))
        totals["segments_with_windows"] = int(self.meta["segment"].nunique())
        return totals

    def text(self) -> str:
        t = self.segment_totals()
        fs = self.fs
        return (f"{len(self.files)} files, {t['segments_with_windows']} segments, {t['windows']} windows at "
                f"{fs:g} Hz; left out: {t['unlabelled_rows'] / fs:.0f} s unlabelled, {t['trimmed_rows'] / fs:.0f} s "
                f"of transitions, {t['short_segments']} segment(s) under the minimum length")


def _rate_groups(rates: list[tuple[str, float]]) -> list[tuple[float, list[str]]]:
    groups: list[tuple[float, list[str]]] = []
    for rec, fs in rates:
        for ref, members in groups:
            if abs(fs - ref) <= RATE_TOLERANCE * ref:
                members.append(rec)
                break
        else:
            groups.append((fs, [rec]))
    return groups


def cohort_windows(cohort: Cohort, settings: WindowSettings | None = None, *, scheduler: Any = None,
                   n_workers: int | None = None, progress: ProgressFn | None = None,
                   errors: str = "raise") -> WindowTable:
    """Every file of ``cohort`` -> one ``WindowTable`` (see the module docstring)."""
    settings = settings or WindowSettings()
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    entries = cohort.entries
    args = [(str(e.path), e.label, e.fs, settings.to_dict()) for e in entries]
    results = run_per_file(windows_for_file, args, scheduler=scheduler, n_workers=n_workers, progress=progress,
                           noun="files")
    failed, kept = [], []
    for e, res in zip(entries, results):
        res = res or {"ok": False, "error": "was not measured"}
        if res["ok"]:
            kept.append((e, res))
        else:
            failed.append({"recording": e.recording, "row": e.row, "error": res["error"]})
    if failed and errors == "raise":
        listing = "; ".join(f"{f['recording']}: {f['error']}" for f in failed[:10])
        raise ValueError(f"{len(failed)} of {len(entries)} file(s) could not be used: {listing}. Fix or remove them, "
                         "or skip them (--skip-bad).")
    if not kept:
        raise ValueError("no file in the cohort could be used")
    groups = _rate_groups([(e.recording, r["fs"]) for e, r in kept])
    if len(groups) > 1:
        listing = "; ".join(f"{fs:g} Hz: {len(m)} file(s), e.g. {m[0]}" for fs, m in groups)
        raise ValueError(f"the files have different sampling rates ({listing}). Zero crossings, slope changes and "
                         "spectral features depend on the rate, so one model cannot compare them: resample to one "
                         "rate, or split the cohort")
    channels = Counter(r["n_channels"] for _, r in kept)
    if len(channels) > 1:
        listing = ", ".join(f"{c} channels: {n} file(s)" for c, n in sorted(channels.items()))
        raise ValueError(f"the files have different numbers of channels ({listing}); per-channel features need "
                         "the same electrodes in every file")
    n_channels = next(iter(channels))
    subjects_all = sorted({e.subject for e, _ in kept})
    usable = {e.subject for e, r in kept if len(r["segment"])}
    empty = [s for s in subjects_all if s not in usable]
    if empty:
        seg = settings.segments
        raise ValueError(f"subject(s) {', '.join(empty[:5])} have no usable segment: every labelled stretch is "
                         f"unlabelled, or shorter than {seg.min_segment_s:g} s after trimming {seg.trim_s:g} s at "
                         f"each end, or shorter than one {settings.window_s:g} s window. Lower the minimum length "
                         "or the trim, or leave the subject out")
    parts, base_parts, metas, files = [], [], [], []
    for e, r in kept:
        seg_ids = [f"{e.recording}#{k + 1}" for k in range(len(r["segment_labels"]))]
        metas.append(pd.DataFrame({
            "subject": e.subject, "session": str(e.covariates.get("session", e.recording)),
            "recording": e.recording, "segment": np.asarray(seg_ids, dtype=object)[r["segment"]] if seg_ids else [],
            "label": np.asarray(r["segment_labels"], dtype=object)[r["segment"]] if seg_ids else [],
            "window_start_s": r["window_start_s"]}))
        parts.append(r["X"])
        base_parts.append(r["Xb"])
        files.append({"recording": e.recording, "subject": e.subject, "report": r["report"], "hold": r["hold"],
                      "warnings": r["warnings"], "notes": r["notes"]})
    features = settings.features()
    X = pd.DataFrame(np.vstack(parts), columns=window_columns(features.features, n_channels))
    Xb = pd.DataFrame(np.vstack(base_parts), columns=window_columns(HUDGINS_FEATURES, n_channels))
    meta = pd.concat(metas, ignore_index=True)
    return WindowTable(X, Xb, meta, groups[0][0], n_channels, settings, files, failed)

