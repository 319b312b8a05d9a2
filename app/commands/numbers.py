"""`medlens numbers ...`: recompute a paper's 2x2 numbers, or check reported ones for consistency."""

from __future__ import annotations

import typer

from app.commands.common import echo_json, user_errors
from appraisal.numbers import METRIC_LABELS, check_reported, prevalence_curve, table_metrics


def _print_metrics(metrics, curve) -> None:
    t = metrics.table
    typer.echo(f"2x2 table: TP {t.tp}, FN {t.fn}, FP {t.fp}, TN {t.tn} (n = {t.n}, {t.positives} with the condition)")
    typer.echo(f"{'measure':<34} {'value':>8}   {round(metrics.level * 100):g}% interval")
    for name, est in metrics.estimates.items():
        if est.value != est.value:  # NaN: not defined
            typer.echo(f"{METRIC_LABELS[name]:<34} {'-':>8}   {est.note}")
            continue
        interval = f"{est.lower:.3f} to {est.upper:.3f}" if est.lower is not None else "(no interval)"
        typer.echo(f"{METRIC_LABELS[name]:<34} {est.value:>8.3f}   {interval}   [{est.method}]")
    for note in metrics.notes:
        typer.echo(f"Note: {note}")
    if curve is not None:
        typer.echo("")
        typer.echo(curve.summary)


def _print_consistency(report) -> None:
    typer.echo("Consistent: " + ("yes" if report.consistent else "NO"))
    for message in report.messages:
        typer.echo(message)
    if report.tables:
        typer.echo(f"{'TP':>7} {'FN':>7} {'FP':>7} {'TN':>7}   rounding")
        for t in report.tables[:20]:
            typer.echo(f"{t.tp:>7} {t.fn:>7} {t.fp:>7} {t.tn:>7}   {t.rounding}")
        if len(report.tables) > 20:
            typer.echo(f"... {report.total_tables - 20} more (use --json to see up to {len(report.tables)})")
    typer.echo(report.rounding_note)


def numbers(
    tp: int | None = typer.Option(None, "--tp", help="True positives."),
    fn: int | None = typer.Option(None, "--fn", help="False negatives."),
    fp: int | None = typer.Option(None, "--fp", help="False positives."),
    tn: int | None = typer.Option(None, "--tn", help="True negatives."),
    prevalence: float | None = typer.Option(
        None, help="Prevalence in your own patients (0-1) for PPV/NPV; with --n, the prevalence the paper reports."
    ),
    level: float = typer.Option(0.95, help="Confidence level of the intervals."),
    n: int | None = typer.Option(None, "--n", help="Everyone in the paper's 2x2 table (consistency check)."),
    positives: int | None = typer.Option(None, help="People with the condition (consistency check)."),
    sensitivity: float | None = typer.Option(None, help="Reported sensitivity, 0-1 (consistency check)."),
    specificity: float | None = typer.Option(None, help="Reported specificity, 0-1 (consistency check)."),
    ppv: float | None = typer.Option(None, help="Reported PPV, 0-1 (optional, consistency check)."),
    npv: float | None = typer.Option(None, help="Reported NPV, 0-1 (optional, consistency check)."),
    accuracy: float | None = typer.Option(None, help="Reported accuracy, 0-1 (optional, consistency check)."),
    decimals: int = typer.Option(2, help="Decimal places the paper reports (consistency check)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Recompute diagnostic accuracy from a 2x2 table, or check reported numbers for consistency.

    \b
    From counts:   medlens numbers --tp 90 --fn 10 --fp 20 --tn 180 --prevalence 0.02
    Consistency:   medlens numbers --n 500 --positives 50 --sensitivity 0.93 --specificity 0.88 --decimals 2
    """
    with user_errors():
        counts = (tp, fn, fp, tn)
        if any(c is not None for c in counts):
            if any(c is None for c in counts):
                raise ValueError("Give all four counts: --tp, --fn, --fp and --tn.")
            if n is not None or sensitivity is not None or specificity is not None:
                raise ValueError("Give either the four counts or --n with reported values, not both.")
            metrics = table_metrics(tp, fn, fp, tn, level=level)
            curve = None
            if prevalence is not None:
                sens, spec = metrics["sensitivity"], metrics["specificity"]
                curve = prevalence_curve(
                    sens.value, spec.value, prevalence,
                    sensitivity_interval=(sens.lower, sens.upper), specificity_interval=(spec.lower, spec.upper),
                )
            if json_output:
                payload = metrics.to_dict()
                if curve is not None:
                    payload["prevalence"] = curve.to_dict()
                echo_json(payload)
            else:
                _print_metrics(metrics, curve)
            return
        if n is None:
            raise ValueError(
                "Give either a 2x2 table (--tp --fn --fp --tn) or reported numbers (--n with --positives or "
                "--prevalence, --sensitivity and --specificity)."
            )
        if sensitivity is None or specificity is None:
            raise ValueError("A consistency check needs both --sensitivity and --specificity.")
        report = check_reported(
            n, positives, prevalence, sensitivity=sensitivity, specificity=specificity, decimals=decimals,
            ppv=ppv, npv=npv, accuracy=accuracy,
        )
        if json_output:
            echo_json(report.to_dict())
        else:
            _print_consistency(report)


def register(cli: typer.Typer) -> None:
    cli.command("numbers")(numbers)
