"""Open the knowledge base: one SQLite file, WAL, foreign keys on, schema owned by migrations.

The schema is created and changed only by the steps registered on ``MIGRATIONS`` (sqlite-utils'
``Migrations``): each step runs in a transaction together with its record in ``_sqlite_migrations``,
so a half-applied step never exists. Add new steps at the end; never edit an applied one.

Examples
--------
>>> db = open_db(":memory:")
>>> "cases" in db.table_names()
True
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database, Migrations

BUSY_TIMEOUT_MS = 15_000

#: Columns of ``cases`` indexed for full-text search, in FTS column order (bm25 weights follow it).
FTS_COLUMNS = (
    "title", "summary", "clinical_question", "data", "method", "evaluation",
    "outcome", "lessons", "limitations", "tags_text", "sources_text",
)
#: bm25 weight per FTS column: a hit in the title counts most, then summary and tags.
FTS_WEIGHTS = (10.0, 4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 1.5)

MIGRATIONS = Migrations("medlens-knowledge")


def default_db_path() -> Path:
    """The knowledge-base file: ``$MEDLENS_DB`` if set, else ``./data/medlens.db``."""
    return Path(os.environ.get("MEDLENS_DB") or Path("data") / "medlens.db")


def open_db(path: str | os.PathLike | None = None, *, migrate: bool = True, must_exist: bool = False) -> Database:
    """Open (creating if needed) the knowledge base and bring its schema up to date.

    Parameters
    ----------
    path
        The SQLite file; ``None`` means :func:`default_db_path`. ``":memory:"`` gives a private
        in-memory database (handy in tests and doctests).
    migrate
        Apply pending migrations (the default). Cheap when there are none.
    must_exist
        Refuse to create a new library (for commands that only read: a typo in the path must not
        silently give an empty library).
    """
    target = default_db_path() if path is None else path
    if str(target) == ":memory:":
        conn = sqlite3.connect(":memory:", timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        target = Path(target)
        if target.exists() and target.is_dir():
            raise ValueError(
                f"The database path {target} is a folder; give a file name such as {target / 'medlens.db'}")
        if target.exists() and not target.is_file():
            raise ValueError(f"The database path {target} is not a regular file (a pipe or device)")
        if must_exist and (not target.exists() or target.stat().st_size == 0):
            source = " (the path in MEDLENS_DB)" if path is None and os.environ.get("MEDLENS_DB") else ""
            raise ValueError(f"There is no medlens library at {target}{source}; check the path for a typo, or run "
                             "`medlens init` to create a new library there.")
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        _refuse_foreign_or_newer(db, target)
        if str(target) != ":memory:":
            _ensure_wal(db)
        if migrate and MIGRATIONS.pending(db):
            # Under the write lock, so two processes creating the same new file cannot both migrate it
            # (apply() re-checks what is pending once the lock is held; its steps become savepoints).
            with write_transaction(db):
                MIGRATIONS.apply(db)
    except ValueError:
        conn.close()
        raise
    except sqlite3.OperationalError as exc:  # locked, read-only, disk full: the file itself may be fine
        conn.close()
        from knowledge.guards import explain_db_error

        raise ValueError(explain_db_error(exc, target)) from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ValueError(f"{target} is not a medlens database SQLite can read ({exc}).") from exc
    return db


def _ensure_wal(db: Database) -> None:
    """Switch a new file to WAL, waiting out other processes doing the same.

    Two processes that both find a new file in rollback mode and both ask for WAL each hold a read lock
    while wanting the exclusive one; SQLite then answers "database is locked" at once, without the busy
    timeout, to break the deadlock. So retry (up to the busy timeout) until the file is in WAL mode.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.journal_mode != "wal":
                db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _refuse_foreign_or_newer(db: Database, target: object) -> None:
    """Refuse a database another program made (never give it medlens tables) or a newer medlens wrote."""
    tables = set(db.table_names())
    if not tables:
        return  # a new, empty file
    applied = {m.name for m in MIGRATIONS.applied(db)}
    if not applied:
        raise ValueError(f"{target} is an SQLite database from another program (it has no medlens schema); "
                         "medlens will not add its tables to it. Give a different file (--db or MEDLENS_DB).")
    unknown = sorted(applied - {m.name for m in MIGRATIONS._migrations})
    if unknown:
        raise ValueError(f"{target} was written by a newer medlens (schema steps this version does not know: "
                         f"{', '.join(unknown)}); upgrade medlens to open it. Nothing was changed.")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes can fail with "database is locked" without
    waiting when another process wrote in between; taking the lock first makes writers queue on the
    busy timeout instead. Nested use joins the outer transaction through a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def enable_case_search(db: Database) -> None:
    """Create (or re-create) the FTS5 index over cases and the triggers that keep it current.

    Call after any ``transform()`` of ``cases``: sqlite-utils drops the FTS triggers silently.
    """
    db["cases"].enable_fts(list(FTS_COLUMNS), tokenize="porter", create_triggers=True, replace=True)


