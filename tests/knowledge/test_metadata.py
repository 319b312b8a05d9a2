"""knowledge/metadata.json (for Datasette) is valid and names only tables and columns that exist."""

from __future__ import annotations

import json

from knowledge.db import open_db
from tests.conftest import REPO_ROOT

METADATA = json.loads((REPO_ROOT / "knowledge" / "metadata.json").read_text())


def test_metadata_matches_the_schema():
    db = open_db(":memory:")
    tables = METADATA["databases"]["medlens"]["tables"]
    assert set(tables) <= set(db.table_names())
    for name, spec in tables.items():
        columns = set(db[name].columns_dict)
        assert set(spec.get("columns", {})) <= columns, name
        facet_columns = {f if isinstance(f, str) else next(iter(f.values())) for f in spec.get("facets", [])}
        assert facet_columns <= columns, name
        for key in ("label_column", "sort_desc", "sort"):
            assert spec.get(key) in columns | {None}, (name, key)


def test_internal_tables_are_hidden_and_users_denied():
    db = open_db(":memory:")
    tables = METADATA["databases"]["medlens"]["tables"]
    internal = {t for t in db.table_names() if t.startswith(("cases_fts", "_"))} | {"users"}
    assert all(tables[t].get("hidden") for t in internal)
    assert tables["users"]["allow"] is False  # password hashes never served...
    assert METADATA["databases"]["medlens"]["allow_sql"] is False  # ...not even through custom SQL
    # learners' answers, failed logins per name, reviewers' appraisals in progress
    for private in ("practice_attempts", "login_throttle", "appraisal_drafts"):
        assert tables[private] == {"hidden": True, "allow": False}
    visible = {t for t in db.table_names() if not tables.get(t, {}).get("hidden")}
    assert all(tables[t].get("description") for t in visible)
    assert tables["cases"]["facets"][:3] == ["category", {"array": "tags"}, "year_start"]
