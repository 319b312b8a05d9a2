"""`medlens init`, `medlens kb ...` (the case library) and `medlens user ...` (accounts and roles)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from app.commands.common import echo_json, user_errors
from knowledge import cases as kcases
from knowledge import transfer, users
from knowledge.db import default_db_path, open_db
from knowledge.guards import check_year
from knowledge.links import checklist_item_label
from knowledge.models import BODY_FIELDS, CATEGORIES
from knowledge.search import facet_counts, find_cases
from knowledge.seed import load_seed

kb_cli = typer.Typer(help="The case library: search, show, history, export, import.", no_args_is_help=True)
user_cli = typer.Typer(help="Accounts for curators, reviewers and admins (readers need none).", no_args_is_help=True)

DB_OPTION = typer.Option(None, "--db", help="Database file (default: $MEDLENS_DB or ./data/medlens.db).")


@contextmanager
def library(db: Path | None, *, must_exist: bool = True) -> Iterator:
    """The knowledge base for one command, closed when the command is done, also when it fails (an open
    connection keeps SQLite's -wal and -shm files, and its locks, beyond the command)."""
    database = open_db(db, must_exist=must_exist)
    try:
        yield database
    finally:
        database.close()


def init_knowledge(db_path: str | Path | None = None) -> dict:
    """Create or migrate the knowledge base and load the seed library; returns counts for the report."""
    path = Path(db_path) if db_path else default_db_path()
    db = open_db(path)
    try:
        report = load_seed(db)
        return {
            "database": str(path),
            "created": len(report.created), "updated": len(report.updated), "unchanged": len(report.unchanged),
            "skipped": report.to_dict()["skipped"],
            "published_cases": sum(facet_counts(db, "category").values()),
            "by_category": facet_counts(db, "category"),
        }
    finally:
        db.close()


def _print_init(summary: dict) -> None:
    typer.echo(f"Knowledge base: {summary['database']}")
    typer.echo(f"Seed cases: {summary['created']} new, {summary['updated']} updated, "
               f"{summary['unchanged']} unchanged; {summary['published_cases']} published cases in the library.")
    for item in summary["skipped"]:
        typer.echo(f"  skipped {item['slug']}: {item['why']}")


def register(cli: typer.Typer) -> None:
    @cli.command("init")
    def init_command(
        db: Path | None = DB_OPTION,
        no_model: bool = typer.Option(False, "--no-model", help="Skip training the default and demo models."),
        json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Create or migrate the database and load the curated case library (safe to run again)."""
        with user_errors():
            summary = {"knowledge": init_knowledge(db)}
            if not no_model:  # the default model (real patients, from the shipped table) and the simulated demo
                from decision_support.default_model import ensure_default_model
                from decision_support.demo import ensure_demo_model

                summary["default_model"] = str(ensure_default_model())
                summary["demo_model"] = str(ensure_demo_model())
        if json_out:
            echo_json(summary)
        else:
            _print_init(summary["knowledge"])
            if "default_model" in summary:
                typer.echo(f"Default model (trained on 15 real patients, N2001): {summary['default_model']}")
            if "demo_model" in summary:
                typer.echo(f"Demo model (simulated EMG, for teaching): {summary['demo_model']}")

    cli.add_typer(kb_cli, name="kb")
    cli.add_typer(user_cli, name="user")


@kb_cli.command("search")
def kb_search(
    query: str = typer.Argument("", help="Words to look for (operators and quotes are treated as plain words)."),
    category: str | None = typer.Option(None, help=f"One of: {', '.join(CATEGORIES)}."),
    year_from: int | None = typer.Option(None, help="Cases from this year on."),
    year_to: int | None = typer.Option(None, help="Cases up to this year."),
    tag: str | None = typer.Option(None, help="Only cases with this tag."),
    limit: int = typer.Option(20, help="At most this many results."),
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Search the published cases (best matches first)."""
    with user_errors():
        if category and category not in CATEGORIES:
            raise ValueError(f"Unknown category {category!r}: choose one of {', '.join(CATEGORIES)}.")
        check_year(year_from, "--year-from")
        check_year(year_to, "--year-to")
        filters = dict(category=category, year_from=year_from, year_to=year_to, tag=tag, limit=limit)
        with library(db) as database:
            outcome = find_cases(database, query, **filters)
        hits = outcome.hits
    if not json_out:
        if outcome.suggestion:
            typer.echo(f"No case contains {', '.join(repr(w) for w in outcome.unknown)}. "
                       f"Did you mean: {outcome.suggestion}\n")
        if outcome.any_word and hits:
            typer.echo("No case has all of these words; showing cases with any of them.\n")
    if json_out:
        echo_json([h.to_dict() for h in hits])
        return
    if not hits:
        typer.echo("No cases found. Try fewer or different words, or remove a filter.")
    for hit in hits:
        typer.echo(f"{hit.slug}  ({hit.years}, {CATEGORIES.get(hit.category, hit.category)})\n  {hit.title}")
        typer.echo(f"  {hit.snippet_text()}")


@kb_cli.command("show")
def kb_show(
    slug: str,
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Show one case with its sources."""
    with user_errors():
        with library(db) as database:
            record = kcases.get_case(database, slug)
    if json_out:
        echo_json(record.to_dict())
        return
    case = record.case
    typer.echo(f"{case.title}\n{'=' * min(len(case.title), 80)}")
    typer.echo(f"{CATEGORIES[case.category]} · {case.year_start}{f'-{case.year_end}' if case.year_end else ''} · "
               f"{case.status.replace('_', ' ')} · version {record.version}"
               + (" · DELETED" if record.deleted_at else ""))
    for name, label in BODY_FIELDS.items():
        text = getattr(case, name)
        if text:
            typer.echo(f"\n{label}\n{text.strip()}")
    typer.echo("\nSources")
    for s in case.sources:
        typer.echo(f"- {s.citation}" + (f" https://doi.org/{s.doi}" if s.doi else "") + (f" {s.url}" if s.url else "")
                   + (f" PMID {s.pmid}" if s.pmid else ""))
    if case.tags:
        typer.echo(f"\nTags: {', '.join(case.tags)}")
    if case.checklist_items:
        typer.echo("\nChecklist items this case illustrates")
        for link in case.checklist_items:
            typer.echo(f"- {checklist_item_label(link.checklist, link.item)}: {link.why}")


@kb_cli.command("history")
def kb_history(
    slug: str,
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the revisions as JSON."),
) -> None:
    """List a case's revisions, newest first."""
    with user_errors():
        with library(db) as database:
            revisions = kcases.case_history(database, slug)
    if json_out:
        echo_json([r.__dict__ for r in revisions])
        return
    for r in revisions:
        typer.echo(f"v{r.version}  {r.created_at[:19]}  {r.user}: {r.message}  [{', '.join(r.changed_fields)}]")


@kb_cli.command("export")
def kb_export(
    output: Path = typer.Option(..., "-o", "--output", help="File to write (.yaml or .json)."),
    fmt: str | None = typer.Option(None, "--format", help="yaml or json (default: from the file name)."),
    category: str | None = typer.Option(None, help="Only this category."),
    status: str | None = typer.Option(None, help="Only this status (draft, in_review, published)."),
    slug: list[str] | None = typer.Option(None, "--slug", help="Only these cases (repeat the option)."),
    db: Path | None = DB_OPTION,
) -> None:
    """Export the library (or a selection) as YAML or JSON."""
    with user_errors():
        with library(db) as database:
            count = transfer.export_to_file(database, output, fmt=fmt, slugs=slug or None, category=category,
                                            status=status)
    typer.echo(f"Exported {count} cases to {output}")


@kb_cli.command("import")
def kb_import(
    file: Path = typer.Argument(..., help="A YAML or JSON export (or one case file)."),
    user: str = typer.Option("medlens-team", "--user", help="Curator recorded as making the import."),
    trusted: bool = typer.Option(False, "--trusted", help="Admins only: keep the file's status, author and "
                                 "reviewer (restore a reviewed library, e.g. a backup)."),
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import cases in one transaction; duplicates (same slug or DOI) are reported, not merged. Cases come
    in as drafts or in review, authored by --user, unless an admin imports with --trusted."""
    with user_errors():
        with library(db) as database:
            report = transfer.import_from_file(database, file, user=user, trusted=trusted)
    if json_out:
        echo_json(report.to_dict())
        return
    typer.echo(report.summary())


@kb_cli.command("serve")
def kb_serve(
    port: int = typer.Option(8001, "--port", help="Port to serve on (127.0.0.1)."),
    db: Path | None = DB_OPTION,
) -> None:
    """Browse the knowledge base read-only in Datasette (users hidden, facets, full-text search); Ctrl+C stops."""
    import subprocess
    import tempfile

    from knowledge.browse import datasette_command, metadata_for

    with user_errors():
        path = Path(db) if db else default_db_path()
        if not path.is_file():
            raise ValueError(f"There is no knowledge base at {path}: run `medlens init` first.")
        open_db(path).close()  # bring the schema up to date before Datasette reads it
        with tempfile.TemporaryDirectory() as folder:
            meta = Path(folder) / "metadata.json"
            meta.write_text(json.dumps(metadata_for(path)), encoding="utf-8")
            command = datasette_command(path, meta, port=port)
            typer.echo(f"Datasette on http://127.0.0.1:{port}/{path.stem} (Ctrl+C stops it)")
            try:
                subprocess.run(command, check=False)
            except KeyboardInterrupt:
                pass


@user_cli.command("add")
def user_add(
    name: str,
    role: str = typer.Option(..., help=f"One of: {', '.join(users.ROLES)}."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    db: Path | None = DB_OPTION,
) -> None:
    """Add an account (you are asked for a password unless the role is reader)."""
    with user_errors():
        password = None
        if role != "reader":
            if password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        with library(db, must_exist=False) as database:
            user = users.add_user(database, name, role, password, by="medlens-cli")
    typer.echo(f"Added {user.name} ({user.role}).")


@user_cli.command("password")
def user_password(
    name: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from standard input."),
    db: Path | None = DB_OPTION,
) -> None:
    """Set a new password (this also unlocks an account locked after failed logins)."""
    with user_errors():
        with library(db) as database:
            users.get_user(database, name)  # a clear error before asking for a password
            if password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
            users.set_password(database, name, password, by="medlens-cli")
    typer.echo(f"New password set for {name}; the account is unlocked.")


@user_cli.command("list")
def user_list(
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the users as JSON."),
) -> None:
    """List accounts and their roles (never their passwords)."""
    with user_errors():
        with library(db) as database:
            rows = users.list_users(database)
    if json_out:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<20} {r['role']:<9}" + (" (built-in, no login)" if r["system"] else "")
                   + (" (locked)" if r["locked"] else ""))