def transform_table(db: Database, table: str, **kwargs) -> None:
    """``Table.transform`` that keeps full-text search working afterwards (use in migrations)."""
    db[table].transform(**kwargs)
    if table == "cases":
        enable_case_search(db)


def _append_only(db: Database, table: str) -> None:
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed or deleted'); END"
        )


@MIGRATIONS()
def m001_initial_schema(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('reader', 'curator', 'reviewer', 'admin')),
            password_hash TEXT,
            is_system INTEGER NOT NULL DEFAULT 0,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            category TEXT NOT NULL,
            year_start INTEGER,
            year_end INTEGER,
            summary TEXT NOT NULL DEFAULT '',
            clinical_question TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '',
            method TEXT NOT NULL DEFAULT '',
            evaluation TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT '',
            lessons TEXT NOT NULL DEFAULT '',
            limitations TEXT NOT NULL DEFAULT '',
            tags_text TEXT NOT NULL DEFAULT '',
            sources_text TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published')),
            author TEXT NOT NULL,
            reviewer TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE INDEX idx_cases_category ON cases(category);
        CREATE INDEX idx_cases_status ON cases(status);
        CREATE INDEX idx_cases_year ON cases(year_start);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            position INTEGER NOT NULL,
            citation TEXT NOT NULL,
            doi TEXT,
            pmid TEXT,
            url TEXT
        );
        CREATE INDEX idx_sources_case ON sources(case_id);
        CREATE INDEX idx_sources_doi ON sources(doi);
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE case_tags (
            case_id INTEGER NOT NULL REFERENCES cases(id),
            tag_id INTEGER NOT NULL REFERENCES tags(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (case_id, tag_id)
        );
        CREATE INDEX idx_case_tags_tag ON case_tags(tag_id);
        CREATE TABLE case_revisions (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            version INTEGER NOT NULL,
            snapshot_json TEXT NOT NULL,
            diff_json TEXT NOT NULL,
            user TEXT NOT NULL,
            created_at TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            UNIQUE (case_id, version)
        );
        CREATE TABLE change_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id INTEGER,
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE appraisals (
            id INTEGER PRIMARY KEY,
            case_id INTEGER REFERENCES cases(id),
            checklist_id TEXT NOT NULL,
            paper_title TEXT NOT NULL,
            paper_doi TEXT,
            reviewer TEXT,
            created_at TEXT NOT NULL,
            json TEXT NOT NULL
        );
        CREATE INDEX idx_appraisals_case ON appraisals(case_id);
        CREATE TABLE predictions (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            user TEXT NOT NULL,
            model_version TEXT NOT NULL,
            input_name TEXT NOT NULL,
            input_sha256 TEXT NOT NULL,
            quality_verdict TEXT NOT NULL,
            predicted_label TEXT,
            probabilities_json TEXT NOT NULL,
            prediction_set_json TEXT NOT NULL,
            top_reasons_json TEXT NOT NULL,
            abstained INTEGER NOT NULL DEFAULT 0,
            abstain_reasons_json TEXT NOT NULL
        );
        """
    )
    _append_only(db, "change_log")
    _append_only(db, "predictions")
    enable_case_search(db)


@MIGRATIONS()
def m002_case_checklist_items(db: Database) -> None:
    """Cases linked to the checklist items they illustrate (issue 12)."""
    db.executescript(
        """
        CREATE TABLE case_checklist_items (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            position INTEGER NOT NULL,
            checklist TEXT NOT NULL,
            item TEXT NOT NULL,
            why TEXT NOT NULL,
            UNIQUE (case_id, checklist, item)
        );
        CREATE INDEX idx_case_checklist_items_item ON case_checklist_items(checklist, item);
        """
    )


@MIGRATIONS()
def m003_practice_attempts(db: Database) -> None:
    """Practice mode: each learner's answers to a case, scored against its curated checklist links (issue 12)."""
    db.executescript(
        """
        CREATE TABLE practice_attempts (
            id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            checklist TEXT NOT NULL,
            chosen_json TEXT NOT NULL,
            expected_json TEXT NOT NULL,
            score REAL NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_practice_attempts_user ON practice_attempts(user, created_at);
        """
    )


@MIGRATIONS()
def m004_cases_tags_array(db: Database) -> None:
    """The case's tags as a JSON array on ``cases`` too, so Datasette can facet the cases table by tag (issue 12)."""
    db.execute("ALTER TABLE cases ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")
    db.execute(
        "UPDATE cases SET tags = (SELECT json_group_array(name) FROM (SELECT t.name FROM case_tags ct "
        "JOIN tags t ON t.id = ct.tag_id WHERE ct.case_id = cases.id ORDER BY ct.position))"
    )


@MIGRATIONS()
def m005_search_vocabulary(db: Database) -> None:
    """The full-text index's own vocabulary (fts5vocab), for "did you mean" suggestions (issue 12)."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS cases_fts_vocab USING fts5vocab(cases_fts, 'row')")


@MIGRATIONS()
def m006_logs_refuse_reused_ids(db: Database) -> None:
    """The change and audit logs refuse an insert that reuses an existing id (issue 14): ``INSERT OR
    REPLACE`` would otherwise delete the old row without firing the DELETE trigger."""
    for table in ("change_log", "predictions"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_reused_id BEFORE INSERT ON {table} "
            f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: an entry with this id already exists'); END"
        )


@MIGRATIONS()
def m007_login_throttle(db: Database) -> None:
    """Failed logins for names without an account, counted like real accounts' (issue 14), so the lockout
    message never reveals whether an account exists."""
    db.execute("CREATE TABLE IF NOT EXISTS login_throttle (name TEXT PRIMARY KEY, "
               "failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until REAL)")


@MIGRATIONS()
def m008_revisions_append_only(db: Database) -> None:
    """A case's revision history is append-only like the logs (issue 14): no client can edit, delete or
    replace a saved version, so restoring an old text always finds what was really saved."""
    _append_only(db, "case_revisions")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS case_revisions_no_reused_id BEFORE INSERT ON case_revisions "
        "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM case_revisions WHERE id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'case_revisions is append-only: an entry with this id already exists'); END"
    )


@MIGRATIONS()
def m009_appraisal_drafts(db: Database) -> None:
    """Appraisals in progress (``knowledge.appraisals.save_draft``): one row per reviewer, checklist and
    paper. Before this step the table appeared on the first saved draft, outside the migrations; a library
    that already has it keeps it as it is."""
    db.execute("CREATE TABLE IF NOT EXISTS appraisal_drafts (key TEXT PRIMARY KEY, checklist_id TEXT NOT NULL, "
               "paper_title TEXT NOT NULL, reviewer TEXT, updated_at TEXT, json TEXT NOT NULL)")
