"""Practice mode: read what was done in a case, say which checklist items it fails, compare with the curators.

The curated links of a case (``checklist_items``) are the answer key. A learner's choice is scored per item:
``found`` (chosen and linked), ``missed`` (linked, not chosen), ``extra`` (chosen, not linked) or ``agreed``
(neither). The score is the share of the union that agrees, ``found / (found + missed + extra)``, so choosing
every item, or none, does not score well. Attempts are kept per user in ``practice_attempts``.

Examples
--------
>>> from knowledge.models import parse_case
>>> case = parse_case({"slug": "demo-case", "title": "A demo", "category": "biosignals", "year_start": 2020,
...     "summary": "Short.", "author": "medlens-team", "sources": [{"citation": "Someone 2020",
...     "url": "https://example.org/paper"}], "checklist_items": [{"checklist": "clinician-framework",
...     "item": "Q4", "why": "Never tested on other patients."}]})
>>> result = score_choice(case, "clinician-framework", ["Q4", "Q8"])
>>> result.score, [f.verdict for f in result.feedback if f.verdict != "agreed"]
(0.5, ['found', 'extra'])
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from appraisal.checklists import load_checklist
from knowledge.audit import now_text
from knowledge.db import write_transaction
from knowledge.models import BODY_FIELDS, Case

#: The checklist practice asks about: eight short questions a clinician can hold in mind.
PRACTICE_CHECKLIST = "clinician-framework"
#: What a learner reads: everything about what was done, nothing of the curators' lessons.
PRACTICE_FIELDS = ("summary", "clinical_question", "data", "method", "evaluation", "outcome")
VERDICT_WORDS = {
    "found": "Right: the curators link this item too.",
    "missed": "Missed: the curators link this item.",
    "extra": "Not linked by the curators. If you think it applies, say which fact in the case shows it.",
    "agreed": "Right to leave out.",
}


@dataclass(frozen=True)
class ItemFeedback:
    item: str
    question: str
    verdict: str  # found, missed, extra, agreed
    why: str = ""  # the curators' reason, for linked items

    @property
    def message(self) -> str:
        return VERDICT_WORDS[self.verdict] + (f" {self.why}" if self.why else "")


@dataclass(frozen=True)
class PracticeResult:
    slug: str
    checklist: str
    chosen: tuple[str, ...]
    expected: tuple[str, ...]
    feedback: tuple[ItemFeedback, ...]

    @property
    def score(self) -> float:
        counted = [f for f in self.feedback if f.verdict != "agreed"]
        return round(sum(f.verdict == "found" for f in counted) / len(counted), 3) if counted else 1.0


@dataclass(frozen=True)
class PracticeProgress:
    user: str
    attempts: int
    cases_tried: int
    mean_score: float | None
    best_by_case: dict[str, float]  # slug -> best score
    recent: list[dict]  # newest first: slug, title, score, created_at


def practice_text(case: Case) -> dict[str, str]:
    """The parts of the case a learner reads before answering (label -> text), lessons left out."""
    return {BODY_FIELDS[name]: getattr(case, name) for name in PRACTICE_FIELDS if getattr(case, name).strip()}


def score_choice(case: Case, checklist: str, chosen: list[str] | tuple[str, ...]) -> PracticeResult:
    """Compare the items a learner chose with the case's curated links to ``checklist``."""
    found = load_checklist(checklist)
    known = [i.id for i in found.answerable_items]
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise ValueError(f"{found.name} has no item {unknown[0]!r}; choose among {', '.join(known)}.")
    why = {link.item: link.why for link in case.checklist_items if link.checklist == checklist}
    if not why:
        raise ValueError(f"'{case.slug}' has no curated links to {found.name}, so there is nothing to compare "
                         "with; choose another case.")
    picked = set(chosen)
    feedback = []
    for item in found.answerable_items:
        verdict = {(True, True): "found", (False, True): "missed", (True, False): "extra",
                   (False, False): "agreed"}[(item.id in picked, item.id in why)]
        feedback.append(ItemFeedback(item.id, item.question, verdict, why.get(item.id, "")))
    return PracticeResult(case.slug, checklist, tuple(i for i in known if i in picked),
                          tuple(i for i in known if i in why), tuple(feedback))


def _clean_user(user: str) -> str:
    name = (user or "").strip()
    if not name:
        raise ValueError("Type your name (or log in) so your progress can be kept.")
    if len(name) > 80:
        raise ValueError("Your name is too long: at most 80 characters.")
    return name


def record_attempt(db: Database, user: str, case: Case, result: PracticeResult) -> PracticeResult:
    """Keep a scored attempt in the learner's progress."""
    name = _clean_user(user)
    with write_transaction(db):
        rows = list(db.query("SELECT id FROM cases WHERE slug = ?", [case.slug]))
        if not rows:
            raise ValueError(f"There is no case '{case.slug}'.")
        db.execute(
            "INSERT INTO practice_attempts (user, case_id, checklist, chosen_json, expected_json, score, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, rows[0]["id"], result.checklist, json.dumps(list(result.chosen)),
             json.dumps(list(result.expected)), result.score, now_text()])
    return result


def practice_cases(db: Database, checklist: str = PRACTICE_CHECKLIST) -> list[dict]:
    """Published cases with curated links to ``checklist`` (slug, title, year_start), by title."""
    return [dict(r) for r in db.query(
        "SELECT DISTINCT c.slug, c.title, c.year_start FROM cases c JOIN case_checklist_items l ON l.case_id = c.id "
        "WHERE l.checklist = ? AND c.status = 'published' AND c.deleted_at IS NULL ORDER BY c.title", [checklist])]


def progress(db: Database, user: str, *, recent: int = 10) -> PracticeProgress:
    """A learner's attempts: how many, on how many cases, the mean and best scores, the latest ones."""
    name = _clean_user(user)
    rows = [dict(r) for r in db.query(
        "SELECT c.slug, c.title, a.score, a.created_at FROM practice_attempts a JOIN cases c ON c.id = a.case_id "
        "WHERE a.user = ? ORDER BY a.id DESC", [name])]
    best: dict[str, float] = {}
    for r in rows:
        best[r["slug"]] = max(best.get(r["slug"], 0.0), r["score"])
    mean = round(sum(r["score"] for r in rows) / len(rows), 3) if rows else None
    return PracticeProgress(name, len(rows), len(best), mean, best, rows[:recent])
