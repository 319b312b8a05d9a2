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

from appraisal.structure import (
    Heading,
    canonical_part,
    heading_of,
    is_background,
    is_subheading_paragraph,
    paragraph_kind,
    references_start,
)

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
    kind: str = "text"  # text, caption (figure/table caption), table (a row of a table)
    background: bool = False  # about others' work or general background, not what the authors did

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
def _canonical(title: str) -> str | None:
    return canonical_part(title)


def _heading(line: str) -> tuple[str, int] | None:
    """(title, level) when the line is a heading, else None (kept for callers of the old helper)."""
    head = heading_of(line)
    return None if head is None else (head.title, head.level)


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
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,80})(?:\*\*|__)\s*:?\s*$")
_RUN_IN_ABSTRACT = re.compile(r"^\s*abstract\s*(?:[\u2014\u2013:.-]+|\s)\s*(?=[A-Z])", re.IGNORECASE)


def _paragraphs(lines: list[str], blank_separated: bool):
    """Group lines into items: ("heading", Heading), ("text", paragraph) or ("table", [rows]).

    A re-typed table ("Table 2 (values):" followed by rows with " | " cells) runs to the next blank line.
    With `blank_separated` (text files), a short title-like paragraph of its own is a sub-heading.
    """
    buffer: list[str] = []
    table: list[str] | None = None
    # PDF text has no blank lines between paragraphs: a short title-like line after a finished sentence is
    # a sub-heading there too

    def flush():
        if buffer:
            joined = " ".join(buffer)
            joined = re.sub(r"(\w)- (\w)", r"\1\2", joined) if "- " in joined else joined  # PDF hyphenation
            buffer.clear()
            if blank_separated and is_subheading_paragraph(joined) and paragraph_kind(joined) == "text":
                part = canonical_part(joined)
                return ("heading", Heading(joined.strip(), 1 if part else 2, part, plain=True))
            return ("text", joined)
        return None

    for raw in lines:
        line = re.sub(r"^\s{0,3}>\s?", "", raw.rstrip())  # Markdown block quotes
        line = line.replace("**", "").replace("__", "") if not _BOLD_LINE.match(line) else line
        if table is not None:
            ends_table = not line.strip() or (
                not blank_separated and " | " not in line and (len(line.split()) > 12 or line.rstrip().endswith(".")))
            if not ends_table:
                table.append(line.strip())
                continue
            yield ("table", table)
            table = None
            if not line.strip():
                continue
        if not line.strip():
            if (item := flush()) is not None:
                yield item
            continue
        if paragraph_kind(line) == "table":
            if (item := flush()) is not None:
                yield item
            table = [line.strip()]
            continue
        if (rest := references_start(line)) is not None:  # "References [1] A. Smith ..." on one line
            if (item := flush()) is not None:
                yield item
            yield ("heading", Heading("References", 1, "references"))
            yield ("text", rest)
            continue
        head = heading_of(line)
        if head is None and not blank_separated and is_subheading_paragraph(line) and paragraph_kind(line) == "text" \
                and (not buffer or buffer[-1].rstrip().endswith((".", "?", "!", ":"))) and len(line.split()) <= 6:
            head = Heading(line.strip(), 2, None, plain=True)  # a PDF sub-heading line after a finished sentence
        if head is not None:
            if (item := flush()) is not None:
                yield item
            yield ("heading", head)
            continue
        stripped = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line) if re.match(r"^\s*(?:[-*+]|\d+[.)])\s+\S", line) else line
        if stripped is not line:  # a list item is a paragraph of its own
            if (item := flush()) is not None:
                yield item
            if paragraph_kind(line) == "reference":
                stripped = line
        buffer.append(stripped.strip())
    if table is not None:
        yield ("table", table)
    if (item := flush()) is not None:
        yield item


