"""`medlens model train/report` and `medlens cohort features`: a thin shell over decision_support."""

from __future__ import annotations

from pathlib import Path

import typer

from app.commands.common import echo_json, user_errors

model_cli = typer.Typer(help="Train, validate and report EMG decision-support models.", no_args_is_help=True)
cohort_cli = typer.Typer(help="EMG cohorts: turn a manifest or folder of recordings into a feature table.",
                         no_args_is_help=True)

SCHEDULER_HELP = "Where to compute features: serial, local (a Dask LocalCluster) or tcp://HOST:8786."
LABEL_COLUMN_HELP = ("Per-sample label column in each CSV file: its runs become labelled segments (a folder is then "
                     "laid out as subject/file).")
DESIGN_HELP = "auto, between (one label per subject) or within (every subject contributes several labels)."
ELECTRODE_HELP = ("surface: window-level models on a rich time-domain/AR/spectral set (plus Hudgins' baseline); "
                  "needle: the clinical recording-level set (the default).")
MIN_SEGMENT_HELP = "Shortest labelled segment kept after trimming, in seconds."
TRIM_HELP = "Seconds cut from both ends of every labelled segment (transitions)."
UNLABELLED_HELP = "Label values meaning 'no label' (rows dropped), comma-separated; empty cells always are."


