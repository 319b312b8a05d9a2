"""Like sqlite-utils' docs tests: every `medlens` command is documented in the README's CLI reference."""

from __future__ import annotations

import typer.testing
import pytest
import typer.main

from app.cli import cli
from tests.conftest import REPO_ROOT


def _commands(group, prefix: str = "medlens") -> list[str]:
    # typer >= 0.29 ships its own click, so groups are recognised by having sub-commands.
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if hasattr(command, "commands"):
            names.extend(_commands(command, full))
        else:
            names.append(full)
    return names


COMMANDS = _commands(typer.main.get_command(cli))


def _cli_reference() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    start = readme.index("## CLI reference")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_documented(command):
    assert f"`{command}" in _cli_reference(), f"README's CLI reference does not document `{command}`"


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_works(command):
    result = typer.testing.CliRunner().invoke(cli, [*command.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
