"""Papers are bounded too: file size, PDF pages and extracted text, each refused with a plain message
(checked while extracting, so a small PDF that expands to huge text stops early)."""

from __future__ import annotations

import pytest

from appraisal import text as paper_text
from appraisal.text import DocumentError, load_document
from tests.appraisal.pdf_helpers import text_pdf

SENTENCE = "We trained a logistic regression model on 500 patients and validated it externally."


def test_pdf_with_too_many_pages(monkeypatch):
    monkeypatch.setattr(paper_text, "MAX_PDF_PAGES", 2)
    with pytest.raises(DocumentError, match="paper.pdf has 3 pages, more than the 2"):
        load_document(text_pdf([[SENTENCE]] * 3), "paper.pdf")


def test_pdf_expanding_to_too_much_text(monkeypatch):
    monkeypatch.setattr(paper_text, "MAX_PAPER_CHARS", 150)
    with pytest.raises(DocumentError, match="more than 150 characters"):
        load_document(text_pdf([[SENTENCE], [SENTENCE], [SENTENCE]]), "paper.pdf")


def test_text_and_file_size_limits(monkeypatch, tmp_path):
    monkeypatch.setattr(paper_text, "MAX_PAPER_CHARS", 1000)
    with pytest.raises(DocumentError, match="more than 1,000 characters"):
        load_document((SENTENCE + "\n") * 40, "paper.txt")
    monkeypatch.setattr(paper_text, "MAX_PAPER_BYTES", 100)
    path = tmp_path / "paper.txt"
    path.write_text(SENTENCE * 3)
    with pytest.raises(DocumentError, match="paper.txt is 0 MB, over the 0 MB"):
        load_document(path)
    assert load_document(SENTENCE).sentences  # a pasted string is not a file: only the text limit applies


def test_a_pipe_or_folder_is_refused_without_reading(tmp_path):
    import os

    os.mkfifo(tmp_path / "paper.pdf")
    with pytest.raises(DocumentError, match="not a regular file"):
        load_document(tmp_path / "paper.pdf")  # would block forever if read
    with pytest.raises(DocumentError, match="not a regular file"):
        load_document(tmp_path)
