"""The database file: pragmas, migrations, append-only logs, FTS surviving transform()."""

from __future__ import annotations

import sqlite3

import pytest

from knowledge.cases import create_case
from knowledge.db import MIGRATIONS, default_db_path, open_db, transform_table
from knowledge.search import search_cases
from tests.knowledge.conftest import make_case


def test_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDLENS_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("MEDLENS_DB")
    assert str(default_db_path()).replace("\\", "/") == "data/medlens.db"


def test_open_creates_folder_wal_and_foreign_keys(tmp_path):
    db = open_db(tmp_path / "deep" / "folder" / "kb.db")
    assert (tmp_path / "deep" / "folder" / "kb.db").is_file()
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    expected = {"cases", "case_revisions", "sources", "tags", "case_tags", "users", "change_log", "appraisals",
                "predictions", "cases_fts"}
    assert expected <= set(db.table_names())
    assert db["cases"].pks == ["id"]


def test_migrations_are_recorded_and_idempotent(db_path):
    open_db(db_path).close()
    db = open_db(db_path)
    assert [m.name for m in MIGRATIONS.applied(db)] == [m.name for m in MIGRATIONS._migrations]
    assert MIGRATIONS.pending(db) == []


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO sources (case_id, position, citation) VALUES (999, 0, 'x')")


@pytest.mark.parametrize("table", ["change_log", "predictions"])
def test_logs_are_append_only(db, table):
    if table == "predictions":
        from knowledge.audit import log_prediction

        log_prediction(db, user="u", model_version="m1", input_name="a.csv", input_sha256="ab" * 32,
                       quality_verdict="good", predicted_label="healthy", probabilities={"healthy": 1.0},
                       prediction_set=["healthy"], top_reasons=["r"])
    assert db[table].count > 0
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(f"UPDATE {table} SET user = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(f"DELETE FROM {table}")


def test_folder_as_path_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        open_db(tmp_path)


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="not a medlens database"):
        open_db(bad)


def test_rows_stay_searchable_after_transform(db):
    create_case(db, make_case("test-before-transform", title="TEST: xylophone before"), user="alice")
    # A plain transform drops the FTS triggers; transform_table re-creates them.
    transform_table(db, "cases", types={"year_end": int})
    names = {t.name for t in db["cases"].triggers}
    assert {"cases_ai", "cases_ad", "cases_au"} <= names
    create_case(db, make_case("test-after-transform", title="TEST: xylophone after"), user="alice")
    found = {h.slug for h in search_cases(db, "xylophone", status=None)}
    assert found == {"test-before-transform", "test-after-transform"}


def test_plain_transform_really_drops_triggers(db):
    """Documents the sqlite-utils behaviour transform_table protects against."""
    db["cases"].transform(types={"year_end": int})
    assert not {"cases_ai", "cases_au"} & {t.name for t in db["cases"].triggers}
