"""The interference pattern against a normal turns-amplitude cloud (cloud analysis).

Each 100 ms epoch of a contraction gives a point: turns per second against the mean amplitude between
successive turns (turns of at least 100 uV, `signal_core.activity.interference_pattern`). In normal muscle
the points of weak to moderate efforts fall in a band, the normal cloud; with large reinnervated motor
units they move to the right of it (more amplitude for the same turn rate: neurogenic), with small,
short units to its left (many turns of little amplitude: myopathic).

The cloud medlens ships (``references/interference_cloud.csv``) is **not a published cloud** (none could be
verified, see ``references/README.md``). It is measured on the 6 control subjects of N2001 (biceps brachii,
ages 21-37, low and moderate force; ``../shared/data/emg_n2001``) by ``python -m
signal_core.interference_cloud ../shared/data``: for bands of turn rate, the 2.5th to 97.5th percentile of
the epochs' mean amplitude, each subject weighted equally. So it holds for the biceps, for a needle and
amplifier like N2001's, and for a 2 kHz band: recordings sampled faster are brought to 4 kHz (the same
anti-alias FIR as the N2001 copies) before they are compared, slower ones are not compared.

A side of the cloud is called when more than ``SIDE_SHARE`` of at least ``MIN_COMPARED`` compared epochs lie
beyond it. That share is medlens' own, set above the 95th percentile of the control records' shares when
each control is compared with a cloud built without it (README, "Interference pattern").

Examples
--------
>>> cloud = load_cloud()
>>> cloud.bands[0].turns_min, cloud.bands[0].amp_low_uv < cloud.bands[0].amp_high_uv
(30.0, True)
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import signal as sps

from signal_core.activity import EPOCH_S, IP_TURN_MV, interference_pattern, segment_activity
from signal_core.recording import Recording

CLOUD_FILE = Path(__file__).parent / "references" / "interference_cloud.csv"
SOURCE = ("medlens, measured on the 6 control subjects of N2001 (Nikolic 2001; EMGLAB, McGill et al. 2005): "
          "biceps brachii, concentric needle, ages 21-37, low and moderate force, 4 kHz copies; "
          "2.5th-97.5th percentile of mean amplitude per turn-rate band, subjects weighted equally. "
          "Not a published cloud.")
CLOUD_FS = 4000.0  # the cloud's recordings: 4 kHz copies with a 2 kHz anti-alias band
CLOUD_MUSCLE = "biceps brachii"
#: Turn-rate bands (turns per second; 100 ms epochs count turns in steps of 10/s), about x1.45 apart.
TURN_EDGES = (30.0, 45.0, 65.0, 95.0, 135.0, 195.0, 280.0, 400.0)
MIN_TURNS = 3  # fewer turns in an epoch: a single unit or rest, not an interference pattern (and <2 swings)
QUANTILES = (0.025, 0.975)
MIN_BAND_EPOCHS = 30
MIN_BAND_SUBJECTS = 4
SIDE_SHARE = 0.20
MIN_COMPARED = 20

INSIDE, RIGHT, LEFT = "inside", "right", "left"
BEYOND, FEW_TURNS, ARTEFACT = "beyond the cloud's turn rates", "too few turns", "artefact"


@dataclass(frozen=True)
class CloudBand:
    """Normal mean amplitude (uV) between turns for epochs with ``turns_min <= turns/s < turns_max``."""

    turns_min: float
    turns_max: float
    amp_low_uv: float
    amp_high_uv: float
    n_epochs: int
    n_subjects: int


@dataclass(frozen=True)
class Cloud:
    bands: tuple[CloudBand, ...]
    source: str = SOURCE
    muscle: str = CLOUD_MUSCLE

    @property
    def turns_range(self) -> tuple[float, float]:
        return self.bands[0].turns_min, self.bands[-1].turns_max

    def band_of(self, turns_per_s: np.ndarray) -> np.ndarray:
        """Index of each rate's band, -1 where the cloud has none."""
        out = np.full(np.shape(turns_per_s), -1, dtype=int)
        for k, b in enumerate(self.bands):
            out[(turns_per_s >= b.turns_min) & (turns_per_s < b.turns_max)] = k
        return out


