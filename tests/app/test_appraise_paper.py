"""The "Appraise a paper" page: choose PROBAST, load the sample paper, answer, see the judgement, save."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "appraise_paper.py")


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120).run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


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
