"""Title and DOI of a loaded paper, to fill the appraisal form (the reader can change them).

>>> from appraisal.text import load_document
>>> doc = load_document("Original Investigation | Cardiology\\n\\nA model that reads ECGs from wearable devices\\n\\ndoi:10.1000/xyz123.")
>>> guess_title(doc), guess_doi(doc)
('A model that reads ECGs from wearable devices', '10.1000/xyz123')
"""

from __future__ import annotations

import re

__all__ = ["guess_title", "guess_doi", "document_text"]

FURNITURE = re.compile(r"\||\b(?:original (?:investigation|article|research)|research article|open access|"
                       r"journal|volume|vol\.|issn|copyright|©|received|accepted|published)\b", re.I)
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s;,\"<>]+)", re.I)


def guess_title(document) -> str:
    """The first title-like line near the top: 4 to 40 words, not journal furniture. "" if none."""
    for s in document.sentences[:8]:
        words = s.text.split()
        if 4 <= len(words) <= 40 and not FURNITURE.search(s.text) and not re.search(r"\d,\d|@", s.text):
            return s.text.strip().rstrip(".")
    return ""


def guess_doi(document) -> str:
    """The first DOI in the first 80 sentences (the paper's own, usually on page 1). "" if none."""
    for s in document.sentences[:80]:
        for m in DOI.finditer(s.text):
            doi = m.group(1).rstrip(".)")
            if re.search(r"\d", doi.split("/", 1)[1]):  # "10.1371/journal" cut at a line break is no DOI
                return doi
    return ""


def document_text(document) -> str:
    """The document's sentences as plain text, one per line, for the study-facts patterns."""
    return "\n".join(s.text for s in document.sentences)
