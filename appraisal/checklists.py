"""Checklists as data: load and validate appraisal/checklists/<id>.yaml (pydantic v2).

Each YAML file describes one published tool (TRIPOD+AI, PROBAST, PROBAST+AI, CLAIM 2024) or our own
short framework. Item wording is always our paraphrase; the published paper is cited in the file.

Examples
--------
>>> probast = load_checklist("probast")
>>> probast.name, len(probast.items)
('PROBAST', 20)
>>> probast.item("4.1").section
'analysis'
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CHECKLIST_DIR = Path(__file__).resolve().parent / "checklists"

StudyPart = Literal["development", "evaluation"]
ChecklistKind = Literal["reporting", "risk-of-bias", "framework"]


# Plain-language labels for answer codes (PROBAST uses codes; the reporting checklists use words).
ANSWER_LABELS = {
    "Y": "Yes",
    "PY": "Probably yes",
    "PN": "Probably no",
    "N": "No",
    "NI": "No information",
    "U": "Unclear",
    "yes": "Yes",
    "partly": "Partly",
    "no": "No",
    "not-applicable": "Not applicable",
}


def answer_label(code: str | None) -> str:
    """The words for an answer code; "Not answered" for None."""
    if code is None:
        return "Not answered"
    return ANSWER_LABELS.get(code, code)


class ChecklistError(ValueError):
    """A checklist file is missing, unreadable or does not follow the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Suggestion(_Strict):
    """A decisive pattern: when it matches a sentence, the finder may propose `answer` (a suggestion only)."""

    pattern: str
    answer: str
    reason: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"pattern {value!r} is not a valid regular expression: {exc}") from None
        return value


class Section(_Strict):
    """A section of a reporting checklist, or a domain of a risk-of-bias tool."""

    id: str
    title: str
    applicability: bool = False  # PROBAST domains 1-3 also get an applicability judgement
    description: str = ""
    # PROBAST+AI has a development part and an evaluation part, each with its own domains.
    applies_to: tuple[StudyPart, ...] = ("development", "evaluation")

    def applies(self, study_type: str) -> bool:
        return study_type == "both" or study_type in self.applies_to


class ChecklistItem(_Strict):
    id: str
    section: str
    parent: str | None = None
    applies_to: tuple[StudyPart, ...] = ("development", "evaluation")
    question: str
    guidance: str
    topic: str = ""  # a few words naming the item, used in plain-language reasons ("enough participants")
    hints: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    suggest: tuple[Suggestion, ...] = ()
    # Scoring: a structural heading (e.g. TRIPOD+AI item "8" whose content is in 8a-8c) is not answered.
    answerable: bool = True
    note: str = ""  # e.g. what we could not verify about this item's exact scope

    @field_validator("applies_to")
    @classmethod
    def _non_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("applies_to must name development, evaluation or both")
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value

    def applies(self, study_type: str) -> bool:
        """Whether the item applies to a study of `study_type` ("development", "evaluation" or "both")."""
        if study_type == "both":
            return True
        return study_type in self.applies_to


class Checklist(_Strict):
    id: str
    name: str
    kind: ChecklistKind
    version: str
    citation: str
    doi: str | None = None
    url: str | None = None
    sources: tuple[str, ...] = ()  # further citations (explanation papers, frameworks drawn on)
    answer_options: tuple[str, ...]
    published_item_count: int = Field(gt=0)
    count_note: str = ""  # what published_item_count counts, in words
    # PROBAST's rule: a development study without external validation that is low everywhere is rated high
    # unless the data were very large and internally validated. Only tools that state the rule set this.
    development_downgrade: bool = False
    notes: tuple[str, ...] = ()  # verification notes, scope caveats
    sections: tuple[Section, ...]
    items: tuple[ChecklistItem, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Checklist:
        problems: list[str] = []
        section_ids = [s.id for s in self.sections]
        if len(set(section_ids)) != len(section_ids):
            problems.append("section ids are not unique")
        item_ids = [i.id for i in self.items]
        dupes = sorted({i for i in item_ids if item_ids.count(i) > 1})
        if dupes:
            problems.append(f"item ids are not unique: {', '.join(dupes)}")
        known = set(item_ids)
        for item in self.items:
            if item.section not in section_ids:
                problems.append(f"item {item.id} names an unknown section {item.section!r}")
            if item.parent is not None and item.parent not in known:
                problems.append(f"item {item.id} names an unknown parent {item.parent!r}")
            if item.parent == item.id:
                problems.append(f"item {item.id} is its own parent")
            for s in item.suggest:
                if s.answer not in self.answer_options:
                    problems.append(f"item {item.id} suggests {s.answer!r}, not one of {list(self.answer_options)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- lookups -------------------------------------------------------------------------------
    def label(self, item: ChecklistItem) -> str:
        """Short name for an item in reasons: its topic, or the start of its question."""
        if item.topic:
            return item.topic
        return item.question if len(item.question) <= 60 else item.question[:57].rstrip() + "..."

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.name} has no item {item_id!r}")

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"{self.name} has no section {section_id!r}")

    @property
    def answerable_items(self) -> tuple[ChecklistItem, ...]:
        """Items a reviewer answers (structural headings left out)."""
        return tuple(i for i in self.items if i.answerable)

    def items_in(self, section_id: str) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.answerable_items if i.section == section_id)

    def children(self, item_id: str) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.parent == item_id)

    @property
    def top_level_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.parent is None)

    @property
    def is_risk_of_bias(self) -> bool:
        return self.kind == "risk-of-bias"


def available_ids() -> list[str]:
    """Ids of the shipped checklists (file stems), sorted."""
    return sorted(p.stem for p in CHECKLIST_DIR.glob("*.yaml"))


def _parse(path: Path) -> Checklist:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChecklistError(f"Could not read the checklist file {path.name}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(f"The checklist file {path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ChecklistError(f"The checklist file {path.name} does not hold a checklist (expected a mapping).")
    try:
        return Checklist.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the file"
        raise ChecklistError(
            f"The checklist file {path.name} does not follow the checklist schema at {where}: {first['msg']}"
        ) from None


@lru_cache(maxsize=32)
def _load_cached(path_str: str, mtime: float) -> Checklist:
    return _parse(Path(path_str))


def load_checklist(id_or_path: str | Path) -> Checklist:
    """Load a shipped checklist by id (``"probast"``) or any checklist YAML by path."""
    path = Path(id_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = CHECKLIST_DIR / f"{id_or_path}.yaml"
        if not path.exists():
            raise ChecklistError(
                f"There is no checklist called {str(id_or_path)!r}. Available: {', '.join(available_ids())}."
            )
    if not path.exists():
        raise ChecklistError(f"The checklist file {path} does not exist.")
    return _load_cached(str(path.resolve()), path.stat().st_mtime)


def list_checklists() -> list[Checklist]:
    """All shipped checklists, in id order."""
    return [load_checklist(cid) for cid in available_ids()]
