"""Every registered page renders in AppTest without an exception and shows its own title."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize("spec", PAGES, ids=[p.title for p in PAGES])
def test_page_renders(spec):
    at = AppTest.from_file(str(REPO_ROOT / "app" / spec.path), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if "Something went wrong" in e.value]
    assert errors == []
    expected = "medlens" if spec.path == "pages/home.py" else spec.title
    assert [t.value for t in at.title][:1] == [expected]
