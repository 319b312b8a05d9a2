"""Read recordings from CSV, NPY/NPZ, WFDB and EDF/BDF files, with errors a clinician can act on.

Every problem with a file raises ``SignalError`` (a ``ValueError``) whose message names the file and says
what is wrong: missing or unreadable, corrupt, empty, too short, non-numeric cells (row and column),
NaN or infinite values (how many, first place), a missing or impossible sampling rate, too many
channels, a file over the size limit, or an extension medlens does not read.

Formats
-------
- **CSV** (``.csv``, ``.txt``, ``.tsv``): one column per channel; comma, semicolon, tab or space
  separated. A first row with any non-numeric cell is a header (channel names). A column named
  ``time``/``t``/``seconds``/``time_s`` (or ``time_ms``/``ms``, in milliseconds) is the time axis: the
  sampling rate is read from it when ``fs`` is not given, and it is not treated as a channel. A time
  column stepping by 0.05 or more (under 20 Hz as seconds) is read as milliseconds even when named
  ``time``; jittery steps give their average rate, a few gaps (steps over 5 periods) the rate of the
  regular steps (both with a warning); gaps over 2% of the recording are an error.
  Rows repeating the row before in every channel (sample-and-hold from a slower stream) are reported in
  ``metadata["sample_and_hold"]`` with the effective rate. ``load_labelled_recording`` also reads a
  per-sample label column. Warnings for the user are in ``metadata["warnings"]``.
- **NPY** (``.npy``): a 1-D or 2-D ``(samples, channels)`` numeric array; needs ``fs``.
- **NPZ** (``.npz``): key ``data`` (or ``signal``), ``fs``, optional ``channel_names``, ``units`` and
  ``metadata_json``; ``save_recording`` writes this format.
- **WFDB** (``.hea`` + ``.dat``, formats 16 and 212 and the others ``wfdb`` reads): give the ``.hea``
  or ``.dat`` path or the record's base name.
- **EDF/BDF** (``.edf``, ``.bdf``): all signals must share one sampling rate.

Examples
--------
>>> rec = load_recording("recording.csv")  # doctest: +SKIP
>>> rec.fs, rec.channel_names  # doctest: +SKIP
(4000.0, ('biceps', 'triceps'))
"""

from __future__ import annotations

import csv
import datetime
import io as _io
import json
import math
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from signal_core import limits
from signal_core.csv_guard import check_csv_size, check_decimal_commas
from signal_core.errors import SignalError, check_sampling_rate
from signal_core.recording import MAX_CHANNELS, Recording

DEFAULT_MAX_MB = 500.0
MAX_FILE_ENV = "MEDLENS_MAX_FILE_MB"
DEFAULT_MIN_SECONDS = 0.2  # one feature window
IMPLAUSIBLE_FS_HZ = 1_000_000.0  # above this, messages ask whether the sampling rate is right (implausible_rate_note)
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + (".npy", ".npz", ".hea", ".dat", ".edf", ".bdf")
TIME_COLUMN_NAMES = {"time", "t", "seconds", "second", "sec", "s", "time_s", "time (s)", "time[s]", "timestamp"}
TIME_MS_COLUMN_NAMES = {"time_ms", "ms", "time (ms)", "time[ms]", "milliseconds"}
#: Scalar fields of an NPZ recording carried into ``metadata`` (what a WFDB header of a clinical EMG says).
CLINICAL_FIELDS = ("age", "sex", "diagnosis", "muscle", "side", "contraction_level", "electrode", "subject",
                   "record")


def default_max_bytes() -> int:
    """The size limit: ``MEDLENS_MAX_FILE_MB`` megabytes if set, else 500 MB."""
    raw = os.environ.get(MAX_FILE_ENV)
    mb = DEFAULT_MAX_MB
    if raw:
        try:
            mb = float(raw)
        except ValueError:
            raise SignalError(f"{MAX_FILE_ENV}={raw!r} is not a number of megabytes") from None
        if not math.isfinite(mb) or mb <= 0:
            raise SignalError(f"{MAX_FILE_ENV}={raw!r} must be a positive number of megabytes")
    return int(mb * 1024 * 1024)


def _check_fs(fs: Any, where: str) -> float:
    # NPZ files store fs as a 0-d or 1-element array.
    try:
        value = np.asarray(fs).reshape(-1)[0] if np.ndim(fs) else fs
    except IndexError:
        raise SignalError(f"{where}: sampling rate is missing (an empty array)") from None
    return check_sampling_rate(value, where)


