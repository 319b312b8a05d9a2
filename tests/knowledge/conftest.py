"""Fixtures for the knowledge tests: a fresh database file with one user per role, and case factories."""

from __future__ import annotations

import copy

import pytest

from knowledge.db import open_db
from knowledge.users import add_user, ensure_system_users

# Clearly test data: realistic fields, invented content, example.org links.
BASE_CASE = {
    "slug": "test-emg-carpal-tunnel",
    "title": "TEST: EMG classifier for carpal tunnel syndrome",
    "category": "biosignals",
    "year_start": 2019,
    "year_end": None,
    "summary": "TEST DATA. A classifier trained on surface EMG to flag carpal tunnel syndrome.",
    "clinical_question": "Does this hand need nerve conduction studies?",
    "data": "Invented test cohort of 120 recordings.",
    "method": "Random forest on time-domain features.",
    "evaluation": "Held-out subjects, with a confusion matrix (test source).",
    "outcome": "Never deployed (test data).",
    "lessons": "Check subject-level splits.",
    "limitations": "Test data only.",
    "sources": [{"citation": "Test Author. An invented test paper. Test J. 2019.", "doi": "10.9999/test.2019.001",
                 "pmid": None, "url": None}],
    "tags": ["emg", "carpal-tunnel"],
    "status": "draft",
    "author": "alice",
    "reviewer": None,
}


def make_case(slug: str = BASE_CASE["slug"], **overrides) -> dict:
    data = copy.deepcopy(BASE_CASE)
    data["slug"] = slug
    if "sources" not in overrides:
        data["sources"][0]["doi"] = f"10.9999/{slug}"
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch):
    """Real argon2, with cheap parameters so the suite stays fast (production uses the library defaults)."""
    from argon2 import PasswordHasher

    from knowledge import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "kb.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    ensure_system_users(database)
    add_user(database, "alice", "curator", "alice-password", by="test")
    add_user(database, "bob", "reviewer", "bob-password1", by="test")
    add_user(database, "carol", "admin", "carol-password", by="test")
    add_user(database, "rita", "reader", by="test")
    yield database
    database.close()
