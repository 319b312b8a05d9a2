"""Cohorts: a manifest CSV or a ``label/subject/file`` folder -> a recording-level feature table.

A **manifest** is a CSV with columns ``path``, ``subject``, ``label`` and optional covariates ``age``,
``sex``, ``muscle`` (plus ``fs`` for files that do not carry their sampling rate). Paths are relative to
the manifest's folder. A **folder** cohort is laid out as ``ROOT/label/subject/recording-file``.

``cohort_features`` loads every recording with signal_core, computes its recording-level features
(``transformers.recording_features``) and returns one row per recording. Each file's row is cached as
Parquet under ``$MEDLENS_CACHE_DIR/features`` keyed by the file's SHA-256 and the settings' hash, so a
second run (or a run with one file added) only computes what changed.

Many files run on Dask distributed: ``scheduler="local"`` starts a LocalCluster on this machine (the
default from ``LOCAL_CLUSTER_FROM`` files on), ``"tcp://host:8786"`` uses an existing cluster (the
files must be readable at the same paths on its workers). Every path runs the same per-file function,
so the table is identical to the serial one (tested).

A recording that cannot be read or measured never stops the others silently: with ``errors="raise"``
(default) the run finishes the rest and then raises one ValueError naming every failed file and why;
with ``errors="skip"`` the failures are dropped and listed in ``table.attrs["failed"]``.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decision_support.transformers import FeatureSettings, recording_features
from signal_core.io import SUPPORTED_EXTENSIONS, load_recording

REQUIRED_COLUMNS = ("path", "subject", "label")
COVARIATES = ("age", "sex", "muscle", "session")
LOCAL_CLUSTER_FROM = 200  # files; below this the serial path is faster than starting workers
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class CohortEntry:
    path: Path
    subject: str
    label: str
    recording: str  # path relative to the cohort root, as the user wrote it
    row: int  # 1-based data row in the manifest (0 for folder cohorts)
    covariates: dict[str, Any] = field(default_factory=dict)
    fs: float | None = None


@dataclass
class Cohort:
    name: str
    root: Path
    entries: list[CohortEntry]

    @property
    def labels(self) -> list[str]:
        return sorted({e.label for e in self.entries})

    def summary(self) -> dict[str, Any]:
        subjects = {e.label: set() for e in self.entries}
        for e in self.entries:
            subjects[e.label].add(e.subject)
        return {"name": self.name, "recordings": len(self.entries),
                "subjects": len({e.subject for e in self.entries}),
                "subjects_per_label": {k: len(v) for k, v in sorted(subjects.items())}}


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def read_manifest(path: str | os.PathLike, *, labels: Sequence[str] | None = None,
                  label_column: str | None = None) -> Cohort:
    """Read and check a manifest CSV; every problem names the row and the file.

    With ``label_column`` (the name of a per-sample label column inside each file) the manifest needs no
    ``label`` column: each file's labels come from that column (see ``decision_support.segments``).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"manifest {path} not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"manifest {path.name} is not a readable CSV file ({exc.__class__.__name__})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    required = [c for c in REQUIRED_COLUMNS if not (label_column and c == "label")]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(f"manifest {path.name} lacks the column(s) {', '.join(missing)}; it needs "
                         f"{', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(COVARIATES)}, fs)")
    if table.empty:
        raise ValueError(f"manifest {path.name} lists no recordings")
    allowed = {str(x) for x in labels} if labels else None
    entries, problems = [], []
    for i, rec in enumerate(table.to_dict("records"), start=1):
        where = f"row {i} of {path.name}"
        rel, subject, label = _clean(rec["path"]), _clean(rec["subject"]), _clean(rec.get("label", ""))
        if not rel:
            problems.append(f"{where}: empty path")
            continue
        if not subject:
            problems.append(f"{where} ({rel}): empty subject")
        if not label and not label_column:
            problems.append(f"{where} ({rel}): empty label")
        elif allowed is not None and label not in allowed:
            problems.append(f"{where} ({rel}): unknown label {label!r}; expected one of {', '.join(sorted(allowed))}")
        try:
            file_path = (path.parent / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
            found = file_path.is_file()
        except (OSError, ValueError) as exc:  # a name too long for the file system, or with a NUL byte
            problems.append(f"{where}: {rel[:60]!r} is not a usable file name ({type(exc).__name__})")
            continue
        if not found:
            problems.append(f"{where}: file {rel} not found (paths are relative to the manifest's folder)")
        covariates = {}
        for c in COVARIATES:
            if c in rec and _clean(rec[c]):
                covariates[c] = _clean(rec[c])
        if "age" in covariates:
            try:
                covariates["age"] = float(covariates["age"])
            except ValueError:
                problems.append(f"{where} ({rel}): age {covariates['age']!r} is not a number")
        fs = None
        if "fs" in rec and _clean(rec["fs"]):
            try:
                fs = float(_clean(rec["fs"]))
                if not fs > 0:
                    raise ValueError
            except ValueError:
                problems.append(f"{where} ({rel}): sampling rate {rec['fs']!r} is not a positive number")
                fs = None
        entries.append(CohortEntry(file_path, subject, label, rel, i, covariates, fs))
    if problems:
        shown = problems[:10]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValueError(f"manifest {path.name} has {len(problems)} problem(s){more}: " + "; ".join(shown))
    return Cohort(path.stem, path.parent.resolve(), entries)


def read_folder(root: str | os.PathLike, *, labels: Sequence[str] | None = None,
                label_column: str | None = None) -> Cohort:
    """A cohort laid out as ``root/label/subject/file`` (WFDB records counted once, by their .hea).

    With ``label_column`` (labels inside each file) the layout is ``root/subject/file``.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"cohort folder {root} not found")
    allowed = {str(x) for x in labels} if labels else None
    entries = []
    if label_column:
        for subject_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for f in sorted(subject_dir.iterdir()):
                if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in SUPPORTED_EXTENSIONS:
                    entries.append(CohortEntry(f.resolve(), subject_dir.name, "", str(f.relative_to(root)), 0))
        if not entries:
            raise ValueError(f"no recordings found in {root}; with a label column the layout is subject/file, "
                             f"e.g. {root}/S01/session1.csv")
        return Cohort(root.name, root.resolve(), entries)
    for label_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if allowed is not None and label_dir.name not in allowed:
            raise ValueError(f"folder {label_dir.name!r} in {root} is not a known label; expected one of "
                             f"{', '.join(sorted(allowed))}")
        for subject_dir in sorted(p for p in label_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for f in sorted(subject_dir.iterdir()):
                ext = f.suffix.lower()
                if not f.is_file() or f.name.startswith(".") or ext not in SUPPORTED_EXTENSIONS:
                    continue
                if ext == ".dat" and f.with_suffix(".hea").exists():
                    continue  # the .hea entry reads it
                entries.append(CohortEntry(f.resolve(), subject_dir.name, label_dir.name,
                                           str(f.relative_to(root)), 0))
    if not entries:
        raise ValueError(f"no recordings found in {root}; expected label/subject/file, e.g. "
                         f"{root}/healthy/S01/rec1.npz")
    return Cohort(root.name, root.resolve(), entries)


def load_cohort(source: str | os.PathLike, *, labels: Sequence[str] | None = None,
                label_column: str | None = None) -> Cohort:
    """A manifest CSV file or a ``label/subject/file`` folder (``subject/file`` with a label column)."""
    source = Path(source)
    if source.is_dir():
        return read_folder(source, labels=labels, label_column=label_column)
    return read_manifest(source, labels=labels, label_column=label_column)


# --------------------------------------------------------------------------------------------- features
def default_cache_dir() -> Path:
    return Path(os.environ.get("MEDLENS_CACHE_DIR") or "data/cache")


def file_sha256(path: Path) -> str:
    """SHA-256 of the file and, for a WFDB header, of its signal file too."""
    h = hashlib.sha256()
    parts = [path]
    if path.suffix.lower() == ".hea" and path.with_suffix(".dat").exists():
        parts.append(path.with_suffix(".dat"))
    for p in parts:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def features_for_file(path: str, settings: dict[str, Any], fs: float | None = None,
                      cache_dir: str | None = None) -> dict[str, Any]:
    """Features of one file as ``{"ok": True, "values": {...}}`` or ``{"ok": False, "error": "..."}``.

    Top-level and pure (plus the cache) so Dask workers run exactly what the serial path runs.
    """
    p = Path(path)
    try:
        feature_settings = FeatureSettings.from_dict(settings)
        cache_file = None
        if cache_dir:
            key = f"{file_sha256(p)[:32]}-{feature_settings.digest()}-{'auto' if fs is None else repr(float(fs))}"
            cache_file = Path(cache_dir) / "features" / f"{key}.parquet"
            if cache_file.is_file():
                try:
                    cached = pd.read_parquet(cache_file)
                    return {"ok": True, "values": {k: float(v) for k, v in cached.iloc[0].items()}, "cached": True}
                except Exception:  # noqa: BLE001 - a damaged cache entry is recomputed, never trusted
                    pass
        rec = load_recording(p, fs=fs)
        row = recording_features(rec, feature_settings)
        values = {k: float(v) for k, v in row.items()}
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(f".{uuid.uuid4().hex}.tmp")
            pd.DataFrame([values]).to_parquet(tmp, index=False)
            os.replace(tmp, cache_file)
        return {"ok": True, "values": values, "cached": False, "fs": rec.fs, "n_channels": rec.n_channels,
                "seconds": rec.duration_s}
    except ValueError as exc:  # SignalError and friends: a message written for the user
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop a cohort
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


def _client_for(scheduler: Any, n_files: int, n_workers: int | None):
    """(client, cluster-to-close) for the scheduler argument, or (None, None) for the serial path."""
    if scheduler is None:
        scheduler = "local" if n_files >= LOCAL_CLUSTER_FROM else "serial"
    if scheduler == "serial":
        return None, None
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler, None
    if scheduler == "local":
        workers = n_workers or max(1, min(4, os.cpu_count() or 1))
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    if isinstance(scheduler, str) and scheduler.startswith(("tcp://", "tls://", "inproc://")):
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); is it running?") from None
    raise ValueError(f"scheduler must be 'serial', 'local' or an address like tcp://host:8786, got {scheduler!r}")


def _describe_failure(failure: dict[str, Any]) -> str:
    where = f" (manifest row {failure['row']})" if failure.get("row") else ""
    return f"{failure['recording']}{where}: {failure['error']}"


def run_per_file(fn: Callable[..., dict[str, Any]], args: Sequence[tuple], *, scheduler: Any = None,
                 n_workers: int | None = None, progress: ProgressFn | None = None,
                 noun: str = "files") -> list[dict[str, Any] | None]:
    """``[fn(*a) for a in args]``, serially or on Dask (see ``cohort_features``), in the order of ``args``.

    ``fn`` must be a top-level function so Dask workers run exactly what the serial path runs.
    """
    report = progress or (lambda f, m: None)
    n = len(args)
    results: list[dict[str, Any] | None] = [None] * n
    client, cluster = _client_for(scheduler, n, n_workers)
    try:
        if client is None:
            for i, a in enumerate(args):
                results[i] = fn(*a)
                report((i + 1) / n, f"measured {i + 1} of {n} {noun}")
        else:
            from distributed import as_completed

            futures = client.map(fn, *zip(*args), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[index[fut.key]] = fut.result()
                report(done / n, f"measured {done} of {n} {noun}")
    finally:
        if cluster is not None:
            client.close()
            cluster.close()
        elif client is not None and isinstance(scheduler, str):
            client.close()  # a client this call opened on an external scheduler
    return results


def cohort_features(
    cohort: Cohort | str | os.PathLike,
    settings: FeatureSettings | None = None,
    *,
    scheduler: Any = None,
    n_workers: int | None = None,
    progress: ProgressFn | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    errors: str = "raise",
) -> pd.DataFrame:
    """One row per recording: feature columns, then subject, label, recording, covariates.

    ``scheduler``: None (serial below ``LOCAL_CLUSTER_FROM`` files, else a LocalCluster), "serial",
    "local", a scheduler address ("tcp://host:8786") or a ``distributed.Client``.
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    if not isinstance(cohort, Cohort):
        cohort = load_cohort(cohort)
    settings = settings or FeatureSettings()
    cache = str(cache_dir or default_cache_dir()) if use_cache else None
    report = progress or (lambda f, m: None)
    entries = cohort.entries
    n = len(entries)
    args = [(str(e.path), settings.to_dict(), e.fs, cache) for e in entries]
    results = run_per_file(features_for_file, args, scheduler=scheduler, n_workers=n_workers, progress=report,
                           noun="recordings")

    rows, failed = [], []
    for e, res in zip(entries, results):
        res = res or {"ok": False, "error": "was not measured"}
        if not res["ok"]:
            failed.append({"recording": e.recording, "row": e.row, "error": res["error"]})
            continue
        rows.append({**res["values"], "subject": e.subject, "label": e.label, "recording": e.recording,
                     **e.covariates})
    if failed and errors == "raise":
        listing = "; ".join(_describe_failure(f) for f in failed[:10])
        more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
        raise ValueError(f"{len(failed)} of {n} recording(s) could not be used{more}: {listing}. "
                         "Fix or remove them, or skip them (--skip-bad).")
    if not rows:
        raise ValueError("no recording in the cohort could be used")
    table = pd.DataFrame(rows)
    table.attrs["failed"] = failed
    table.attrs["cohort"] = cohort.name
    return table
