"""The "Compare appraisals" page with two reviewers' JSON files built here, and saved appraisals."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from appraisal.checklists import load_checklist
from appraisal.model import Appraisal, Paper
from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "compare_appraisals.py")
PROBAST = load_checklist("probast")


def _appraisal(reviewer: str, changes: dict[str, str]) -> Appraisal:
    a = Appraisal(checklist_id="probast", study_type="evaluation", reviewer=reviewer,
                  paper=Paper(title="Sepsis model", authors=["Smith J"], year=2021))
    for item in PROBAST.items:
        a = a.with_answer(item.id, changes.get(item.id, "Y"))
    return a


def _files(*appraisals: Appraisal):
    return [(f"{a.reviewer}.json", a.to_json().encode(), "application/json") for a in appraisals]


@pytest.mark.slow
def test_two_reviewers_agreement_conflicts_consensus_and_plots():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("at least two" in i.value for i in at.info)
    first = _appraisal("AB", {"4.1": "N"})
    second = _appraisal("CD", {"4.1": "PN", "3.5": "NI"})
    at.get("file_uploader")[0].set_value(_files(first, second))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    markdown = "\n".join(m.value for m in at.markdown)
    assert "All items: agreed on 18 of 20 items (90%)" in markdown
    assert "2 conflicts." in markdown
    at.selectbox(key="third_4.1").set_value("N").run()
    assert any("1 settled by the third reviewer, 1 left open" in c.value for c in at.caption)
    texts = "\n".join(t.value for t in at.text)
    assert "Risk of bias for 2 papers." in texts
    assert "Overall: 100% high." in texts


@pytest.mark.slow
def test_a_broken_file_is_reported_and_saved_appraisals_can_be_picked():
    from knowledge.appraisals import save_appraisal
    from knowledge.db import open_db

    db = open_db()
    try:
        ids = [save_appraisal(db, _appraisal(r, {}).to_dict()) for r in ("AB", "CD")]
    finally:
        db.close()
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.get("file_uploader")[0].set_value([("broken.json", b"{nope", "application/json")])
    at.multiselect(key="saved_appraisals").set_value(ids).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("broken.json is not valid JSON" in e.value.replace("\\", "") for e in at.error)
    assert "All items: agreed on 20 of 20 items (100%)" in "\n".join(m.value for m in at.markdown)


def test_one_row_per_paper_no_none_cells_and_plot_downloads():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    first = _appraisal("AB", {"4.1": "N"})
    second = _appraisal("CD", {"4.1": "PN", "3.5": "NI"})
    at.get("file_uploader")[0].set_value(_files(first, second)).run()
    assert not at.exception, [e.value for e in at.exception]
    by_paper = at.dataframe[0].value
    assert list(by_paper["paper"]) == ["Sepsis model"] and by_paper["reviewers"].item() == "AB, CD"
    assert by_paper["percent agreement"].item() == "90%"
    for frame in at.dataframe:
        assert not frame.value.isna().any().any() and "None" not in frame.value.astype(str).values
    downloads = {b.proto.label for b in at.get("download_button")}
    assert {"Download the traffic-light plot (PNG)", "Download the traffic-light plot (SVG)",
            "Download the summary plot (PNG)", "Download the summary plot (SVG)"} <= downloads
    texts = "\n".join(t.value for t in at.text)
    assert "Applicability: 1. Participants: not yet judged" in texts
