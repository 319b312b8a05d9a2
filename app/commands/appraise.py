"""`medlens appraise ...`: list checklists, judge an appraisal, export a report."""

from __future__ import annotations

import typer

appraise_cli = typer.Typer(
    help="Appraise a paper: checklists, risk-of-bias judgements, reports.", no_args_is_help=True
)


def register(cli: typer.Typer) -> None:
    cli.add_typer(appraise_cli, name="appraise")
