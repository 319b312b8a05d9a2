"""`medlens appraise ...`: list checklists, judge an appraisal, export a report.

A thin shell over appraisal.checklists, appraisal.rules and appraisal.report: every command calls the same
functions the "Appraise a paper" page uses.
"""

from __future__ import annotations

import typer

from app.commands.common import echo_json, user_errors

appraise_cli = typer.Typer(
    help="Appraise a paper: checklists, risk-of-bias judgements, reports.", no_args_is_help=True
)


def register(cli: typer.Typer) -> None:
    cli.add_typer(appraise_cli, name="appraise")


@appraise_cli.command("checklists")
def checklists_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the checklists medlens ships, with their item counts and sources."""
    from appraisal.checklists import list_checklists

    with user_errors():
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "version": c.version,
                "published_item_count": c.published_item_count,
                "answerable_items": len(c.answerable_items),
                "doi": c.doi,
                "citation": c.citation,
            }
            for c in list_checklists()
        ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        source = f"doi:{row['doi']}" if row["doi"] else "see citation"
        typer.echo(
            f"{row['id']:<20} {row['name']:<32} {row['kind']:<13} "
            f"{row['answerable_items']:>3} questions  {source}"
        )


def _read_appraisal(path):
    from pathlib import Path

    from appraisal.report import read_json

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"There is no appraisal file at {path}.")
    return read_json(path.read_bytes(), source=path.name)


@appraise_cli.command("judge")
def judge_command(
    appraisal_file: str = typer.Argument(..., metavar="APPRAISAL.json", help="An appraisal saved by medlens."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Judge an appraisal by its tool's published rules: risk of bias (PROBAST) or adherence (TRIPOD+AI)."""
    from appraisal.report import summary
    from appraisal.rules import RiskOfBiasResult, judge

    with user_errors():
        appraisal = _read_appraisal(appraisal_file)
        result = judge(appraisal)
        payload = summary(appraisal)
    if as_json:
        echo_json(payload)
        return
    typer.echo(result.headline)
    if isinstance(result, RiskOfBiasResult):
        for domain in result.domains:
            typer.echo(f"- {domain.reason}")
        typer.echo(result.overall_reason)
        if result.applicability:
            typer.echo(result.applicability_reason)
    else:
        for section in result.sections:
            typer.echo(f"- {section.title}: {section.reported} of {section.applicable} reported, "
                       f"{section.partly} partly")
        if result.missing:
            typer.echo("Not reported: " + "; ".join(result.missing))


@appraise_cli.command("report")
def report_command(
    appraisal_file: str = typer.Argument(..., metavar="APPRAISAL.json", help="An appraisal saved by medlens."),
    fmt: str = typer.Option("html", "--format", "-f", help="md, html or json."),
    output: str = typer.Option(None, "--output", "-o", help="File to write; prints to the screen if left out."),
) -> None:
    """Export an appraisal as a Markdown, HTML (print-friendly) or JSON report."""
    from pathlib import Path

    from appraisal.report import export

    with user_errors():
        appraisal = _read_appraisal(appraisal_file)
        text = export(appraisal, fmt)
        if output:
            Path(output).write_text(text, encoding="utf-8")
    if output:
        typer.echo(f"Wrote the {fmt} report to {output}")
    else:
        typer.echo(text, nl=False)


def _paper_path(paper: str):
    """PAPER must be a file: a typo must not be analysed as if it were the paper's text."""
    from pathlib import Path

    path = Path(paper)
    if not path.is_file():
        where = "a folder, not a file" if path.is_dir() else "no such file"
        raise FileNotFoundError(f"Cannot read the paper {paper}: {where}. Give the path to a PDF, .txt or .md file.")
    return path


@appraise_cli.command("suggest")
def suggest_command(
    paper: str = typer.Argument(..., metavar="PAPER", help="The paper: a PDF, .txt or .md file."),
    checklist: str = typer.Option("tripod-ai", "--checklist", "-c", help="Checklist id (see `medlens appraise checklists`)."),
    top: int = typer.Option(3, "--top", help="Candidate sentences per item."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Say for each checklist item whether PAPER reports it, with candidate evidence sentences and a suggested answer.

    Each item gets a status (reported, not_reported, unclear) with its reason. Suggestions come from the
    paper's wording: confirm each one against the paper before you use it.
    """
    from appraisal.checklists import load_checklist
    from appraisal.evidence import NOT_FOUND_MESSAGE, assess_evidence, load_document

    with user_errors():
        spec = load_checklist(checklist)
        path = _paper_path(paper)
        document = load_document(path)
        found = assess_evidence(document, spec, top_k=top)
    if as_json:
        echo_json({
            "paper": document.name,
            "checklist": spec.id,
            "sentences": len(document.sentences),
            "items": [{"id": item.id, "question": item.question, **found[item.id].to_dict()}
                      for item in spec.answerable_items],
        })
        return
    typer.echo(f"{spec.name}: evidence in {document.name} ({len(document.sentences)} sentences).")
    typer.echo("Suggested answers come from the paper's wording; check each against the paper.")
    for item in spec.answerable_items:
        ev = found[item.id]
        typer.echo("")
        typer.echo(f"[{item.id}] {item.question}")
        typer.echo(f"    status: {ev.status.replace('_', ' ')} - {ev.reason}")
        if ev.not_found:
            if not ev.reason.startswith(NOT_FOUND_MESSAGE):
                typer.echo(f"    {NOT_FOUND_MESSAGE}.")
        else:
            for rank, c in enumerate(ev.candidates, start=1):
                typer.echo(f"  {rank}. {c.location}: {c.sentence.text}")
        if ev.suggestion is not None:
            s = ev.suggestion
            typer.echo(f"    suggestion (confirm): {s.answer} (confidence {s.confidence:.1f}) - {s.reason}")
