"""Judgements from an appraisal's answers, by the published rules: pure functions, no I/O.

Risk of bias (PROBAST; PROBAST+AI uses the same roll-up here, see below)
    Domain: every signalling question Y or PY -> low; any N or PN -> high; otherwise any NI -> unclear.
    PROBAST says a No only *may* mean bias, so the reviewer can override a domain with a recorded reason.
    Overall: low only if every domain is low; high if any domain is high; otherwise unclear.
    A model developed without external validation that comes out low everywhere is rated high, unless it
    was developed on very large data and internally validated (Wolff et al. 2019, doi:10.7326/M18-1376;
    explanation and elaboration: Moons et al., Ann Intern Med 2019;170:W1-W33). This downgrade is
    applied only to checklists that set ``development_downgrade`` (PROBAST).
    Applicability (domains 1-3, judged by the reviewer) rolls up the same way.
    PROBAST+AI (Moons et al., BMJ 2025, doi:10.1136/bmj-2024-082505) is rolled up with the PROBAST rule
    above; medlens has not verified that PROBAST+AI's own guidance uses exactly this roll-up. Its
    development part (quality) and evaluation part (risk of bias) are also rolled up separately and
    named in the overall reason.

Reporting checklists (TRIPOD+AI, CLAIM) and the clinician's framework
    Adherence = items answered "yes" / items that apply (items outside the study type, or answered
    "not-applicable", are left out). "partly" is counted separately, never as reported.

Completeness (answered / questions that apply) is given for every checklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from appraisal.checklists import Checklist, ChecklistItem, answer_label
from appraisal.model import Appraisal

LOW, HIGH, UNCLEAR, PENDING = "low", "high", "unclear", "not yet judged"
JUDGEMENT_LABELS = {LOW: "Low", HIGH: "High", UNCLEAR: "Unclear", PENDING: "Not yet judged"}
_YES, _NO, _NI = frozenset({"Y", "PY"}), frozenset({"N", "PN"}), frozenset({"NI", "U"})  # U: QUADAS-2's "unclear"


@dataclass(frozen=True)
class Completeness:
    answered: int
    total: int

    @property
    def fraction(self) -> float:
        return self.answered / self.total if self.total else 1.0

    @property
    def text(self) -> str:
        return f"{self.answered} of {self.total} questions answered ({self.fraction:.0%})"


@dataclass(frozen=True)
class DomainJudgement:
    domain: str
    title: str
    judgement: str  # low | high | unclear | not yet judged
    rule_judgement: str  # what the signalling answers alone give
    reason: str
    overridden: bool = False
    override_reason: str = ""
    completeness: Completeness = Completeness(0, 0)


@dataclass(frozen=True)
class ApplicabilityResult:
    domain: str
    title: str
    judgement: str
    reason: str


@dataclass(frozen=True)
class RiskOfBiasResult:
    checklist_id: str
    domains: tuple[DomainJudgement, ...]
    overall: str
    overall_reason: str
    applicability: tuple[ApplicabilityResult, ...]
    overall_applicability: str
    applicability_reason: str
    completeness: Completeness
    development_rule_applied: bool = False
    kind: str = "risk-of-bias"

    @property
    def headline(self) -> str:
        return f"Overall risk of bias: {JUDGEMENT_LABELS[self.overall]}. {self.completeness.text}."


@dataclass(frozen=True)
class SectionAdherence:
    section: str
    title: str
    reported: int
    partly: int
    applicable: int

    @property
    def adherence(self) -> float | None:
        return self.reported / self.applicable if self.applicable else None


@dataclass(frozen=True)
class AdherenceResult:
    checklist_id: str
    reported: int
    partly: int
    not_reported: int
    not_applicable: int
    unanswered: int
    applicable: int
    sections: tuple[SectionAdherence, ...]
    completeness: Completeness
    missing: tuple[str, ...] = field(default_factory=tuple)  # labels of items answered "no"
    kind: str = "adherence"

    @property
    def adherence(self) -> float | None:
        return self.reported / self.applicable if self.applicable else None

    @property
    def headline(self) -> str:
        if self.adherence is None:
            return f"No items apply yet. {self.completeness.text}."
        return (
            f"Adherence: {self.reported} of {self.applicable} applicable items reported "
            f"({self.adherence:.0%}); {self.partly} partly. {self.completeness.text}."
        )


# ---------------------------------------------------------------------------------------------------
def applicable_items(checklist: Checklist, study_type: str) -> tuple[ChecklistItem, ...]:
    """Answerable items that apply to the study type."""
    return tuple(i for i in checklist.answerable_items if i.applies(study_type))


def completeness(appraisal: Appraisal, checklist: Checklist) -> Completeness:
    items = applicable_items(checklist, appraisal.study_type)
    answered = sum(1 for i in items if appraisal.answer_of(i.id) is not None)
    return Completeness(answered, len(items))


def _domain_number(checklist: Checklist, section_id: str) -> str:
    title = checklist.section(section_id).title
    return title.split(".")[0] if title[:1].isdigit() else ""


def _domain_name(checklist: Checklist, section_id: str) -> str:
    title = checklist.section(section_id).title
    number = _domain_number(checklist, section_id)
    name = title.split(".", 1)[1].strip() if number else title
    name = name[:1].lower() + name[1:]
    return f"Domain {number} ({name})" if number else f"The {name} domain"


def _list_items(checklist: Checklist, items: list[ChecklistItem], appraisal: Appraisal) -> str:
    parts = [f"{i.id} ({checklist.label(i)}) was answered {answer_label(appraisal.answer_of(i.id))}"
             for i in items]
    return "; ".join(parts)


def judge_domain(appraisal: Appraisal, checklist: Checklist, section_id: str) -> DomainJudgement:
    """Risk of bias for one domain from its signalling answers, then any recorded override."""
    items = [i for i in checklist.items_in(section_id) if i.applies(appraisal.study_type)]
    answers = {i.id: appraisal.answer_of(i.id) for i in items}
    name = _domain_name(checklist, section_id)
    no = [i for i in items if answers[i.id] in _NO]
    ni = [i for i in items if answers[i.id] in _NI]
    open_ = [i for i in items if answers[i.id] is None]
    done = Completeness(len(items) - len(open_), len(items))
    if not items:
        rule, reason = PENDING, f"{name} has no questions for a {appraisal.study_type} study."
    elif no:
        rule = HIGH
        reason = f"{name} is high risk because {_list_items(checklist, no, appraisal)}."
    elif open_:
        rule = PENDING
        reason = f"{name} is not judged yet: {len(open_)} of {len(items)} questions are unanswered."
    elif ni:
        rule = UNCLEAR
        reason = f"{name} is unclear because {_list_items(checklist, ni, appraisal)} and no answer was No."
    else:
        rule = LOW
        yes = "Yes or Probably yes" if "PY" in checklist.answer_options else "Yes"
        reason = f"{name} is low risk: all {len(items)} questions were answered {yes}."
    override = appraisal.domain_overrides.get(section_id)
    if override is not None:
        return DomainJudgement(
            section_id, checklist.section(section_id).title, override.judgement, rule,
            f"{name} is {override.judgement} risk by the reviewer's judgement (the rule gives "
            f"{JUDGEMENT_LABELS[rule].lower()}): {override.reason}",
            overridden=True, override_reason=override.reason, completeness=done,
        )
    return DomainJudgement(section_id, checklist.section(section_id).title, rule, rule, reason, completeness=done)


def roll_up(judgements: list[str]) -> str:
    """PROBAST's overall rule: any high -> high; any pending -> pending; any unclear -> unclear; else low."""
    if not judgements:
        return PENDING
    if HIGH in judgements:
        return HIGH
    if PENDING in judgements:
        return PENDING
    if UNCLEAR in judgements:
        return UNCLEAR
    return LOW


