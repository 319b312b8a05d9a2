"""Helpers shared by the CLI command groups: JSON output and turning user errors into clean exits."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null so every output parses."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def echo_json(payload: Any) -> None:
    typer.echo(json.dumps(_finite(payload), indent=2, default=str, allow_nan=False))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the ValueErrors our packages raise for bad input into a one-line message and exit code 1."""
    try:
        yield
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    except RecursionError:
        typer.echo("Error: the input is nested too deeply to read safely; nothing was changed", err=True)
        raise typer.Exit(1) from None
    except OverflowError as exc:
        typer.echo(f"Error: a number is too large ({exc}); nothing was changed", err=True)
        raise typer.Exit(1) from None
    except MemoryError:
        typer.echo("Error: not enough memory for this input; try a smaller file", err=True)
        raise typer.Exit(1) from None
    except sqlite3.Error as exc:
        from knowledge.guards import explain_db_error

        typer.echo(f"Error: {explain_db_error(exc)}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # a folder where a file was expected, a full disk, ...
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"Error: {where}{exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
