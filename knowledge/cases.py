"""Curating cases: create, edit with optimistic locking, review, publish, revisions, delete, restore.

Every write runs in one ``BEGIN IMMEDIATE`` transaction that checks the version it started from and
bumps it with ``UPDATE ... WHERE version = ?``: of two editors who opened the same version, exactly
one saves; the other gets an :class:`EditConflict` listing what changed meanwhile and nothing of
theirs or the winner's is overwritten. Every saved change is a revision (full snapshot + field diff)
and a change-log entry naming the user.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from knowledge.audit import now_text, record_change
from knowledge.db import write_transaction
from knowledge.models import EDITABLE_FIELDS, Case, CaseValidationError, ChecklistLink, Source, parse_case
from knowledge.users import require_role


class CaseNotFound(ValueError):
    """No case with this slug."""


class DuplicateCase(ValueError):
    """A case with this slug already exists."""


class WorkflowError(ValueError):
    """The action does not fit the case's status (e.g. publishing a draft that was never submitted)."""


class EditConflict(ValueError):
    """The case changed since the version the editor started from; nothing was saved.

    Attributes
    ----------
    slug, base_version, current_version
        Which case, the version the edit was based on, and the version now saved.
    changes
        ``{field: {"old": value at base_version, "new": value now}}``: what changed meanwhile.
    """

    def __init__(self, slug: str, base_version: int, current_version: int, changes: dict[str, dict]):
        self.slug, self.base_version, self.current_version, self.changes = slug, base_version, current_version, changes
        fields = ", ".join(changes) or "its status"
        super().__init__(
            f"Someone else saved '{slug}' while you were editing (you started from version {base_version}, "
            f"it is now version {current_version}). Changed meanwhile: {fields}. Nothing was overwritten: "
            "reload the case, re-apply your edits and save again."
        )


@dataclass(frozen=True)
class CaseRecord:
    """A stored case with its bookkeeping."""

    id: int
    case: Case
    version: int
    created_at: str
    updated_at: str
    deleted_at: str | None = None

    @property
    def slug(self) -> str:
        return self.case.slug

    def to_dict(self) -> dict[str, Any]:
        return {**self.case.to_dict(), "version": self.version, "created_at": self.created_at,
                "updated_at": self.updated_at, "deleted_at": self.deleted_at}


@dataclass(frozen=True)
class Revision:
    version: int
    user: str
    created_at: str
    message: str
    changed_fields: list[str]


# ---------------------------------------------------------------- reading

_CHILD_FIELDS = ("sources", "tags", "checklist_items")  # stored in their own tables, not as columns of cases


def _case_from_row(db: Database, row: dict) -> Case:
    sources = [
        {"citation": s["citation"], "doi": s["doi"], "pmid": s["pmid"], "url": s["url"]}
        for s in db.query("SELECT * FROM sources WHERE case_id = ? ORDER BY position", [row["id"]])
    ]
    tags = [t["name"] for t in db.query(
        "SELECT t.name FROM case_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.case_id = ? ORDER BY ct.position",
        [row["id"]])]
    links = [ChecklistLink.model_construct(checklist=r["checklist"], item=r["item"], why=r["why"])
             for r in db.query("SELECT checklist, item, why FROM case_checklist_items WHERE case_id = ? "
                               "ORDER BY position", [row["id"]])]
    data = {name: row[name] for name in Case.model_fields if name not in _CHILD_FIELDS}
    # Stored rows were validated on the way in; model_construct skips re-validation on every read.
    return Case.model_construct(**{**data, "sources": [Source.model_construct(**s) for s in sources], "tags": tags,
                                   "checklist_items": links})


def _row(db: Database, slug: str) -> dict:
    rows = list(db.query("SELECT * FROM cases WHERE slug = ?", [slug]))
    if not rows:
        raise CaseNotFound(f"There is no case '{slug}'. Search the library for the right name (its slug).")
    return rows[0]


def _record(db: Database, row: dict) -> CaseRecord:
    return CaseRecord(row["id"], _case_from_row(db, row), row["version"], row["created_at"], row["updated_at"],
                      row["deleted_at"])


