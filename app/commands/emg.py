"""`medlens emg ...`: simulate recordings, extract features, check signal quality."""

from __future__ import annotations

import typer

emg_cli = typer.Typer(help="EMG recordings: simulate, extract features, check signal quality.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    cli.add_typer(emg_cli, name="emg")
