"""What kind of study is this? Three plain questions, and the checklists that fit the answers.

- A prediction model (risk of an outcome now or later, from several predictors): TRIPOD+AI to check the
  reporting, PROBAST (or PROBAST+AI) for risk of bias.
- A diagnostic accuracy study (a test or model compared against a reference standard): QUADAS-2.
- AI on medical images: CLAIM for the reporting.
The clinician's framework is always offered as a quick first read.

`guess_study_kind(text)` proposes answers from the paper's wording; the reader decides.

>>> [p.checklist_id for p in propose_checklists(prediction_model=False, diagnostic_accuracy=True, imaging=True)]
['quadas-2', 'claim-2024', 'clinician-framework']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from appraisal.checklists import available_ids

__all__ = ["Proposal", "StudyGuess", "propose_checklists", "guess_study_kind", "QUESTIONS"]

QUESTIONS = {
    "prediction_model": "Does the paper develop or validate a model that predicts a person's risk or outcome "
                        "from several predictors?",
    "diagnostic_accuracy": "Does it compare a test (or a model used as a test) against a reference standard, "
                           "reporting sensitivity, specificity or similar?",
    "imaging": "Is the model applied to medical images (radiology, pathology slides, retinal photographs...)?",
}
CUES = {
    "prediction_model": r"\bpredict(?:ion|ive|s|ed|ing)? (?:model|risk|mortality|outcomes?|readmission)\b|\brisk (?:score|model|prediction)\b|\bprognos",
    "diagnostic_accuracy": r"\b(?:reference|gold) standard\b|\bdiagnostic accuracy\b|\bsensitivity and specificity\b",
    "imaging": r"\b(?:images?|radiograph|CT|MRI|mammogra|fundus|retinal|patholog|histolog|slides?|ultrasound|dermoscop)",
}


@dataclass(frozen=True)
class Proposal:
    checklist_id: str
    reason: str


@dataclass(frozen=True)
class StudyGuess:
    answers: dict[str, bool]
    evidence: dict[str, str]  # the first sentence that suggested each "yes"


def propose_checklists(*, prediction_model: bool, diagnostic_accuracy: bool, imaging: bool) -> list[Proposal]:
    """Checklists that fit the study, most specific first; only those that ship with medlens."""
    out: list[Proposal] = []
    if diagnostic_accuracy:
        out.append(Proposal("quadas-2", "Diagnostic accuracy against a reference standard: QUADAS-2 judges risk of "
                                        "bias and applicability."))
    if prediction_model:
        out.append(Proposal("probast", "A prediction model: PROBAST judges risk of bias and applicability."))
        out.append(Proposal("probast-ai", "PROBAST+AI covers models built with machine learning."))
        out.append(Proposal("tripod-ai", "TRIPOD+AI checks what a prediction model paper should report."))
    if imaging:
        out.append(Proposal("claim-2024", "AI on medical images: CLAIM checks what the paper should report."))
    out.append(Proposal("clinician-framework", "A quick first read for any machine-learning paper."))
    shipped = set(available_ids())
    return [p for p in out if p.checklist_id in shipped]


def guess_study_kind(text: str) -> StudyGuess:
    """Suggested answers to the three questions from the paper's wording (each with its sentence)."""
    if not isinstance(text, str):
        raise ValueError("The paper's text is needed to guess the kind of study.")
    body = re.split(r"\n\s*(?:References|REFERENCES)\s*\n", text, maxsplit=1)[0]
    sentences = re.split(r"(?<=[.!?])\s+", body)
    answers, evidence = {}, {}
    for key, pattern in CUES.items():
        hits = [s for s in sentences if re.search(pattern, s, re.I)]
        # one stray mention is not enough: "yes" needs the cue in at least two sentences
        answers[key] = len(hits) >= 2
        if hits:
            evidence[key] = hits[0].strip()[:300]
    return StudyGuess(answers, evidence)
