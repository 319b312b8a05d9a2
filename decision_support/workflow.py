"""The train-a-cohort workflow shared by `medlens model train` and the "Train on your cohort" page."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from decision_support.cohort import cohort_features, load_cohort
from decision_support.registry import default_model_dir, save_model
from decision_support.training import TrainedModel, train_model

ProgressFn = Callable[[float, str], None]
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def model_folder_for(name: str) -> Path:
    """``default_model_dir() / name`` for a plain model name (letters, digits, - _ .), never a path."""
    name = str(name).strip()
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"model name {name!r} must start with a letter or digit and use only letters, digits, "
                         "'-', '_' or '.' (at most 64 characters)")
    return default_model_dir() / name


def train_cohort(source: str | os.PathLike, output: str | os.PathLike, *, kind: str = "logistic",
                 labels: Sequence[str] | None = None, scheduler: Any = None, skip_bad: bool = False,
                 progress: ProgressFn | None = None) -> tuple[TrainedModel, list[dict[str, Any]]]:
    """Manifest or folder -> features -> validated model saved at ``output``; returns (model, skipped files)."""
    report = progress or (lambda f, m: None)
    cohort = load_cohort(source, labels=labels)
    table = cohort_features(cohort, scheduler=scheduler, errors="skip" if skip_bad else "raise",
                            progress=lambda f, m: report(0.4 * f, m))
    failed = table.attrs.get("failed", [])
    model = train_model(table, kind=kind, cohort_name=cohort.name, simulated=False,
                        progress=lambda f, m: report(0.4 + 0.58 * f, m))
    save_model(model, output)
    report(1.0, f"saved to {output}")
    return model, failed


def save_uploaded_cohort(manifest: bytes, files: Mapping[str, bytes], folder: str | os.PathLike) -> Path:
    """Write an uploaded manifest and its recordings into ``folder``; returns the manifest path.

    Uploads carry file names only, so each manifest path is matched by its file name, which must then be
    unique. Files are written under their base names only (no directories from the upload are trusted).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        table = pd.read_csv(io.BytesIO(manifest), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise ValueError("the manifest is not a readable CSV file") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "path" not in table.columns:
        raise ValueError("the manifest has no 'path' column")
    names = table["path"].map(lambda p: Path(str(p).replace("\\", "/")).name)
    unusable = [str(p) for p, n in zip(table["path"], names) if n.strip(".").strip() == ""]
    if unusable:  # "", "." or ".." must never become a path outside the upload folder
        raise ValueError(f"the manifest path {unusable[0]!r} does not end in a file name")
    dupes = sorted(names[names.duplicated()].unique())
    if dupes:
        raise ValueError(f"uploaded recordings are matched by file name, and the manifest names {dupes[0]!r} more "
                         "than once; give files unique names, or point to a folder on this computer instead")
    uploaded = {Path(str(n).replace("\\", "/")).name: data for n, data in files.items()
                if Path(str(n).replace("\\", "/")).name.strip(".").strip()}
    missing = [n for n in names if n not in uploaded]
    if missing:
        raise ValueError(f"the manifest lists {len(missing)} file(s) that were not uploaded, e.g. {missing[0]!r}")
    for name, data in uploaded.items():
        if name in set(names) or name.lower().endswith(".dat"):
            (folder / name).write_bytes(data)
    table["path"] = names
    out = folder / "manifest.csv"
    table.to_csv(out, index=False)
    return out
