"""Knowledge-base access for the Streamlit pages: one migrated (and, if empty, seeded) database per path.

SQLite connections are opened per script run (cheap) because Streamlit runs each session in its own
thread; only the one-time "migrate and seed if empty" step is cached.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from sqlite_utils import Database

from knowledge.db import default_db_path, open_db
from knowledge.seed import load_seed

log = logging.getLogger("medlens.app")

SESSION_USER = "kb_user"  # {"name": ..., "role": ...} once logged in on the Curate page


@st.cache_resource(show_spinner="Opening the case library...")
def _prepared(path: str) -> str:
    if not Path(path).exists():  # a typo in MEDLENS_DB must not go unnoticed
        log.warning("Creating a new medlens library at %s and loading the curated cases into it; if you meant "
                    "an existing library, stop the app and check MEDLENS_DB.", path)
    db = open_db(path)
    try:
        if db["cases"].count == 0:  # first start without `medlens init`: load the curated library
            load_seed(db)
    finally:
        db.close()
    return path


def knowledge_db() -> Database:
    """A connection to the knowledge base for this script run."""
    return open_db(_prepared(str(default_db_path())))


def current_user() -> dict | None:
    return st.session_state.get(SESSION_USER)


def library_cases_by_item(checklist: str) -> dict[str, list[dict]]:
    """Published cases linked to each item of ``checklist`` (for the appraisal page's "cases where this went wrong")."""
    from knowledge.cases import cases_by_item

    db = knowledge_db()
    try:
        return cases_by_item(db, checklist)
    finally:
        db.close()
