"""The train-on-windows workflow shared by `medlens model train` and the "Train on your cohort" page.

``uses_windows`` says which path a cohort takes: window-level models (``windowed``) for surface EMG, for
files with a per-sample label column and for within-subject designs; the recording-level path
(``workflow.train_cohort``) otherwise (needle EMG, one label per subject).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from decision_support.cohort import Cohort, load_cohort
from decision_support.cohort_windows import WindowSettings, cohort_windows
from decision_support.designs import WITHIN
from decision_support.segments import SegmentSettings
from decision_support.windowed import CANDIDATES, WindowedModel, save_windowed, train_windowed

ProgressFn = Callable[[float, str], None]


def uses_windows(cohort: Cohort, *, label_column: str | None = None, electrode: str | None = None,
                 design: str = "auto") -> bool:
    """True when the cohort goes to window-level models (see the module docstring)."""
    if label_column or electrode == "surface" or design in ("within", WITHIN):
        return True
    if design != "auto":
        return False
    labels: dict[str, set] = {}
    for e in cohort.entries:
        labels.setdefault(e.subject, set()).add(e.label)
    return any(len(v) > 1 for v in labels.values())


def window_settings(*, electrode: str | None = None, label_column: str | None = None, window_s: float = 0.2,
                    step_s: float = 0.1, min_segment_s: float = 1.0, trim_s: float = 0.25,
                    unlabelled: Sequence[str] = ()) -> WindowSettings:
    """Settings from the options both front doors offer (an empty cell is always unlabelled)."""
    segments = SegmentSettings(min_segment_s=min_segment_s, trim_s=trim_s,
                               unlabelled=tuple(dict.fromkeys(["", *[str(u) for u in unlabelled]])))
    return WindowSettings(electrode=electrode or "surface", window_s=window_s, step_s=step_s,
                          label_column=label_column or None, segments=segments)


def train_windowed_cohort(source: str | os.PathLike | Cohort, output: str | os.PathLike, *,
                          settings: WindowSettings | None = None, labels: Sequence[str] | None = None,
                          design: str = "auto", per_subject_norm: bool | None = None,
                          candidates: Sequence[str] = tuple(CANDIDATES), baseline: bool = True,
                          scheduler: Any = None, skip_bad: bool = False,
                          progress: ProgressFn | None = None) -> tuple[WindowedModel, list[dict[str, Any]]]:
    """Cohort -> windows -> nested subject-grouped validation -> final model saved at ``output``."""
    report = progress or (lambda f, m: None)
    settings = settings or WindowSettings()
    cohort = source if isinstance(source, Cohort) else load_cohort(source, labels=labels,
                                                                   label_column=settings.label_column)
    table = cohort_windows(cohort, settings, scheduler=scheduler, errors="skip" if skip_bad else "raise",
                           progress=lambda f, m: report(0.3 * f, m))
    model = train_windowed(table, cohort_name=cohort.name, design=design, per_subject_norm=per_subject_norm,
                           candidates=candidates, baseline=baseline,
                           progress=lambda f, m: report(0.3 + 0.68 * f, m))
    save_windowed(model, output)
    report(1.0, f"saved to {output}")
    return model, table.failed


def train_any_cohort(source: str | os.PathLike, output: str | os.PathLike, *, settings: WindowSettings,
                     electrode: str | None, design: str, per_subject_norm: bool | None, kind: str,
                     skip_bad: bool, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Either path, chosen by ``uses_windows``: a JSON-able summary for the page (``windowed`` or ``metrics``)."""
    from decision_support.workflow import train_cohort

    cohort = load_cohort(source, label_column=settings.label_column)
    if uses_windows(cohort, label_column=settings.label_column, electrode=electrode, design=design):
        model, skipped = train_windowed_cohort(cohort, output, settings=settings, design=design,
                                               per_subject_norm=per_subject_norm, skip_bad=skip_bad,
                                               progress=progress)
        return {"windowed": model.result.to_dict(), "skipped": skipped, "version": model.metadata["version"]}
    trained, skipped = train_cohort(source, output, kind=kind, skip_bad=skip_bad, progress=progress)
    return {"metrics": trained.metrics, "skipped": skipped, "version": trained.version}
