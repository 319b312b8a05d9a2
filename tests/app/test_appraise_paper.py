"""The "Appraise a paper" page: choose PROBAST, load the sample paper, answer, see the judgement, save."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "appraise_paper.py")


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120).run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.slow
def test_probast_with_the_sample_paper_gives_a_live_judgement():
    at = _page()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="checklist").set_value("probast").run()
    at.button(key="load_sample").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Made-up teaching example" in at.text_area(key="paper_text").value
    assert any("Loaded" in c.value for c in at.caption)
    # Evidence candidates and suggestions are shown, marked as suggestions.
    suggestions = [i.value for i in at.info if i.value.startswith("Suggestion only, please check")]
    assert suggestions, "the sample paper should trigger at least one suggested answer"
    at.radio(key="study_type").set_value("evaluation").run()
    at.radio(key="answer_1.1").set_value("Y").run()
    at.radio(key="answer_1.2").set_value("PY").run()
    at.radio(key="answer_4.1").set_value("N").run()
    assert not at.exception, [e.value for e in at.exception]
    text = _markdown(at)
    assert "Overall risk of bias: High." in text
    assert "Domain 4 (analysis) is high risk because 4.1 (enough participants with the outcome) was answered No." in text
    assert "1. Participants: Low." in text
    assert at.get("progress")[0].proto.text == "3 of 20 questions answered (15%)"


def test_answers_survive_switching_checklists_and_the_save_works():
    at = _page()
    at.selectbox(key="checklist").set_value("probast").run()
    at.radio(key="answer_2.1").set_value("NI").run()
    at.selectbox(key="checklist").set_value("tripod-ai").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Adherence" in _markdown(at)
    at.selectbox(key="checklist").set_value("probast").run()
    assert at.radio(key="answer_2.1").value == "NI"  # not lost while TRIPOD+AI was shown
    # Saving without a title explains what is missing instead of failing.
    at.button(key="save_appraisal").click().run()
    assert any("paper.title" in e.value for e in at.error)
    at.text_input(key="paper_title").input("A sepsis model").run()
    at.button(key="save_appraisal").click().run()
    assert any("Saved as appraisal number" in s.value for s in at.success)


def test_odd_pasted_text_does_not_break_the_page():
    at = _page()
    for text in ("   ", "%%%", "<script>alert(1)</script> Sample size was 10."):
        at.text_area(key="paper_text").input(text).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "Not yet judged" in _markdown(at) or "Adherence" in _markdown(at)


def test_a_saved_appraisal_can_be_continued():
    from appraisal.model import Appraisal, DomainOverride, Paper

    saved = Appraisal(checklist_id="probast", study_type="evaluation", reviewer="AB",
                      paper=Paper(title="Sepsis model", authors=["Smith J"], year=2021))
    saved = saved.with_answer("4.1", "N", evidence_quote="Only 40 events", comment="too few")
    saved = saved.model_copy(update={"domain_overrides": {
        "analysis": DomainOverride(judgement="low", reason="EPV 40 is fine here")}})
    at = _page()
    at.get("file_uploader")[0].set_value(("a.json", saved.to_json().encode(), "application/json"))
    at.button(key="resume").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="checklist").value == "probast"
    assert at.radio(key="answer_4.1").value == "N"
    assert at.text_area(key="quote_4.1").value == "Only 40 events"
    assert at.text_input(key="paper_title").value == "Sepsis model"
    assert "4. Analysis: Low.** Domain 4 (analysis) is low risk by the reviewer's judgement" in _markdown(at)
    # A broken file is explained and nothing is lost.
    at.get("file_uploader")[0].set_value(("b.json", b"{nope", "application/json"))
    at.button(key="resume").click().run()
    assert any("b.json is not valid JSON" in e.value.replace("\\", "") for e in at.error)
    assert at.radio(key="answer_4.1").value == "N"


# ---------------------------------------------------------------------------------------------- issue 11

from tests.appraisal.pdf_helpers import blank_pdf, text_pdf  # noqa: E402

PAPER = ("Original Investigation | Cardiology\n\n"
         "A deep learning model that detects atrial fibrillation from smartwatch recordings\n\n"
         "doi:10.1000/af.2024.17\n\nMethods\nWe enrolled 412 consecutive patients. The reference standard was a "
         "12-lead ECG read by two cardiologists. The gold standard readers were blinded.\n\nResults\n"
         "Sensitivity was 91.1% (95% CI 93.0% to 95.0%) and specificity 0.80 (0.76-0.84).\n")


def _upload(at: AppTest, name: str, data: bytes, mime: str = "text/plain") -> AppTest:
    uploader = [u for u in at.get("file_uploader") if u.proto.id.endswith("paper_upload") or "paper_upload" in u.proto.id]
    uploader[0].set_value((name, data, mime))
    return at.run()


def _expander(at: AppTest, start: str):
    return next(e for e in at.expander if e.label.startswith(start))


def test_an_answered_item_stays_open_and_its_header_updates_at_once():
    at = _page()
    at.selectbox(key="checklist").set_value("quadas-2").run()
    assert _expander(at, "1.1.").label.endswith("Not answered")
    at.radio(key="answer_1.1").set_value("Y").run()
    assert not at.exception, [e.value for e in at.exception]
    item = _expander(at, "1.1.")
    assert item.label.endswith("\u2014 Yes") and item.proto.expanded
    assert not _expander(at, "1.2.").proto.expanded


def test_uploaded_paper_fills_title_and_doi_survives_and_shows_its_numbers():
    at = _upload(_page(), "af.txt", PAPER.encode())
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="paper_title").value.startswith("A deep learning model that detects atrial")
    assert at.text_input(key="paper_doi").value == "10.1000/af.2024.17"
    assert any("1 of this paper's reported numbers is inconsistent" in e.value for e in at.error)
    # the study-type step read the paper: a diagnostic accuracy study -> QUADAS-2 proposed
    assert at.checkbox(key="kind_diagnostic_accuracy").value
    at.button(key="use_checklist_quadas-2").click().run()
    assert at.selectbox(key="checklist").value == "quadas-2"
    # another page's run drops the upload widget's value; the kept paper is still loaded
    at.session_state["paper_upload"] = None
    at.run()
    assert any(c.value.startswith("Loaded af") for c in at.caption)
    at.button(key="forget_paper").click().run()
    assert not any(c.value.startswith("Loaded") for c in at.caption)


def test_drafts_autosave_and_resume_in_a_new_session():
    at = _page()
    at.selectbox(key="checklist").set_value("quadas-2").run()
    at.text_input(key="paper_title").input("AF smartwatch study").run()
    at.text_input(key="reviewer").input("Ana").run()
    at.radio(key="answer_2.2").set_value("N").run()
    assert any("Draft saved" in c.value for c in at.caption)
    fresh = _page()
    assert "AF smartwatch study" in fresh.selectbox(key="draft_choice").format_func(fresh.selectbox(key="draft_choice").value)
    fresh.button(key="resume_draft").click().run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert fresh.selectbox(key="checklist").value == "quadas-2"
    assert fresh.radio(key="answer_2.2").value == "N"
    assert "2. Index test: High." in _markdown(fresh)


@pytest.mark.parametrize(
    "data,message",
    [(blank_pdf(), "scanned"), (text_pdf([["Methods", "We used a model."]], password="secret"), "password-protected"),
     (b"%PDF-1.7\nthis is not really a pdf", "could not be read as a PDF")],
    ids=["scanned", "encrypted", "corrupt"],
)
def test_unreadable_pdfs_give_a_clear_message_and_the_page_keeps_working(data, message):
    at = _upload(_page(), "paper.pdf", data, "application/pdf")
    assert not at.exception, [e.value for e in at.exception]
    assert any(message in e.value for e in at.error)
    at.radio(key="answer_Q1").set_value("yes").run() if any(r.key == "answer_Q1" for r in at.radio) else None
    assert not at.exception
