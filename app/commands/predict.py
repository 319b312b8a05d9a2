"""`medlens predict` (recordings of one patient -> checked, explained prediction) and `medlens audit ...`.

A thin shell over ``app.actions.predict_and_log`` (the path the Decision support page uses too): every
prediction, abstentions included, is written to the audit log in the knowledge base.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from app.commands.common import echo_json, user_errors

audit_cli = typer.Typer(help="The prediction audit log: list and export every logged prediction.",
                        no_args_is_help=True)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): log as anonymous
        return "anonymous"


def load_model_folder(folder: Path | None):
    """The model in ``folder`` (default: the real default model, models/n2001), with a plain error when absent."""
    from decision_support.default_model import DEFAULT_MODEL_NAME
    from decision_support.registry import default_model_dir, load_model

    folder = Path(folder) if folder else default_model_dir() / DEFAULT_MODEL_NAME
    if not folder.exists():
        hint = ("run `medlens init` to train the default model (seconds, from the shipped feature table)"
                if folder.name in (DEFAULT_MODEL_NAME, "demo") else "train one with `medlens model train`")
        raise ValueError(f"no model at {folder}; {hint}")
    return load_model(folder)


def register(cli: typer.Typer) -> None:
    @cli.command("predict")
    def predict_command(
        recordings: list[Path] = typer.Argument(..., help="One or more recordings of one patient's muscle: CSV, "
                                                "NPY/NPZ, WFDB (.hea, with its .dat beside it) or EDF/BDF."),
        model: Path | None = typer.Option(None, "--model", help="Model folder (default: models/n2001, trained on "
                                          "real patients; models/demo is the simulated teaching model)."),
        explain: bool = typer.Option(True, "--explain/--no-explain", help="Explain with SHAP and plain reasons."),
        confidence: float = typer.Option(0.9, "--confidence", help="Confidence of the prediction set (0-1)."),
        fs: float | None = typer.Option(None, "--fs", help="Sampling rate in Hz (needed for .npy files)."),
        muscle: str | None = typer.Option(None, "--muscle", help="The muscle recorded (for its MUAP reference "
                                          "ranges), e.g. biceps; default: from the file, if it says."),
        age: float | None = typer.Option(None, "--age", help="The patient's age in years (for age references)."),
        user: str | None = typer.Option(None, "--user", help="Name written to the audit log (default: your login)."),
        json_out: bool = typer.Option(False, "--json", help="Print the result as JSON (several recordings: the "
                                      "patient-level result at the top, each recording under \"records\")."),
    ) -> None:
        """Check each recording's quality, predict with a calibrated probability and prediction set, explain it in
        clinical terms, combine several recordings into one patient-level answer, and log every result.
        Education and research only, not a medical device."""
        from app.actions import RecordingInput, predict_and_log
        from app.prediction_text import format_patient, format_result

        with user_errors():
            trained = load_model_folder(model)
            inputs = [RecordingInput.from_path(path, fs) for path in recordings]
            outcome = predict_and_log(inputs, trained, user=user or _default_user(), confidence=confidence,
                                      explain=explain, muscle=muscle, age=age)
        if json_out:
            echo_json(outcome.to_dict())
        elif outcome.patient is not None:
            typer.echo(format_patient(outcome.patient))
        else:
            typer.echo(format_result(outcome.results[0]))
        if outcome.audit_problem:  # shown above, but not logged: say so and fail, so scripts notice
            from app.prediction_log import not_logged_warning

            typer.echo(f"Error: {not_logged_warning(outcome.audit_problem)}", err=True)
            raise typer.Exit(1)
        if json_out:
            return
        typer.echo(f"Logged to the audit log as entr{'y' if len(outcome.audit_ids) == 1 else 'ies'} "
                   f"{', '.join(map(str, outcome.audit_ids))}.")

    @audit_cli.command("list")
    def audit_list(
        limit: int = typer.Option(20, "--limit", help="How many of the newest entries to show."),
        json_out: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
    ) -> None:
        """Show the newest logged predictions first."""
        from knowledge.audit import list_predictions
        from knowledge.db import open_db

        with user_errors():
            db = open_db()
            try:
                rows = list_predictions(db, limit=limit)
            finally:
                db.close()
        if json_out:
            echo_json(rows)
            return
        if not rows:
            typer.echo("The audit log is empty: no prediction has been made yet (try `medlens predict REC`).")
        for row in rows:
            outcome = "abstained" if row["abstained"] else f"{row['predicted_label']} {row['prediction_set']}"
            typer.echo(f"{row['id']:>5}  {row['created_at'][:19]}  {row['user']:<12}  {row['input_name']:<28}  "
                       f"quality {row['quality_verdict']:<5}  {outcome}  ({row['model_version']})")

    @audit_cli.command("export")
    def audit_export(
        output: Path = typer.Option(..., "-o", "--output", help="CSV file to write."),
        json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
    ) -> None:
        """Export the whole prediction audit log as CSV (oldest first)."""
        from knowledge.audit import export_predictions_csv
        from knowledge.db import open_db

        with user_errors():
            if output.exists() and output.is_dir():
                raise ValueError(f"{output} is a folder; give a file name such as {output / 'predictions.csv'}")
            db = open_db()
            try:
                count = export_predictions_csv(db, output)
            finally:
                db.close()
        if json_out:
            echo_json({"path": str(output), "rows": count})
            return
        typer.echo(f"Wrote {count} logged prediction(s) to {output}.")

    cli.add_typer(audit_cli, name="audit")
