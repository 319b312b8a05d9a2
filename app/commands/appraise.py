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


def _suggestion_dict(suggestion):
    if suggestion is None:
        return None
    return {"answer": suggestion.answer, "confidence": suggestion.confidence, "reason": suggestion.reason,
            "is_suggestion": True}


@appraise_cli.command("suggest")
def suggest_command(
    paper: str = typer.Argument(..., metavar="PAPER", help="The paper: a PDF, .txt or .md file."),
    checklist: str = typer.Option("tripod-ai", "--checklist", "-c", help="Checklist id (see `medlens appraise checklists`)."),
    top: int = typer.Option(3, "--top", help="Candidate sentences per item."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find candidate evidence sentences in PAPER for each checklist item, with suggested answers.

    Suggestions come from wording patterns only: confirm each one against the paper before you use it.
    """
    from appraisal.checklists import load_checklist
    from appraisal.evidence import best_suggestion, find_evidence, load_document

    with user_errors():
        spec = load_checklist(checklist)
        document = load_document(paper)
        found = find_evidence(document, spec, top_k=top)
    if as_json:
        echo_json({
            "paper": document.name,
            "checklist": spec.id,
            "sentences": len(document.sentences),
            "items": [
                {
                    "id": item.id,
                    "question": item.question,
                    "candidates": [c.to_dict() for c in found[item.id]],
                    "suggestion": _suggestion_dict(best_suggestion(found[item.id])),
                }
                for item in spec.answerable_items
            ],
        })
        return
    typer.echo(f"{spec.name}: candidate evidence in {document.name} ({len(document.sentences)} sentences).")
    typer.echo("Suggested answers are suggestions from wording patterns; check each against the paper.")
    for item in spec.answerable_items:
        typer.echo("")
        typer.echo(f"[{item.id}] {item.question}")
        candidates = found[item.id]
        if not candidates:
            typer.echo("    no candidate sentence found (the paper may not report this)")
        for rank, c in enumerate(candidates, start=1):
            typer.echo(f"  {rank}. {c.location}: {c.sentence.text}")
        suggestion = best_suggestion(candidates)
        if suggestion is not None:
            typer.echo(f"    suggestion (confirm): {suggestion.answer} (confidence {suggestion.confidence:.1f}) - {suggestion.reason}")