class _Builder:
    """Walks the paragraphs of a paper and keeps track of its title, section and part."""

    def __init__(self, is_pdf: bool):
        self.is_pdf = is_pdf
        self.sentences: list[Sentence] = []
        self.sections: list[str] = []
        self.section, self.part = "Front matter", "other"
        self.title_done = False
        self.main_seen = False  # a main section (Introduction, Methods, ...) has started
        self.abstract_labels: set[str] = set()
        self.abstract_words = 0

    def add(self, text: str, page: int | None, kind: str = "text", part: str | None = None) -> None:
        part = part or self.part
        background = kind == "text" and is_background(text, part)
        self.sentences.append(Sentence(text, self.section, page, len(self.sentences), part, kind, background))
        if part == "abstract":
            self.abstract_words += len(text.split())

    def heading(self, head: Heading, page: int | None) -> None:
        if head.level == 1 and not self.title_done and not head.part and not self.sentences:
            self.title_done = True  # a top-level heading before anything else is the paper's title
            self.section, self.part = "Title", "title"
            self.sections.append("Title")
            self.add(head.title, page, part="title")
            return
        part = head.part
        if self.part == "abstract" and head.plain and part not in (None, "references", "other"):
            # structured abstracts: "Methods", "Results", "Conclusions" inside the abstract stay abstract
            label = head.title.lower()
            if part != "introduction" or head.title.lower() == "background":
                if label not in self.abstract_labels and self.abstract_words < 650 and not (
                    part == "introduction" and label != "background"
                ):
                    self.abstract_labels.add(label)
                    part = "abstract"
        if part is None and head.level == 1 and not head.plain and self.main_seen:
            # an unnamed main section ("2. Model", "III. Data"): methods between the introduction and the
            # results, otherwise the part it follows
            part = "methods" if self.part in ("introduction", "methods") else self.part
        self.section = head.title
        if part is not None:
            self.part = part
            self.main_seen = self.main_seen or part in ("introduction", "methods", "results", "discussion")
        elif head.level == 1 and self.part in ("references",):
            self.part = "other"
        if self.section not in self.sections:
            self.sections.append(self.section)

    def paragraph(self, text: str, page: int | None) -> None:
        if self.part == "references":
            return
        kind = paragraph_kind(text)
        if kind == "reference":
            return  # a reference entry outside a References section (e.g. a footnote list)
        part = None
        if m := _RUN_IN_ABSTRACT.match(text):  # "Abstract— Atrial fibrillation ..."
            text, part = text[m.end():], "abstract"
            self.part = "abstract"
            self.section = "Abstract"
            if "Abstract" not in self.sections:
                self.sections.append("Abstract")
        elif not self.main_seen and self.part == "other" and len(text.split()) >= 60 and self.title_done:
            # before the first section: the first long paragraph is the abstract, later ones the introduction
            seen_abstract = any(s.part == "abstract" for s in self.sentences)
            part = "introduction" if seen_abstract else "abstract"
        for sentence in split_sentences(text):
            if len(sentence) < 3:
                continue
            if self.is_pdf and not self.title_done and not self.sentences and self.section == "Front matter":
                self.title_done = True  # the first line of a PDF is usually its title
                self.add(sentence, page, part="title")
                continue
            if (not self.title_done and not self.sentences and not self.is_pdf and len(sentence.split()) <= 30
                    and self.section == "Front matter"):
                self.title_done = True  # the first short line of a text paper is its title
                self.section = "Title"
                self.add(sentence, page, part="title")
                self.section = "Front matter"
                continue
            self.add(sentence, page, kind if kind == "caption" else "text", part)

    def table(self, rows: list[str], page: int | None) -> None:
        if self.part == "references":
            return
        caption = re.sub(r"\(values\)\s*:", "", rows[0]).strip()
        for row in rows[1:]:
            if len(row) >= 3:
                self.add(f"{caption}: {row}", page, "table")


def _build(pages: list[str], name: str, is_pdf: bool) -> Document:
    builder = _Builder(is_pdf)
    for page_no, page_text in enumerate(pages, start=1):
        page = page_no if is_pdf else None
        for kind, value in _paragraphs(page_text.splitlines(), blank_separated=not is_pdf):
            if kind == "heading":
                builder.heading(value, page)
            elif kind == "table":
                builder.table(value, page)
            else:
                builder.paragraph(value, page)
    sentences, sections = builder.sentences, builder.sections
    if not sentences:
        raise DocumentError(f"{name} contains no readable sentences.")
    if "Front matter" not in sections and any(s.section == "Front matter" for s in sentences):
        sections.insert(0, "Front matter")
    return Document(sentences, sections, name, len(pages) if is_pdf else None)


#: Bounds on a paper (issue 14): an article with its supplement fits easily; a hostile file does not.
MAX_PAPER_BYTES = 100 * 1024 * 1024
MAX_PDF_PAGES = 1000
MAX_PAPER_CHARS = 5_000_000


def _check_paper_size(size: int, name: str) -> None:
    if size > MAX_PAPER_BYTES:
        raise DocumentError(f"{name} is {size / 1e6:,.0f} MB, over the {MAX_PAPER_BYTES / 1e6:.0f} MB medlens reads "
                            "for a paper; load the article without its supplements.")


def _check_paper_chars(chars: int, name: str) -> None:
    if chars > MAX_PAPER_CHARS:
        raise DocumentError(f"{name} holds more than {MAX_PAPER_CHARS:,} characters of text, far more than a paper; "
                            "load the article itself (without supplements), or paste its text.")


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
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(f"{name} has {len(reader.pages):,} pages, more than the {MAX_PDF_PAGES:,} medlens "
                                "reads; load the article itself without its supplements.")
        pages, chars = [], 0
        for page in reader.pages:  # stop early: a small PDF can expand to far more text than any paper
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _check_paper_chars(chars, name)
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
        if path.exists() and not path.is_file():  # a folder, or a pipe that would block the read forever
            raise DocumentError(f"{name} is not a regular file (a folder, pipe or device); give the paper's file.")
        try:
            _check_paper_size(path.stat().st_size, name)
            source = path.read_bytes()
        except FileNotFoundError:
            raise DocumentError(f"There is no file called {path}.") from None
        except OSError as exc:
            raise DocumentError(f"Could not read {path}: {exc.strerror or exc}.") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_paper_size(len(data), name)
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
    _check_paper_chars(len(text), name)
    return _build([text], name, is_pdf=False)
