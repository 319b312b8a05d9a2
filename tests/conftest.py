"""Shared fixtures. Every test gets its own knowledge-base file so nothing touches ./data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDLENS_DB", str(tmp_path / "medlens.db"))
    monkeypatch.setenv("MEDLENS_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("MEDLENS_CACHE_DIR", str(tmp_path / "cache"))
