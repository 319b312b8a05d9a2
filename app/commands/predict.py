"""`medlens predict` (one recording -> checked, explained prediction) and `medlens audit ...` (the log).

A thin shell over ``decision_support.predict``: every prediction, abstentions included, is written to the
audit log in the knowledge base.
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
    """The model in ``folder`` (default: the demo model), with a plain error when there is none."""
    from decision_support.registry import default_model_dir, load_model

    folder = Path(folder) if folder else default_model_dir() / "demo"
    if not folder.exists():
        hint = ("run `medlens init` to train the demo model" if folder.name == "demo"
                else "train one with `medlens model train`")
        raise ValueError(f"no model at {folder}; {hint}")
    return load_model(folder)


def log_result(result, user: str, input_name: str):
    """Write one prediction (or abstention) to the audit log; a failed write is reported, never raised."""
    from app.prediction_log import log_safely

    return log_safely(result, user, input_name)


def register(cli: typer.Typer) -> None:
    @cli.command("predict")
    def predict_command(
        recording: Path = typer.Argument(..., help="Recording file: CSV, NPY/NPZ, WFDB (.hea) or EDF/BDF."),
        model: Path | None = typer.Option(None, "--model", help="Model folder (default: the demo model)."),
        explain: bool = typer.Option(True, "--explain/--no-explain", help="Explain with SHAP and plain reasons."),
        confidence: float = typer.Option(0.9, "--confidence", help="Confidence of the prediction set (0-1)."),
        fs: float | None = typer.Option(None, "--fs", help="Sampling rate in Hz (needed for .npy files)."),
        user: str | None = typer.Option(None, "--user", help="Name written to the audit log (default: your login)."),
        json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Check a recording's quality, predict with a calibrated probability and prediction set, explain it,
        and log it. Simulated training data; education and research only, not a medical device."""
        from decision_support.predict import format_result, predict_file

        with user_errors():
            trained = load_model_folder(model)
            result = predict_file(recording, trained, fs=fs, confidence=confidence, explain=explain)
            logged = log_result(result, user or _default_user(), recording.name)
        if json_out:
            echo_json({**result.to_dict(), "audit_id": logged.audit_id, "audit_error": logged.problem})
        else:
            typer.echo(format_result(result))
        if logged.problem:  # shown above, but not logged: say so and fail, so scripts notice
            typer.echo(f"Error: {recording.name}: {logged.warning}", err=True)
            raise typer.Exit(1)
        if not json_out:
            typer.echo(f"Logged to the audit log as entry {logged.audit_id}.")

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
