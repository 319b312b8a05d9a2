"""The case and source models (pydantic v2): the one place that says what a valid case is.

The fields follow the case YAML format in ``knowledge/seed/*.yaml``. A bad field gives a
:class:`CaseValidationError` whose message names the field, e.g. ``field 'year_start': ...``.

Examples
--------
>>> case = parse_case({"slug": "demo-case", "title": "A demo", "category": "biosignals",
...     "year_start": 2020, "summary": "Short.", "author": "medlens-team",
...     "sources": [{"citation": "Someone 2020", "url": "https://example.org/paper"}]})
>>> case.status
'draft'
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CATEGORIES: dict[str, str] = {
    "expert-systems": "Expert systems",
    "covid-diagnosis": "COVID-19 diagnosis",
    "covid-prognosis": "COVID-19 prognosis",
    "drug-discovery": "Drug discovery",
    "disease-stratification": "Disease stratification and molecular subtypes",
    "deployment-lessons": "Deployment, bias and accountability lessons",
    "biosignals": "Biosignals and EMG",
}
STATUSES: dict[str, str] = {"draft": "Draft", "in_review": "In review", "published": "Published"}

#: Long text fields, in reading order, with the label shown to readers.
BODY_FIELDS: dict[str, str] = {
    "summary": "Summary",
    "clinical_question": "Clinical question",
    "data": "Data",
    "method": "Method",
    "evaluation": "How it was evaluated",
    "outcome": "What happened",
    "lessons": "Lessons for clinicians",
    "limitations": "Limitations",
}
#: Fields a curator edits directly; status, author and reviewer change only through the workflow.
EDITABLE_FIELDS = ("title", "category", "year_start", "year_end", *BODY_FIELDS, "sources", "tags", "checklist_items")
#: Every case field with the words shown to people (forms, error messages, revision diffs).
FIELD_LABELS: dict[str, str] = {
    "slug": "Short name (slug)", "title": "Title", "category": "Category", "year_start": "Year",
    "year_end": "Until (year)", **BODY_FIELDS, "sources": "Sources", "tags": "Tags",
    "checklist_items": "Checklist items", "status": "Status", "author": "Author", "reviewer": "Reviewer",
}
MAX_CHECKLIST_LINKS = 8
#: Bounds on every other text field and list of a case (issue 14: only the summary had one).
MAX_BODY_CHARS = 20_000
MAX_SOURCES = 30
MAX_TAGS = 30

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = SLUG_RE
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def clean_text(value: Any) -> Any:
    """One kind of line break (\\n) and no control characters, so text survives YAML, JSON and SQLite alike."""
    if isinstance(value, str):
        return _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", value))
    return value


class CaseValidationError(ValueError):
    """A case (or source) failed validation; ``errors`` lists ``(field, message)`` pairs."""

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.errors = errors or []

    def field_messages(self) -> list[tuple[str, str]]:
        """``(label, message)`` per bad field in the words of the form: ``("Year", "must be a whole number...")``."""
        return [(field_label(field), message) for field, message in self.errors] or [("Case", str(self))]


def field_label(field: str) -> str:
    """The words for a field path: ``sources[0].doi`` -> ``Sources, line 1, DOI``."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", field)
    words = []
    for part in parts:
        if part.startswith("["):
            words.append(f"line {int(part[1:-1]) + 1}")
        else:
            words.append(FIELD_LABELS.get(part) or _SUBFIELD_LABELS.get(part) or part.replace("_", " "))
    return ", ".join(words) or "Case"


_SUBFIELD_LABELS = {"citation": "citation", "doi": "DOI", "pmid": "PMID", "url": "URL", "checklist": "checklist",
                    "item": "item", "why": "why"}