@dataclass
class CloudComparison:
    """Where each epoch of a recording lies against the normal cloud, and what that suggests."""

    epoch_s: float
    fs_compared: float
    times_s: np.ndarray
    turns_per_s: np.ndarray
    mean_amplitude_uv: np.ndarray
    sides: list[str]
    n_compared: int
    share_right: float  # of compared epochs: amplitude above the cloud for their turn rate
    share_left: float  # of compared epochs: amplitude below the cloud for their turn rate
    verdict: str  # "neurogenic side" | "myopathic side" | "both sides" | "within the normal cloud" | "not compared"
    message: str
    limits: list[str] = field(default_factory=list)
    source: str = SOURCE

    def counts(self) -> dict[str, int]:
        return {side: self.sides.count(side) for side in (INSIDE, RIGHT, LEFT, BEYOND, FEW_TURNS, ARTEFACT)}

    def to_dict(self) -> dict:
        def num(v: float):
            return None if not math.isfinite(v) else float(v)
        return {
            "epoch_s": self.epoch_s, "fs_compared": self.fs_compared, "n_epochs": len(self.sides),
            "n_compared": self.n_compared, "epochs_by_side": self.counts(),
            "share_right": num(self.share_right), "share_left": num(self.share_left),
            "verdict": self.verdict, "message": self.message, "limits": list(self.limits),
            "cloud_source": self.source,
            "epochs": [{"t_s": float(t), "turns_per_s": float(n), "mean_amplitude_uv": num(a), "side": s}
                       for t, n, a, s in zip(self.times_s, self.turns_per_s, self.mean_amplitude_uv, self.sides)],
        }


# ---------------------------------------------------------------------------------------- the cloud
def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    return float(values[order][min(np.searchsorted(cum, q), values.size - 1)])


def build_cloud(points: Iterable[tuple[str, np.ndarray, np.ndarray]], *, edges: Sequence[float] = TURN_EDGES,
                quantiles: tuple[float, float] = QUANTILES, min_epochs: int = MIN_BAND_EPOCHS,
                min_subjects: int = MIN_BAND_SUBJECTS) -> Cloud:
    """A cloud from ``(subject, turns_per_s, mean_amplitude_uv)`` epochs (one tuple per recording).

    Quantiles are taken on log amplitude with each subject's epochs summing to the same weight, so a
    subject with many recordings does not shape the cloud alone. Bands with fewer than ``min_epochs``
    epochs or ``min_subjects`` subjects are left out; the cloud keeps the contiguous run of bands from the
    lowest kept one (a gap would make "beyond the cloud" ambiguous).
    """
    by_subject: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for subject, turns, amp in points:
        turns, amp = np.asarray(turns, float), np.asarray(amp, float)
        ok = np.isfinite(turns) & np.isfinite(amp) & (amp > 0)
        by_subject.setdefault(str(subject), []).append((turns[ok], amp[ok]))
    turns_all, log_amp, weights, subjects = [], [], [], []
    for k, (subject, parts) in enumerate(sorted(by_subject.items())):
        t = np.concatenate([p[0] for p in parts])
        a = np.concatenate([p[1] for p in parts])
        if t.size == 0:
            continue
        turns_all.append(t)
        log_amp.append(np.log10(a))
        weights.append(np.full(t.size, 1.0 / t.size))
        subjects.append(np.full(t.size, k))
    if not turns_all:
        raise ValueError("no epochs with an interference pattern to build a cloud from")
    t, la, w, s = (np.concatenate(v) for v in (turns_all, log_amp, weights, subjects))
    bands: list[CloudBand] = []
    for lo_t, hi_t in zip(edges[:-1], edges[1:]):
        m = (t >= lo_t) & (t < hi_t)
        n_subjects = np.unique(s[m]).size
        if m.sum() < min_epochs or n_subjects < min_subjects:
            if bands:
                break
            continue
        low = 10 ** _weighted_quantile(la[m], w[m], quantiles[0])
        high = 10 ** _weighted_quantile(la[m], w[m], quantiles[1])
        bands.append(CloudBand(float(lo_t), float(hi_t), round(low, 1), round(high, 1), int(m.sum()), int(n_subjects)))
    if not bands:
        raise ValueError("no turn-rate band had enough epochs and subjects to form a cloud")
    return Cloud(tuple(bands))