def _finish(
    name: str,
    data: Any,
    fs: Any,
    channel_names: tuple[str, ...] | list[str] = (),
    units: tuple[str, ...] | list[str] = (),
    metadata: dict[str, Any] | None = None,
    *,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    min_samples: int | None = None,
) -> Recording:
    """Validate a loaded array and wrap it in a Recording; every check names ``name``."""
    if fs is None:
        raise SignalError(f"{name}: no sampling rate; give it in Hz (for example fs=4000 or --fs 4000)")
    fs = _check_fs(fs, name)
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise SignalError(f"{name}: the signal must be numbers, found data of type {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise SignalError(f"{name}: expected samples x channels (2 dimensions), got shape {arr.shape}")
    if arr.size == 0:
        raise SignalError(f"{name}: the file holds no samples")
    if arr.shape[1] > MAX_CHANNELS:
        hint = " (is it saved channels x samples? medlens expects one column per channel)" \
            if arr.shape[0] <= MAX_CHANNELS else ""
        raise SignalError(f"{name}: {arr.shape[1]} channels is more than the {MAX_CHANNELS} medlens accepts{hint}")
    arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        label = channel_names[col] if col < len(channel_names) else f"channel {col + 1}"
        raise SignalError(
            f"{name}: {int(bad.sum())} missing or infinite values (NaN/inf); the first is at sample "
            f"{int(row) + 1}, {label}. Fill or cut them before loading."
        )
    needed = max(2, int(math.ceil(min_seconds * fs)) if min_samples is None else int(min_samples))
    if arr.shape[0] < needed:
        why = f"{min_seconds:g} s, one analysis window" if min_samples is None else "the minimum asked for"
        n = arr.shape[0]
        # a rate far above any EMG system's makes a normal file look a few microseconds long: say so
        doubt = implausible_rate_note(fs)
        raise SignalError(
            f"{name}: only {n} sample{'s' if n != 1 else ''} ({n / fs:.3g} s at {fs:g} Hz); "
            f"at least {needed} ({why}) are needed" + (f"; {doubt[0].lower()}{doubt[1:]}" if doubt else "")
        )
    names = tuple(str(n).strip() or f"ch{i + 1}" for i, n in enumerate(channel_names)) if channel_names else ()
    if names and len(names) != arr.shape[1]:
        names = ()
    if len(set(names)) != len(names):  # duplicate labels would clash in feature tables
        names = tuple(f"{n}_{i + 1}" for i, n in enumerate(names))
    unit_t = tuple(str(u) for u in units) if units and len(units) == arr.shape[1] else ()
    meta = dict(metadata or {})
    meta.setdefault("source", name)
    return Recording(data=arr, fs=fs, channel_names=names, units=unit_t, metadata=meta)


# ---------------------------------------------------------------- CSV

def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter))


def _sniff_delimiter(lines: list[str]) -> str | None:
    sample = lines[: min(len(lines), 20)]
    for delim in (",", ";", "\t"):
        counts = {line.count(delim) for line in sample}
        if len(counts) == 1 and counts.pop() > 0:
            return delim
    for delim in (",", ";", "\t"):
        if any(delim in line for line in sample):
            return delim
    return None  # whitespace


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_csv(path: Path, name: str, fs: float | None,
              label_column: str | None = None) -> tuple[np.ndarray, float | None, list[str], dict]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SignalError(f"{name}: not a text file (could not read it as UTF-8 CSV); is it a different format?") from None
    check_csv_size(text, name)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SignalError(f"{name}: the file is empty")
    delimiter = _sniff_delimiter(lines)
    check_decimal_commas(lines, delimiter, name)
    first = [c.strip() for c in _split(lines[0], delimiter)]
    header = not all(_is_number(c) for c in first if c) or any(c == "" for c in first)
    body_start = 1 if header else 0
    n_cols = len(first)
    if not lines[body_start:]:
        raise SignalError(f"{name}: the file has a header but no data rows")
    label_at = _label_index(first, header, label_column, name) if label_column is not None else None
    numeric = [j for j in range(n_cols) if j != label_at]
    try:
        body = "\n".join(lines[body_start:])
        data = np.loadtxt(_io.StringIO(body), delimiter=delimiter, dtype=np.float64, ndmin=2,
                          usecols=numeric if label_at is not None else None)
    except ValueError:
        data = None
    if data is None or data.shape[1] != len(numeric):
        # Find the first bad cell so the message says where to look.
        for i, line in enumerate(lines[body_start:], start=body_start + 1):
            cells = [c.strip() for c in _split(line, delimiter)]
            if len(cells) != n_cols:
                raise SignalError(f"{name}: row {i} has {len(cells)} columns but the first row has {n_cols}")
            for j, cell in enumerate(cells):
                if j != label_at and not _is_number(cell):
                    col = first[j] if header and first[j] else f"column {j + 1}"
                    what = "an empty cell" if cell == "" else f"the non-numeric value {cell[:30]!r}"
                    raise SignalError(f"{name}: row {i}, {col} holds {what}; every cell must be a number")
        raise SignalError(f"{name}: could not read the numbers in this CSV file")
    names = [c for c in first] if header else [f"ch{j + 1}" for j in range(n_cols)]
    meta: dict[str, Any] = {"format": "csv"}
    if label_at is not None:
        meta["labels"] = np.array([_split(line, delimiter)[label_at].strip() for line in lines[body_start:]])
        meta["label_column"] = names.pop(label_at)
    time_col = None
    for j, col in enumerate(names):
        key = col.strip().lower()
        if key in TIME_COLUMN_NAMES or key in TIME_MS_COLUMN_NAMES:
            time_col = j
            break
    if time_col is not None and data.shape[1] > 1:
        column = names[time_col]
        t = _time_in_seconds(data[:, time_col], column, meta)
        if fs is None and t.size > 1:
            fs = _fs_from_time(t, column, name, meta)
            meta["fs_from_time_column"] = True
        meta["time_column"] = column
        data = np.delete(data, time_col, axis=1)
        names.pop(time_col)
    _note_sample_and_hold(data, fs, meta)
    return data, fs, names, meta


