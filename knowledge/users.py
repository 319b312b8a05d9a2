"""Users and roles: readers need no login; curators write, reviewers publish, admins manage users.

Passwords are stored only as argon2 hashes. Repeated failed logins lock the account for a delay
that doubles with every further failure (the clock is injectable so tests need not wait).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlite_utils import Database

from knowledge.audit import record_change
from knowledge.db import write_transaction

ROLES = ("reader", "curator", "reviewer", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLE_MEANING = {
    "reader": "reads and searches published cases (no login needed)",
    "curator": "writes and edits cases and submits them for review",
    "reviewer": "everything a curator does, and publishes other people's cases",
    "admin": "everything, and manages users",
}
#: Built-in accounts that own the seed library; they have no password and cannot log in.
SYSTEM_USERS = {"medlens-team": "curator", "medlens-review": "reviewer", "medlens-seed": "admin"}

MAX_FAILURES = 5
BASE_LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 3600.0
MIN_PASSWORD_LENGTH = 8
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

_hasher = PasswordHasher()


class AuthenticationError(ValueError):
    """Login failed: wrong name or password, or the account is locked for a while."""


class PermissionDenied(ValueError):
    """The user's role does not allow this action."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    is_system: bool = False

    def can(self, minimum_role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum_role]


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise ValueError(
            f"User name {name!r} is not allowed: use 2-40 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"Role {role!r} is unknown: choose one of {', '.join(ROLES)}.")
    return role


def add_user(db: Database, name: str, role: str, password: str | None = None, *,
             by: str = "medlens-cli", system: bool = False) -> User:
    """Create a user. Everyone but readers and system users needs a password of 8+ characters."""
    name, role = _check_name(name), _check_role(role)
    if not system and role != "reader":
        if not password or len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"The password for {name} must have at least {MIN_PASSWORD_LENGTH} characters.")
    with write_transaction(db):
        if db["users"].count_where("name = ?", [name]):
            raise ValueError(f"A user called {name!r} already exists.")
        row_id = db["users"].insert({
            "name": name, "role": role, "password_hash": _hasher.hash(password) if password else None,
            "is_system": int(system), "failed_attempts": 0, "locked_until": None, "created_at": _now_text(),
        }).last_pk
        record_change(db, user=by, table="users", row_id=row_id, action="create", details=f"role={role}")
    return User(name, role, system)


def ensure_system_users(db: Database) -> list[str]:
    """Create the built-in accounts that own the seed library if missing; returns the names created."""
    created = []
    for name, role in SYSTEM_USERS.items():
        if not db["users"].count_where("name = ?", [name]):
            add_user(db, name, role, by="medlens-init", system=True)
            created.append(name)
    return created


def get_user(db: Database, name: str) -> User:
    rows = list(db["users"].rows_where("name = ?", [(name or "").strip().lower()]))
    if not rows:
        raise PermissionDenied(f"There is no user called {name!r}. An admin can add one with `medlens user add`.")
    row = rows[0]
    return User(row["name"], row["role"], bool(row["is_system"]))


def list_users(db: Database) -> list[dict]:
    """Users without their password hashes."""
    return [
        {"name": r["name"], "role": r["role"], "system": bool(r["is_system"]), "created_at": r["created_at"],
         "locked": bool(r["locked_until"] and r["locked_until"] > time.time())}
        for r in db["users"].rows_where(order_by="name")
    ]


def require_role(db: Database, name: str, minimum_role: str) -> User:
    """The user, if their role is at least ``minimum_role``; else :class:`PermissionDenied`."""
    user = get_user(db, name)
    if not user.can(minimum_role):
        raise PermissionDenied(
            f"{user.name} is a {user.role}; this needs a {minimum_role} or higher "
            f"({minimum_role}s {ROLE_MEANING[minimum_role].split(' (')[0]})."
        )
    return user


def set_password(db: Database, name: str, password: str, *, by: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user = get_user(db, name)
    if user.is_system or user.name in SYSTEM_USERS:
        raise ValueError(f"{user.name} is a built-in account that owns the seed library and never logs in; "
                         "add a personal account instead (`medlens user add NAME --role ...`).")
    with write_transaction(db):
        db.execute("UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL "
                   "WHERE name = ?", [_hasher.hash(password), user.name])
        record_change(db, user=by, table="users", row_id=None, action="set-password", details=user.name)


def lock_seconds(failures: int) -> float:
    """Lock delay after ``failures`` consecutive failures: none below MAX_FAILURES, then doubling."""
    if failures < MAX_FAILURES:
        return 0.0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - MAX_FAILURES), MAX_LOCK_SECONDS)


def _reserve_attempt(db: Database, key: str, user_id: int | None, now: float) -> float:
    """Count this attempt as a failure *before* the password is checked, under the write lock, and return
    how many seconds the name is still locked (0 when the check may go ahead).

    Counting first, atomically, means concurrent attempts cannot all read the same old count: however many
    arrive together, at most ``MAX_FAILURES`` passwords are checked before the lock. Unknown names are
    counted too (in ``login_throttle``), so the lockout does not reveal which accounts exist.
    """
    table, where, args = ("users", "id = ?", [user_id]) if user_id is not None else ("login_throttle", "name = ?", [key])
    with write_transaction(db):
        if user_id is None:
            db.execute("INSERT OR IGNORE INTO login_throttle (name, failed_attempts, locked_until) VALUES (?, 0, NULL)",
                       [key])
        failures, locked_until = db.execute(f"SELECT failed_attempts, locked_until FROM {table} WHERE {where}",
                                            args).fetchone()
        if locked_until and locked_until > now:
            return locked_until - now
        failures += 1
        delay = lock_seconds(failures)
        db.execute(f"UPDATE {table} SET failed_attempts = ?, locked_until = ? WHERE {where}",
                   [failures, now + delay if delay else None, *args])
    return 0.0


def authenticate(db: Database, name: str, password: str, *, clock: Callable[[], float] = time.time) -> User:
    """Check a login. Raises :class:`AuthenticationError` with a message safe to show the user (the same
    for unknown names and real accounts, so it never tells whether an account exists)."""
    now = clock()
    key = (name or "").strip().lower()[:80]
    rows = list(db["users"].rows_where("name = ?", [key]))
    row = rows[0] if rows else None
    wrong = AuthenticationError("Wrong user name or password.")
    wait = _reserve_attempt(db, key, row["id"] if row else None, now)
    if wait:
        _hasher.hash(password or "-")  # same work as a real check, so timing reveals nothing either
        raise AuthenticationError(
            f"Too many failed logins with this name: try again in {max(1, math.ceil(wait))} seconds "
            "(or ask an admin to set a new password)."
        )
    ok = False
    # Built-in accounts never log in, even where an older medlens let `user password` clear their flag.
    if row is not None and row["password_hash"] and not row["is_system"] and row["name"] not in SYSTEM_USERS:
        try:
            ok = _hasher.verify(row["password_hash"], password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password or "-")  # same work as a real check, so timing does not reveal names
    if not ok:
        if row is not None:
            with write_transaction(db):
                failures = db.execute("SELECT failed_attempts FROM users WHERE id = ?", [row["id"]]).fetchone()[0]
                record_change(db, user=key, table="users", row_id=row["id"], action="login-failed",
                              details=f"failures={failures}")
        raise wrong
    with write_transaction(db):  # the attempt counted above was a success after all
        db.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [row["id"]])
        if _hasher.check_needs_rehash(row["password_hash"]):
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [_hasher.hash(password), row["id"]])
        record_change(db, user=key, table="users", row_id=row["id"], action="login")
    return User(row["name"], row["role"], bool(row["is_system"]))