def write_cloud(cloud: Cloud, path: Path = CLOUD_FILE) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["muscle", "turns_min", "turns_max", "amp_low_uv", "amp_high_uv", "n_epochs", "n_subjects"])
        for b in cloud.bands:
            writer.writerow([cloud.muscle, f"{b.turns_min:g}", f"{b.turns_max:g}", f"{b.amp_low_uv:.1f}",
                             f"{b.amp_high_uv:.1f}", b.n_epochs, b.n_subjects])


@lru_cache(maxsize=1)
def load_cloud(path: Path = CLOUD_FILE) -> Cloud:
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    bands = tuple(CloudBand(float(r["turns_min"]), float(r["turns_max"]), float(r["amp_low_uv"]),
                            float(r["amp_high_uv"]), int(r["n_epochs"]), int(r["n_subjects"])) for r in rows)
    return Cloud(bands, muscle=rows[0]["muscle"] if rows else CLOUD_MUSCLE)


# ------------------------------------------------------------------------------------- the points
def to_cloud_band(recording: Recording) -> tuple[Recording, list[str]]:
    """The recording at the cloud's 4 kHz (anti-alias FIR as for the N2001 copies), and what was done."""
    fs = recording.fs
    if abs(fs - CLOUD_FS) <= 0.01 * CLOUD_FS:
        return recording, []
    if fs < CLOUD_FS:
        return recording, [f"Sampled at {fs:g} Hz, below the cloud's {CLOUD_FS:g} Hz: fast turns are lost, so "
                           "the epochs are not compared with the cloud."]
    ratio = Fraction(CLOUD_FS / fs).limit_denominator(1000)
    data = sps.resample_poly(recording.data, ratio.numerator, ratio.denominator, axis=0)
    new_fs = fs * ratio.numerator / ratio.denominator
    return (Recording(data, new_fs, recording.channel_names, recording.units, dict(recording.metadata)),
            [f"Brought from {fs:g} Hz to {new_fs:.6g} Hz (2 kHz band) before counting turns, as the cloud was "
             "measured; at the full rate turns and amplitudes read a little higher."])


def cloud_points(recording: Recording, *, channel: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times_s, turns_per_s, mean_amplitude_uv)`` of every epoch, in the cloud's band."""
    rec, _ = to_cloud_band(recording)
    ip = interference_pattern(rec, channel=channel, epoch_s=EPOCH_S)
    times = np.arange(ip.turns_per_s.size) * ip.epoch_s
    return times, ip.turns_per_s, ip.mean_amplitude_uv


def _artefact_epochs(rec: Recording, channel: int, n_epochs: int, epoch_s: float) -> np.ndarray:
    flags = np.zeros(n_epochs, bool)
    for s in segment_activity(rec, channel=channel, epoch_s=epoch_s):
        if s.kind == "artefact":
            first = int(math.floor(s.start_s / epoch_s + 1e-9))
            last = int(math.ceil(s.end_s / epoch_s - 1e-9))
            flags[first:max(first + 1, last)] = True
    return flags


def classify_epochs(cloud: Cloud, turns_per_s: np.ndarray, mean_amplitude_uv: np.ndarray,
                    artefact: np.ndarray | None = None) -> list[str]:
    """The side of each epoch: inside, right (large for its turn rate), left (small), or why not compared."""
    turns = np.asarray(turns_per_s, float)
    amp = np.asarray(mean_amplitude_uv, float)
    band = cloud.band_of(turns)
    sides = []
    for k in range(turns.size):
        if artefact is not None and artefact[k]:
            sides.append(ARTEFACT)
        elif not np.isfinite(turns[k]) or turns[k] < cloud.turns_range[0] or not np.isfinite(amp[k]):
            sides.append(FEW_TURNS)
        elif band[k] < 0:
            sides.append(BEYOND)
        else:
            b = cloud.bands[band[k]]
            sides.append(RIGHT if amp[k] > b.amp_high_uv else LEFT if amp[k] < b.amp_low_uv else INSIDE)
    return sides


