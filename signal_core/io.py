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
  sampling rate is read from it when ``fs`` is not given, and it is not treated as a channel.
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
import io as _io
import json
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from signal_core.errors import SignalError, check_sampling_rate
from signal_core.recording import MAX_CHANNELS, Recording

DEFAULT_MAX_MB = 500.0
MAX_FILE_ENV = "MEDLENS_MAX_FILE_MB"
DEFAULT_MIN_SECONDS = 0.2  # one feature window
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + (".npy", ".npz", ".hea", ".dat", ".edf", ".bdf")
TIME_COLUMN_NAMES = {"time", "t", "seconds", "second", "sec", "s", "time_s", "time (s)", "time[s]", "timestamp"}
TIME_MS_COLUMN_NAMES = {"time_ms", "ms", "time (ms)", "time[ms]", "milliseconds"}


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
        raise SignalError(
            f"{name}: only {arr.shape[0]} samples ({arr.shape[0] / fs:.3g} s at {fs:g} Hz); "
            f"at least {needed} ({why}) are needed"
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


def _read_csv(path: Path, name: str, fs: float | None) -> tuple[np.ndarray, float | None, list[str], dict]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SignalError(f"{name}: not a text file (could not read it as UTF-8 CSV); is it a different format?") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SignalError(f"{name}: the file is empty")
    delimiter = _sniff_delimiter(lines)
    first = [c.strip() for c in _split(lines[0], delimiter)]
    header = not all(_is_number(c) for c in first if c) or any(c == "" for c in first)
    body_start = 1 if header else 0
    n_cols = len(first)
    if not lines[body_start:]:
        raise SignalError(f"{name}: the file has a header but no data rows")
    try:
        body = "\n".join(lines[body_start:])
        data = np.loadtxt(_io.StringIO(body), delimiter=delimiter, dtype=np.float64, ndmin=2)
    except ValueError:
        data = None
    if data is None or data.shape[1] != n_cols:
        # Find the first bad cell so the message says where to look.
        for i, line in enumerate(lines[body_start:], start=body_start + 1):
            cells = [c.strip() for c in _split(line, delimiter)]
            if len(cells) != n_cols:
                raise SignalError(f"{name}: row {i} has {len(cells)} columns but the first row has {n_cols}")
            for j, cell in enumerate(cells):
                if not _is_number(cell):
                    col = first[j] if header and first[j] else f"column {j + 1}"
                    what = "an empty cell" if cell == "" else f"the non-numeric value {cell[:30]!r}"
                    raise SignalError(f"{name}: row {i}, {col} holds {what}; every cell must be a number")
        raise SignalError(f"{name}: could not read the numbers in this CSV file")
    names = [c for c in first] if header else [f"ch{j + 1}" for j in range(n_cols)]
    meta: dict[str, Any] = {"format": "csv"}
    time_col = None
    for j, col in enumerate(names):
        key = col.strip().lower()
        if key in TIME_COLUMN_NAMES or key in TIME_MS_COLUMN_NAMES:
            time_col, scale = j, (1000.0 if key in TIME_MS_COLUMN_NAMES else 1.0)
            break
    if time_col is not None and n_cols > 1:
        t = data[:, time_col] / scale
        if fs is None and t.size > 1:
            step = np.diff(t)
            med = float(np.median(step))
            if not np.all(np.isfinite(step)) or med <= 0 or np.any(step <= 0):
                raise SignalError(f"{name}: the time column {names[time_col]!r} does not increase steadily, "
                                  "so the sampling rate cannot be read from it; give fs")
            if np.max(np.abs(step - med)) > 0.01 * med + 1e-9:
                raise SignalError(f"{name}: the time column {names[time_col]!r} has uneven steps "
                                  "(missing samples?); give fs or resample first")
            fs = (t.size - 1) / (t[-1] - t[0])
            if abs(fs - round(fs)) <= 1e-6 * fs:  # times printed with rounding: 999.99999 Hz means 1000 Hz
                fs = float(round(fs))
            meta["fs_from_time_column"] = True
        meta["time_column"] = names[time_col]
        data = np.delete(data, time_col, axis=1)
        names.pop(time_col)
    return data, fs, names, meta


# ---------------------------------------------------------------- NPY / NPZ

def _read_npy(path: Path, name: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise SignalError(f"{name}: not a readable NumPy .npy file ({_short(exc)})") from None


def _read_npz(path: Path, name: str, fs: float | None) -> tuple[np.ndarray, Any, list[str], list[str], dict]:
    try:
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
                try:
                    loaded = json.loads(str(npz["metadata_json"]))
                    meta = loaded if isinstance(loaded, dict) else {}
                except ValueError:
                    meta = {}
    except SignalError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise SignalError(f"{name}: not a readable NumPy .npz file ({_short(exc)})") from None
    meta["format"] = "npz"
    return data, (fs if fs is not None else file_fs), names, units, meta


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
    try:
        record = wfdb.rdrecord(str(base))
    except Exception as exc:  # noqa: BLE001 - wfdb raises many types for corrupt files
        raise SignalError(f"{name}: not a readable WFDB record ({_short(exc)})") from None
    data = record.p_signal
    if data is None:
        raise SignalError(f"{name}: the WFDB record holds no signal")
    fmt = sorted({str(f) for f in (record.fmt or [])})
    return data, record.fs, list(record.sig_name or []), list(record.units or []), {"format": "wfdb", "wfdb_fmt": fmt}


def _read_edf(path: Path, name: str) -> tuple[np.ndarray, float, list[str], list[str], dict]:
    import pyedflib

    try:
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
        data = np.column_stack([reader.readSignal(i) for i in range(n)])
        units = [reader.getPhysicalDimension(i).strip() for i in range(n)]
    except SignalError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SignalError(f"{name}: could not read the signals in this EDF/BDF file ({_short(exc)})") from None
    finally:
        reader.close()
    return data, rates[0], labels, units, {"format": path.suffix.lower().lstrip(".")}


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"\s+", " ", text)[:160]


# ---------------------------------------------------------------- public entry points

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
    if not target.is_file():
        raise SignalError(f"{name}: is a folder, not a file")
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
            return _finish(name, data, fs or file_fs, names, (), meta, **limits)
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
    safe = re.sub(r"[^\w.\- ()]", "_", Path(str(filename).replace("\\", "/")).name)[:120].strip()
    if safe.strip(".") == "":
        safe = "upload"  # "", "." or ".." must never become a path outside the temporary folder
    limit = default_max_bytes() if max_bytes is None else int(max_bytes)
    total = len(data) + sum(len(v) for v in (companions or {}).values())
    if total > limit:
        raise SignalError(f"{safe}: {total / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit "
                          f"(raise it with {MAX_FILE_ENV})")
    with tempfile.TemporaryDirectory(prefix="medlens-upload-") as tmp:
        target = Path(tmp) / safe
        target.write_bytes(bytes(data))
        for other, content in (companions or {}).items():
            (Path(tmp) / Path(str(other)).name).write_bytes(bytes(content))
        if target.suffix.lower() == ".dat" and not target.with_suffix(".hea").exists():
            raise SignalError(f"{safe}: a WFDB .dat file needs its .hea header uploaded with it")
        if target.suffix.lower() == ".hea" and not any(
                Path(str(o)).suffix.lower() == ".dat" for o in (companions or {})):
            raise SignalError(f"{safe}: a WFDB header needs its .dat signal file uploaded with it")
        return load_recording(target, fs, max_bytes=limit, min_seconds=min_seconds, min_samples=min_samples,
                              display_name=safe)
