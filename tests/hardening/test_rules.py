"""Rules that must hold whatever a client does: throttled logins under concurrency, append-only logs,
built-in accounts that never log in, foreign or newer databases refused."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from argon2 import PasswordHasher

from knowledge import users
from knowledge.db import open_db
from knowledge.users import AuthenticationError, add_user, authenticate, set_password


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    """Argon2 with minimal cost: the rules under test do not depend on the hash's strength."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture()
def db_path(tmp_path):
    path = tmp_path / "kb.db"
    db = open_db(path)
    add_user(db, "alice", "curator", "alice-password")
    users.ensure_system_users(db)
    db.close()
    return path


def _count_checks(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = users._hasher

    class Counting:
        def __getattr__(self, attr):
            return getattr(real, attr)

        def verify(self, hash_, password):
            calls.append(1)
            return real.verify(hash_, password)

    monkeypatch.setattr(users, "_hasher", Counting())
    return calls


@pytest.mark.parametrize("threads", [20])
def test_concurrent_guesses_get_at_most_the_limits_worth_of_checks(db_path, monkeypatch, threads):
    calls = _count_checks(monkeypatch)
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []

    def guess():
        db = open_db(db_path)
        barrier.wait()
        try:
            authenticate(db, "alice", "bad-guess")
        except AuthenticationError as exc:
            outcomes.append(str(exc))
        finally:
            db.close()

    workers = [threading.Thread(target=guess) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(outcomes) == threads
    assert len(calls) <= users.MAX_FAILURES
    assert sum("Too many failed logins" in o for o in outcomes) == threads - len(calls)


def test_lockout_message_is_the_same_for_unknown_names(db_path):
    db = open_db(db_path)
    messages = {}
    for name in ("alice", "nobody-here"):
        for _ in range(users.MAX_FAILURES):
            with pytest.raises(AuthenticationError):
                authenticate(db, name, "bad-guess")
        with pytest.raises(AuthenticationError) as info:
            authenticate(db, name, "bad-guess")
        messages[name] = str(info.value).replace(name, "NAME")
    assert messages["alice"] == messages["nobody-here"]
    assert "Too many failed logins" in messages["alice"] and "NAME" not in messages["alice"]


def test_builtin_accounts_cannot_get_a_password_or_log_in(db_path):
    db = open_db(db_path)
    with pytest.raises(ValueError, match="built-in account"):
        set_password(db, "medlens-team", "a-long-password", by="admin")
    # Even a hash written behind medlens' back does not let a built-in account log in.
    db.execute("UPDATE users SET password_hash = ? WHERE name = 'medlens-team'",
               [users._hasher.hash("a-long-password")])
    db.conn.commit()
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(db, "medlens-team", "a-long-password")
    # An older medlens cleared the built-in flag when setting a password: the account still cannot log in.
    db.execute("UPDATE users SET is_system = 0 WHERE name = 'medlens-team'")
    db.conn.commit()
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        authenticate(db, "medlens-team", "a-long-password")
    with pytest.raises(ValueError, match="built-in account"):
        set_password(db, "medlens-team", "a-long-password", by="admin")


@pytest.mark.parametrize("statement", [
    "INSERT OR REPLACE INTO {t} ({cols}) VALUES ({vals})",
    "REPLACE INTO {t} ({cols}) VALUES ({vals})",
    "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT(id) DO UPDATE SET {first} = excluded.{first}",
])
@pytest.mark.parametrize("table", ["change_log", "predictions", "case_revisions"])
def test_logs_refuse_rewrites_by_reused_id_from_any_client(db_path, statement, table):
    raw = sqlite3.connect(db_path)
    info = [r for r in raw.execute(f"PRAGMA table_info({table})") if r[3] and r[1] != "id"]
    cols = ["id"] + [r[1] for r in info]
    new_id = str(raw.execute(f"SELECT coalesce(max(id), 0) + 1000 FROM {table}").fetchone()[0])
    vals = [new_id] + ["'x'"] * len(info)
    raw.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(vals)})")
    raw.commit()
    sql = statement.format(t=table, cols=", ".join(cols), vals=", ".join([new_id] + ["'forged'"] * len(info)),
                           first=info[0][1])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(sql)
    assert "forged" not in str(list(raw.execute(f"SELECT * FROM {table}")))
    raw.close()


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(ValueError, match="another program"):
        open_db(path)
    assert path.read_bytes() == before


def test_database_from_a_newer_medlens_is_refused(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('medlens-knowledge', 'm999_from_the_future', '2030-01-01')")
    raw.commit()
    raw.close()
    with pytest.raises(ValueError, match="newer medlens .*m999_from_the_future"):
        open_db(db_path)


def test_missing_library_is_not_silently_created_for_reading(tmp_path, monkeypatch):
    typo = tmp_path / "medlnes.db"
    monkeypatch.setenv("MEDLENS_DB", str(typo))
    with pytest.raises(ValueError, match="no medlens library at .*medlnes.db .*MEDLENS_DB"):
        open_db(must_exist=True)
    assert not typo.exists()


@pytest.mark.parametrize("statement", ["UPDATE case_revisions SET message = 'forged'", "DELETE FROM case_revisions"])
def test_revisions_cannot_be_edited_or_deleted(db_path, statement):
    from knowledge.cases import create_case
    from tests.knowledge.conftest import make_case

    db = open_db(db_path)
    create_case(db, make_case("test-revisions"), user="alice")
    db.close()
    raw = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(statement)
    raw.close()
