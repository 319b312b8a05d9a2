"""When the audit-log write fails (database locked for more than 15 s, read-only, disk full), the
prediction must still be shown, with a warning that it was not logged: never silently lost.

``app.actions.predict_and_log`` turns a failed write into ``Outcome.audit_problem`` with
:func:`audit_problem`; the `medlens predict` command and the Decision support page show
:func:`not_logged_warning`.

>>> import sqlite3
>>> audit_problem(sqlite3.OperationalError("attempt to write a readonly database"))
'The database file is read-only; nothing was changed. Check its permissions.'
"""

from __future__ import annotations

import sqlite3

from knowledge.guards import explain_db_error

#: What a failed audit write can raise: SQLite's errors, open_db's own messages, the file system's.
AUDIT_WRITE_ERRORS = (sqlite3.Error, ValueError, OSError)


def audit_problem(exc: BaseException) -> str:
    """A plain message for a failed audit-log write."""
    if isinstance(exc, sqlite3.Error):
        return explain_db_error(exc)
    return str(exc) or type(exc).__name__


def not_logged_warning(problem: str) -> str:
    return (f"This prediction was NOT written to the audit log: {problem} Keep a copy of the result, and "
            "predict again once the database can be written.")