def judge_risk_of_bias(appraisal: Appraisal, checklist: Checklist) -> RiskOfBiasResult:
    sections = [s for s in checklist.sections if s.applies(appraisal.study_type)]
    domains = tuple(judge_domain(appraisal, checklist, s.id) for s in sections)
    overall = roll_up([d.judgement for d in domains])
    highs = [d for d in domains if d.judgement == HIGH]
    rule_applied = False
    if overall == HIGH:
        names = ", ".join(_domain_name(checklist, d.domain) for d in highs)
        overall_reason = f"Overall risk of bias is high because {names} {'is' if len(highs) == 1 else 'are'} high."
    elif overall == PENDING:
        overall_reason = "Overall risk of bias is not judged yet: answer the remaining questions."
    elif overall == UNCLEAR:
        unclear = [_domain_name(checklist, d.domain) for d in domains if d.judgement == UNCLEAR]
        verb = "is" if len(unclear) == 1 else "are"
        overall_reason = (f"Overall risk of bias is unclear because {', '.join(unclear)} {verb} unclear "
                          "and no domain is high.")
    elif (checklist.development_downgrade and appraisal.study_type != "evaluation"
          and not appraisal.external_validation):
        if appraisal.very_large_data_internally_validated:
            overall_reason = (
                "Overall risk of bias is low: every domain is low. The model was not externally validated, "
                "but the reviewer recorded that it was developed on very large data with internal validation."
            )
        else:
            overall, rule_applied = HIGH, True
            overall_reason = (
                "Every domain is low, but overall risk of bias is rated high because the model was developed "
                "without external validation and the data were not recorded as very large and internally "
                "validated (PROBAST's rule for development-only studies)."
            )
    else:
        overall_reason = "Overall risk of bias is low: every domain is low."

    parts = {p for s in sections for p in s.applies_to}
    if len(parts) > 1 and any(len(s.applies_to) == 1 for s in sections):
        # PROBAST+AI judges the development part (quality) and the evaluation part (risk of bias) apart.
        by_part = []
        for part in ("development", "evaluation"):
            part_domains = [d for d, s in zip(domains, sections) if s.applies_to == (part,)]
            if part_domains:
                by_part.append(f"{part} part: {JUDGEMENT_LABELS[roll_up([d.judgement for d in part_domains])].lower()}")
        overall_reason += " By part: " + "; ".join(by_part) + "."
    app_sections = [s for s in sections if s.applicability]
    applicability = []
    for s in app_sections:
        entry = appraisal.applicability.get(s.id)
        name = _domain_name(checklist, s.id)
        if entry is None:
            applicability.append(ApplicabilityResult(s.id, s.title, PENDING, f"{name}: applicability not judged yet."))
        else:
            why = f": {entry.reason}" if entry.reason else "."
            applicability.append(ApplicabilityResult(
                s.id, s.title, entry.judgement, f"{name}: {entry.judgement} concern about applicability{why}"))
    overall_app = roll_up([a.judgement for a in applicability]) if applicability else PENDING
    app_reason = {
        HIGH: "High concern about applicability because at least one domain has high concern.",
        PENDING: "Applicability is not judged yet for every domain.",
        UNCLEAR: "Unclear concern about applicability: at least one domain is unclear and none is high.",
        LOW: "Low concern about applicability in every domain.",
    }[overall_app]
    return RiskOfBiasResult(
        checklist.id, domains, overall, overall_reason, tuple(applicability), overall_app, app_reason,
        completeness(appraisal, checklist), development_rule_applied=rule_applied,
    )


