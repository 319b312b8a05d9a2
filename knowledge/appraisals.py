"""Store and list saved paper appraisals (the JSON the appraisal package exports), optionally linked to a case.

The whole appraisal JSON is kept as it was exported; a few columns (checklist, paper title and DOI,
reviewer) are copied out so appraisals can be listed and filtered without parsing JSON.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from knowledge.audit import now_text, record_change
from knowledge.db import write_transaction


def _case_id(db: Database, slug: str) -> int:
    rows = list(db.query("SELECT id FROM cases WHERE slug = ?", [slug]))
    if not rows:
        raise ValueError(f"There is no case '{slug}' to link this appraisal to.")
    return rows[0]["id"]


def _validated(appraisal: Any) -> dict:
    if not isinstance(appraisal, dict):
        raise ValueError("An appraisal must be a JSON object (the file the appraisal page exports).")
    if not str(appraisal.get("checklist_id") or "").strip():
        raise ValueError("The appraisal has no 'checklist_id': which checklist was used?")
    paper = appraisal.get("paper")
    if not isinstance(paper, dict) or not str(paper.get("title") or "").strip():
        raise ValueError("The appraisal has no 'paper.title': which paper was appraised?")
    return appraisal


def save_appraisal(db: Database, appraisal: dict, *, user: str | None = None, case_slug: str | None = None) -> int:
    """Save an exported appraisal (a dict with ``checklist_id`` and ``paper.title``); returns its id."""
    appraisal = _validated(appraisal)
    paper = appraisal["paper"]
    reviewer = appraisal.get("reviewer") or user
    try:
        text = json.dumps(appraisal, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The appraisal cannot be stored as JSON: {exc}") from None
    with write_transaction(db):
        row = {
            "case_id": _case_id(db, case_slug) if case_slug else None,
            "checklist_id": str(appraisal["checklist_id"]).strip(),
            "paper_title": str(paper["title"]).strip(),
            "paper_doi": (str(paper.get("doi")).strip() or None) if paper.get("doi") else None,
            "reviewer": str(reviewer) if reviewer else None,
            "created_at": now_text(),
            "json": text,
        }
        appraisal_id = int(db["appraisals"].insert(row).last_pk)
        record_change(db, user=user or reviewer or "anonymous", table="appraisals", row_id=appraisal_id,
                      action="create", details=f"{row['checklist_id']}: {row['paper_title'][:80]}")
    return appraisal_id


def get_appraisal(db: Database, appraisal_id: int) -> dict:
    """The stored appraisal JSON exactly as saved."""
    rows = list(db.query("SELECT json FROM appraisals WHERE id = ?", [int(appraisal_id)]))
    if not rows:
        raise ValueError(f"There is no saved appraisal number {appraisal_id}.")
    return json.loads(rows[0]["json"])


def list_appraisals(db: Database, *, case_slug: str | None = None, checklist_id: str | None = None) -> list[dict]:
    """Summary rows, newest first: id, checklist_id, paper_title, paper_doi, reviewer, created_at, case_slug."""
    where, params = [], []
    if case_slug:
        where.append("c.slug = ?")
        params.append(case_slug)
    if checklist_id:
        where.append("a.checklist_id = ?")
        params.append(checklist_id)
    sql = ("SELECT a.id, a.checklist_id, a.paper_title, a.paper_doi, a.reviewer, a.created_at, c.slug AS case_slug "
           "FROM appraisals a LEFT JOIN cases c ON c.id = a.case_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id DESC")
    return [dict(r) for r in db.query(sql, params)]


def appraisals_for_case(db: Database, slug: str) -> list[dict]:
    """Appraisals linked to the case, or of a paper the case cites (same DOI), newest first."""
    sql = (
        "SELECT a.id, a.checklist_id, a.paper_title, a.paper_doi, a.reviewer, a.created_at, c.slug AS case_slug "
        "FROM appraisals a LEFT JOIN cases c ON c.id = a.case_id "
        "WHERE c.slug = :slug OR lower(a.paper_doi) IN (SELECT lower(s.doi) FROM sources s JOIN cases k "
        "ON k.id = s.case_id WHERE k.slug = :slug AND s.doi IS NOT NULL) ORDER BY a.id DESC"
    )
    return [dict(r) for r in db.query(sql, {"slug": slug})]


def delete_appraisal(db: Database, appraisal_id: int, *, user: str | None = None) -> None:
    """Remove a saved appraisal (the change log keeps the record that it existed)."""
    with write_transaction(db):
        cursor = db.execute("DELETE FROM appraisals WHERE id = ?", [int(appraisal_id)])
        if cursor.rowcount == 0:
            raise ValueError(f"There is no saved appraisal number {appraisal_id}.")
        record_change(db, user=user or "anonymous", table="appraisals", row_id=int(appraisal_id), action="delete")


# ---------------------------------------------------------------------------------------------- drafts
# A draft is the appraisal in progress, saved on every change by the appraisal page and resumed from the
# list. One row per reviewer, checklist and paper title (upserted), kept apart from finished appraisals.
DRAFTS = "appraisal_drafts"


def draft_key(appraisal: dict) -> str:
    appraisal = _validated(appraisal)
    parts = (appraisal.get("reviewer") or "", appraisal["checklist_id"], appraisal["paper"]["title"])
    return " | ".join(str(p).strip().lower() for p in parts)


def save_draft(db: Database, appraisal: dict) -> str:
    """Save (or replace) the draft of this reviewer, checklist and paper; returns its key."""
    key = draft_key(appraisal)
    try:
        text = json.dumps(appraisal, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The draft cannot be stored as JSON: {exc}") from None
    row = {"key": key, "checklist_id": str(appraisal["checklist_id"]).strip(),
           "paper_title": str(appraisal["paper"]["title"]).strip(), "reviewer": appraisal.get("reviewer") or None,
           "updated_at": now_text(), "json": text}
    with write_transaction(db):
        db[DRAFTS].upsert(row, pk="key", not_null={"key", "checklist_id", "paper_title", "json"})
    return key


def list_drafts(db: Database) -> list[dict]:
    """Drafts, most recently changed first (without their JSON)."""
    if DRAFTS not in db.table_names():
        return []
    return list(db.query(f"SELECT key, checklist_id, paper_title, reviewer, updated_at FROM {DRAFTS} "
                         "ORDER BY updated_at DESC, key"))


def load_draft(db: Database, key: str) -> dict:
    rows = list(db.query(f"SELECT json FROM {DRAFTS} WHERE key = ?", [key])) if DRAFTS in db.table_names() else []
    if not rows:
        raise ValueError(f"There is no saved draft '{key}'.")
    return json.loads(rows[0]["json"])


def delete_draft(db: Database, key: str) -> None:
    if DRAFTS in db.table_names():
        with write_transaction(db):
            db.execute(f"DELETE FROM {DRAFTS} WHERE key = ?", [key])
