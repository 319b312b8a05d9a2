"""Fixtures for decision_support tests: one quick demo model per session (trained in a few seconds)."""

from __future__ import annotations

import pytest

from tests.decision_support.quick_model import quick_model_folder


@pytest.fixture(scope="session")
def quick_model_dir():
    """Folder of a quick demo model (4 simulated subjects per class); do not modify it."""
    return quick_model_folder()


@pytest.fixture(scope="session")
def quick_model(quick_model_dir):
    """The quick demo model, loaded (shared: do not modify it)."""
    from decision_support.registry import load_model

    return load_model(quick_model_dir)
