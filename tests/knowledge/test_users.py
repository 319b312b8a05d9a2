"""Accounts: argon2 hashes, roles, and throttled logins (with an injected clock)."""

from __future__ import annotations

import pytest

from knowledge import users
from knowledge.users import AuthenticationError, authenticate


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_password_is_stored_as_argon2_hash(db):
    row = next(db["users"].rows_where("name = 'alice'"))
    assert row["password_hash"].startswith("$argon2") and "alice-password" not in row["password_hash"]
    assert authenticate(db, "Alice", "alice-password").role == "curator"


def test_wrong_password_and_unknown_user_give_the_same_message(db):
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(db, "alice", "nope")
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(db, "mallory", "nope")


def test_system_users_cannot_log_in(db):
    with pytest.raises(AuthenticationError):
        authenticate(db, "medlens-team", "")


def test_repeated_failures_lock_with_growing_delay(db):
    clock = Clock()
    for _ in range(users.MAX_FAILURES):
        with pytest.raises(AuthenticationError, match="Wrong"):
            authenticate(db, "alice", "bad-guess", clock=clock)
    # Locked now: even the right password is refused until the delay passes.
    with pytest.raises(AuthenticationError, match="try again in 30 seconds"):
        authenticate(db, "alice", "alice-password", clock=clock)
    clock.now += 31
    with pytest.raises(AuthenticationError, match="Wrong"):
        authenticate(db, "alice", "bad-guess", clock=clock)
    with pytest.raises(AuthenticationError, match="try again in 60 seconds"):
        authenticate(db, "alice", "alice-password", clock=clock)
    clock.now += 61
    assert authenticate(db, "alice", "alice-password", clock=clock).name == "alice"
    assert next(db["users"].rows_where("name = 'alice'"))["failed_attempts"] == 0


def test_lock_delay_is_capped():
    assert users.lock_seconds(users.MAX_FAILURES - 1) == 0
    assert users.lock_seconds(users.MAX_FAILURES) == users.BASE_LOCK_SECONDS
    assert users.lock_seconds(100) == users.MAX_LOCK_SECONDS


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("Bad Name", "curator", "longpassword", "not allowed"),
    ("dave", "wizard", "longpassword", "unknown"),
    ("dave", "curator", "short", "at least 8"),
    ("alice", "curator", "longpassword", "already exists"),
])
def test_add_user_errors(db, name, role, password, message):
    with pytest.raises(ValueError, match=message):
        users.add_user(db, name, role, password)


def test_roles_and_listing(db):
    assert users.require_role(db, "bob", "curator").role == "reviewer"
    with pytest.raises(users.PermissionDenied, match="reviewer or higher"):
        users.require_role(db, "alice", "reviewer")
    listed = {u["name"]: u for u in users.list_users(db)}
    assert listed["carol"]["role"] == "admin" and "password_hash" not in listed["carol"]
    assert listed["medlens-team"]["system"] is True


def test_set_password(db):
    users.set_password(db, "alice", "a-new-password", by="carol")
    assert authenticate(db, "alice", "a-new-password").name == "alice"
    with pytest.raises(AuthenticationError):
        authenticate(db, "alice", "alice-password")
