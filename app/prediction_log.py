"""Log a prediction to the audit log without ever losing it: if the write fails (database locked for
more than 15 s, read-only, disk full), the prediction is still shown, with a warning that it was not logged.

One function for both front doors (the `medlens predict` command and the Decision support page).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from decision_support.predict import audit_record
from knowledge.audit import log_prediction
from knowledge.db import open_db
from knowledge.guards import explain_db_error


@dataclass(frozen=True)
class LogOutcome:
    audit_id: int | None
    problem: str | None = None

    @property
    def warning(self) -> str | None:
        if self.problem is None:
            return None
        return (f"This prediction was NOT written to the audit log: {self.problem} "
                "Keep a copy of the result, and predict again once the database can be written.")


def log_safely(result, user: str, input_name: str, *, opener: Callable[[], Database] = open_db) -> LogOutcome:
    """Write one prediction to the audit log (a database from ``opener``); a failed write becomes
    ``LogOutcome.problem``, not an error, so the caller still shows the prediction."""
    try:
        db = opener()
        try:
            return LogOutcome(log_prediction(db, **audit_record(result, user, input_name)))
        finally:
            db.close()
    except sqlite3.Error as exc:
        return LogOutcome(None, explain_db_error(exc))
    except (ValueError, OSError) as exc:  # open_db's own messages (not a medlens database, a folder, ...)
        return LogOutcome(None, str(exc))
