"""`medlens numbers ...`: recompute and check a paper's numbers (2x2 table, lesion-level detection,
multi-class confusion matrix, or reported values alone). Every option given is used or warned about."""

from __future__ import annotations

import typer

from app.commands.common import echo_json, user_errors
from appraisal.numbers_request import NumbersRequest, run_numbers


def _echo_result(result) -> None:
    for line in result.lines:
        typer.echo(line)


def numbers(
    tp: int | None = typer.Option(None, "--tp", help="True positives (or lesions found)."),
    fn: int | None = typer.Option(None, "--fn", help="False negatives (or lesions missed)."),
    fp: int | None = typer.Option(None, "--fp", help="False positives (or false marks)."),
    tn: int | None = typer.Option(None, "--tn", help="True negatives (leave out for lesion-level detection)."),
    patients: int | None = typer.Option(None, help="Lesion-level detection: patients (or images) read."),
    matrix: str | None = typer.Option(None, help="Multi-class confusion matrix, rows by ';': '50,3;4,40'."),
    labels: str | None = typer.Option(None, help="Class labels for --matrix, comma-separated."),
    class_sizes: str | None = typer.Option(None, help="Stated class sizes for --matrix, comma-separated."),
    prevalence: str | None = typer.Option(
        None, help="With counts: prevalence in your own patients, for PPV/NPV. With --n: the paper's prevalence."
    ),
    level: float = typer.Option(0.95, help="Confidence level of the intervals."),
    n: int | None = typer.Option(None, "--n", help="Everyone in the paper's 2x2 table."),
    positives: int | None = typer.Option(None, help="People with the condition."),
    sensitivity: str | None = typer.Option(None, help="Reported sensitivity: 0.911, 91.1 or 91.1%."),
    specificity: str | None = typer.Option(None, help="Reported specificity."),
    ppv: str | None = typer.Option(None, help="Reported PPV (precision)."),
    npv: str | None = typer.Option(None, help="Reported NPV."),
    accuracy: str | None = typer.Option(None, help="Reported accuracy."),
    f1: str | None = typer.Option(None, help="Reported F1 score (with counts)."),
    fp_per_patient: str | None = typer.Option(None, help="Reported false positives per patient (lesion-level)."),
    ci: list[str] = typer.Option([], "--ci", help="Reported interval, e.g. --ci sensitivity=0.85-0.95 (repeatable)."),
    decimals: int | None = typer.Option(None, help="Decimals the paper prints (default: as typed in each value)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Recompute diagnostic accuracy from counts, or check a paper's reported numbers for consistency.

    \b
    From counts:        medlens numbers --tp 90 --fn 10 --fp 20 --tn 180 --accuracy 0.905 --prevalence 0.02
    Reported only:      medlens numbers --n 500 --positives 50 --sensitivity 0.93 --specificity 0.88
    Lesion detection:   medlens numbers --tp 80 --fn 20 --fp 30 --patients 50 --fp-per-patient 0.6
    Multi-class:        medlens numbers --matrix "45,5;10,40" --labels AF,normal --class-sizes 50,50
    """
    with user_errors():
        request = NumbersRequest(
            tp=tp, fn=fn, fp=fp, tn=tn, patients=patients, matrix=matrix, labels=labels, class_sizes=class_sizes,
            prevalence=prevalence, level=level, n=n, positives=positives, sensitivity=sensitivity,
            specificity=specificity, ppv=ppv, npv=npv, accuracy=accuracy, f1=f1, fp_per_patient=fp_per_patient,
            ci=list(ci), decimals=decimals,
        )
        result = run_numbers(request)
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if json_output:
        echo_json(result.payload | {"warnings": result.warnings})
    else:
        _echo_result(result)


def register(cli: typer.Typer) -> None:
    cli.command("numbers")(numbers)