def _plain_message(err: dict) -> str:
    """A pydantic error in plain words (pydantic's own wording is for programmers)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    year = any(str(p).startswith("year") for p in err["loc"])
    plain = {
        "missing": "is required",
        "extra_forbidden": "is not a case field (check the spelling)",
        "string_too_short": ("must not be empty" if ctx.get("min_length") == 1
                             else f"is too short: write at least {ctx.get('min_length')} characters"),
        "string_too_long": f"is too long: at most {ctx.get('max_length')} characters",
        "string_type": "must be text",
        "int_parsing": "must be a whole number, e.g. 2019",
        "int_type": "must be a whole number, e.g. 2019",
        "int_from_float": "must be a whole number, e.g. 2019",
        "greater_than_equal": (f"must be {ctx.get('ge')} or later" if year else f"must be at least {ctx.get('ge')}"),
        "less_than_equal": (f"must be {ctx.get('le')} or earlier" if year else f"must be at most {ctx.get('le')}"),
        "literal_error": f"must be one of: {ctx.get('expected', '')}".replace("'", ""),
        "too_short": ("needs at least one line" if ctx.get("min_length") == 1
                      else f"needs at least {ctx.get('min_length')} lines"),
        "too_long": f"has too many entries: at most {ctx.get('max_length')}",
        "list_type": "must be a list",
        "dict_type": "must be a set of named fields",
        "model_type": "must be a set of named fields",
        "model_attributes_type": "must be a set of named fields",
    }
    if kind in plain:
        return plain[kind]
    return err["msg"].removeprefix("Value error, ")


class Source(BaseModel):
    """A reference backing the case: a citation plus at least one of DOI, PMID, URL where known."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    citation: str = Field(min_length=3, max_length=2000)
    doi: str | None = Field(default=None, max_length=200)
    pmid: str | None = Field(default=None, max_length=12)
    url: str | None = Field(default=None, max_length=2000)

    @field_validator("citation", mode="before")
    @classmethod
    def _clean_citation(cls, value: Any) -> Any:
        return clean_text(value)

    @field_validator("doi", "pmid", "url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        value = clean_text(value)
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # YAML reads an unquoted PMID as a number
        return value

    @field_validator("doi")
    @classmethod
    def _bare_doi(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
            if value.lower().startswith(prefix):
                raise ValueError(f"write the bare DOI without the '{prefix}' prefix, e.g. 10.1001/jama.2019.1234")
        if not DOI_RE.match(value):
            raise ValueError("a DOI looks like 10.1234/abc (starts with '10.' and contains '/')")
        return value

    @field_validator("pmid")
    @classmethod
    def _digits(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError("a PMID is a string of digits, e.g. '9435330'")
        return value

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and (not re.match(r"^https?://[^\s/]+\.[^\s]+$", value)):
            raise ValueError("a URL starts with http:// or https:// and has no spaces")
        return value


class ChecklistLink(BaseModel):
    """A checklist item the case illustrates (or that would have caught its failure), with one line of why.

    ``checklist`` and ``item`` must name an item of a shipped checklist (``appraisal/checklists/*.yaml``).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    checklist: str = Field(min_length=1, max_length=40)
    item: str = Field(min_length=1, max_length=20)
    why: str = Field(min_length=10, max_length=600)

    @field_validator("checklist", "item", "why", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # YAML reads item 4.8 as a number
        return clean_text(value)

    @model_validator(mode="after")
    def _known_item(self) -> ChecklistLink:
        check_checklist_item(self.checklist, self.item)
        return self


def check_checklist_item(checklist: str, item: str) -> None:
    """Raise ``ValueError`` unless ``item`` is an item of the shipped checklist ``checklist``."""
    from appraisal.checklists import ChecklistError, available_ids, load_checklist

    if checklist not in available_ids():
        raise ValueError(f"there is no checklist '{checklist}'; choose one of {', '.join(available_ids())}")
    try:
        found = load_checklist(checklist)
    except ChecklistError as exc:  # a broken shipped file: say so rather than blame the case
        raise ValueError(str(exc)) from None
    known = [i.id for i in found.items]
    if item not in known:
        raise ValueError(f"{found.name} has no item '{item}' (its items are {known[0]} to {known[-1]})")


class Case(BaseModel):
    """One case of machine learning (or computing) in medicine, as curated in the library."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Field(min_length=3, max_length=80)
    title: str = Field(min_length=3, max_length=300)
    category: Literal[
        "expert-systems", "covid-diagnosis", "covid-prognosis", "drug-discovery",
        "disease-stratification", "deployment-lessons", "biosignals",
    ]
    year_start: int = Field(ge=1900, le=2100)
    year_end: int | None = Field(default=None, ge=1900, le=2100)
    summary: str = Field(min_length=1, max_length=5000)
    clinical_question: str = Field(default="", max_length=MAX_BODY_CHARS)
    data: str = Field(default="", max_length=MAX_BODY_CHARS)
    method: str = Field(default="", max_length=MAX_BODY_CHARS)
    evaluation: str = Field(default="", max_length=MAX_BODY_CHARS)
    outcome: str = Field(default="", max_length=MAX_BODY_CHARS)
    lessons: str = Field(default="", max_length=MAX_BODY_CHARS)
    limitations: str = Field(default="", max_length=MAX_BODY_CHARS)
    sources: list[Source] = Field(min_length=1, max_length=MAX_SOURCES)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    checklist_items: list[ChecklistLink] = Field(default_factory=list, max_length=MAX_CHECKLIST_LINKS)
    status: Literal["draft", "in_review", "published"] = "draft"
    author: str = Field(min_length=1, max_length=80)
    reviewer: str | None = Field(default=None, max_length=80)

    @field_validator("title", "summary", "clinical_question", "data", "method", "evaluation", "outcome", "lessons",
                     "limitations", "author", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else clean_text(value)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("use lowercase letters, digits and single hyphens, e.g. 'mycin-blinded-evaluation'")
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # "a, b" typed into a form
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for tag in value:
            tag = tag.strip()
            if not TAG_RE.match(tag) or len(tag) > 60:
                raise ValueError(f"tag {tag!r} must be lowercase-hyphenated, e.g. 'external-validation'")
            if tag not in seen:
                seen.append(tag)
        return seen

    @field_validator("checklist_items", mode="before")
    @classmethod
    def _links_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("checklist_items")
    @classmethod
    def _distinct_links(cls, value: list[ChecklistLink]) -> list[ChecklistLink]:
        seen = set()
        for link in value:
            if (link.checklist, link.item) in seen:
                raise ValueError(f"item {link.item} of {link.checklist} is listed twice; keep one line per item")
            seen.add((link.checklist, link.item))
        return value

    @field_validator("reviewer", mode="before")
    @classmethod
    def _blank_reviewer(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.year_end is not None and self.year_end < self.year_start:
            raise ValueError(f"field 'year_end': {self.year_end} is before year_start {self.year_start}")
        if not any(s.doi or s.url for s in self.sources):
            raise ValueError("field 'sources': at least one source needs a DOI or a stable URL")
        if self.status == "published":
            if not self.reviewer:
                raise ValueError("field 'reviewer': a published case needs a reviewer")
            if self.reviewer == self.author:
                raise ValueError("field 'reviewer': the reviewer of a published case must not be its author")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the YAML field order (what exports and revision snapshots store)."""
        return self.model_dump(mode="json")

    def missing_for_publication(self) -> list[str]:
        """Body fields still empty; a case is published only when this is empty."""
        return [name for name in BODY_FIELDS if not getattr(self, name).strip()]


def _field_name(loc: tuple) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return name or "case"


def _as_case_error(exc: ValidationError, what: str) -> CaseValidationError:
    errors = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if msg.startswith("field '"):  # a model-level check that already names its field
            field, _, msg = msg[len("field '"):].partition("': ")
        else:
            field = _field_name(tuple(err["loc"]))
            msg = _plain_message(err)
        errors.append((field, msg))
    detail = "; ".join(f"field '{f}': {m}" for f, m in errors)
    return CaseValidationError(f"{what} is not valid: {detail}", errors)


def parse_case(data: Any, *, what: str | None = None) -> Case:
    """Validate plain data (from YAML, JSON or a form) into a :class:`Case`.

    Raises :class:`CaseValidationError` naming each bad field.
    """
    if isinstance(data, Case):
        return data
    if not isinstance(data, dict):
        raise CaseValidationError(
            f"{what or 'The case'} is not valid: expected a mapping of fields, got {type(data).__name__}")
    label = what or (f"Case '{data.get('slug')}'" if isinstance(data.get("slug"), str) else "The case")
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise _as_case_error(exc, label) from None


def parse_sources_text(text: str) -> list[dict[str, str | None]]:
    """Sources typed one per line as ``citation | DOI | PMID | URL`` (any order after the citation).

    Parts after the citation are recognised by their shape: ``10.…`` is a DOI, digits a PMID, and
    ``http…`` a URL, so ``Yu VL et al. JAMA 1979 | 10.1001/jama.1979.03300120033020`` is enough.

    >>> parse_sources_text("A paper 2020 | 10.1/x | https://example.org/p")
    [{'citation': 'A paper 2020', 'doi': '10.1/x', 'pmid': None, 'url': 'https://example.org/p'}]
    """
    sources = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        citation, *rest = [part.strip() for part in line.split("|")]
        source: dict[str, str | None] = {"citation": citation, "doi": None, "pmid": None, "url": None}
        for part in filter(None, rest):
            lower = part.lower()
            if lower.startswith(("http://", "https://")) and "doi.org/10." not in lower:
                key = "url"
            elif part.isdigit():
                key = "pmid"
            else:
                key, part = "doi", re.sub(r"^(doi:\s*|https?://(dx\.)?doi\.org/)", "", part, flags=re.I)
            if source[key]:
                raise CaseValidationError(f"Source line {number} has two values for {key}: "
                                          f"{source[key]!r} and {part!r}.", [("sources", "duplicate part")])
            source[key] = part
        sources.append(source)
    return sources


def parse_links_text(text: str) -> list[dict[str, str]]:
    """Checklist links typed one per line as ``checklist | item | why``.

    >>> parse_links_text("probast | 4.1 | Only ten cases were tested.")
    [{'checklist': 'probast', 'item': '4.1', 'why': 'Only ten cases were tested.'}]
    """
    links = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|", 2)]
        if len(parts) != 3:
            raise CaseValidationError(
                f"Checklist items, line {number}: write checklist | item | why, e.g. "
                "'clinician-framework | Q4 | Never tested at another hospital.'",
                [(f"checklist_items[{number - 1}]", "write checklist | item | why")])
        links.append(dict(zip(("checklist", "item", "why"), parts)))
    return links


def links_to_text(links: list) -> str:
    """The inverse of :func:`parse_links_text`, for pre-filling an edit form."""
    rows = [link if isinstance(link, dict) else link.model_dump() for link in links]
    return "\n".join(f"{r['checklist']} | {r['item']} | {r['why']}" for r in rows)


def sources_to_text(sources: list) -> str:
    """The inverse of :func:`parse_sources_text`, for pre-filling an edit form."""
    lines = []
    for s in sources:
        s = s if isinstance(s, dict) else s.model_dump()
        lines.append(" | ".join(filter(None, [s["citation"], s.get("doi"), s.get("pmid"), s.get("url")])))
    return "\n".join(lines)
