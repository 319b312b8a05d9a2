"""Is it in the paper? Decide per concept and per item whether the paper reports it.

Every item gets a `status`:
- "reported": a sentence in the authors' own account (Methods, Results, back matter, captions, tables;
  the abstract and discussion count less) states it in qualifying words (see appraisal.concepts), and no
  trap or negation voids it.
- "not_reported": no sentence qualifies and nothing comes close; the app says "Not found in the paper:
  check" rather than showing weak sentences.
- "unclear": something comes close (a qualifying sentence only in the Discussion or the abstract, only in
  background about others' work, or only related wording) and a reader must decide.

The threshold on evidence strength (REPORTED_THRESHOLD) was chosen on the developer set of ten papers
(../shared/appraisal_dev) by leave-one-paper-out: see appraisal.evidence_eval.

>>> from appraisal.text import load_document
>>> from appraisal.concepts import CONCEPTS
>>> doc = load_document("# Methods\\nWe assessed calibration with a calibration plot.\\n# Results\\nThe AUC was 0.8.")
>>> aspect_status(doc, CONCEPTS["calibration"]).status
'reported'
>>> aspect_status(doc, CONCEPTS["sample_size"]).status
'not_reported'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from appraisal.concepts import Concept
from appraisal.text import Document, Sentence

__all__ = ["REPORTED", "NOT_REPORTED", "UNCLEAR", "AspectStatus", "aspect_status", "evidence_strength",
           "REPORTED_THRESHOLD"]

REPORTED, NOT_REPORTED, UNCLEAR = "reported", "not_reported", "unclear"
# how much a qualifying sentence counts, by where it is: the authors' own account counts fully
_PART_STRENGTH = {"methods": 1.0, "results": 1.0, "other": 1.0, "abstract": 0.8, "discussion": 0.6,
                  "title": 0.5, "introduction": 0.2, "references": 0.0}
_KIND_STRENGTH = {"text": 1.0, "caption": 0.9, "table": 0.8}
REPORTED_THRESHOLD = 0.8  # chosen by leave-one-paper-out on the developer set; see evidence_eval


def evidence_strength(sentence: Sentence, *, declaration: bool = False) -> float:
    """How much a qualifying sentence counts as the paper reporting something (0-1), by its place.

    A declaration (code or data availability, ethics approval) counts fully wherever the authors make it.
    """
    if sentence.background:
        return 0.2
    part = sentence.part
    if declaration and part in ("discussion", "abstract", "introduction"):
        part = "other"
    if part == "introduction":  # "In this study, we applied ...": the authors' own summary, like an abstract
        part = "abstract"
    return _PART_STRENGTH.get(part, 0.8) * _KIND_STRENGTH.get(sentence.kind, 1.0)


@dataclass(frozen=True)
class AspectStatus:
    concept: str  # concept id, e.g. "calibration"
    name: str  # plain words, e.g. "calibration"
    status: str
    reason: str
    sentences: tuple[int, ...]  # indices of qualifying sentences, strongest first
    negative: bool = False  # reported as not done ("assessors were not blinded")
    strength: float = 0.0

    def to_dict(self) -> dict:
        return {"concept": self.concept, "name": self.name, "status": self.status, "reason": self.reason,
                "sentences": [i + 1 for i in self.sentences], "negative": self.negative,
                "strength": round(self.strength, 2)}


def aspect_status(document: Document, concept: Concept, *, threshold: float | None = None,
                  only: Iterable[int] | None = None) -> AspectStatus:
    """Whether `document` reports `concept`, with the qualifying sentences and a reason a reader can check.

    `only`: indices of the sentences that can match the concept's wording at all (a prefilter the evidence
    finder computes once per document); all sentences when None.
    """
    threshold = REPORTED_THRESHOLD if threshold is None else threshold
    scored: list[tuple[float, int, bool]] = []
    near: list[Sentence] = []
    pool = document.sentences if only is None else [document.sentences[int(i)] for i in only]
    for s in pool:
        if s.part == "references":
            continue
        if concept.qualifies(s.text):
            scored.append((evidence_strength(s, declaration=concept.declaration), s.index, False))
        elif concept.negative_match(s.text) and not s.background:
            scored.append((evidence_strength(s, declaration=concept.declaration), s.index, True))
        elif concept.mentions(s.text):
            near.append(s)
    scored.sort(key=lambda t: -t[0])
    order = tuple(i for _, i, _ in scored)
    if scored and scored[0][0] >= threshold:
        best = document.sentences[scored[0][1]]
        negative = scored[0][2]
        what = "reports it as not done" if negative else "reports it"
        return AspectStatus(concept.id, concept.name, REPORTED,
                            f"The paper {what}: {best.location}.", order, negative, scored[0][0])
    if scored and document.sentences[scored[0][1]].background:
        best = document.sentences[scored[0][1]]
        return AspectStatus(concept.id, concept.name, NOT_REPORTED,
                            f"{concept.name.capitalize()} appears only in background about others' work "
                            f"({best.location}).", order, False, scored[0][0])
    if scored:
        best = document.sentences[scored[0][1]]
        where = f"the {best.part}"
        return AspectStatus(concept.id, concept.name, UNCLEAR,
                            f"Only mentioned in {where} ({best.location}); check whether the authors did it.",
                            order, scored[0][2], scored[0][0])
    if near:
        return AspectStatus(concept.id, concept.name, NOT_REPORTED,
                            _near_reason(concept, near), tuple(s.index for s in near[:3]), False, 0.0)
    return AspectStatus(concept.id, concept.name, NOT_REPORTED,
                        f"No sentence mentions {concept.name}.", (), False, 0.0)


def _near_is_close(near: list[Sentence]) -> bool:
    """Related wording in the authors' own Methods or Results keeps the question open."""
    return any(s.part in ("methods", "results") and not s.background and s.kind == "text" for s in near)


def _near_reason(concept: Concept, near: list[Sentence]) -> str:
    if _near_is_close(near):
        s = next(s for s in near if s.part in ("methods", "results") and not s.background)
        return (f"No sentence reports {concept.name}; related wording at {s.location} is a negation, a plan, "
                "background or a different use of the word.")
    return (f"No sentence reports {concept.name}; the word appears only in background, discussion, or with a "
            "negation or another meaning.")