def _progress(quiet: bool):
    """A one-line progress printer for the terminal (to stderr, so --json output stays clean)."""
    if quiet:
        return None
    last = {"pct": -10}

    def report(fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if pct >= last["pct"] + 10 or fraction >= 1.0:
            last["pct"] = pct
            typer.echo(f"  {pct:3d}%  {message}", err=True)

    return report


def _labels(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _short_metrics(metrics: dict) -> dict:
    point, ci = metrics["point"], metrics["ci"]
    out = {"macro_auc": [point.get("macro_auc"), *ci.get("macro_auc", [])],
           "accuracy": [point.get("accuracy"), *ci.get("accuracy", [])]}
    for c in metrics["classes"]:
        out[f"{c} sensitivity"] = [point.get(f"{c}.sensitivity"), *ci.get(f"{c}.sensitivity", [])]
        out[f"{c} specificity"] = [point.get(f"{c}.specificity"), *ci.get(f"{c}.specificity", [])]
    return out


def _print_report(sidecar: dict) -> None:
    from decision_support import validation as v

    meta, metrics = sidecar["metadata"], sidecar["metrics"]
    typer.echo(f"Model {meta['version']} ({sidecar['kind']}), cohort {meta['cohort_name']}: "
               f"{meta['n_subjects']} subjects, {meta['n_recordings']} recordings")
    if meta.get("simulated"):
        typer.echo("SIMULATED training data. For education and research only; not a medical device.")
    else:
        typer.echo("For education and research only; not a medical device.")
    typer.echo(f"Validation: {metrics.get('validation')}")
    for row in v.metrics_table(metrics):
        typer.echo(f"  {row['metric']:<36} {row['estimate']:.2f}  (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f})")
    typer.echo(v.summarize_calibration(metrics))
    typer.echo(v.summarize_decision_curve(metrics))
    for conf, table in sorted(metrics.get("conformal_coverage", {}).items()):
        per = ", ".join(f"{c} {cov:.0%}" if cov is not None else f"{c} n/a" for c, cov in table["per_class"].items())
        typer.echo(f"Prediction sets at {float(conf):.0%}: coverage on held-out subjects {per}; "
                   f"mean set size {table['mean_set_size']:.1f}")
    typer.echo(sidecar["metrics"].get("ood", {}).get("text", ""))
    _print_patient_and_comparison(sidecar)


def _print_patient_and_comparison(sidecar: dict) -> None:
    """Patient-level metrics, the baseline and published comparison, and the report's warnings."""
    from decision_support import validation as v
    from decision_support.model_card import report_warnings

    metrics = sidecar["metrics"]
    if metrics.get("patient"):
        typer.echo(f"Per patient ({metrics['patient'].get('n_patients')} patients, each patient's recordings combined):")
        for row in v.metrics_table(metrics["patient"])[:3]:
            typer.echo(f"  {row['metric']:<36} {row['estimate']:.2f}  (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f})")
    for row in metrics.get("comparison", []):
        rec, pat = (row.get(k) if isinstance(row.get(k), dict) else {} for k in ("recording", "patient"))
        auc = (f"macro AUC per recording {rec['macro_auc'][0]:.2f} ({rec['macro_auc'][1]:.2f}-{rec['macro_auc'][2]:.2f}),"
               f" per patient {pat['macro_auc'][0]:.2f}; " if rec else "")
        pairs = "; ".join(f"{k} {p['per recording']:.2f}/{p['per patient']:.2f}" for k, p in row["pairs"].items())
        typer.echo(f"  {row['approach']}: {auc}pairwise AUC per recording/patient: {pairs}")
    for warning in report_warnings(sidecar):
        typer.echo(f"Warning: {warning}")


def register(cli: typer.Typer) -> None:
    cli.add_typer(model_cli, name="model")
    cli.add_typer(cohort_cli, name="cohort")


@model_cli.command("train")
def model_train(
    manifest: Path | None = typer.Option(None, "--manifest", help="Manifest CSV (path, subject, label, ...)."),
    folder: Path | None = typer.Option(None, "--folder", help="A folder laid out as label/subject/file."),
    demo: bool = typer.Option(False, "--demo", help="Train on the simulated demo cohort instead."),
    model: str = typer.Option("rf", "--model", help="logistic, lda, rf or hgb."),
    output: Path = typer.Option(..., "-o", "--output", help="Model folder to write, e.g. models/my-model."),
    labels: str | None = typer.Option(None, "--labels", help="Allowed labels, comma-separated (others are errors)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Leave out unreadable recordings (they are listed)."),
    demo_cohort: str = typer.Option("demo-needle", "--demo-cohort", help="With --demo: demo-needle or demo-surface."),
    quick: bool = typer.Option(False, "--quick", help="With --demo: a tiny cohort (seconds; for trying things)."),
    json_out: bool = typer.Option(False, "--json", help="Print the validation summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines."),
    label_column: str | None = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    design: str = typer.Option("auto", "--design", help=DESIGN_HELP),
    electrode: str | None = typer.Option(None, "--electrode", help=ELECTRODE_HELP),
    per_subject_norm: bool | None = typer.Option(None, "--per-subject-norm/--no-per-subject-norm",
                                                 help="Window-level: force per-subject standardisation on or "
                                                 "off (default: chosen by nested CV in within-subject designs)."),
    window_s: float = typer.Option(0.2, "--window-s", help="Window-level: window length in seconds."),
    step_s: float = typer.Option(0.1, "--step-s", help="Window-level: step between windows in seconds."),
    min_segment_s: float = typer.Option(1.0, "--min-segment-s", help=MIN_SEGMENT_HELP),
    trim_s: float = typer.Option(0.25, "--trim-s", help=TRIM_HELP),
    unlabelled: str | None = typer.Option(None, "--unlabelled", help=UNLABELLED_HELP),
    classifiers: str = typer.Option("lda,logistic,hgb", "--classifiers",
                                    help="Window-level candidates, chosen by nested subject-grouped CV."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Window-level: skip the reviewer's RF baseline."),
) -> None:
    """Train and validate (subject-grouped) a model, then save it with its model card."""
    from decision_support.demo import train_demo_model
    from decision_support.registry import read_sidecar, save_model
    from decision_support.workflow import train_cohort

    with user_errors():
        sources = [s for s in (manifest, folder) if s is not None]
        if demo == bool(sources) or len(sources) > 1:
            raise ValueError("give exactly one of --manifest FILE, --folder DIR or --demo")
        progress = _progress(quiet)
        failed: list = []
        if not demo:  # issue 13: surface EMG, label columns and within-subject designs train on windows
            from app.commands.windows import train_on_windows
            from decision_support.windowed_workflow import window_settings

            settings = window_settings(electrode=electrode, label_column=label_column, window_s=window_s,
                                       step_s=step_s, min_segment_s=min_segment_s, trim_s=trim_s,
                                       unlabelled=_labels(unlabelled) or ())
            if train_on_windows(sources[0], output, settings, electrode=electrode, design=design,
                                per_subject_norm=per_subject_norm, classifiers=_labels(classifiers) or (),
                                baseline=not no_baseline, labels=_labels(labels), scheduler=scheduler,
                                skip_bad=skip_bad, progress=progress, json_out=json_out):
                return
        if demo:
            trained = train_demo_model(name=demo_cohort, kind=model, quick=quick, progress=progress)
            save_model(trained, output)
        else:
            trained, failed = train_cohort(sources[0], output, kind=model, labels=_labels(labels),
                                           scheduler=scheduler, skip_bad=skip_bad, progress=progress)
        sidecar = read_sidecar(output)
    if json_out:
        echo_json({"folder": str(output), "version": trained.version, "skipped": failed,
                   "metrics": _short_metrics(sidecar["metrics"])})
        return
    for item in failed:
        typer.echo(f"Skipped {item['recording']}: {item['error']}")
    _print_report(sidecar)
    typer.echo(f"Saved to {output} (model card: {output / 'model_card.md'})")


@model_cli.command("report")
def model_report(
    folder: Path = typer.Argument(..., help="A model folder (e.g. models/demo)."),
    json_out: bool = typer.Option(False, "--json", help="Print metrics, model card and metadata as JSON."),
    card: bool = typer.Option(False, "--card", help="Print the model card (Markdown)."),
    sensitivity: float | None = typer.Option(None, "--sensitivity",
                                             help="Also give the P(abnormal) threshold reaching this sensitivity."),
) -> None:
    """Show how a saved model was validated: metrics with intervals, calibration, coverage, card."""
    from decision_support import validation as v
    from decision_support.model_card import card_markdown
    from decision_support.registry import read_sidecar

    if (folder / "windowed.json").is_file():  # issue 13: a window-level model
        from app.commands.windows import report_windowed

        report_windowed(folder, json_out=json_out, card=card)
        return
    with user_errors():
        sidecar = read_sidecar(folder)
        op = v.operating_point(sidecar["metrics"], sensitivity) if sensitivity is not None else None
    if json_out:
        payload = {k: sidecar[k] for k in ("kind", "feature_names", "classes", "settings", "metrics", "card",
                                           "metadata")}
        if op is not None:
            payload["operating_point"] = op
        echo_json(payload)
    elif card:
        typer.echo(card_markdown(sidecar["card"]))
    else:
        _print_report(sidecar)
        if op is not None:
            typer.echo(f"To reach {op['target_sensitivity']:.0%} sensitivity for abnormal vs healthy, flag P(abnormal) "
                       f">= {op['threshold']:.2f}: held-out sensitivity {op['sensitivity']:.0%}, specificity "
                       f"{op['specificity']:.0%}.")


def _n2001_features(root: Path, output: Path, subjects: list[str] | None, *, quiet: bool, json_out: bool) -> None:
    """The default model's feature table from the N2001 recordings (written exactly as shipped)."""
    from decision_support.n2001 import n2001_feature_table, write_feature_table

    table = n2001_feature_table(root, subjects=subjects or None, progress=_progress(quiet))
    if output.suffix.lower() == ".csv":
        write_feature_table(table, output)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(output, index=False)
    summary = {"output": str(output), "recordings": len(table), "subjects": int(table["subject"].nunique()),
               "columns": len(table.columns)}
    if json_out:
        echo_json(summary)
    else:
        typer.echo(f"Wrote {len(table)} N2001 recordings of {summary['subjects']} subjects x {len(table.columns)} "
                   f"columns to {output}")


@cohort_cli.command("features")
def cohort_features_command(
    manifest: Path | None = typer.Option(None, "--manifest", help="Manifest CSV (path, subject, label, ...)."),
    folder: Path | None = typer.Option(None, "--folder", help="A folder laid out as label/subject/file."),
    n2001: Path | None = typer.Option(None, "--n2001", help="The EMGLAB N2001 data set (../shared/data or its "
                                      "emg_n2001 folder): the default model's table (MUAP + window features)."),
    subject: list[str] | None = typer.Option(None, "--subject", help="With --n2001: only these subjects (repeat)."),
    output: Path = typer.Option(..., "-o", "--output", help="Feature table to write (.parquet or .csv)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    labels: str | None = typer.Option(None, "--labels", help="Allowed labels, comma-separated."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Leave out unreadable recordings (they are listed)."),
    json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines."),
    label_column: str | None = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    electrode: str | None = typer.Option(None, "--electrode", help="surface: one row per window (per-channel "
                                         "features, Hudgins' set too); needle: one row per recording (default)."),
    window_s: float = typer.Option(0.2, "--window-s", help="Window-level: window length in seconds."),
    step_s: float = typer.Option(0.1, "--step-s", help="Window-level: step between windows in seconds."),
    min_segment_s: float = typer.Option(1.0, "--min-segment-s", help=MIN_SEGMENT_HELP),
    trim_s: float = typer.Option(0.25, "--trim-s", help=TRIM_HELP),
    unlabelled: str | None = typer.Option(None, "--unlabelled", help=UNLABELLED_HELP),
) -> None:
    """Compute recording-level features of a cohort (cached per file; Dask for many files), or window-level
    features with segments (--label-column, --electrode surface)."""
    from decision_support.cohort import cohort_features, load_cohort

    with user_errors():
        sources = [s for s in (manifest, folder, n2001) if s is not None]
        if len(sources) != 1:
            raise ValueError("give exactly one of --manifest FILE, --folder DIR or --n2001 DIR")
        if output.suffix.lower() not in (".parquet", ".csv"):
            raise ValueError(f"output {output.name} must end in .parquet or .csv")
        if n2001 is not None:
            _n2001_features(n2001, output, subject, quiet=quiet or json_out, json_out=json_out)
            return
        if label_column or electrode == "surface":  # issue 13: one row per window, with segments
            from app.commands.windows import write_window_table
            from decision_support.windowed_workflow import window_settings

            settings = window_settings(electrode=electrode, label_column=label_column, window_s=window_s,
                                       step_s=step_s, min_segment_s=min_segment_s, trim_s=trim_s,
                                       unlabelled=_labels(unlabelled) or ())
            write_window_table(sources[0], output, settings, labels=_labels(labels), scheduler=scheduler,
                               skip_bad=skip_bad, progress=_progress(quiet or json_out), json_out=json_out)
            return
        cohort = load_cohort(sources[0], labels=_labels(labels))
        table = cohort_features(cohort, scheduler=scheduler, progress=_progress(quiet or json_out),
                                errors="skip" if skip_bad else "raise")
        output.parent.mkdir(parents=True, exist_ok=True)
        failed = table.attrs.get("failed", [])
        if output.suffix.lower() == ".csv":
            table.to_csv(output, index=False)
        else:
            table.to_parquet(output, index=False)
    summary = {"output": str(output), "recordings": len(table), "columns": len(table.columns),
               "cohort": cohort.summary(), "skipped": failed}
    if json_out:
        echo_json(summary)
        return
    for item in failed:
        typer.echo(f"Skipped {item['recording']}: {item['error']}")
    typer.echo(f"Wrote {len(table)} recordings x {len(table.columns)} columns to {output}")
