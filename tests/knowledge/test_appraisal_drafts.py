"""Appraisal drafts: autosaved by the appraisal page, one per reviewer, checklist and paper; resumed from the list."""

from __future__ import annotations

import pytest

from knowledge.appraisals import delete_draft, list_drafts, load_draft, save_draft


def _draft(answer: str, title: str = "A paper") -> dict:
    return {"checklist_id": "quadas-2", "reviewer": "Ana", "paper": {"title": title},
            "answers": {"1.1": {"answer": answer}}}


def test_drafts_upsert_list_load_and_delete(db):
    assert list_drafts(db) == []
    key = save_draft(db, _draft("Y"))
    assert save_draft(db, _draft("N")) == key  # same reviewer, checklist and paper: replaced, not added
    save_draft(db, _draft("U", title="Another paper"))
    drafts = list_drafts(db)
    assert len(drafts) == 2 and {d["paper_title"] for d in drafts} == {"A paper", "Another paper"}
    assert load_draft(db, key)["answers"]["1.1"]["answer"] == "N"
    delete_draft(db, key)
    assert [d["paper_title"] for d in list_drafts(db)] == ["Another paper"]
    with pytest.raises(ValueError, match="no saved draft"):
        load_draft(db, key)
    with pytest.raises(ValueError, match="paper.title"):
        save_draft(db, {"checklist_id": "quadas-2", "paper": {"title": ""}})


def test_the_drafts_table_comes_from_a_migration_and_an_older_library_keeps_its_drafts(tmp_path):
    from knowledge.db import MIGRATIONS, open_db

    path = tmp_path / "kb.db"
    db = open_db(path)
    assert "appraisal_drafts" in db.table_names()  # before any draft is saved: part of the schema
    key = save_draft(db, _draft("Y"))
    # A library from before the migration: the table was made by the first save; the step is pending.
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_appraisal_drafts'")
    db.conn.commit()
    db.close()
    again = open_db(path)
    assert MIGRATIONS.pending(again) == []
    assert load_draft(again, key)["answers"]["1.1"]["answer"] == "Y"
