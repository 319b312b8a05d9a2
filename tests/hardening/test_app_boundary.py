"""The app's page boundary turns database failures and deeply nested input into a calm message (the page
keeps running), instead of the generic 'Something went wrong'."""

from __future__ import annotations

import sys

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture(autouse=True)
def _keep_main_module():
    """AppTest.from_function runs its script as ``__main__`` and leaves it there; multiprocessing's spawn in
    later tests would then re-run that temporary script in each child. Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def _page(error: str) -> None:
    import json
    import sqlite3

    import streamlit as st

    from app.components.layout import page_boundary

    with page_boundary("a test page"):
        if error == "locked":
            raise sqlite3.OperationalError("database is locked")
        json.loads("[" * 100_000 + "]" * 100_000)
    st.write("still running")


@pytest.mark.parametrize("error, expected", [("locked", "write lock"), ("deep", "nested too deeply")])
def test_page_boundary_explains(error, expected):
    at = AppTest.from_function(_page, args=(error,), default_timeout=30).run()
    assert not at.exception
    assert expected in at.error[0].value
    assert at.markdown[-1].value == "still running"
