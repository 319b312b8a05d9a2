"""Every registered page renders through the real navigation (app/main.py) without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize("spec", PAGES, ids=[p.title for p in PAGES])
def test_page_renders(spec):
    at = AppTest.from_file(str(REPO_ROOT / "app" / "main.py"), default_timeout=180).run()
    if spec.path != "views/home.py":
        at.switch_page(spec.path).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if "Something went wrong" in e.value]
    assert errors == []
    expected = "medlens" if spec.path == "views/home.py" else spec.title
    assert [t.value for t in at.title][:1] == [expected]
