"""Paper text for the evidence finder: load a PDF or text/Markdown, split it into sections and sentences.

Examples
--------
>>> doc = load_document("# Methods\\nWe used 5-fold cross-validation, e.g. as in Fig. 2. The AUC was 0.85.")
>>> [(s.section, s.text) for s in doc.sentences]
[('Methods', 'We used 5-fold cross-validation, e.g. as in Fig. 2.'), ('Methods', 'The AUC was 0.85.')]
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DocumentError", "Sentence", "Document", "load_document", "split_sentences"]


class DocumentError(ValueError):
    """The paper could not be read: damaged, scanned without text, password-protected or empty."""


@dataclass(frozen=True)
class Sentence:
    text: str
    section: str  # nearest heading above the sentence, e.g. "Statistical analysis"
    page: int | None  # 1-based PDF page; None for text input
    index: int  # 0-based position in the document
    part: str = "other"  # canonical part: title, abstract, introduction, methods, results, discussion, other

    @property
    def location(self) -> str:
        page = f", page {self.page}" if self.page is not None else ""
        return f"{self.section}{page}, sentence {self.index + 1}"


@dataclass(frozen=True)
class Document:
    sentences: list[Sentence]
    sections: list[str]
    name: str = "pasted text"
    pages: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


# -------------------------------------------------------------------------------------------- sections
_PARTS = {
    "abstract": "abstract", "summary": "abstract", "structured abstract": "abstract",
    "background": "introduction", "introduction": "introduction",
    "methods": "methods", "method": "methods", "materials and methods": "methods",
    "patients and methods": "methods", "methodology": "methods", "study design": "methods",
    "statistical analysis": "methods", "data sources": "methods", "participants": "methods",
    "results": "results", "findings": "results",
    "discussion": "discussion", "limitations": "discussion", "conclusion": "discussion",
    "conclusions": "discussion", "interpretation": "discussion",
    "references": "references", "bibliography": "references", "acknowledgements": "other",
    "acknowledgments": "other", "funding": "other", "declarations": "other", "data availability": "other",
    "code availability": "other", "supplementary material": "other", "appendix": "other",
}
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*((?:\d+\.)*\d+)\.?\s+([A-Z][^.!?:;]{1,80})$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,80})(?:\*\*|__)\s*:?\s*$")


def _canonical(title: str) -> str | None:
    key = re.sub(r"[^a-z ]", "", title.lower()).strip()
    return _PARTS.get(key)


def _heading(line: str) -> tuple[str, int] | None:
    """(title, level) when the line is a heading, else None."""
    if m := _MD_HEADING.match(line):
        return m.group(2).strip(" *_"), len(m.group(1))
    if m := _BOLD_HEADING.match(line):
        return m.group(1).strip(), 2
    stripped = re.sub(r"^(?:\d+\.)*\d+\.?\s+", "", line.strip().rstrip(":").strip())  # "2. Methods" -> "Methods"
    if stripped and len(stripped) <= 40 and _canonical(stripped):
        return stripped.title() if stripped.isupper() else stripped, 1
    if (m := _NUMBERED_HEADING.match(line)) and len(words := m.group(2).split()) <= 10:
        # "2.1 Study population" is a heading; "1. We recruited adults" is a list item unless title-cased
        if "." in m.group(1) or _canonical(m.group(2)) or all(w[0].isupper() or len(w) <= 3 for w in words):
            return m.group(2).strip(), m.group(1).count(".") + 1
    return None


# -------------------------------------------------------------------------------------------- sentences
# Words after which a full stop does not end a sentence (compared lower-case, without the stop).
_ABBREVIATIONS = {
    "al", "e.g", "i.e", "eg", "ie", "fig", "figs", "vs", "approx", "cf", "dr", "prof", "no", "nos", "etc",
    "eq", "eqs", "ref", "refs", "tab", "suppl", "min", "max", "st", "mr", "ms", "mrs", "inc", "ltd", "co",
    "incl", "resp", "vol", "pp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.k", "sd", "iqr", "ca", "est", "dept", "univ", "sec", "chap", "ed", "eds",
}
_BOUNDARY = re.compile(r"([.!?])([\"'\u2019\u201d)\]]*)\s+(?=[\"'\u2018\u201c(\[]?[A-Z0-9])")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping "et al.", "e.g.", "Fig. 2", "vs." and decimals intact.

    >>> split_sentences("Smith et al. reported an AUC of 0.85 vs. 0.80 (Fig. 1). It was e.g. good! Next?")
    ['Smith et al. reported an AUC of 0.85 vs. 0.80 (Fig. 1).', 'It was e.g. good!', 'Next?']
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.group(1) == ".":
            before = _TOKEN_BEFORE.search(text[start:m.start(1)])
            word = before.group(1).lower().lstrip("(\"'[") if before else ""
            if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
                continue  # "et al.", "e.g.", initials such as "J. Smith"
        out.append(text[start:m.end(2)].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


# -------------------------------------------------------------------------------------------- loading
def _paragraphs(lines: list[str]):
    """Group lines into paragraphs; headings become their own items: ("heading", title, level) or ("text", ...)."""
    buffer: list[str] = []

    def flush():
        if buffer:
            joined = " ".join(buffer)
            joined = re.sub(r"(\w)- (\w)", r"\1\2", joined) if "- " in joined else joined  # PDF hyphenation
            buffer.clear()
            return ("text", joined, 0)
        return None

    for raw in lines:
        line = re.sub(r"^\s{0,3}>\s?", "", raw.rstrip())  # Markdown block quotes
        line = line.replace("**", "").replace("__", "") if not _BOLD_HEADING.match(line) else line
        if not line.strip():
            if (item := flush()) is not None:
                yield item
            continue
        head = _heading(line) if len(line) <= 120 or _MD_HEADING.match(line) else None
        if head is not None:
            if (item := flush()) is not None:
                yield item
            yield ("heading", head[0], head[1])
            continue
        stripped = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line) if re.match(r"^\s*(?:[-*+]|\d+[.)])\s+\S", line) else line
        if stripped is not line:  # a list item is a paragraph of its own
            if (item := flush()) is not None:
                yield item
        buffer.append(stripped.strip())
    if (item := flush()) is not None:
        yield item


def _build(pages: list[str], name: str, is_pdf: bool) -> Document:
    sentences: list[Sentence] = []
    sections: list[str] = []
    section, part = "Front matter", "other"
    title_done = False
    for page_no, page_text in enumerate(pages, start=1):
        for kind, value, level in _paragraphs(page_text.splitlines()):
            if kind == "heading":
                canonical = _canonical(value)
                if level == 1 and not title_done and not canonical:
                    # a top-level heading before anything else is the paper's title
                    title_done = True
                    sentences.append(Sentence(value, "Title", page_no if is_pdf else None, len(sentences), "title"))
                    section, part = "Title", "title"
                    sections.append("Title")
                    continue
                section = value
                part = canonical or (part if level > 1 and part not in ("title",) else "other")
                if section not in sections:
                    sections.append(section)
                continue
            if part == "references":
                continue
            for text in split_sentences(value):
                if len(text) < 3:
                    continue
                this_part = part
                if is_pdf and not title_done and not sentences and section == "Front matter":
                    title_done = True  # the first line of a PDF is usually its title
                    this_part = "title"
                sentences.append(Sentence(text, section, page_no if is_pdf else None, len(sentences), this_part))
    if not sentences:
        raise DocumentError(f"{name} contains no readable sentences.")
    if "Front matter" not in sections and any(s.section == "Front matter" for s in sentences):
        sections.insert(0, "Front matter")
    return Document(sentences, sections, name, len(pages) if is_pdf else None)


def _load_pdf(data: bytes, name: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many PDFs are "encrypted" with an empty password
            except Exception:  # noqa: BLE001 - unsupported encryption is reported below in plain words
                ok = 0
            if not ok:
                raise DocumentError(
                    f"{name} is password-protected. Open it in a PDF reader, save an unprotected copy, "
                    "and load that (or paste the text)."
                )
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DocumentError:
        raise
    except (FileNotDecryptedError,):
        raise DocumentError(f"{name} is password-protected. Save an unprotected copy, or paste the text.") from None
    except (PdfReadError, Exception):  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise DocumentError(
            f"{name} could not be read as a PDF (it may be damaged or incomplete). "
            "Try downloading it again, or paste the text instead."
        ) from None
    if not pages:
        raise DocumentError(f"{name} has no pages.")
    if sum(len(p.strip()) for p in pages) < 40:
        raise DocumentError(
            f"{name} has no text that can be extracted; it is probably a scanned image. Run it through OCR "
            "(text recognition) first, or paste the text."
        )
    return _build(pages, name, is_pdf=True)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name} does not look like text or a PDF. Load a PDF, a .txt or a .md file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def load_document(source: str | bytes | os.PathLike, filename: str | None = None) -> Document:
    """Load a paper from a path, raw bytes (an upload) or a string of text/Markdown.

    A string that names an existing file is read as that file; any other string is the paper's text.
    Raises DocumentError with a plain message if the paper cannot be read.
    """
    name = filename or "the pasted text"
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and len(source) < 1024
        and (Path(source).suffix.lower() in (".pdf", ".txt", ".md", ".markdown") or Path(source).is_file())
    ):
        path = Path(source)
        name = filename or path.name
        try:
            source = path.read_bytes()
        except FileNotFoundError:
            raise DocumentError(f"There is no file called {path}.") from None
        except OSError as exc:
            raise DocumentError(f"Could not read {path}: {exc.strerror or exc}.") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data.strip():
            raise DocumentError(f"{name} is empty.")
        if data.lstrip()[:5] == b"%PDF-":
            return _load_pdf(data, name)
        if name.lower().endswith(".pdf"):
            raise DocumentError(f"{name} is not a valid PDF (it does not start like one). It may be damaged.")
        text = _decode(data, name)
    elif isinstance(source, str):
        text = source
    else:
        raise DocumentError(f"Cannot read a paper from a {type(source).__name__}; give a path, bytes or text.")
    if not text.strip():
        raise DocumentError(f"{name} is empty.")
    return _build([text], name, is_pdf=False)
