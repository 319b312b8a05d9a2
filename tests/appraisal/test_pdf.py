"""Loading papers: real PDFs made with pypdf (text, blank/scanned, encrypted, damaged) and text input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.evidence import DocumentError, load_document
from tests.appraisal.pdf_helpers import blank_pdf, text_pdf

PAGES = [
    ["A gradient boosting model to predict readmission", "Methods",
     "We used external validation in a sepa-", "rate hospital, as described by Smith et al. in 2020.",
     "The AUC was 0.85 (Fig. 2)."],
    ["Results", "The calibration slope was 0.91.", "Discussion", "The main limitation is the small sample."],
]


def test_text_pdf_gives_sections_pages_and_sentences(tmp_path):
    doc = load_document(text_pdf(PAGES), filename="paper.pdf")
    assert doc.pages == 2
    texts = [(s.section, s.page, s.text) for s in doc.sentences]
    assert ("Methods", 1, "We used external validation in a separate hospital, as described by Smith et al. in 2020.") in texts
    assert ("Methods", 1, "The AUC was 0.85 (Fig. 2).") in texts
    assert ("Results", 2, "The calibration slope was 0.91.") in texts
    assert doc.sentences[0].part == "title"
    assert [s.section for s in doc.sentences].index("Discussion") > 0
    located = next(s for s in doc.sentences if "calibration" in s.text)
    assert located.location == f"Results, page 2, sentence {located.index + 1}"
    # the same PDF from a path
    path = tmp_path / "paper.pdf"
    path.write_bytes(text_pdf(PAGES))
    assert [s.text for s in load_document(path).sentences] == [s.text for s in doc.sentences]
    assert [s.text for s in load_document(str(path)).sentences] == [s.text for s in doc.sentences]


def test_encrypted_pdf_is_refused_plainly():
    with pytest.raises(DocumentError, match="password-protected"):
        load_document(text_pdf(PAGES, password="secret"), filename="locked.pdf")


def test_encrypted_with_empty_password_still_opens():
    doc = load_document(text_pdf(PAGES, password=""), filename="open.pdf")
    assert any("calibration slope" in s.text for s in doc.sentences)


def test_blank_pdf_is_reported_as_scanned():
    with pytest.raises(DocumentError, match="scanned"):
        load_document(blank_pdf(), filename="scan.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\nthis is not really a pdf", text_pdf(PAGES)[:300]])
def test_damaged_pdf_gives_a_plain_message(data):
    with pytest.raises(DocumentError, match="could not be read as a PDF"):
        load_document(data, filename="broken.pdf")


def test_pdf_name_with_non_pdf_bytes():
    with pytest.raises(DocumentError, match="not a valid PDF"):
        load_document(b"hello there", filename="paper.pdf")


@pytest.mark.parametrize("source", [b"", b"   \n ", "", "  \n\n "])
def test_empty_input(source):
    with pytest.raises(DocumentError, match="empty"):
        load_document(source)


def test_binary_garbage_and_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="does not look like text"):
        load_document(b"\x00\x01\x02binary", filename="data.bin")
    with pytest.raises(DocumentError, match="no file called"):
        load_document(tmp_path / "nope.pdf")
    with pytest.raises(DocumentError, match="no file called"):
        load_document("missing-paper.pdf")


def test_text_bytes_in_other_encodings():
    doc = load_document("# Methods\nPatients were aged \u226565 years; caf\u00e9 staff.".encode("utf-8"), filename="a.md")
    assert doc.sentences[0].text == "Patients were aged \u226565 years; caf\u00e9 staff."
    doc = load_document("# Methods\nCaf\u00e9 patients.".encode("cp1252"), filename="a.txt")
    assert doc.sentences[0].text == "Caf\u00e9 patients."


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["x.pdf", "x.txt", "x.md", None]))
def test_any_bytes_give_a_document_or_a_plain_error(data, name):
    try:
        doc = load_document(data, filename=name)
    except DocumentError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    else:
        assert doc.sentences and all(s.text.strip() for s in doc.sentences)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_damaged_pdf_tails_never_crash(tail):
    data = text_pdf(PAGES)
    try:
        load_document(data[: len(data) // 2] + tail, filename="cut.pdf")
    except DocumentError:
        pass


def test_pdf_structure_roman_headings_inline_references_and_status():
    """The same structure rules for PDF text: Roman-numeral headings, a reference list on the heading's line."""
    from appraisal.checklists import load_checklist
    from appraisal.evidence import assess_evidence

    pages = [
        ["A wearable model for atrial fibrillation", "I. INTRODUCTION",
         "Earlier studies have used calibration plots for such detectors.", "II. METHODS",
         "We used leave-one-out cross-validation to estimate performance.",
         "The study was approved by the institutional review board."],
        ["III. RESULTS", "The AUC was 0.91 in cross-validation.", "IV. DISCUSSION AND FUTURE DIRECTION",
         "External validation is warranted.",
         "REFERENCES [1] A. Author, Calibration plots for detectors, J. Med. 2019."],
    ]
    doc = load_document(text_pdf(pages), filename="paper.pdf")
    parts = {s.text: s.part for s in doc.sentences}
    assert parts["We used leave-one-out cross-validation to estimate performance."] == "methods"
    assert parts["The AUC was 0.91 in cross-validation."] == "results"
    assert parts["External validation is warranted."] == "discussion"
    assert not any("Calibration plots for detectors" in s.text for s in doc.sentences)
    found = assess_evidence(doc, load_checklist("tripod-ai"))
    assert found["17"].status == "reported"
    assert found["10"].status == "not_reported"
    aspects = {a.concept: a.status for a in found["12e"].aspects}
    assert aspects["calibration"] == "not_reported"  # only background mentions it
    assert aspects["discrimination"] == "reported"


def test_pdf_subheading_lines_after_a_finished_sentence():
    pages = [["A model paper", "Methods", "We describe the cohort below.", "Study Population",
              "Adults admitted to two hospitals were", "included in the study.", "Missing Values",
              "Missing values were imputed with the median."]]
    doc = load_document(text_pdf(pages), filename="paper.pdf")
    sections = {s.text: (s.section, s.part) for s in doc.sentences}
    assert sections["Adults admitted to two hospitals were included in the study."] == ("Study Population", "methods")
    assert sections["Missing values were imputed with the median."] == ("Missing Values", "methods")
    assert not any(s.text.startswith("Study Population") for s in doc.sentences)