def verdict_of(sides: Sequence[str]) -> tuple[int, float, float, str]:
    compared = sum(1 for s in sides if s in (INSIDE, RIGHT, LEFT))
    if compared == 0:
        return 0, math.nan, math.nan, "not compared"
    right = sum(1 for s in sides if s == RIGHT) / compared
    left = sum(1 for s in sides if s == LEFT) / compared
    if compared < MIN_COMPARED:
        return compared, right, left, "not compared"
    if right > SIDE_SHARE and left > SIDE_SHARE:
        return compared, right, left, "both sides"
    if right > SIDE_SHARE:
        return compared, right, left, "neurogenic side"
    if left > SIDE_SHARE:
        return compared, right, left, "myopathic side"
    return compared, right, left, "within the normal cloud"


def _message(verdict: str, compared: int, right: float, left: float, n_epochs: int, epoch_s: float) -> str:
    seconds = n_epochs * epoch_s
    if compared == 0:
        return (f"No interference pattern to compare: none of the {n_epochs} epochs ({seconds:.1f} s) had "
                f"{MIN_TURNS} or more turns of {IP_TURN_MV * 1000:.0f} uV. Cloud analysis needs a stronger "
                "contraction (moderate effort or more).")
    shares = f"{right:.0%} of epochs right of the cloud, {left:.0%} left of it ({compared} compared)"
    if verdict == "not compared":
        return (f"Too little interference pattern for a verdict: {compared} epoch(s) compared, at least "
                f"{MIN_COMPARED} ({MIN_COMPARED * epoch_s:g} s of contraction) are needed; {shares}.")
    reading = {
        "neurogenic side": "larger amplitudes than normal for the turn rate, as with the large motor units of "
                           "reinnervation (a neurogenic pattern)",
        "myopathic side": "smaller amplitudes than normal for the turn rate (many small turns), as with the "
                          "small, short motor units of a myopathy (a myopathic pattern)",
        "both sides": "epochs on both sides of the cloud: a mixed or unclear pattern",
        "within the normal cloud": "the interference pattern lies within the normal cloud",
    }[verdict]
    return f"{shares}: {reading}."


def compare_with_cloud(recording: Recording, *, channel: int = 0, cloud: Cloud | None = None,
                       muscle: str | None = None) -> CloudComparison:
    """Each 100 ms epoch of ``recording`` against the normal cloud, with a verdict in a clinician's words.

    Never raises for bad signals: flat, clipped, rest-only or too short recordings get a message.
    """
    from signal_core.muap_reference import normalise_muscle, recording_muscle

    cloud = cloud or load_cloud()
    rec, limits = to_cloud_band(recording)
    ip = interference_pattern(rec, channel=channel, epoch_s=EPOCH_S)
    n = ip.turns_per_s.size
    artefact = _artefact_epochs(rec, channel, n, EPOCH_S) if n else np.zeros(0, bool)
    sides = classify_epochs(cloud, ip.turns_per_s, ip.mean_amplitude_uv, artefact)
    if recording.fs < 0.99 * CLOUD_FS:
        sides = [s if s in (FEW_TURNS, ARTEFACT) else "not compared (sampling rate)" for s in sides]
    compared, right, left, verdict = verdict_of(sides)
    message = _message(verdict, compared, right, left, n, EPOCH_S)
    if recording.fs < 0.99 * CLOUD_FS:
        verdict, message = "not compared", limits[0]
    limits.extend(ip.conditioning)
    beyond = sides.count(BEYOND)
    if beyond:
        limits.append(f"{beyond} epoch(s) had more than {cloud.turns_range[1]:g} turns/s, beyond the cloud (it "
                      "holds weak to moderate efforts only), and were not compared.")
    if sides.count(ARTEFACT):
        limits.append(f"{sides.count(ARTEFACT)} epoch(s) flat, at the amplifier's limits or with missing samples "
                      "were left out.")
    given, muscle_notes = recording_muscle(recording, channel, muscle)
    limits.extend(muscle_notes)
    name = normalise_muscle(given)
    if name is None:
        limits.append(f"The muscle is not given; the cloud is for the {cloud.muscle}.")
    elif name != cloud.muscle:
        limits.append(f"The cloud is for the {cloud.muscle}, not the {name}: read the verdict with care.")
    limits.append("The cloud comes from 6 young control subjects of one laboratory, not a published reference.")
    times = np.arange(n) * EPOCH_S
    return CloudComparison(EPOCH_S, rec.fs, times, ip.turns_per_s, ip.mean_amplitude_uv, sides, compared,
                           right, left, verdict, message, limits, cloud.source)


