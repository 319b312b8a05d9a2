"""The skeleton every feature hangs on: packages, CLI, navigation registry, README promises."""

from __future__ import annotations

import importlib
import re
import tomllib

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.navigation import PAGES, grouped_pages
from tests.conftest import REPO_ROOT

PACKAGES = ["app", "appraisal", "decision_support", "knowledge", "signal_core"]


@pytest.mark.parametrize("name", PACKAGES)
def test_top_level_packages_import(name):
    assert importlib.import_module(name).__name__ == name


def test_pyproject_declares_console_script_and_python():
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == "medlens"
    assert meta["scripts"]["medlens"] == "app.cli:main"
    assert meta["requires-python"] == ">=3.11"


def test_cli_help_lists_groups():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    assert "app" in result.output and "emg" in result.output


@pytest.mark.parametrize("spec", PAGES, ids=[p.title for p in PAGES])
def test_every_registered_page_exists(spec):
    assert (REPO_ROOT / "app" / spec.path).is_file()
    assert spec.summary.strip()


def test_home_is_first_and_groups_are_ordered():
    groups = list(grouped_pages())
    assert groups[0] == ""
    assert grouped_pages()[""][0].path == "views/home.py"


def test_only_app_imports_streamlit():
    offenders = []
    for package in PACKAGES:
        if package == "app":
            continue
        for path in (REPO_ROOT / package).rglob("*.py"):
            if re.search(r"^\s*(import|from)\s+streamlit", path.read_text(), re.M):
                offenders.append(str(path))
    assert offenders == []


def test_readme_shows_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
