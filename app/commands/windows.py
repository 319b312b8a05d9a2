"""Window-level training and feature tables for `medlens model train` and `medlens cohort features`.

A thin shell over ``decision_support.windowed_workflow``: it decides whether a cohort takes the
window-level path (surface EMG, a per-sample label column, a within-subject design), runs it and prints
the validation (medlens against the reviewer's baseline, per-subject spread, confusion matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from app.commands.common import echo_json


def _pct(x: float) -> str:
    return f"{x:.0%}"


def print_windowed(result: dict[str, Any], output: Path | None = None) -> None:
    """The validation of a window-level model in a few lines (``WindowedResult.to_dict()``)."""
    from decision_support.windowed import BASELINE

    o, b, data = result["ours"], result["baseline"], result["data"]
    typer.echo(result["design"]["meaning"])
    typer.echo(f"Data: {data['text']}.")
    for w in result["warnings"]:
        typer.echo(f"Warning: {w}")
    typer.echo(f"Validation: {result['validation']}; classifier per fold: {', '.join(result['chosen_per_fold'])}.")
    rows = [("medlens", o)] + ([("baseline", b)] if b else [])
    typer.echo(f"  {'model':<10} {'segments':>9} {'95% CI':>13} {'windows':>8} {'per subject (min-max, SD)':>28}")
    for name, m in rows:
        s = m["per_subject_summary"]
        ci = f"{_pct(m['segment_accuracy_ci'][0])}-{_pct(m['segment_accuracy_ci'][1])}"
        typer.echo(f"  {name:<10} {_pct(m['segment_accuracy']):>9} {ci:>13} {_pct(m['window_accuracy']):>8} "
                   f"{_pct(s['min']) + '-' + _pct(s['max']) + ', SD ' + _pct(s['sd']):>28}")
    if b:
        typer.echo(f"Baseline: {BASELINE}.")
    typer.echo("Per subject (medlens, segments): " + ", ".join(f"{k} {_pct(v)}" for k, v in o["per_subject"].items()))
    classes = result["classes"]
    typer.echo("Confusion matrix of segments (rows true, columns predicted): " + " | ".join(classes))
    for c, row in zip(classes, o["confusion"]):
        typer.echo(f"  {c:<12} " + " ".join(f"{v:>4}" for v in row))
    if output is not None:
        typer.echo(f"Saved to {output} (model card: {output / 'model_card.md'})")


def train_on_windows(source: Path, output: Path, settings: Any, *, electrode: str | None, design: str,
                     per_subject_norm: bool | None,
                     classifiers: Sequence[str], baseline: bool, labels: Sequence[str] | None, scheduler: str | None,
                     skip_bad: bool, progress: Any, json_out: bool) -> bool:
    """Train the window-level path when the cohort calls for it; False (nothing done) otherwise."""
    from decision_support.cohort import load_cohort
    from decision_support.windowed import CANDIDATES
    from decision_support.windowed_workflow import train_windowed_cohort, uses_windows

    cohort = load_cohort(source, labels=labels, label_column=settings.label_column)
    if not uses_windows(cohort, label_column=settings.label_column, electrode=electrode, design=design):
        return False
    model, failed = train_windowed_cohort(cohort, output, settings=settings, design=design,
                                          per_subject_norm=per_subject_norm,
                                          candidates=tuple(classifiers) or tuple(CANDIDATES), baseline=baseline,
                                          scheduler=scheduler, skip_bad=skip_bad, progress=progress)
    result = model.result.to_dict()
    if json_out:
        echo_json({"folder": str(output), "version": model.metadata["version"], "kind": model.kind,
                   "skipped": failed, "design": result["design"]["design"], "ours": _short(result["ours"]),
                   "baseline": _short(result["baseline"]) if result["baseline"] else None,
                   "per_subject_norm": result["per_subject_norm"], "normalise": model.normalise,
                   "warnings": result["warnings"],
                   "segments": result["data"]["segments"]})
        return True
    for item in failed:
        typer.echo(f"Skipped {item['recording']}: {item['error']}")
    print_windowed(result, output)
    return True


def _short(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in ("segment_accuracy", "segment_accuracy_ci", "window_accuracy", "window_accuracy_ci",
                              "segment_balanced_accuracy", "per_subject", "per_subject_summary", "confusion")}


def write_window_table(source: Path, output: Path, settings: Any, *, labels: Sequence[str] | None,
                       scheduler: str | None, skip_bad: bool, progress: Any, json_out: bool) -> None:
    """`cohort features` for window-level cohorts: one row per window (features, subject, segment, label...)."""
    import pandas as pd

    from decision_support.cohort import load_cohort
    from decision_support.cohort_windows import cohort_windows

    cohort = load_cohort(source, labels=labels, label_column=settings.label_column)
    table = cohort_windows(cohort, settings, scheduler=scheduler, errors="skip" if skip_bad else "raise",
                           progress=progress)
    baseline = table.X_baseline.add_prefix("baseline_")
    frame = pd.concat([table.X, baseline, table.meta], axis=1)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".csv":
        frame.to_csv(output, index=False)
    else:
        frame.to_parquet(output, index=False)
    summary = {"output": str(output), "windows": len(frame), "columns": len(frame.columns), "fs": table.fs,
               "segments": table.segment_totals(), "warnings": table.warnings, "skipped": table.failed}
    if json_out:
        echo_json(summary)
        return
    for item in table.failed:
        typer.echo(f"Skipped {item['recording']}: {item['error']}")
    for w in table.warnings:
        typer.echo(f"Warning: {w}")
    typer.echo(f"{table.text()}.")
    typer.echo(f"Wrote {len(frame)} windows x {len(frame.columns)} columns to {output}")


def report_windowed(folder: Path, *, json_out: bool, card: bool) -> None:
    """`model report` for a window-level model folder: its validation, JSON or model card."""
    import json

    payload = json.loads((folder / "windowed.json").read_text())
    if json_out:
        echo_json(payload)
    elif card:
        typer.echo((folder / "model_card.md").read_text())
    else:
        meta = payload["metadata"]
        typer.echo(f"Model {meta['version']} ({payload['kind']}, window level), cohort {meta['cohort_name']}")
        typer.echo(("SIMULATED training data. " if meta.get("simulated") else "")
                   + "For education and research only; not a medical device.")
        print_windowed(payload["validation"])
