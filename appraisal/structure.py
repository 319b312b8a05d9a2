"""The structure of a paper: which lines are headings, which part of the paper a heading opens, and what
kind of text a paragraph is (body text, a figure or table caption, a table row, a reference entry).

Works on plain text from any source (a .txt/.md file or text extracted from a PDF): numbered headings
("3. Results and Discussion"), Roman-numeral headings ("II. METHODS"), lettered sub-headings
("A. Data Collection"), headings in capitals, Markdown and bold headings, and a reference list that starts
on the heading's own line ("References [1] A. Author ...").

Examples
--------
>>> heading_of("II. METHODS")
Heading(title='Methods', level=1, part='methods')
>>> heading_of("4. Discussion and conclusions").part
'discussion'
>>> heading_of("We used 5-fold cross-validation.") is None
True
>>> paragraph_kind("Figure 2. Calibration plot of the model in the test set.")
'caption'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "Heading",
    "canonical_part",
    "heading_of",
    "is_subheading_paragraph",
    "paragraph_kind",
    "references_start",
    "is_background",
    "BODY_PARTS",
]

# The canonical parts of a paper, keyed by a heading's first words (compared lower-case, letters only).
_PART_WORDS = {
    "abstract": "abstract", "summary": "abstract", "structured abstract": "abstract",
    "background": "introduction", "introduction": "introduction", "related work": "introduction",
    "methods": "methods", "method": "methods", "materials and methods": "methods", "material and methods": "methods",
    "patients and methods": "methods", "methodology": "methods", "study design": "methods",
    "statistical analysis": "methods", "statistical analyses": "methods", "data sources": "methods",
    "participants": "methods", "experimental setup": "methods", "experiments": "methods",
    "results": "results", "findings": "results", "experimental results": "results",
    "discussion": "discussion", "limitations": "discussion", "conclusion": "discussion",
    "conclusions": "discussion", "interpretation": "discussion", "future work": "discussion",
    "references": "references", "bibliography": "references", "literature cited": "references",
    "works cited": "references", "reference": "references",
    "acknowledgements": "other", "acknowledgments": "other", "acknowledgement": "other",
    "acknowledgment": "other", "funding": "other", "declarations": "other", "data availability": "other",
    "code availability": "other", "data availability statement": "other", "supplementary material": "other",
    "supplementary information": "other", "appendix": "other", "author contributions": "other",
    "competing interests": "other", "conflicts of interest": "other", "conflict of interest": "other",
    "ethics statement": "other", "ethics approval": "other", "additional information": "other",
}
# Parts of the paper where the authors report their own work (as opposed to background and discussion).
BODY_PARTS = frozenset({"methods", "results", "other"})
_ROMAN = re.compile(r"^\s*([IVX]{1,5})\.\s+([A-Z][^.!?;]{1,80})$")
_LETTERED = re.compile(r"^\s*([A-H])\.\s+([A-Z][A-Za-z][^.!?;:]{1,70})$")
_NUMBERED = re.compile(r"^\s*((?:\d+\.)*\d+)\.?\s+([A-Z][^.!?:;]{1,80})$")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,80})(?:\*\*|__)\s*:?\s*$")
_REFERENCES_INLINE = re.compile(
    r"^\s*(?:[IVX]{1,5}\.\s+|\d+\.?\s+)?(references|bibliography|literature cited)\s*:?\s+(?=\[\d|\d{1,3}\.\s|\(\d)",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^\s*(?:supplementary |extended data |e)?(fig\.?|figure|table|box|chart)\s*(?:[0-9]+[a-z]?|[IVX]+|S\d+)\b"
    r"(?!\s*\(values\))\s*[.:|\-\u2013\u2014]?",
    re.IGNORECASE,
)
_TABLE_BLOCK = re.compile(r"^\s*(?:table|e?table)\s*(?:[0-9]+|[IVX]+|S\d+)\s*\(values\)\s*:", re.IGNORECASE)
_REFERENCE_ENTRY = re.compile(
    r"^\s*(?:\[\d{1,3}\]|\d{1,3}\.)\s+[A-Z][A-Za-z'\-]+,?\s+(?:[A-Z]{1,3}\b|[A-Z]\.)"  # "12. Smith AB," "[3] J. Smith"
    r"|\b(?:19|20)\d{2}\s*;\s*\d+\s*(?:\(\d+\))?\s*:\s*[e\d]"  # "2018;20(7):e10493"
)


@dataclass(frozen=True)
class Heading:
    title: str
    level: int  # 1 = a main section, 2 = a sub-section
    part: str | None  # canonical part the heading opens, None for a sub-heading that keeps the current part
    plain: bool = field(default=False, repr=False)  # a bare line ("RESULTS"), not numbered or marked up


def canonical_part(title: str) -> str | None:
    """The canonical part a heading title names: "Results and Discussion" -> "results"; None if none.

    >>> canonical_part("MATERIALS AND METHODS"), canonical_part("Conclusions and relevance")
    ('methods', 'discussion')
    """
    key = re.sub(r"[^a-z ]", " ", title.lower())
    key = re.sub(r"\s+", " ", key).strip()
    if key in _PART_WORDS:
        return _PART_WORDS[key]
    # compound headings: "Results and Discussion", "Discussion and future direction", "Methods and findings"
    first = re.split(r" (?:and|&) | ", key, maxsplit=1)[0] if key else ""
    words = key.split()
    if len(words) <= 6:
        for n in (3, 2, 1):
            head = " ".join(words[:n])
            if head in _PART_WORDS and (n == len(words) or words[n] in ("and", "of", "for", "statement", "section")):
                return _PART_WORDS[head]
    return _PART_WORDS.get(first) if first in ("abstract", "references", "acknowledgements", "acknowledgments") else None


def _clean_title(title: str) -> str:
    title = title.strip().rstrip(":").strip()
    return title.title() if title.isupper() and len(title) > 3 else title


def heading_of(line: str) -> Heading | None:
    """The heading a single line is, or None.

    >>> heading_of("3. Results and Discussion")
    Heading(title='Results and Discussion', level=1, part='results')
    >>> heading_of("A. Data Collection")
    Heading(title='Data Collection', level=2, part=None)
    """
    if len(line) > 120 and not _MD_HEADING.match(line):
        return None
    if m := _MD_HEADING.match(line):
        title = m.group(2).strip(" *_")
        return Heading(title, len(m.group(1)), canonical_part(title))
    if m := _BOLD_HEADING.match(line):
        title = m.group(1).strip()
        return Heading(title, 2 if not canonical_part(title) else 1, canonical_part(title))
    stripped = line.strip().rstrip(":").strip()
    if m := _ROMAN.match(stripped):
        title = _clean_title(m.group(2))
        if len(title.split()) <= 8:
            return Heading(title, 1, canonical_part(title))
    if (m := _LETTERED.match(stripped)) and len(m.group(2).split()) <= 8:
        title = _clean_title(m.group(2))
        return Heading(title, 2, canonical_part(title))
    bare = re.sub(r"^(?:\d+\.)*\d+\.?\s+", "", stripped)  # "2. Methods" -> "Methods"
    if bare and len(bare) <= 60 and (part := canonical_part(bare)):
        return Heading(_clean_title(bare), 1, part, plain=bare == stripped)
    if (m := _NUMBERED.match(line)) and len(words := m.group(2).split()) <= 10:
        # "2.1 Study population" is a heading; "1. We recruited adults" is a list item unless title-cased
        title = m.group(2).strip()
        if "." in m.group(1) or canonical_part(title) or all(w[0].isupper() or len(w) <= 3 for w in words):
            level = m.group(1).count(".") + 1
            return Heading(_clean_title(title), level, canonical_part(title) if level == 1 else None)
    return None


def references_start(line: str) -> str | None:
    """For a line such as "References [1] A. Smith ...", the text after the heading word; else None."""
    m = _REFERENCES_INLINE.match(line)
    return line[m.end():] if m else None


def is_subheading_paragraph(text: str) -> bool:
    """A short paragraph of its own that reads like a sub-heading ("Study Population", "Missing Values").

    Only used for text whose paragraphs are separated by blank lines (not for PDF page text).
    """
    text = text.strip()
    words = text.split()
    if not 1 <= len(words) <= 8 or len(text) > 70:
        return False
    if text[-1] in ".!?;:," or "|" in text or re.search(r"\d{3,}|[=<>%]|https?:|@", text):
        return False
    if not text[0].isupper():
        return False
    small = {"and", "of", "the", "in", "for", "to", "a", "an", "on", "with", "by", "at", "or", "vs", "from", "as"}
    return all(w[0].isupper() or not w[0].isalpha() or w.lower() in small for w in words) or (
        len(words) <= 4 and words[0][0].isupper()
    )


def paragraph_kind(text: str) -> str:
    """"table" (a re-typed table block), "caption", "reference" or "text"."""
    if _TABLE_BLOCK.match(text):
        return "table"
    if _CAPTION.match(text) and not re.match(r"^\s*(?:fig\.?|figure|table)\s*\d+[a-z]?\s+(?:shows|showed|"
                                             r"presents|lists|gives|summari[sz]es|displays|illustrates)\b",
                                             text, re.IGNORECASE):
        return "caption"
    if _REFERENCE_ENTRY.search(text[:160]) and len(text) < 600:
        return "reference"
    return "text"


_FIRST_PERSON = re.compile(r"\b(we|our|us)\b", re.IGNORECASE)
_THIS_STUDY = re.compile(r"\b(this|the present|the current) (study|work|paper|article|analysis)\b", re.IGNORECASE)
_OTHERS_WORK = re.compile(
    r"\bet al\b|\b(previous|prior|earlier|recent|other|several|many|existing|published)\s+(\w+\s+)?"
    r"(stud(y|ies)|work|reports?|research|authors|groups|models|approaches|literature|investigators)\b"
    r"|\b(has|have) (been )?(previously |widely |recently )?(shown|reported|demonstrated|proposed|described|"
    r"used|applied|developed|suggested)\b|\bin the literature\b",
    re.IGNORECASE,
)


def is_background(text: str, part: str) -> bool:
    """True for a sentence about other people's work or general background, not what the authors did.

    Introduction sentences are background; elsewhere, a sentence about earlier studies ("Smith et al.
    showed", "previous studies have used") without a first-person statement is background too.

    >>> is_background("Previous studies have used multiple imputation for missing data.", "methods")
    True
    >>> is_background("We used multiple imputation, as previous studies have done.", "methods")
    False
    """
    if part == "references":
        return True
    if part == "introduction":  # background, except the authors' own summary ("Here we trained ...")
        return not _FIRST_PERSON.search(text) and not _THIS_STUDY.search(text)
    return bool(_OTHERS_WORK.search(text)) and not _FIRST_PERSON.search(text)