# ------------------------------------------------------------------------------------ build from data
def n2001_points(data_dir: Path, *, labels: Sequence[str] = ("healthy",),
                 exclude_subjects: Sequence[str] = ()) -> list[dict]:
    """Per N2001 record (quality-flagged ones left out): subject, label, level, and its epochs' points."""
    from signal_core.io import load_recording

    root = Path(data_dir) / "emg_n2001"
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    out = []
    for row in index:
        if row["label"] not in labels or row["subject"] in exclude_subjects or row.get("qc_exclude_suggested"):
            continue
        _, turns, amp = cloud_points(load_recording(root / row["file"]))
        keep = turns >= TURN_EDGES[0]
        out.append({"record": row["record"], "subject": row["subject"], "label": row["label"],
                    "level": row["level"], "turns_per_s": turns[keep], "mean_amplitude_uv": amp[keep],
                    "n_epochs": int(turns.size)})
    return out


def cloud_from_records(records: Iterable[dict]) -> Cloud:
    return build_cloud((r["subject"], r["turns_per_s"], r["mean_amplitude_uv"]) for r in records)


def validate_on_n2001(data_dir: Path) -> list[dict]:
    """Every N2001 record against the cloud: controls against a cloud built without their subject
    (leave-one-subject-out), patients against the cloud of all controls. One dict per record."""
    from signal_core.io import load_recording

    root = Path(data_dir) / "emg_n2001"
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    controls = n2001_points(data_dir)
    clouds = {s: cloud_from_records(r for r in controls if r["subject"] != s) for s in {r["subject"] for r in controls}}
    full = cloud_from_records(controls)
    rows = []
    for row in index:
        if row.get("qc_exclude_suggested"):
            continue
        cloud = clouds.get(row["subject"], full) if row["label"] == "healthy" else full
        c = compare_with_cloud(load_recording(root / row["file"]), cloud=cloud)
        rows.append({"record": row["record"], "subject": row["subject"], "label": row["label"],
                     "level": row["level"], "verdict": c.verdict, "n_compared": c.n_compared,
                     "share_right": c.share_right, "share_left": c.share_left, "sides": c.sides})
    return rows


def pooled_verdicts(rows: Iterable[dict], level: str = "low") -> dict[str, tuple[str, str]]:
    """Per subject: ``(label, verdict)`` over all its epochs at ``level`` pooled."""
    sides: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for r in rows:
        if r["level"] == level:
            sides.setdefault(r["subject"], []).extend(r["sides"])
            labels[r["subject"]] = r["label"]
    return {s: (labels[s], verdict_of(v)[3]) for s, v in sorted(sides.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m signal_core.interference_cloud",
        description="Measure the normal turns-amplitude cloud on the N2001 controls and write it as CSV.")
    parser.add_argument("data_dir", type=Path, help="the shared data folder (holds emg_n2001/)")
    parser.add_argument("--output", type=Path, default=CLOUD_FILE, help="where to write (default: the shipped file)")
    args = parser.parse_args(argv)
    if not (args.data_dir / "emg_n2001" / "index.json").exists():
        print(f"{args.data_dir} has no emg_n2001/index.json", file=sys.stderr)
        return 2
    records = n2001_points(args.data_dir)
    cloud = cloud_from_records(records)
    write_cloud(cloud, args.output)
    print(f"{len(records)} control records of {len({r['subject'] for r in records})} subjects -> "
          f"{len(cloud.bands)} bands, written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