def judge_adherence(appraisal: Appraisal, checklist: Checklist) -> AdherenceResult:
    items = applicable_items(checklist, appraisal.study_type)
    counts = {"yes": 0, "partly": 0, "no": 0, "not-applicable": 0, None: 0}
    sections: list[SectionAdherence] = []
    missing: list[str] = []
    for s in checklist.sections:
        in_section = [i for i in items if i.section == s.id]
        reported = partly = applicable = 0
        for item in in_section:
            answer = appraisal.answer_of(item.id)
            counts[answer if answer in counts else None] += 1
            if answer == "not-applicable":
                continue
            applicable += 1
            reported += answer == "yes"
            partly += answer == "partly"
            if answer == "no":
                missing.append(f"{item.id} ({checklist.label(item)})")
        if in_section:
            sections.append(SectionAdherence(s.id, s.title, reported, partly, applicable))
    applicable_total = len(items) - counts["not-applicable"]
    return AdherenceResult(
        checklist.id, counts["yes"], counts["partly"], counts["no"], counts["not-applicable"], counts[None],
        applicable_total, tuple(sections), completeness(appraisal, checklist), tuple(missing),
    )


def judge(appraisal: Appraisal, checklist: Checklist | None = None) -> RiskOfBiasResult | AdherenceResult:
    """The right judgement for the appraisal's checklist: risk of bias, or reporting adherence."""
    checklist = checklist or appraisal.checklist()
    appraisal.validate_against(checklist)
    if checklist.is_risk_of_bias:
        return judge_risk_of_bias(appraisal, checklist)
    return judge_adherence(appraisal, checklist)
