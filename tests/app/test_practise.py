"""The Practise page: read a case without its lessons, choose items, get feedback and a score, progress kept."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from knowledge.db import open_db
from knowledge.practice import progress
from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "practise.py")
SLUG = "zech-pneumonia-xray-hospital-confounding"  # curated clinician-framework link: Q4 only


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_practise_a_case_and_keep_progress():
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    at.text_input(key="practise_name").set_value("test-learner")
    _ok(at.selectbox(key="practise_case").set_value(SLUG).run())
    shown = " ".join(m.value for m in at.markdown)
    assert "How it was evaluated" in shown and "Lessons for clinicians" not in shown
    at.checkbox(key=f"practise_{SLUG}_Q4").check()
    at.checkbox(key=f"practise_{SLUG}_Q8").check()
    _ok(at.button(key="practise_check").click().run())
    assert at.metric[0].value == "50%"
    feedback = " ".join(m.value for m in at.markdown)
    assert "**Q4** Right: the curators link this item too." in feedback and "3 of 5 comparisons" in feedback
    assert "**Q8** Not linked by the curators" in feedback
    assert any("1 attempt on 1 case, mean score 50%" in c.value for c in at.caption)
    db = open_db()
    assert progress(db, "test-learner").best_by_case == {SLUG: 0.5}
    db.close()


def test_no_name_is_a_clear_message():
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    _ok(at.button(key="practise_check").click().run())
    assert any("Type your name" in e.value for e in at.error)
