"""Two reviewers, one paper: agreement per item and per domain, the conflicts, and a consensus appraisal.

Cohen's kappa compares observed agreement with the agreement expected by chance from each reviewer's
answer frequencies: kappa = (p_o - p_e) / (1 - p_e). Items only one reviewer answered are not
agreements or disagreements; they are listed as gaps. Kappa is undefined (None) when chance agreement is
1 (both reviewers gave one and the same answer to everything) or when no item was answered by both.

Examples
--------
>>> from appraisal.model import Appraisal
>>> a = Appraisal(checklist_id="probast").with_answer("1.1", "Y").with_answer("1.2", "N")
>>> b = Appraisal(checklist_id="probast").with_answer("1.1", "Y").with_answer("1.2", "PN")
>>> result = compare(a, b)
>>> result.overall.percent_agreement, [c.item_id for c in result.conflicts]
(0.5, ['1.2'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from appraisal.checklists import Checklist
from appraisal.model import Appraisal, AppraisalError, ItemAnswer


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa for two equally long lists of labels; None where it is undefined."""
    if len(first) != len(second):
        raise ValueError("Both reviewers need the same number of answers to compute kappa.")
    n = len(first)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(first, second)) / n
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class Agreement:
    """Agreement over a set of items both reviewers answered."""

    scope: str  # "all items" or a section/domain title
    compared: int  # items both answered
    agreed: int
    kappa: float | None

    @property
    def percent_agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def text(self) -> str:
        if not self.compared:
            return f"{self.scope}: no item answered by both reviewers yet."
        kappa = "kappa not defined" if self.kappa is None else f"kappa {self.kappa:.2f}"
        return (f"{self.scope}: agreed on {self.agreed} of {self.compared} items "
                f"({self.percent_agreement:.0%}), {kappa}.")


@dataclass(frozen=True)
class Conflict:
    item_id: str
    section: str
    question: str
    first: str | None
    second: str | None

    @property
    def kind(self) -> str:
        return "different answers" if self.first and self.second else "answered by one reviewer only"


@dataclass(frozen=True)
class ComparisonResult:
    checklist_id: str
    reviewers: tuple[str, str]
    overall: Agreement
    by_section: tuple[Agreement, ...]
    items: tuple[tuple[str, str | None, str | None], ...]  # (item id, first answer, second answer)
    conflicts: tuple[Conflict, ...]


def _check_pair(first: Appraisal, second: Appraisal) -> Checklist:
    if first.checklist_id != second.checklist_id:
        raise AppraisalError(
            f"The two appraisals use different checklists ({first.checklist_id} and {second.checklist_id}); "
            "agreement needs the same checklist."
        )
    checklist = first.checklist()
    first.validate_against(checklist)
    second.validate_against(checklist)
    return checklist


def _agreement(scope: str, pairs: list[tuple[str, str]]) -> Agreement:
    return Agreement(scope, len(pairs), sum(a == b for a, b in pairs),
                     cohen_kappa([a for a, _ in pairs], [b for _, b in pairs]))


def compare(first: Appraisal, second: Appraisal) -> ComparisonResult:
    """Agreement between two reviewers' appraisals of one paper (same checklist)."""
    checklist = _check_pair(first, second)
    rows, conflicts = [], []
    pairs_by_section: dict[str, list[tuple[str, str]]] = {s.id: [] for s in checklist.sections}
    for item in checklist.answerable_items:
        a, b = first.answer_of(item.id), second.answer_of(item.id)
        if a is None and b is None:
            continue
        rows.append((item.id, a, b))
        if a is not None and b is not None:
            pairs_by_section[item.section].append((a, b))
        if a != b:
            conflicts.append(Conflict(item.id, item.section, checklist.label(item), a, b))
    all_pairs = [p for pairs in pairs_by_section.values() for p in pairs]
    by_section = tuple(_agreement(s.title, pairs_by_section[s.id]) for s in checklist.sections)
    return ComparisonResult(
        checklist.id, (first.reviewer or "Reviewer 1", second.reviewer or "Reviewer 2"),
        _agreement("All items", all_pairs), by_section, tuple(rows), tuple(conflicts),
    )


@dataclass(frozen=True)
class ConsensusResult:
    appraisal: Appraisal
    resolved: tuple[str, ...]  # item ids settled by the third reviewer
    unresolved: tuple[str, ...]  # conflicts left unanswered for discussion


def _merge_text(x: str, y: str) -> str:
    if x and y and x != y:
        return f"{x}\n---\n{y}"
    return x or y


def _signed(who: str, text: str) -> str:
    """A comment with its author, unless it is already signed (a consensus of consensuses)."""
    return text if not text or text.startswith(f"{who}: ") else f"{who}: {text}"


