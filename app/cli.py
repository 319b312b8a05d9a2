"""The `medlens` command line: a thin shell over the package functions (like sqlite-utils' CLI).

Each command group lives in app/commands/<name>.py and exposes `register(cli)`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from app.commands import appraise, emg, kb, model, numbers, predict

cli = typer.Typer(
    name="medlens",
    help="medlens: appraise ML-in-medicine papers, learn from curated cases, explore an EMG decision-support demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (appraise, emg, kb, model, numbers, predict):
    _module.register(cli)


@cli.command("app")
def run_app(port: int = typer.Option(8501, help="Port to serve the app on.")) -> None:
    """Open the medlens app in your browser (Streamlit)."""
    main_script = Path(__file__).resolve().parent / "main.py"
    typer.echo(f"medlens is starting at http://localhost:{port} (press Ctrl+C to stop)")
    from knowledge.db import default_db_path

    library = default_db_path()
    typer.echo(f"Case library: {library}" + ("" if library.exists() else
               " (does not exist yet: a new library will be created there with the curated cases; if you meant "
               "an existing one, check MEDLENS_DB)"))
    cmd = [sys.executable, "-m", "streamlit", "run", str(main_script), "--server.port", str(port)]
    if os.environ.get("DISPLAY") or sys.platform in ("darwin", "win32"):
        cmd += ["--server.headless", "false"]
    raise typer.Exit(subprocess.call(cmd, cwd=main_script.parent.parent))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
