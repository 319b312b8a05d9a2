"""A database that cannot be written (write lock held too long, read-only, full disk): one clear message,
nothing changed, and a prediction whose audit write fails is still returned with a warning."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.prediction_log import audit_problem
from knowledge import db as kdb
from knowledge.guards import explain_db_error
from knowledge.seed import load_seed

runner = CliRunner()


@pytest.fixture()
def library(tmp_path, monkeypatch):
    path = tmp_path / "kb.db"
    monkeypatch.setenv("MEDLENS_DB", str(path))
    database = kdb.open_db(path)
    load_seed(database)
    database.close()
    monkeypatch.setattr(kdb, "BUSY_TIMEOUT_MS", 300)  # the real wait is 15 s; the behaviour is the same
    return path


def _dump(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _case_file(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump({
        "slug": "locked-out-case", "title": "Imported while the database is locked", "category": "biosignals",
        "year_start": 2020, "summary": "A summary.", "author": "someone",
        "sources": [{"citation": "A citation long enough", "url": "https://example.org/case"}]}))
    return path


def test_kb_import_while_another_program_holds_the_write_lock(library, tmp_path):
    holder = sqlite3.connect(library)
    holder.execute("BEGIN IMMEDIATE")
    before = _dump(library)
    try:
        result = runner.invoke(cli, ["kb", "import", str(_case_file(tmp_path))])
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "write lock" in lines[0], result.output
    assert _dump(library) == before


@pytest.mark.slow
def test_prediction_whose_audit_write_fails_is_shown_with_an_error(library, tmp_path):
    from decision_support.demo import demo_recording
    from signal_core.io import save_recording
    from tests.decision_support.quick_model import quick_model_folder

    model = quick_model_folder()
    needle = save_recording(demo_recording("neurogenic", 0, seconds=4.0), tmp_path / "needle.npz")
    holder = sqlite3.connect(library)
    holder.execute("BEGIN IMMEDIATE")
    before = _dump(library)
    try:
        shown = runner.invoke(cli, ["predict", str(needle), "--model", str(model), "--no-explain", "--json"])
    finally:
        holder.rollback()
        holder.close()
    assert shown.exit_code == 1
    assert json.loads(shown.stdout)["audit_id"] is None  # the prediction is printed all the same
    assert json.loads(shown.stdout)["predicted_label"] or json.loads(shown.stdout)["abstained"]
    error = shown.stderr.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("Error: ") and "prediction was NOT written to the audit log" in error[0]
    assert "write lock" in error[0]
    assert _dump(library) == before
    logged = runner.invoke(cli, ["predict", str(needle), "--model", str(model), "--no-explain", "--json"])
    assert logged.exit_code == 0 and json.loads(logged.stdout)["audit_id"] >= 1


def test_read_only_database_is_explained(library):
    reader = sqlite3.connect(f"file:{library}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as info:
        reader.execute("INSERT INTO login_throttle (name) VALUES ('x')")
    reader.close()
    assert "read-only" in audit_problem(info.value)


@pytest.mark.parametrize("message, expected", [
    ("database is locked", "write lock"),
    ("attempt to write a readonly database", "read-only"),
    ("database or disk is full", "disk is full"),
    ("disk I/O error", "is it full?"),
])
def test_sqlite_failures_are_explained(message, expected):
    assert expected in explain_db_error(sqlite3.OperationalError(message), "kb.db")