_UNIT_IN_NAME = re.compile(r"(?:^|[\s_\-(\[/])(uv|µv|μv|mv|nv|v|microvolts?|millivolts?|volts?)[)\]]?\s*$",
                           re.IGNORECASE)
_UNIT_WORDS = {"uv": "uV", "µv": "uV", "μv": "uV", "microvolt": "uV", "microvolts": "uV", "mv": "mV",
               "millivolt": "mV", "millivolts": "mV", "v": "V", "volt": "V", "volts": "V", "nv": "nV"}


def units_in_names(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Units a CSV header names at the end of its columns ("emg_uV", "EMG (mV)", "biceps [µV]"); ``()`` when
    none does (the MUAP analysis then reads the unit from the signal's size)."""
    found = []
    for column in names:
        match = _UNIT_IN_NAME.search(str(column).strip())
        found.append(_UNIT_WORDS[match.group(1).lower()] if match else "")
    return tuple(found) if any(found) else ()


MS_TIME_STEP = 0.05  # a "seconds" time column stepping this much (under 20 Hz, no EMG) is in milliseconds
HOLD_SHARE = 0.3  # rows identical to the row before in every channel: more than this share is sample-and-hold
JITTER_GAP = 5.0  # a time step over this many sample periods is a gap (missing samples), not jitter
MAX_GAP_SHARE = 0.02  # gaps adding up to more than this share of the recording make its time axis unusable


def _time_in_seconds(raw: np.ndarray, column: str, meta: dict[str, Any]) -> np.ndarray:
    """Time column values in seconds: milliseconds by name (``time_ms``) or by value (steps of 1 for "time")."""
    if column.strip().lower() in TIME_MS_COLUMN_NAMES:
        meta["time_unit"] = "ms"
        return raw / 1000.0
    steps = np.diff(raw)
    forward = steps[np.isfinite(steps) & (steps > 0)]
    if forward.size and float(np.median(forward)) >= MS_TIME_STEP:
        meta["time_unit"] = "ms"
        meta.setdefault("notes", []).append(
            f"the time column {column!r} steps by {float(np.median(forward)):g}, which as seconds would be under "
            f"{1 / MS_TIME_STEP:g} Hz (too slow for EMG); read as milliseconds")
        return raw / 1000.0
    meta["time_unit"] = "s"
    return raw


def _fs_from_time(t: np.ndarray, column: str, name: str, meta: dict[str, Any]) -> float:
    """The sampling rate from the time column: jitter is averaged and a few short gaps are tolerated (both
    noted in ``meta["warnings"]``); gaps adding up to more than ``MAX_GAP_SHARE`` of the recording are errors."""
    step = np.diff(t)
    span = float(t[-1] - t[0])
    if not np.all(np.isfinite(step)) or np.any(step < 0) or span <= 0:
        raise SignalError(f"{name}: the time column {column!r} does not increase steadily, "
                          "so the sampling rate cannot be read from it; give fs")
    typical = float(np.median(step)) or span / (t.size - 1)
    gap = step > JITTER_GAP * typical
    regular = step[~gap]
    fs = regular.size / float(regular.sum()) if regular.sum() > 0 else (t.size - 1) / span
    if abs(fs - round(fs)) <= 1e-6 * fs:  # times printed with rounding: 999.99999 Hz means 1000 Hz
        fs = float(round(fs))
    period = 1.0 / fs
    warnings = meta.setdefault("warnings", [])
    if gap.any():
        worst = int(np.argmax(step))
        missing = float(np.sum(step[gap] - period))
        where = (f"{int(gap.sum())} gap(s) in the time column {column!r}, the largest {step[worst]:.4g} s after row "
                 f"{worst + 1}, {missing:.3g} s in all")
        if missing > MAX_GAP_SHARE * span:
            raise SignalError(f"{name}: {where} ({missing / span:.0%} of the recording; missing samples?); "
                              "give fs or resample first")
        warnings.append(f"{where}: samples are missing there, so windows across a gap are slightly off; "
                        f"the sampling rate {fs:.6g} Hz is taken from the regular steps")
    elif np.max(np.abs(regular - period)) > 0.01 * period + 1e-9:
        warnings.append(f"the time column {column!r} has uneven steps (from {step.min() * 1000:.3g} to "
                        f"{step.max() * 1000:.3g} ms); the sampling rate {fs:.6g} Hz is their average")
    if not warnings:
        del meta["warnings"]
    return fs


def _note_sample_and_hold(data: np.ndarray, fs: float | None, meta: dict[str, Any]) -> None:
    """Rows repeating the row before in every channel (a slower stream logged on a faster clock)."""
    if data.shape[0] < 3:
        return
    repeated = np.all(data[1:] == data[:-1], axis=1)
    share = float(repeated.mean())
    if share < HOLD_SHARE:
        return
    distinct = int(data.shape[0] - repeated.sum())
    hold: dict[str, Any] = {"repeated_share": share, "distinct_rows": distinct,
                            "mean_run": data.shape[0] / distinct}
    rate = "a rate"
    if fs is not None:
        hold["effective_fs"] = float(fs) * distinct / data.shape[0]
        rate = f"about {hold['effective_fs']:.4g} Hz, not the {float(fs):g} Hz of the rows"
    meta["sample_and_hold"] = hold
    meta.setdefault("warnings", []).append(
        f"{share:.0%} of rows repeat the row before in every channel (sample-and-hold from a slower stream, "
        f"on average {hold['mean_run']:.2g} rows per real sample): the signal was sampled at {rate}; features that "
        "depend on the rate (zero crossings, slope changes and spectral frequencies) need the effective rate")


# ---------------------------------------------------------------- NPY / NPZ

def _npy_header(fh: Any, name: str) -> None:
    """Read an NPY header from ``fh`` and refuse object arrays and arrays over the decoded-size limit."""
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, _, dtype = read(fh)
    if dtype.hasobject:
        raise SignalError(f"{name}: the array holds Python objects, which medlens never loads (they can run "
                          "code); save the signal as plain numbers")
    if len(shape) in (1, 2):
        limits.check_values(shape[0], shape[1] if len(shape) == 2 else 1, name)
    elif int(np.prod(shape, dtype=object)) > limits.max_values():
        limits.check_values(int(np.prod(shape, dtype=object)), 1, name)


def _read_npy(path: Path, name: str) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            _npy_header(fh, name)
        return np.load(path, allow_pickle=False)
    except SignalError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise SignalError(f"{name}: not a readable NumPy .npy file ({_short(exc)})") from None


def _read_npz(path: Path, name: str, fs: float | None) -> tuple[np.ndarray, Any, list[str], list[str], dict]:
    try:
        _check_npz_members(path, name)
        loaded_file = np.load(path, allow_pickle=False)
        if not isinstance(loaded_file, np.lib.npyio.NpzFile):
            raise SignalError(f"{name}: holds a single array, not an .npz archive; save it as .npy and give fs")
        with loaded_file as npz:
            keys = set(npz.files)
            key = "data" if "data" in keys else "signal" if "signal" in keys else None
            if key is None:
                raise SignalError(f"{name}: an .npz recording needs an array called 'data' or 'signal'; "
                                  f"found {', '.join(sorted(keys)) or 'nothing'}")
            data = npz[key]
            file_fs = npz["fs"] if "fs" in keys else None
            names = [str(x) for x in np.atleast_1d(npz["channel_names"])] if "channel_names" in keys else []
            units = [str(x) for x in np.atleast_1d(npz["units"])] if "units" in keys else []
            meta: dict[str, Any] = {}
            if "metadata_json" in keys:
                raw = str(npz["metadata_json"])
                limits.check_json_text(raw, f"{name}: metadata_json")
                try:
                    loaded = json.loads(raw)
                    meta = loaded if isinstance(loaded, dict) else {}
                except ValueError:
                    meta = {}
            # Clinical header fields stored as scalar strings (e.g. the N2001 records: age, sex, muscle).
            for clinical in CLINICAL_FIELDS:
                if clinical in keys and clinical not in meta and npz[clinical].ndim == 0:
                    meta[clinical] = str(npz[clinical])
    except SignalError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise SignalError(f"{name}: not a readable NumPy .npz file ({_short(exc)})") from None
    meta["format"] = "npz"
    return data, (fs if fs is not None else file_fs), names, units, meta


def _check_npz_members(path: Path, name: str) -> None:
    """Refuse an NPZ whose members would decompress past the limits, before numpy reads any of them."""
    data_limit = limits.max_values() * 8 + 65536
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            member = info.filename.removesuffix(".npy")
            allowed = data_limit if member in ("data", "signal") else 16 * 1024 * 1024
            if info.file_size > allowed:
                raise SignalError(f"{name}: the member {member!r} decompresses to {info.file_size / 1e6:,.0f} MB, "
                                  f"over the {allowed / 1e6:,.0f} MB medlens reads")
            if member in ("data", "signal"):
                with archive.open(info) as fh:
                    _npy_header(fh, name)


def save_recording(recording: Recording, path: str | os.PathLike) -> Path:
    """Write ``recording`` as an NPZ file that ``load_recording`` reads back exactly."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise SignalError(f"{path.name}: recordings are saved as .npz; use a name ending in .npz")
    meta = json.dumps(recording.metadata, default=_json_default)
    with open(path, "wb") as fh:
        np.savez_compressed(
            fh,
            data=recording.data,
            fs=np.float64(recording.fs),
            channel_names=np.array(recording.channel_names, dtype=str),
            units=np.array(recording.units, dtype=str),
            metadata_json=np.array(meta),
        )
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


# ---------------------------------------------------------------- WFDB / EDF

def _read_wfdb(path: Path, name: str) -> tuple[np.ndarray, float, list[str], list[str], dict]:
    import wfdb

    base = path.with_suffix("") if path.suffix.lower() in (".hea", ".dat") else path
    header = base.with_suffix(".hea")
    if not header.exists():
        raise SignalError(f"{name}: a WFDB record needs its header file {header.name} next to it")
    try:
        head = wfdb.rdheader(str(base))
    except Exception as exc:  # noqa: BLE001 - wfdb raises many types for corrupt headers
        raise SignalError(f"{name}: not a readable WFDB header ({_short(exc)})") from None
    if isinstance(head, wfdb.MultiRecord):
        raise SignalError(f"{name}: a multi-segment WFDB record; medlens reads single-segment records "
                          "(give one segment's .hea file)")
    _check_wfdb_rate(header, name)
    n_sig, sig_len = int(head.n_sig or 0), int(head.sig_len or 0)
    if n_sig > MAX_CHANNELS:
        raise SignalError(f"{name}: {n_sig} channels is more than the {MAX_CHANNELS} medlens accepts")
    data_bytes = sum((header.parent / f).stat().st_size for f in set(head.file_name or [])
                     if (header.parent / f).is_file())
    # No WFDB format stores a sample in less than one byte; a header promising more is corrupt (and
    # reading it would allocate memory for samples that are not there).
    if n_sig * sig_len > 2 * data_bytes + 1024:
        raise SignalError(f"{name}: the header promises {sig_len} samples x {n_sig} channels but the signal "
                          f"file holds only {data_bytes} bytes; the record is truncated or corrupt")
    skews = [int(s or 0) for s in (head.skew or [])]
    if any(s < 0 or s > sig_len for s in skews):
        raise SignalError(f"{name}: the header gives a skew of {max(skews, key=abs)} samples for a record of "
                          f"{sig_len} samples; the header is corrupt")
    frames = sum(int(s or 1) for s in (head.samps_per_frame or [1] * n_sig))
    limits.check_values(sig_len + max(skews, default=0), max(frames, n_sig), name)
    try:
        record = wfdb.rdrecord(str(base))
    except Exception as exc:  # noqa: BLE001 - wfdb raises many types for corrupt files
        if "broadcast" in str(exc):
            raise SignalError(f"{name}: the signal file's length does not match its header (format "
                              f"{', '.join(sorted({str(f) for f in head.fmt or []}))}); the record is truncated "
                              "or corrupt") from None
        raise SignalError(f"{name}: not a readable WFDB record ({_short(exc)})") from None
    data = record.p_signal
    if data is None:
        raise SignalError(f"{name}: the WFDB record holds no signal")
    fmt = sorted({str(f) for f in (record.fmt or [])})
    meta = {"format": "wfdb", "wfdb_fmt": fmt, **_header_fields(getattr(record, "comments", None) or [])}
    return data, record.fs, list(record.sig_name or []), list(record.units or []), meta


def _header_fields(comments: list[str]) -> dict[str, str]:
    """Clinical fields from WFDB header comments such as ``#age: 26`` or ``#gender: F`` (EMGLAB N2001)."""
    aliases = {"gender": "sex", "level": "contraction_level", "muscle tested": "muscle"}
    out = {}
    for line in comments:
        line = str(line)
        # "age: 61" (N2001) or "age = 61"; "patient age" and "age (years)" name the same field
        key, sep, value = line.partition(":") if ":" in line.split("=", 1)[0] else line.partition("=")
        key = re.sub(r"\(.*?\)", " ", key).strip().lower()
        key = " ".join(key.removeprefix("patient ").split())
        key = aliases.get(key, key)
        if sep and key in CLINICAL_FIELDS and value.strip():
            out[key] = value.strip()
    return out


def _check_wfdb_rate(header: Path, name: str) -> None:
    """Refuse a header whose sampling rate is written but impossible (wfdb would read it as 250 Hz)."""
    lines = [ln.strip() for ln in header.read_text(encoding="latin-1").splitlines()[:200]]
    record = next((ln.split() for ln in lines if ln and not ln.startswith("#")), [])
    if len(record) >= 3:
        written = re.split(r"[/(]", record[2])[0]
        try:
            fs = float(written)
        except ValueError:
            fs = float("nan")
        if not math.isfinite(fs) or fs <= 0:
            raise SignalError(f"{name}: the header's sampling rate {record[2]!r} is not a positive number of Hz")


@contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    """Send what C extensions print on file descriptor 1 to /dev/null for the duration."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (Streamlit, captured output): nothing to guard
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def _read_edf(path: Path, name: str) -> tuple[np.ndarray, float, list[str], list[str], dict]:
    import pyedflib

    try:
        with _c_stdout_silenced():  # pyedflib's C code prints size mismatches on stdout (breaks --json)
            reader = pyedflib.EdfReader(str(path))
    except Exception as exc:  # noqa: BLE001 - pyedflib raises OSError and others for corrupt files
        raise SignalError(f"{name}: not a readable EDF/BDF file ({_short(exc)})") from None
    try:
        n = reader.signals_in_file
        if n == 0:
            raise SignalError(f"{name}: the file holds no signals")
        if n > MAX_CHANNELS:
            raise SignalError(f"{name}: {n} channels is more than the {MAX_CHANNELS} medlens accepts")
        rates = [float(reader.getSampleFrequency(i)) for i in range(n)]
        labels = [reader.getLabel(i).strip() for i in range(n)]
        if len(set(rates)) > 1:
            detail = ", ".join(f"{lab or i + 1}: {r:g} Hz" for i, (lab, r) in enumerate(zip(labels, rates)))
            raise SignalError(f"{name}: its signals have different sampling rates ({detail}); medlens needs "
                              "one rate for all channels (export the EMG channels alone or resample)")
        lengths = {int(x) for x in reader.getNSamples()}
        if len(lengths) > 1:
            raise SignalError(f"{name}: its signals have different lengths")
        limits.check_values(max(lengths), n, name)
        data = np.column_stack([reader.readSignal(i) for i in range(n)])
        units = [reader.getPhysicalDimension(i).strip() for i in range(n)]
        clinical = _edf_clinical_fields(reader)
    except SignalError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SignalError(f"{name}: could not read the signals in this EDF/BDF file ({_short(exc)})") from None
    finally:
        reader.close()
    return data, rates[0], labels, units, {"format": path.suffix.lower().lstrip("."), **clinical}


def _edf_clinical_fields(reader: Any) -> dict[str, Any]:
    """Sex and age from an EDF+ patient field: age from the birth date at the recording's start date,
    else an "age 61" (or EDF+'s "age_61") in the free text. Fields that are absent or do not parse are left out."""
    out: dict[str, Any] = {}
    try:
        header = reader.getHeader()
    except Exception:  # noqa: BLE001 - plain EDF files may lack the EDF+ patient subfields
        return out
    sex = str(header.get("sex") or header.get("gender") or "").strip().lower()
    if sex in ("male", "female", "m", "f"):
        out["sex"] = sex[0].upper()
    birth, start = str(header.get("birthdate") or "").strip(), header.get("startdate")
    if birth and isinstance(start, datetime.datetime):
        try:
            born = datetime.datetime.strptime(birth, "%d %b %Y").date()
        except ValueError:
            born = None
        if born is not None and born <= start.date():
            day = start.date()
            years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
            if 0 <= years < 130:
                out["age"] = years
    if "age" not in out:
        text = " ".join(str(header.get(k) or "") for k in ("patient_additional", "recording_additional"))
        match = re.search(r"(?<![a-z])age[\W_]{0,3}(\d{1,3})(?!\d)", text, re.IGNORECASE)
        if match and int(match.group(1)) < 130:
            out["age"] = int(match.group(1))
    return out


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"\s+", " ", text)[:160]


# ---------------------------------------------------------------- public entry points

def implausible_rate_note(fs: float) -> str | None:
    """A question for a sampling rate above ``IMPLAUSIBLE_FS_HZ`` (e.g. a rate typed in the wrong unit), else None."""
    if fs > IMPLAUSIBLE_FS_HZ:
        return f"Is the sampling rate right? {fs:g} Hz is far above the 1-100 kHz EMG is recorded at."
    return None


def load_recording(
    path: str | os.PathLike,
    fs: float | None = None,
    *,
    max_bytes: int | None = None,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    min_samples: int | None = None,
    display_name: str | None = None,
) -> Recording:
    """Load a recording from ``path`` (format chosen by the extension).

    Parameters
    ----------
    fs : sampling rate in Hz; required for NPY, optional elsewhere (overrides the file's own value for
        CSV and NPZ; WFDB and EDF/BDF headers always carry their own).
    max_bytes : size limit; default ``MEDLENS_MAX_FILE_MB`` megabytes or 500 MB.
    min_seconds : shortest recording accepted (default 0.2 s, one analysis window).
    min_samples : shortest recording in samples; overrides ``min_seconds`` when given (at least 2).
    display_name : the name used in error messages (default: the file name).
    """
    path = Path(path)
    name = display_name or path.name
    if fs is not None:
        fs = _check_fs(fs, name)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS and not path.with_suffix(".hea").exists():
        raise SignalError(
            f"{name}: medlens cannot read '{ext or 'files without an extension'}'; supported: "
            + ", ".join(SUPPORTED_EXTENSIONS)
        )
    wfdb_like = ext in (".hea", ".dat") or ext not in SUPPORTED_EXTENSIONS
    target = path.with_suffix(".hea") if wfdb_like and ext != ".hea" else path
    if not target.exists():
        raise SignalError(f"{name}: file not found")
    if target.is_dir():
        raise SignalError(f"{name}: is a folder, not a file")
    if not target.is_file():
        raise SignalError(f"{name}: is not a regular file (a pipe, device or socket); save the recording "
                          "to a file first")
    limit = default_max_bytes() if max_bytes is None else int(max_bytes)
    sizes = [target.stat().st_size]
    if wfdb_like and path.with_suffix(".dat").exists():
        sizes.append(path.with_suffix(".dat").stat().st_size)
    if sum(sizes) > limit:
        raise SignalError(f"{name}: {sum(sizes) / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit "
                          f"(raise it with {MAX_FILE_ENV})")
    if sizes[0] == 0:
        raise SignalError(f"{name}: the file is empty")
    limits = {"min_seconds": min_seconds, "min_samples": min_samples}
    try:
        if ext in CSV_EXTENSIONS:
            data, file_fs, names, meta = _read_csv(path, name, fs)
            return _finish(name, data, fs or file_fs, names, units_in_names(names), meta, **limits)
        if ext == ".npy":
            data = _read_npy(path, name)
            if fs is None:
                raise SignalError(f"{name}: a .npy file has no sampling rate; give it (fs=... or --fs ...)")
            return _finish(name, data, fs, (), (), {"format": "npy"}, **limits)
        if ext == ".npz":
            data, any_fs, names, units, meta = _read_npz(path, name, fs)
            return _finish(name, data, any_fs, names, units, meta, **limits)
        if ext in (".edf", ".bdf"):
            data, file_fs, names, units, meta = _read_edf(path, name)
            return _finish(name, data, file_fs, names, units, meta, **limits)
        data, file_fs, names, units, meta = _read_wfdb(path, name)
        return _finish(name, data, file_fs, names, units, meta, **limits)
    except SignalError:
        raise
    except PermissionError:
        raise SignalError(f"{name}: permission denied; medlens cannot open it") from None
    except (OSError, ValueError, MemoryError) as exc:
        raise SignalError(f"{name}: could not read the file ({_short(exc)})") from None


def load_labelled_recording(
    path: str | os.PathLike,
    label_column: str,
    fs: float | None = None,
    *,
    max_bytes: int | None = None,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    display_name: str | None = None,
) -> tuple[Recording, np.ndarray]:
    """A CSV recording with a per-sample label column -> ``(recording, labels)``.

    ``labels`` holds one string per sample (row), as written in the file (empty cells stay ``""``); the
    label column is not a channel. Everything else reads as in ``load_recording`` (time column, fs).
    """
    path = Path(path)
    name = display_name or path.name
    if fs is not None:
        fs = _check_fs(fs, name)
    if path.suffix.lower() not in CSV_EXTENSIONS:
        raise SignalError(f"{name}: a per-sample label column can only be read from a CSV file "
                          f"({', '.join(CSV_EXTENSIONS)}); this is {path.suffix or 'a file without an extension'}")
    if not path.is_file():
        raise SignalError(f"{name}: file not found")
    limit = default_max_bytes() if max_bytes is None else int(max_bytes)
    size = path.stat().st_size
    if size > limit:
        raise SignalError(f"{name}: {size / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit "
                          f"(raise it with {MAX_FILE_ENV})")
    if size == 0:
        raise SignalError(f"{name}: the file is empty")
    try:
        data, file_fs, names, meta = _read_csv(path, name, fs, label_column=str(label_column))
        labels = meta.pop("labels")
        return _finish(name, data, fs or file_fs, names, (), meta, min_seconds=min_seconds), labels
    except SignalError:
        raise
    except PermissionError:
        raise SignalError(f"{name}: permission denied; medlens cannot open it") from None
    except (OSError, ValueError, MemoryError) as exc:
        raise SignalError(f"{name}: could not read the file ({_short(exc)})") from None


def _label_index(first: list[str], header: bool, label_column: str, name: str) -> int:
    """Where the label column is in the header row (names compared without case and spaces)."""
    if not header:
        raise SignalError(f"{name}: has no header row, so the label column {label_column!r} cannot be found; "
                          "add a header with the column names")
    wanted = label_column.strip().lower()
    for j, col in enumerate(first):
        if col.strip().lower() == wanted:
            return j
    raise SignalError(f"{name}: no column called {label_column!r}; the columns are {', '.join(first)}")


def _upload_name(filename: Any) -> str:
    """A bare, safe file name for an uploaded file ("" when nothing usable is left, e.g. for "..")."""
    safe = re.sub(r"[^\w.\- ()]", "_", Path(str(filename).replace("\\", "/")).name)[:120].strip()
    return "" if safe.strip(".") == "" else safe


def load_recording_bytes(
    data: bytes,
    filename: str,
    fs: float | None = None,
    *,
    companions: dict[str, bytes] | None = None,
    max_bytes: int | None = None,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    min_samples: int | None = None,
) -> Recording:
    """Load an uploaded file from memory. ``companions`` holds the other files of a WFDB record
    (for example ``{"rec.dat": b"..."}`` next to ``rec.hea``)."""
    safe = _upload_name(filename) or "upload"  # "", "." or ".." must never leave the temporary folder
    limit = default_max_bytes() if max_bytes is None else int(max_bytes)
    total = len(data) + sum(len(v) for v in (companions or {}).values())
    if total > limit:
        raise SignalError(f"{safe}: {total / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit "
                          f"(raise it with {MAX_FILE_ENV})")
    with tempfile.TemporaryDirectory(prefix="medlens-upload-") as tmp:
        target = Path(tmp) / safe
        target.write_bytes(bytes(data))
        for other, content in (companions or {}).items():
            other_name = _upload_name(other)
            if not other_name or other_name == safe:
                raise SignalError(f"{safe}: the companion file name {str(other)[:60]!r} is not a usable file name")
            (Path(tmp) / other_name).write_bytes(bytes(content))
        if target.suffix.lower() == ".dat" and not target.with_suffix(".hea").exists():
            raise SignalError(f"{safe}: a WFDB .dat file needs its .hea header uploaded with it")
        if target.suffix.lower() == ".hea" and not any(
                Path(str(o)).suffix.lower() == ".dat" for o in (companions or {})):
            raise SignalError(f"{safe}: a WFDB header needs its .dat signal file uploaded with it")
        return load_recording(target, fs, max_bytes=limit, min_seconds=min_seconds, min_samples=min_samples,
                              display_name=safe)