def _merge_comments(x: str, y: str, first: str, second: str) -> str:
    """Both reviewers' comments, each signed with its author, so the consensus keeps who wrote what."""
    if x and y and x == y:
        already = x.startswith((f"{first}: ", f"{second}: ", f"{first} and {second}: "))
        return x if already else f"{first} and {second}: {x}"
    return _merge_text(_signed(first, x), _signed(second, y))


def consensus(first: Appraisal, second: Appraisal, third: Mapping[str, str] | None = None,
              *, reviewer: str = "consensus") -> ConsensusResult:
    """One appraisal from two: agreed answers kept; conflicts settled by `third` (item id -> answer) or left open.

    Evidence quotes and comments from both reviewers are kept (joined when they differ), so nothing is
    lost; each comment is signed with its reviewer's name ("AB: too few events"). Paper metadata, study type and flags come from the first appraisal.
    """
    checklist = _check_pair(first, second)
    third = dict(third or {})
    for item_id, answer in third.items():
        if item_id not in {i.id for i in checklist.answerable_items}:
            raise AppraisalError(f"The third reviewer's answer names an unknown question {item_id!r}.")
        if answer not in checklist.answer_options:
            raise AppraisalError(f"The third reviewer's answer {answer!r} to {item_id} is not an allowed answer.")
    answers: dict[str, ItemAnswer] = {}
    resolved, unresolved = [], []
    for item in checklist.answerable_items:
        x, y = first.answers.get(item.id, ItemAnswer()), second.answers.get(item.id, ItemAnswer())
        if x.answer is None and y.answer is None and not (x.evidence_quote or y.evidence_quote
                                                          or x.comment or y.comment):
            continue
        if x.answer == y.answer:
            answer = x.answer
        elif item.id in third:
            answer = third[item.id]
            resolved.append(item.id)
        else:
            answer = None
            unresolved.append(item.id)
        answers[item.id] = ItemAnswer(
            answer=answer,
            evidence_quote=_merge_text(x.evidence_quote, y.evidence_quote),
            evidence_location=_merge_text(x.evidence_location, y.evidence_location),
            comment=_merge_comments(x.comment, y.comment, first.reviewer or "Reviewer 1",
                                    second.reviewer or "Reviewer 2"),
        )
    overrides = {k: v for k, v in first.domain_overrides.items() if second.domain_overrides.get(k) == v}
    merged = first.model_copy(update={
        "reviewer": reviewer, "answers": answers, "domain_overrides": overrides,
        "notes": f"Consensus of {first.reviewer or 'reviewer 1'} and {second.reviewer or 'reviewer 2'}.",
    })
    return ConsensusResult(merged, tuple(resolved), tuple(unresolved))


# ---------------------------------------------------------------------------------------------- many papers
def _paper_key(a: Appraisal) -> tuple[str, str]:
    doi = (a.paper.doi or "").strip().lower()
    return a.checklist_id, doi or " ".join((a.paper.title or "Untitled paper").lower().split())


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def agreement_by_paper(appraisals: Sequence[Appraisal]) -> list[dict[str, str]]:
    """One row per paper (and checklist): its reviewers, and agreement between the first two of them.

    Every cell is text ("-" or "not defined" where there is nothing to show), never None.
    """
    groups: dict[tuple[str, str], list[Appraisal]] = {}
    for a in appraisals:
        groups.setdefault(_paper_key(a), []).append(a)
    rows = []
    for (checklist_id, _), group in groups.items():
        reviewers = [a.reviewer or f"Reviewer {i + 1}" for i, a in enumerate(group)]
        row = {"paper": group[0].paper.title or "Untitled paper", "checklist": checklist_id,
               "reviewers": ", ".join(reviewers), "items both answered": "-", "agreed": "-",
               "percent agreement": "-", "kappa": "-", "conflicts": "-"}
        if len(group) < 2:
            row["percent agreement"] = "only one reviewer"
        else:
            result = compare(group[0], group[1])
            o = result.overall
            row.update({"items both answered": str(o.compared), "agreed": str(o.agreed),
                        "percent agreement": _percent(o.percent_agreement),
                        "kappa": "not defined" if o.kappa is None else f"{o.kappa:.2f}",
                        "conflicts": str(len(result.conflicts))})
            if len(group) > 2:
                row["reviewers"] += f" (agreement between {reviewers[0]} and {reviewers[1]})"
        rows.append(row)
    return rows


def section_rows(result: ComparisonResult) -> list[dict[str, str]]:
    """Agreement per section as text cells (no None)."""
    return [{"section": a.scope, "items compared": str(a.compared), "agreed": str(a.agreed),
             "percent agreement": _percent(a.percent_agreement),
             "kappa": "not defined" if a.kappa is None else f"{a.kappa:.2f}"} for a in result.by_section]