def get_case(db: Database, slug: str) -> CaseRecord:
    """The case with this slug (deleted ones included; check ``deleted_at``)."""
    return _record(db, _row(db, slug))


def list_cases(db: Database, *, status: str | None = None, category: str | None = None,
               include_deleted: bool = False) -> list[dict]:
    """Summary rows (slug, title, category, years, status, author, version), by title."""
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if category:
        where.append("category = ?")
        params.append(category)
    if not include_deleted:
        where.append("deleted_at IS NULL")
    sql = ("SELECT slug, title, category, year_start, year_end, status, author, reviewer, version, updated_at, "
           "deleted_at FROM cases" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY title")
    return [dict(r) for r in db.query(sql, params)]


def cases_for_item(db: Database, checklist: str, item: str, *, status: str | None = "published") -> list[dict]:
    """Cases linked to one checklist item ("cases where this went wrong"): slug, title, year_start, why.

    Newest first; deleted cases are left out, and by default only published ones are listed.
    """
    sql = ("SELECT c.slug, c.title, c.year_start, l.why FROM case_checklist_items l JOIN cases c ON c.id = l.case_id "
           "WHERE l.checklist = ? AND l.item = ? AND c.deleted_at IS NULL" + (" AND c.status = ?" if status else "")
           + " ORDER BY c.year_start DESC, c.title")
    return [dict(r) for r in db.query(sql, [checklist, str(item), *([status] if status else [])])]


def cases_by_item(db: Database, checklist: str, *, status: str | None = "published") -> dict[str, list[dict]]:
    """:func:`cases_for_item` for every item of ``checklist`` at once (one query, for a page of items)."""
    sql = ("SELECT l.item, c.slug, c.title, c.year_start, l.why FROM case_checklist_items l "
           "JOIN cases c ON c.id = l.case_id WHERE l.checklist = ? AND c.deleted_at IS NULL"
           + (" AND c.status = ?" if status else "") + " ORDER BY c.year_start DESC, c.title")
    out: dict[str, list[dict]] = {}
    for r in db.query(sql, [checklist, *([status] if status else [])]):
        out.setdefault(r.pop("item"), []).append(r)
    return out


def item_link_counts(db: Database, checklist: str, *, status: str | None = "published") -> dict[str, int]:
    """How many cases link to each item of ``checklist`` (items with none are absent)."""
    sql = ("SELECT l.item, COUNT(*) AS n FROM case_checklist_items l JOIN cases c ON c.id = l.case_id "
           "WHERE l.checklist = ? AND c.deleted_at IS NULL" + (" AND c.status = ?" if status else "") + " GROUP BY l.item")
    return {r["item"]: r["n"] for r in db.query(sql, [checklist, *([status] if status else [])])}


def review_queue(db: Database, user: str) -> list[dict]:
    """Cases in review that ``user`` may publish (not their own, not deleted), longest waiting first."""
    return [dict(r) for r in db.query(
        "SELECT slug, title, category, author, version, updated_at FROM cases WHERE status = 'in_review' "
        "AND deleted_at IS NULL AND author != ? ORDER BY updated_at, title", [user])]


def field_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` for every field whose value differs."""
    return {k: {"old": old.get(k), "new": new.get(k)} for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)}


# ---------------------------------------------------------------- writing (inside a transaction)


def _denormalised(case: Case) -> dict[str, str]:
    return {
        "tags": json.dumps(case.tags, ensure_ascii=False),  # a JSON array, for Datasette's array facet
        "tags_text": " ".join(case.tags),
        "sources_text": "\n".join(" ".join(filter(None, [s.citation, s.doi and f"doi {s.doi}"])) for s in case.sources),
    }


def _columns(case: Case) -> dict[str, Any]:
    data = case.to_dict()
    cols = {k: v for k, v in data.items() if k not in _CHILD_FIELDS}
    return {**cols, **_denormalised(case)}


def _write_children(db: Database, case_id: int, case: Case) -> None:
    db.execute("DELETE FROM sources WHERE case_id = ?", [case_id])
    db.execute("DELETE FROM case_tags WHERE case_id = ?", [case_id])
    db.execute("DELETE FROM case_checklist_items WHERE case_id = ?", [case_id])
    for position, s in enumerate(case.sources):
        db.execute("INSERT INTO sources (case_id, position, citation, doi, pmid, url) VALUES (?, ?, ?, ?, ?, ?)",
                   [case_id, position, s.citation, s.doi, s.pmid, s.url])
    for position, tag in enumerate(case.tags):
        db.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", [tag])
        db.execute("INSERT INTO case_tags (case_id, tag_id, position) SELECT ?, id, ? FROM tags WHERE name = ?",
                   [case_id, position, tag])
    for position, link in enumerate(case.checklist_items):
        db.execute("INSERT INTO case_checklist_items (case_id, position, checklist, item, why) VALUES (?, ?, ?, ?, ?)",
                   [case_id, position, link.checklist, link.item, link.why])


def _add_revision(db: Database, case_id: int, version: int, case: Case, diff: dict, user: str, message: str) -> None:
    db.execute(
        "INSERT INTO case_revisions (case_id, version, snapshot_json, diff_json, user, created_at, message) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [case_id, version, json.dumps(case.to_dict(), ensure_ascii=False), json.dumps(diff, ensure_ascii=False),
         user, now_text(), message],
    )


def insert_case(db: Database, case: Case | dict, *, user: str, message: str = "Created") -> CaseRecord:
    """Insert a validated case as version 1 (no role check: callers check and open the transaction)."""
    case = parse_case(case)
    if db["cases"].count_where("slug = ?", [case.slug]):
        raise DuplicateCase(f"A case called '{case.slug}' already exists; choose another slug.")
    now = now_text()
    cursor = db.execute(
        "INSERT INTO cases ({cols}, version, created_at, updated_at) VALUES ({marks}, 1, ?, ?)".format(
            cols=", ".join(_columns(case)), marks=", ".join("?" * len(_columns(case)))),
        [*_columns(case).values(), now, now],
    )
    case_id = cursor.lastrowid
    _write_children(db, case_id, case)
    _add_revision(db, case_id, 1, case, field_diff({}, case.to_dict()), user, message)
    record_change(db, user=user, table="cases", row_id=case_id, action="create", details=case.slug)
    return CaseRecord(case_id, case, 1, now, now, None)


def _snapshot(db: Database, case_id: int, version: int) -> dict | None:
    rows = list(db.query("SELECT snapshot_json FROM case_revisions WHERE case_id = ? AND version = ?",
                         [case_id, version]))
    return json.loads(rows[0]["snapshot_json"]) if rows else None


def _conflict(db: Database, row: dict, base_version: int, current: Case) -> EditConflict:
    base = _snapshot(db, row["id"], base_version) or {}
    return EditConflict(row["slug"], base_version, row["version"], field_diff(base, current.to_dict()))


def _change(db: Database, slug: str, mutate: Callable[[Case], Case], *, user: str, base_version: int | None,
            message: str, action: str, allow_deleted: bool = False) -> CaseRecord:
    """The one write path for an existing case: lock, check version, validate, save, revision, log."""
    with write_transaction(db):
        row = _row(db, slug)
        if row["deleted_at"] and not allow_deleted:
            raise WorkflowError(f"'{slug}' is deleted; restore it before changing it.")
        current = _case_from_row(db, row)
        if base_version is not None and row["version"] != base_version:
            raise _conflict(db, row, base_version, current)
        new = parse_case(mutate(current).to_dict())
        if new.slug != slug:
            raise CaseValidationError(f"Case '{slug}' is not valid: field 'slug': cannot be changed after creation")
        diff = field_diff(current.to_dict(), new.to_dict())
        if not diff:
            return _record(db, row)
        cols = _columns(new)
        cursor = db.execute(
            "UPDATE cases SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?".format(
                sets=", ".join(f"{c} = ?" for c in cols)),
            [*cols.values(), now_text(), row["id"], row["version"]],
        )
        if cursor.rowcount != 1:  # cannot happen under BEGIN IMMEDIATE; kept as the last line of defence
            raise _conflict(db, _row(db, slug), row["version"], current)
        _write_children(db, row["id"], new)
        _add_revision(db, row["id"], row["version"] + 1, new, diff, user, message)
        record_change(db, user=user, table="cases", row_id=row["id"], action=action,
                      details=f"{slug} v{row['version'] + 1}: {', '.join(diff)}")
        return _record(db, _row(db, slug))


def _with(case: Case, **changes: Any) -> Case:
    return Case.model_construct(**{**dict(case), **changes})


# ---------------------------------------------------------------- public curation API


def create_case(db: Database, data: Case | dict, *, user: str, message: str = "Created draft") -> CaseRecord:
    """Create a new draft authored by ``user`` (a curator or higher)."""
    require_role(db, user, "curator")
    fields = dict(data.to_dict() if isinstance(data, Case) else data)
    fields.update(status="draft", author=user, reviewer=None)
    case = parse_case(fields)
    with write_transaction(db):
        return insert_case(db, case, user=user, message=message)


def update_case(db: Database, slug: str, changes: dict[str, Any], *, base_version: int, user: str,
                message: str = "Edited") -> CaseRecord:
    """Save an edit made on ``base_version``; raises :class:`EditConflict` if the case moved on since.

    ``changes`` maps editable fields (see ``models.EDITABLE_FIELDS``) to new values. Editing a published
    case sends it back to review (it leaves the library until a reviewer publishes it again).
    """
    require_role(db, user, "curator")
    unknown = [k for k in changes if k not in EDITABLE_FIELDS]
    if unknown:
        raise CaseValidationError(
            f"Case '{slug}' is not valid: field '{unknown[0]}': cannot be edited here "
            "(status, author and reviewer change through submit and publish; the slug is fixed)")

    def mutate(current: Case) -> Case:
        edited = parse_case({**current.to_dict(), **changes})
        if current.status == "published" and edited.to_dict() != current.to_dict():
            # Readers only ever see reviewed text: an edited published case goes back to review.
            edited = parse_case({**edited.to_dict(), "status": "in_review", "reviewer": None})
        return edited

    return _change(db, slug, mutate, user=user, base_version=base_version, message=message or "Edited",
                   action="update")


def replace_case(db: Database, case: Case, *, user: str, message: str, base_version: int | None = None) -> CaseRecord:
    """Overwrite every field (status included) with ``case``; for trusted bulk paths such as the seed loader."""
    require_role(db, user, "admin")
    return _change(db, case.slug, lambda _current: case, user=user, base_version=base_version, message=message,
                   action="replace")


def submit_for_review(db: Database, slug: str, *, user: str, base_version: int | None = None) -> CaseRecord:
    """Move a complete draft to review."""
    require_role(db, user, "curator")

    def mutate(current: Case) -> Case:
        if current.status != "draft":
            raise WorkflowError(
                f"'{slug}' is {current.status.replace('_', ' ')}, not a draft; only drafts are submitted.")
        missing = current.missing_for_publication()
        if missing:
            raise WorkflowError(f"'{slug}' cannot go to review yet: fill in {', '.join(missing)}.")
        return _with(current, status="in_review")

    return _change(db, slug, mutate, user=user, base_version=base_version, message="Submitted for review",
                   action="submit")


def publish_case(db: Database, slug: str, *, user: str, base_version: int | None = None) -> CaseRecord:
    """Publish a case in review; only a reviewer or admin who is not the case's author may."""
    require_role(db, user, "reviewer")

    def mutate(current: Case) -> Case:
        if current.status != "in_review":
            raise WorkflowError(f"'{slug}' is {current.status.replace('_', ' ')}; only cases in review are published.")
        if current.author == user:
            raise WorkflowError(f"You wrote '{slug}', so someone else must review and publish it.")
        if last_content_editor(db, slug) == user:
            raise WorkflowError(f"You made the last change to the text of '{slug}', so someone else must review "
                                "and publish it.")
        return _with(current, status="published", reviewer=user)

    return _change(db, slug, mutate, user=user, base_version=base_version, message=f"Published (reviewed by {user})",
                   action="publish")


#: Fields a workflow step changes; every other field is the case's content.
_WORKFLOW_FIELDS = frozenset({"status", "reviewer"})


def last_content_editor(db: Database, slug: str) -> str | None:
    """Who made the latest revision that changed the case's content (not only its status or reviewer)."""
    case_id = _row(db, slug)["id"]
    for rev in db.query("SELECT user, diff_json FROM case_revisions WHERE case_id = ? ORDER BY version DESC",
                        [case_id]):
        if set(json.loads(rev["diff_json"])) - _WORKFLOW_FIELDS:
            return rev["user"]
    return None


def request_changes(db: Database, slug: str, *, user: str, note: str = "",
                    base_version: int | None = None) -> CaseRecord:
    """Send a case in review (or a published one) back to draft, with a note for the author."""
    require_role(db, user, "reviewer")

    def mutate(current: Case) -> Case:
        if current.status == "draft":
            raise WorkflowError(f"'{slug}' is already a draft.")
        return _with(current, status="draft", reviewer=None)

    return _change(db, slug, mutate, user=user, base_version=base_version,
                   message="Returned to draft" + (f": {note}" if note else ""), action="return-to-draft")


def _set_deleted(db: Database, slug: str, *, user: str, deleted: bool) -> CaseRecord:
    with write_transaction(db):
        row = _row(db, slug)
        if (deleted and row["status"] != "draft") or row["author"] != user:
            require_role(db, user, "reviewer")  # others' cases and published ones need a reviewer
        if bool(row["deleted_at"]) == deleted:
            raise WorkflowError(f"'{slug}' is {'already deleted' if deleted else 'not deleted'}.")
        db.execute("UPDATE cases SET deleted_at = ?, updated_at = ? WHERE id = ?",
                   [now_text() if deleted else None, now_text(), row["id"]])
        record_change(db, user=user, table="cases", row_id=row["id"], action="delete" if deleted else "restore",
                      details=slug)
        return _record(db, _row(db, slug))


def delete_case(db: Database, slug: str, *, user: str) -> CaseRecord:
    """Soft delete: the case disappears from the library but keeps its history and can be restored."""
    require_role(db, user, "curator")
    return _set_deleted(db, slug, user=user, deleted=True)


def restore_case(db: Database, slug: str, *, user: str) -> CaseRecord:
    """Undo a soft delete."""
    require_role(db, user, "curator")
    return _set_deleted(db, slug, user=user, deleted=False)


# ---------------------------------------------------------------- revisions


def case_history(db: Database, slug: str) -> list[Revision]:
    """Every saved revision, newest first."""
    row = _row(db, slug)
    return [
        Revision(r["version"], r["user"], r["created_at"], r["message"], list(json.loads(r["diff_json"])))
        for r in db.query("SELECT * FROM case_revisions WHERE case_id = ? ORDER BY version DESC", [row["id"]])
    ]


def revision_diff(db: Database, slug: str, version: int) -> dict[str, dict[str, Any]]:
    """What revision ``version`` changed compared with the one before it."""
    row = _row(db, slug)
    rows = list(db.query("SELECT diff_json FROM case_revisions WHERE case_id = ? AND version = ?",
                         [row["id"], version]))
    if not rows:
        raise ValueError(f"'{slug}' has no version {version}; its latest is {row['version']}.")
    return json.loads(rows[0]["diff_json"])


def get_revision(db: Database, slug: str, version: int) -> Case:
    """The case exactly as saved in revision ``version``."""
    row = _row(db, slug)
    snapshot = _snapshot(db, row["id"], version)
    if snapshot is None:
        raise ValueError(f"'{slug}' has no version {version}; its latest is {row['version']}.")
    return parse_case(snapshot)


def restore_revision(db: Database, slug: str, version: int, *, user: str, base_version: int) -> CaseRecord:
    """Bring back the content of an old revision as a new revision (status and people stay as they are)."""
    old = get_revision(db, slug, version)
    changes = {k: v for k, v in old.to_dict().items() if k in EDITABLE_FIELDS}
    return update_case(db, slug, changes, base_version=base_version, user=user, message=f"Restored version {version}")
