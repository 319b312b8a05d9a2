"""An appraisal of one paper against one checklist, by one reviewer, as plain data with a JSON form.

The JSON carries ``schema_version``; :meth:`Appraisal.from_json` refuses files from a newer medlens and
explains any problem in words a reviewer understands.

Examples
--------
>>> a = Appraisal(checklist_id="probast", paper=Paper(title="A sepsis model"), reviewer="AB")
>>> a = a.with_answer("4.1", "N", comment="Only 40 events for 25 candidate predictors")
>>> Appraisal.from_json(a.to_json()).answers["4.1"].answer
'N'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from appraisal.checklists import Checklist, load_checklist

SCHEMA_VERSION = 1

StudyType = Literal["development", "evaluation", "both"]
Judgement = Literal["low", "high", "unclear"]


#: Bounds on every text field of an appraisal (issue 14): generous for real use, small enough that an
#: uploaded or autosaved appraisal cannot fill the database.
MAX_TEXT = 5000
MAX_TITLE = 1000
MAX_NAME = 300
MAX_AUTHORS = 500
MAX_ITEMS = 200


class AppraisalError(ValueError):
    """An appraisal file or value is not usable; the message says what to fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paper(_Model):
    title: str = Field(default="", max_length=MAX_TITLE)
    authors: list[Annotated[str, Field(max_length=MAX_NAME)]] = Field(default_factory=list, max_length=MAX_AUTHORS)
    year: int | None = None
    doi: str | None = Field(default=None, max_length=200)

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        if value is not None and not 1800 <= value <= 2200:
            raise ValueError(f"{value} is not a plausible publication year")
        return value

    @field_validator("doi")
    @classmethod
    def _clean_doi(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
            if value.lower().startswith(prefix):
                value = value[len(prefix):]
        return value or None

    @property
    def label(self) -> str:
        """A short label for tables and plots: first author, year, or the title."""
        if self.authors and self.authors[0].strip():
            first = _surname(self.authors[0])
            tail = " et al." if len(self.authors) > 1 else ""
            return f"{first}{tail} {self.year or ''}".strip()
        return self.title or "Untitled paper"


def _surname(author: str) -> str:
    """'Smith J' / 'Smith, John' -> 'Smith'; 'John Smith' -> 'Smith'."""
    author = author.strip()
    if "," in author:
        return author.split(",")[0].strip()
    parts = author.split()
    if len(parts) > 1 and len(parts[-1].replace(".", "")) <= 3 and parts[-1].replace(".", "").isupper():
        return " ".join(parts[:-1])  # Vancouver style: surname then initials
    return parts[-1]


class ItemAnswer(_Model):
    answer: str | None = Field(default=None, max_length=40)
    evidence_quote: str = Field(default="", max_length=MAX_TEXT)
    evidence_location: str = Field(default="", max_length=MAX_NAME)
    comment: str = Field(default="", max_length=MAX_TEXT)


class DomainOverride(_Model):
    """A reviewer's own risk-of-bias judgement for a domain, replacing the rule's, with the reason why."""

    judgement: Judgement
    reason: str = Field(max_length=MAX_TEXT)

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an override needs a reason (it is shown next to the judgement)")
        return value.strip()


class ApplicabilityJudgement(_Model):
    """Concern about applicability for one domain (PROBAST domains 1-3): a reviewer's judgement."""

    judgement: Judgement
    reason: str = Field(default="", max_length=MAX_TEXT)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Appraisal(_Model):
    schema_version: int = SCHEMA_VERSION
    checklist_id: str = Field(max_length=60)
    paper: Paper = Field(default_factory=Paper)
    reviewer: str = Field(default="", max_length=MAX_NAME)
    created: str = Field(default_factory=_now, max_length=40)
    study_type: StudyType = "development"
    answers: dict[str, ItemAnswer] = Field(default_factory=dict, max_length=MAX_ITEMS)
    domain_overrides: dict[str, DomainOverride] = Field(default_factory=dict)
    applicability: dict[str, ApplicabilityJudgement] = Field(default_factory=dict)
    # The PROBAST rule on development studies: see appraisal.rules.
    external_validation: bool = False
    very_large_data_internally_validated: bool = False
    notes: str = Field(default="", max_length=4 * MAX_TEXT)

    # -- construction ----------------------------------------------------------------------------
    def with_answer(self, item_id: str, answer: str | None, *, evidence_quote: str = "",
                    evidence_location: str = "", comment: str = "") -> Appraisal:
        """A copy with one item answered (the original is left as it was)."""
        answers = dict(self.answers)
        answers[item_id] = ItemAnswer(answer=answer, evidence_quote=evidence_quote,
                                      evidence_location=evidence_location, comment=comment)
        return self.model_copy(update={"answers": answers})

    def answer_of(self, item_id: str) -> str | None:
        entry = self.answers.get(item_id)
        return entry.answer if entry else None

    def checklist(self) -> Checklist:
        return load_checklist(self.checklist_id)

    def validate_against(self, checklist: Checklist | None = None) -> Appraisal:
        """Check item ids, answers and domains against the checklist; raise AppraisalError naming the problem."""
        checklist = checklist or self.checklist()
        if checklist.id != self.checklist_id:
            raise AppraisalError(
                f"This appraisal uses the checklist {self.checklist_id!r}, not {checklist.id!r}."
            )
        answerable = {i.id for i in checklist.answerable_items}
        for item_id, entry in self.answers.items():
            if item_id not in answerable:
                raise AppraisalError(f"{checklist.name} has no question {item_id!r} to answer.")
            if entry.answer is not None and entry.answer not in checklist.answer_options:
                raise AppraisalError(
                    f"Question {item_id}: {entry.answer!r} is not an allowed answer "
                    f"(use one of {', '.join(checklist.answer_options)})."
                )
        sections = {s.id for s in checklist.sections}
        for domain in self.domain_overrides:
            if domain not in sections:
                raise AppraisalError(f"{checklist.name} has no domain {domain!r} to override.")
        with_applicability = {s.id for s in checklist.sections if s.applicability}
        for domain in self.applicability:
            if domain not in with_applicability:
                raise AppraisalError(f"{checklist.name} has no applicability judgement for {domain!r}.")
        return self

    # -- JSON ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self, *, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "the appraisal") -> Appraisal:
        if not isinstance(data, Mapping):
            raise AppraisalError(f"{source} does not hold an appraisal (expected a JSON object).")
        data = dict(data)
        data.pop("summary", None)  # derived results added by report exports; recomputed, never trusted
        version = data.get("schema_version")
        if version is None:
            raise AppraisalError(f"{source} has no schema_version, so it is not a medlens appraisal file.")
        if not isinstance(version, int) or version < 1:
            raise AppraisalError(f"{source} has an invalid schema_version {version!r}.")
        if version > SCHEMA_VERSION:
            raise AppraisalError(
                f"{source} was written by a newer medlens (schema version {version}; this one reads "
                f"up to {SCHEMA_VERSION}). Update medlens to open it."
            )
        try:
            appraisal = cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "the top level"
            raise AppraisalError(f"{source} has a problem at {where}: {first['msg']}.") from None
        try:
            return appraisal.validate_against()
        except ValueError as exc:  # unknown checklist, wrong answers
            raise AppraisalError(f"{source}: {exc}") from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "the appraisal file") -> Appraisal:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise AppraisalError(f"{source} is not a text (UTF-8) file.") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AppraisalError(
                f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from None
        except RecursionError:
            raise AppraisalError(f"{source} is nested too deeply to be an appraisal.") from None
        try:
            return cls.from_dict(data, source=source)
        except RecursionError:
            raise AppraisalError(f"{source} is nested too deeply to be an appraisal.") from None


def build_appraisal(
    checklist: Checklist,
    answers: Mapping[str, str | None],
    *,
    quotes: Mapping[str, str] | None = None,
    locations: Mapping[str, str] | None = None,
    comments: Mapping[str, str] | None = None,
    paper: Paper | Mapping[str, Any] | None = None,
    reviewer: str = "",
    study_type: StudyType = "development",
    **flags: Any,
) -> Appraisal:
    """Build a validated Appraisal from plain dicts (what a form holds), skipping items with nothing entered.

    ``flags`` passes through the remaining Appraisal fields (external_validation, domain_overrides, ...).
    """
    quotes, locations, comments = quotes or {}, locations or {}, comments or {}
    entries: dict[str, ItemAnswer] = {}
    for item in checklist.answerable_items:
        answer = answers.get(item.id)
        quote, where, comment = quotes.get(item.id, ""), locations.get(item.id, ""), comments.get(item.id, "")
        if answer is None and not (quote or comment):
            continue
        entries[item.id] = ItemAnswer(answer=answer, evidence_quote=quote or "",
                                      evidence_location=where or "", comment=comment or "")
    try:
        if isinstance(paper, Mapping):
            paper = Paper(**paper)
        appraisal = Appraisal(checklist_id=checklist.id, paper=paper or Paper(), reviewer=reviewer,
                              study_type=study_type, answers=entries, **flags)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the form"
        raise AppraisalError(f"The appraisal has a problem at {where}: {first['msg']}.") from None
    return appraisal.validate_against(checklist)
