"""Evidence finder: for each checklist item, rank a paper's sentences as candidate evidence, say whether the
paper reports the item at all, and suggest an answer.

How it ranks, per item (appraisal.retrieval does the indexing):
1. BM25 over sentences for the item's `hints` (weight 1), the query words of its concepts (0.8) and the
   content words of its question and topic (0.4); a hint phrase found whole in the sentence adds a bonus.
2. Wording boosts: the item's own `patterns`, generic topic patterns, and above all the qualifying
   wording of the item's concepts (appraisal.concepts), with traps and negations excluded.
3. Where the sentence is: the authors' own Methods and Results first; abstract and Discussion less;
   Introduction and other background (sentences about others' work) much less; references never (they
   are split off). Captions and table rows count a little less than text; very long sentences are damped
   so one long sentence cannot top many items.

Absence (appraisal.absence): each item gets `status` "reported", "not_reported" or "unclear", with a
reason. Suggestions (always marked `is_suggestion=True`; the reviewer confirms or overrides):
- items linked to concepts: "yes" when every concept is reported, "partly" when some are, "no" (or "NI",
  no information, for risk-of-bias tools) when none is; confidence from where the evidence is;
- other items: the item's own `suggest` patterns on its top sentences; a negation near the match, or a
  match only in background, lowers the confidence.
Never a confident "yes" from background or reference sentences.

Speed: the document is indexed once (a sparse BM25 matrix); all items are scored with one sparse product;
each regex runs once per document on the sentences that contain its literals. See bench/bench_evidence.py.

Examples
--------
>>> from types import SimpleNamespace as NS
>>> item = NS(id="cal", section="results", question="Was calibration assessed?", hints=("calibration slope",),
...           patterns=(), suggest=(), answerable=True, topic="")
>>> doc = load_document("# Results\\nThe AUC was 0.81. The calibration slope was 0.92 (0.80 to 1.05).")
>>> best = find_evidence(doc, NS(items=(item,)), top_k=1)["cal"][0]
>>> best.highlighted
'The **calibration slope** was 0\\\\.92 \\\\(0\\\\.80 to 1\\\\.05\\\\)\\\\.'
>>> assess_evidence(doc, NS(items=(item,), answer_options=("yes", "no")))["cal"].status
'reported'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from appraisal.absence import NOT_REPORTED, REPORTED, UNCLEAR, AspectStatus, aspect_status, evidence_strength
from appraisal.concepts import Concept, concepts_for, validation_scheme
from appraisal.retrieval import _STOPWORDS, _WORD, build_index, compile_pattern, sentences_matching, stem, tokens
from appraisal.text import Document, DocumentError, Sentence, load_document, split_sentences

__all__ = [
    "Document",
    "DocumentError",
    "Sentence",
    "Suggestion",
    "EvidenceCandidate",
    "ItemEvidence",
    "load_document",
    "split_sentences",
    "find_evidence",
    "assess_evidence",
    "best_suggestion",
    "escape_markdown",
    "stem",
    "GENERIC_PATTERNS",
    "NOT_FOUND_MESSAGE",
]

_tokens = tokens  # kept for bench/bench_evidence.py's baseline
QUESTION_WEIGHT = 0.4
CONCEPT_TERM_WEIGHT = 0.8
PHRASE_BONUS = 1.5
ITEM_PATTERN_BOOST = 3.0
GENERIC_PATTERN_BOOST = 2.0
CONCEPT_STRONG_BOOST = 12.0
CONCEPT_WEAK_BOOST = 1.5
PART_WEIGHT = {"methods": 1.3, "results": 1.25, "other": 1.15, "abstract": 0.85, "discussion": 0.65,
               "title": 0.4, "introduction": 0.35}
KIND_WEIGHT = {"text": 1.0, "caption": 0.85, "table": 0.6}
BACKGROUND_WEIGHT = 0.35
SECTION_BOOST = 1.1  # the part of the paper the item belongs to (a Methods item in Methods)
LONG_SENTENCE_WORDS = 45
NOT_FOUND_MESSAGE = "Not found in the paper: check"
_FIRST_PERSON = re.compile(r"\b(we|our)\b", re.IGNORECASE)
# a discrimination value next to its name: "AUC of 0.85", "C statistic 0.74", "AUROC, 91%"
_NUMBER_VALUE = re.compile(
    r"\b(AUC|AUROC|ROC|c[- ]statistic|c[- ]index|curve|concordance)\b[^.;]{0,40}?(\b0?\.\d{2,3}\b|\b\d{2}(\.\d)?\s?%)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    answer: str
    confidence: float  # 0-1, a rough guide, not a probability
    reason: str
    is_suggestion: bool = True

    def to_dict(self) -> dict:
        return {"answer": self.answer, "confidence": self.confidence, "reason": self.reason, "is_suggestion": True}


@dataclass(frozen=True)
class EvidenceCandidate:
    sentence: Sentence
    score: float
    highlighted: str  # Markdown: matched terms in **bold**, all other text escaped
    location: str
    suggestion: Suggestion | None = None
    qualifies: bool = False  # states one of the item's concepts in qualifying words (not background)

    def to_dict(self) -> dict:
        return {
            "text": self.sentence.text,
            "section": self.sentence.section,
            "part": self.sentence.part,
            "kind": self.sentence.kind,
            "background": self.sentence.background,
            "page": self.sentence.page,
            "sentence": self.sentence.index + 1,
            "location": self.location,
            "score": round(self.score, 4),
            "qualifies": self.qualifies,
            "highlighted": self.highlighted,
            "suggestion": None if self.suggestion is None else self.suggestion.to_dict(),
        }


@dataclass(frozen=True)
class ItemEvidence:
    """Everything the finder says about one item: is it reported, where, and a suggested answer."""

    item_id: str
    status: str  # "reported", "not_reported" or "unclear"
    reason: str
    candidates: list[EvidenceCandidate]
    suggestion: Suggestion | None = None
    aspects: tuple[AspectStatus, ...] = ()
    aspect_candidates: dict[str, list[EvidenceCandidate]] = field(default_factory=dict)

    @property
    def not_found(self) -> bool:
        return self.status == NOT_REPORTED

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "candidates": [c.to_dict() for c in self.candidates],
            "suggestion": None if self.suggestion is None else self.suggestion.to_dict(),
            "aspects": [
                {**a.to_dict(), "candidates": [c.to_dict() for c in self.aspect_candidates.get(a.concept, [])]}
                for a in self.aspects
            ],
        }


# ----------------------------------------------------------------------------------------- generic topics
# topic -> (trigger: regex over the item's own text that says the item is about this topic,
#           evidence: regex over sentences that usually answers it)
GENERIC_PATTERNS: dict[str, tuple[str, str]] = {
    "external validation": (
        r"external|transportab|generali[sz]|validation (cohort|data|set)|evaluat",
        r"\bexternal(ly)?[- ]validat|\b(independent|separate|external|temporal|geographic\w*)\s+"
        r"(validation|test|cohort|data ?set|hospital|site)s?\b|\bheld[- ]out\b|\bdifferent (hospital|site|centre|center)s?",
    ),
    "calibration": (
        r"calibrat",
        r"\bcalibrat\w*|\bobserved[- ](to|vs\.?|versus|and)[- ]expected|\bhosmer|\bbrier\b|\brecalibrat",
    ),
    "discrimination": (
        r"discriminat|performance measure|\bauc\b|c[- ]statistic",
        r"\b(AUC|AUROC|AUPRC|c[- ]statistic|c[- ]index|area under the\s+\w+\s*(\w+\s+)?curve|ROC curve)",
    ),
    "sample size": (
        r"sample size|events per|number of (participants|events)|enough (participants|data|events)|power",
        r"\bsample size\b|\bevents per (candidate )?(variable|predictor|parameter)|\bEPV\b|\bpower (calculation|analysis)"
        r"|\b(minimum|required) (number|sample)|\b\d[\d,]* (events|outcome events)\b",
    ),
    "missing data": (
        r"missing|imput|incomplete",
        r"\bmissing (data|values?|information)|\bimput\w+|\bcomplete[- ]case|\bmissingness\b|\bexcluded\b.{0,60}\bmissing",
    ),
    "data split and leakage": (
        r"split|leak|partition|internal validation|overfit|optimism|tuning|hyperparameter|cross[- ]validat|resampl",
        r"\b(training|test|testing|validation|tuning|development)\s+(set|split|cohort|data ?set|fold)s?\b|\bcross[- ]validat"
        r"|\bbootstrap\w*|\bleak\w*|\b(randomly )?(split|partitioned|divided)\b|\bpatient[- ]level\b|\bhyper-?parameters?\b"
        r"|\b\d+[- ]fold\b|\boptimism\b|\bnested\b",
    ),
    "blinding": (
        r"blind|mask|without knowledge|unaware|knowledge of",
        r"\bblind\w*|\bmask(ed|ing)\b|\bunaware of\b|\bwithout (knowledge|access) (of|to)\b",
    ),
    "outcome definition": (
        r"outcome|reference standard|ground truth|label",
        r"\b(primary )?outcome was\b|\bdefined as\b|\breference standard\b|\bground[- ]truth\b|\blabel(l)?ed\b|\badjudicat\w*",
    ),
    "participants and eligibility": (
        r"eligib|inclusion|exclusion|participants|population|setting|recruit",
        r"\b(inclusion|exclusion|eligibility) criteria\b|\b(were|was) (included|excluded|eligible|enrolled|recruited)\b"
        r"|\bconsecutive\w*|\baged\b|\b(adults|patients) (admitted|attending|presenting)\b",
    ),
    "data source and dates": (
        r"data source|study dates|period|registry|electronic health|cohort|design",
        r"\b(between|from) (january|february|march|april|may|june|july|august|september|october|november|december|\d{4})"
        r"|\b(retrospective|prospective)\w*\b|\belectronic (health|medical) records?\b|\bregistry\b|\bdatabase\b",
    ),
    "predictors": (
        r"predictor|feature|variable|input",
        r"\b(candidate )?predictors?\b|\bfeatures?\b|\bvariables? (were|was) (selected|included|chosen)",
    ),
    "model and analysis": (
        r"model(l)?ing|model type|algorithm|architecture|regression|machine learning|analysis",
        r"\b(gradient[- ]boost\w*|random forest|logistic regression|neural network|XGBoost|LightGBM|support vector"
        r"|deep learning|convolutional)\b",
    ),
    "fairness and subgroups": (
        r"fair|subgroup|equity|ethnic|sex|bias|underrepresent|heterogen",
        r"\bsubgroups?\b|\bfairness\b|\b(sex|gender|ethnic\w*|race|age groups?)\b.{0,60}\b(performance|auc|calibrat\w*)",
    ),
    "clinical utility": (
        r"utility|decision curve|net benefit|threshold|clinical (use|impact|usefulness)",
        r"\bdecision curve\b|\bnet benefit\b|\bthreshold probabilit\w*|\bclinical (utility|usefulness|impact)\b",
    ),
    "code and data availability": (
        r"code|availab|shar|open science|reproduc|software|protocol|registration|regist",
        r"\b(code|data|software|model)\b.{0,40}\bavailable\b|\bgithub\b|\brepository\b|\bregist(ered|ration)\b|\bprotocol\b",
    ),
    "funding and ethics": (
        r"fund|conflict|ethic|consent|approval",
        r"\bfund(ed|ing)\b|\bgrant\b|\bconflicts? of interest\b|\bcompeting interests?\b|\bethic\w* (committee|approval|board)"
        r"|\binformed consent\b|\binstitutional review board\b",
    ),
    "limitations": (
        r"limitation|weakness|caveat",
        r"\blimitations?\b|\bweakness\w*|\bshould be interpreted with caution\b",
    ),
}

# ----------------------------------------------------------------------------------------- markdown
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&^=\"])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Markdown, Streamlit or HTML could act on, so text shows as typed."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _highlight(text: str, stems: set[str], regexes: list[re.Pattern]) -> str:
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        if m.group(0).lower() not in _STOPWORDS and stem(m.group(0)) in stems:
            spans.append((m.start(), m.end()))
    for rx in regexes:
        for m in rx.finditer(text):
            if m.end() > m.start():
                spans.append((m.start(), m.end()))
    if not spans:
        return escape_markdown(text)
    spans.sort()
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        gap = text[merged[-1][1]:start]
        if start <= merged[-1][1] or (gap.strip() == "" and len(gap) <= 2):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(escape_markdown(text[pos:start]))
        out.append("**" + escape_markdown(text[start:end].strip()) + "**")
        out.append(" " * (len(text[start:end]) - len(text[start:end].rstrip())))
        pos = end
    out.append(escape_markdown(text[pos:]))
    return "".join(out)



def _item_text(item) -> str:
    return " ".join([getattr(item, "question", "") or "", getattr(item, "topic", "") or "", " ".join(item.hints or ())])


def _generic_topics(item) -> list[str]:
    text = _item_text(item)
    return [topic for topic, (trigger, _) in GENERIC_PATTERNS.items() if re.search(trigger, text, re.IGNORECASE)]


_NEGATION = re.compile(r"\b(not|no|none|without|neither|nor|never|n't|unavailable|lack(ed|ing)?)\b", re.IGNORECASE)
_ITEM_PART_OF = {"title": "title", "abstract": "abstract", "introduction": "introduction", "methods": "methods",
                 "results": "results", "discussion": "discussion"}
_NO_CONCEPT_SECTIONS = {"title", "abstract", "title-abstract", "introduction", "discussion"}
_POSITIVE = ("yes", "Y", "PY")
_NEGATIVE = ("no", "N", "PN")


def _suggest(item, sentence: Sentence, rank: int, in_part: bool) -> Suggestion | None:
    """The item's own `suggest` patterns on one candidate sentence."""
    for rule in getattr(item, "suggest", ()) or ():
        rx = compile_pattern(rule.pattern)
        if rx is None or not (m := rx.search(sentence.text)):
            continue
        confidence = 0.7 if rank == 0 else 0.6
        if in_part:
            confidence += 0.1
        reason = f"{rule.reason} Matched \u201c{m.group(0)}\u201d at {sentence.location}."
        window = sentence.text[max(0, m.start() - 40): m.start()]
        if _NEGATION.search(window) or _NEGATION.search(m.group(0)):
            confidence = 0.3
            reason += " The sentence also contains a negation, so read it before accepting."
        elif sentence.background or sentence.part in ("introduction", "title"):
            confidence = min(confidence, 0.3)
            reason += " The sentence is background (about others' work or the introduction), so check the Methods."
        elif sentence.part in ("discussion", "abstract"):
            confidence = min(confidence, 0.5)
        return Suggestion(rule.answer, round(min(confidence, 0.9), 2), reason)
    return None


def best_suggestion(candidates: list[EvidenceCandidate]) -> Suggestion | None:
    """The most confident suggestion among an item's candidates; lowered when candidates disagree."""
    found = [c.suggestion for c in candidates if c.suggestion is not None]
    if not found:
        return None
    best = max(found, key=lambda s: s.confidence)
    if len({s.answer for s in found}) > 1:
        return Suggestion(best.answer, round(min(best.confidence, 0.4), 2),
                          best.reason + " Other candidate sentences suggest a different answer; check them.")
    return best


# ----------------------------------------------------------------------------------------- per document
class _Context:
    """What is computed once per document: the index, where each sentence is, and concept matches."""

    def __init__(self, document: Document):
        self.document = document
        sentences = document.sentences
        self.index = build_index([s.text for s in sentences])
        self.n = len(sentences)
        self.parts = np.array([s.part for s in sentences])
        words = np.array([max(1, len(s.text.split())) for s in sentences], dtype=float)
        place = np.array([
            PART_WEIGHT.get("abstract" if s.part == "introduction" and not s.background else s.part, 1.0)
            * KIND_WEIGHT.get(s.kind, 1.0)
            * (BACKGROUND_WEIGHT if s.background else 1.0)
            * (1.1 if _FIRST_PERSON.search(s.text) and not s.background else 1.0)
            for s in sentences
        ])
        self.place = place * np.minimum(1.0, (LONG_SENTENCE_WORDS / words) ** 0.6)
        self.background = np.array([s.background for s in sentences], dtype=bool)
        self.has_value = np.array([bool(_NUMBER_VALUE.search(s.text)) for s in sentences])
        self._strong: dict[str, np.ndarray] = {}
        self._mentions: dict[str, np.ndarray] = {}
        self._aspects: dict[str, AspectStatus] = {}
        self._generic: dict[str, np.ndarray] = {}
        self._patterns: dict[str, np.ndarray] = {}

    def matching(self, pattern: str) -> np.ndarray:
        """Indices of sentences a regex matches (cached per pattern)."""
        if pattern not in self._patterns:
            rx = compile_pattern(pattern)
            self._patterns[pattern] = sentences_matching(self.index, rx) if rx is not None else np.zeros(0, int)
        return self._patterns[pattern]

    def strong(self, concept: Concept) -> np.ndarray:
        """Boolean mask: the sentence states the concept in qualifying words, or reports it as not done."""
        if concept.id not in self._strong:
            mask = np.zeros(self.n, dtype=bool)
            mentions = np.zeros(self.n, dtype=bool)
            sentences = self.document.sentences
            patterns = [concept.strong] + ([concept.weak] if concept.weak else []) + (
                [concept.negative] if concept.negative else [])
            for pattern in patterns:
                mentions[self.matching(pattern)] = True
            for i in np.nonzero(mentions)[0]:
                text = sentences[i].text
                if concept.qualifies(text) or (concept.negative and concept.negative_match(text)):
                    mask[i] = True
            self._strong[concept.id] = mask
            self._mentions[concept.id] = mentions
        return self._strong[concept.id]

    def mentions(self, concept: Concept) -> np.ndarray:
        self.strong(concept)
        return self._mentions[concept.id]

    def aspect(self, concept: Concept) -> AspectStatus:
        if concept.id not in self._aspects:
            self._aspects[concept.id] = aspect_status(self.document, concept,
                                                      only=np.nonzero(self.mentions(concept))[0])
        return self._aspects[concept.id]

    def generic(self, topic: str) -> np.ndarray:
        if topic not in self._generic:
            self._generic[topic] = self.matching(GENERIC_PATTERNS[topic][1])
        return self._generic[topic]


def _query(item, concepts: list[Concept]) -> tuple[dict[str, float], list[list[str]], set[str]]:
    query: dict[str, float] = {}
    phrases: list[list[str]] = []
    for hint in item.hints or ():
        toks = tokens(hint)
        for t in toks:
            query[t] = 1.0
        if len(toks) > 1:
            phrases.append(toks)
    for concept in concepts:
        for term in concept.terms:
            for t in tokens(term):
                query[t] = max(query.get(t, 0.0), CONCEPT_TERM_WEIGHT)
    for t in tokens(f"{getattr(item, 'question', '')} {getattr(item, 'topic', '') or ''}"):
        query.setdefault(t, QUESTION_WEIGHT)
    return query, phrases, set(query)


def _concept_scores(ctx: _Context, concepts: list[Concept]) -> np.ndarray:
    score = np.zeros(ctx.n)
    if not concepts:
        return score
    share = 1.0 / len(concepts) ** 0.5
    for concept in concepts:
        strong = ctx.strong(concept)
        score += share * (CONCEPT_STRONG_BOOST * strong + CONCEPT_WEAK_BOOST * (ctx.mentions(concept) & ~strong))
        if concept.id == "discrimination":
            # a reported value beats a plan to measure it; the abstract states the headline result
            score += share * 15.0 * (strong & ctx.has_value) * np.where(ctx.parts == "abstract", 2.0, 1.0)
    return score


def _item_scores(ctx: _Context, item, concepts: list[Concept]) -> tuple[np.ndarray, np.ndarray, list[re.Pattern], set[str]]:
    """(score per sentence, item-pattern hits per sentence, regexes to highlight, stems to highlight)."""
    query, phrases, stems = _query(item, concepts)
    score = ctx.index.score(query)
    for phrase in phrases:
        hits = ctx.index.phrase_hits(phrase)
        if hits:
            score[list(hits)] += PHRASE_BONUS
    regexes: list[re.Pattern] = []
    pattern_hits = np.zeros(ctx.n)
    for pattern in list(item.patterns or ()) + [r.pattern for r in getattr(item, "suggest", ()) or ()]:
        if (rx := compile_pattern(pattern)) is not None:
            regexes.append(rx)
            pattern_hits[ctx.matching(pattern)] += 1
    score += ITEM_PATTERN_BOOST * np.minimum(pattern_hits, 2) / (2.0 if concepts else 1.0)
    topics = _generic_topics(item)
    for topic in topics:
        score[ctx.generic(topic)] += GENERIC_PATTERN_BOOST / max(1, len(topics)) ** 0.5 / (2.0 if concepts else 1.0)
        regexes.append(compile_pattern(GENERIC_PATTERNS[topic][1]))
    score += _concept_scores(ctx, concepts)
    for concept in concepts:
        regexes.append(concept.strong_rx)
    score = score * ctx.place
    part = _ITEM_PART_OF.get(getattr(item, "section", ""), None)
    if part:
        # the item's own part of the paper is the right place, even the title or the introduction
        lift = max(SECTION_BOOST, 1.3 / PART_WEIGHT.get(part, 1.0))
        if part in ("title", "abstract"):  # an item about the title or abstract is answered there
            lift *= 2.0
        if part == "introduction":  # background is what an introduction item asks about
            score = np.where(ctx.background, score / BACKGROUND_WEIGHT, score)
        score = np.where(ctx.parts == part, score * lift, score)
    return score, pattern_hits, regexes, stems


def _candidates(ctx: _Context, item, score: np.ndarray, top_k: int, stems: set[str], regexes: list[re.Pattern],
                concepts: list[Concept], order: np.ndarray | None = None) -> list[EvidenceCandidate]:
    order = np.argsort(-score, kind="stable") if order is None else order
    part = _ITEM_PART_OF.get(getattr(item, "section", ""), None)
    strong_any = np.zeros(ctx.n, dtype=bool)
    for concept in concepts:
        strong_any |= ctx.strong(concept)
    out = []
    for rank, i in enumerate(order[:top_k]):
        if score[i] <= 0:
            break
        s = ctx.document.sentences[int(i)]
        out.append(EvidenceCandidate(
            sentence=s,
            score=float(score[i]),
            highlighted=_highlight(s.text, stems, regexes),
            location=s.location,
            suggestion=_suggest(item, s, rank, part == s.part),
            qualifies=bool(strong_any[i]) and not s.background,
        ))
    return out


# ----------------------------------------------------------------------------------------- status and answers
def _options(checklist) -> tuple[str, ...]:
    return tuple(getattr(checklist, "answer_options", ()) or ("yes", "partly", "no"))


def _pick(options: tuple[str, ...], wanted: tuple[str, ...]) -> str | None:
    return next((o for o in wanted if o in options), None)


def _concept_status(aspects: list[AspectStatus]) -> tuple[str, str]:
    statuses = [a.status for a in aspects]
    if all(s == REPORTED for s in statuses):
        return REPORTED, " ".join(f"{a.name.capitalize()}: {a.reason}" for a in aspects)
    if any(s == REPORTED for s in statuses):
        missing = [a.name for a in aspects if a.status != REPORTED]
        return REPORTED, (f"Partly reported. Found: {', '.join(a.name for a in aspects if a.status == REPORTED)}. "
                          f"Not found or unclear: {', '.join(missing)}.")
    if all(s == NOT_REPORTED for s in statuses):
        return NOT_REPORTED, f"{NOT_FOUND_MESSAGE}. " + " ".join(a.reason for a in aspects)
    return UNCLEAR, " ".join(f"{a.name.capitalize()}: {a.reason}" for a in aspects if a.status == UNCLEAR)


def _scheme_note(ctx: _Context, aspects: list[AspectStatus]) -> str:
    """For internal validation: which scheme the qualifying sentences describe."""
    aspect = next((a for a in aspects if a.concept == "internal_validation" and a.status == REPORTED), None)
    if aspect is None:
        return ""
    scheme = validation_scheme([ctx.document.sentences[i].text for i in aspect.sentences[:5]])
    return f" Internal validation looks like: {scheme}." if scheme else ""


def _concept_suggestion(ctx: _Context, checklist, item, aspects: list[AspectStatus],
                        candidates: list[EvidenceCandidate]) -> Suggestion | None:
    options = _options(checklist)
    reporting = "yes" in options  # a reporting checklist: "is it reported?"
    reported = [a for a in aspects if a.status == REPORTED]
    names = ", ".join(a.name for a in aspects)
    if reporting:
        if len(reported) == len(aspects):
            strength = min(a.strength for a in reported)
            conf = 0.5 + 0.35 * min(1.0, strength)
            where = "; ".join(a.reason for a in reported)
            return Suggestion("yes", round(conf, 2), f"Reported ({names}). {where}{_scheme_note(ctx, aspects)}")
        if reported:
            answer = "partly" if "partly" in options else "yes"
            missing = ", ".join(a.name for a in aspects if a.status != REPORTED)
            return Suggestion(answer, 0.5, f"Reported: {', '.join(a.name for a in reported)}; not found or "
                                           f"unclear: {missing}. Check the item's full wording.")
        if all(a.status == NOT_REPORTED for a in aspects):
            no = _pick(options, ("no",)) or options[-1]
            return Suggestion(no, 0.6, f"No sentence in the paper reports {names}. Check the paper, its "
                                       "supplement and back matter before answering.")
        close = [a for a in aspects if a.status == UNCLEAR and a.strength > 0]
        if close:
            return Suggestion("yes", 0.3, f"{close[0].reason} A low-confidence suggestion only.")
        return Suggestion(_pick(options, ("no",)) or options[-1], 0.3,
                          f"Only related wording found for {names}; it may not be reported. Check.")
    # risk of bias: "reported" is not the same as "low risk", so only say when information is missing
    if all(a.status == NOT_REPORTED for a in aspects) and "NI" in options:
        return Suggestion("NI", 0.45, f"No sentence in the paper reports {names}: no information. Check the "
                                      "paper and its supplement; if the item does not hinge on it (for example an "
                                      "objective outcome such as death), answer from the rest of the paper.")
    qualifying = [c for c in candidates if c.qualifies and c.suggestion is not None]
    return best_suggestion(qualifying) if qualifying else None


def _plain_status(ctx: _Context, score: np.ndarray, pattern_hits: np.ndarray, candidates) -> tuple[str, str]:
    """Status of an item without concepts: from its own patterns and hint phrases."""
    if not candidates:
        return NOT_REPORTED, f"{NOT_FOUND_MESSAGE}: no sentence matches this item's words."
    body = np.array([s.part in ("methods", "results", "other", "abstract") and not s.background
                     for s in ctx.document.sentences])
    top = [c for c in candidates if pattern_hits[c.sentence.index] > 0 and body[c.sentence.index]]
    if top:
        return REPORTED, f"Matches the item's wording at {top[0].location}; check it answers the question."
    return UNCLEAR, "Related sentences found, none clearly answering the item; check them."


def _plain_suggestion(candidates: list[EvidenceCandidate]) -> Suggestion | None:
    return best_suggestion(candidates)


def assess_evidence(document: Document, checklist, *, top_k: int = 3) -> dict[str, ItemEvidence]:
    """For every answerable item: status, reason, top `top_k` candidate sentences and a suggested answer."""
    if not isinstance(document, Document):
        raise TypeError("find_evidence needs a Document from load_document().")
    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, got {top_k!r}.")
    items = [i for i in checklist.items if getattr(i, "answerable", True)]
    ctx = _Context(document)
    scored = []
    for item in items:
        # concepts are about what the authors did (methods, results, back matter), not the title or abstract
        concepts = [] if getattr(item, "section", "") in _NO_CONCEPT_SECTIONS else concepts_for(item)
        score, pattern_hits, regexes, stems = _item_scores(ctx, item, concepts)
        scored.append((item, concepts, score, pattern_hits, regexes, stems))
    _spread_long_winners(ctx, scored)
    result: dict[str, ItemEvidence] = {}
    for item, concepts, score, pattern_hits, regexes, stems in scored:
        candidates = _candidates(ctx, item, score, top_k, stems, regexes, concepts)
        if concepts:
            aspects = [ctx.aspect(c) for c in concepts]
            status, reason = _concept_status(aspects)
            suggestion = _concept_suggestion(ctx, checklist, item, aspects, candidates)
            per_aspect = {}
            if len(concepts) > 1:
                for c in concepts:
                    s_c = (ctx.index.score({t: 1.0 for term in c.terms for t in tokens(term)})
                           + _concept_scores(ctx, [c])) * ctx.place
                    per_aspect[c.id] = _candidates(ctx, item, s_c, top_k, stems, [c.strong_rx], [c])
                candidates = _interleave(aspects, per_aspect, candidates, top_k)
        else:
            aspects, per_aspect = [], {}
            status, reason = _plain_status(ctx, score, pattern_hits, candidates)
            suggestion = _plain_suggestion(candidates)
        result[item.id] = ItemEvidence(item.id, status, reason, candidates, suggestion, tuple(aspects), per_aspect)
    return result


def _interleave(aspects: list[AspectStatus], per_aspect: dict[str, list[EvidenceCandidate]],
                fallback: list[EvidenceCandidate], top_k: int) -> list[EvidenceCandidate]:
    """For an item with several concepts: the best sentence of each reported concept first, then the rest."""
    ordered = [a for a in aspects if a.status == REPORTED]
    out: list[EvidenceCandidate] = []
    seen: set[int] = set()
    for rank in range(top_k):
        for a in ordered:
            found = [c for c in per_aspect.get(a.concept, []) if c.qualifies]
            if rank < len(found) and found[rank].sentence.index not in seen:
                out.append(found[rank])
                seen.add(found[rank].sentence.index)
    for c in fallback:
        if c.sentence.index not in seen:
            out.append(c)
            seen.add(c.sentence.index)
    return out[:top_k]


def _spread_long_winners(ctx: _Context, scored: list) -> None:
    """One long sentence should not top many items: a sentence of more than 30 words that is first for more
    than two items keeps first place only where it states the item's concept; elsewhere it drops below the
    best other sentence when that scores at least 15% of it."""
    if ctx.n < 2:
        return
    firsts: dict[int, int] = {}
    for _, _, score, *_ in scored:
        top = int(np.argmax(score))
        firsts[top] = firsts.get(top, 0) + 1
    crowded = {i for i, count in firsts.items()
               if count > 2 and len(ctx.document.sentences[i].text.split()) > 30}
    if not crowded:
        return
    for _, concepts, score, *_ in scored:
        top = int(np.argmax(score))
        if top not in crowded or any(ctx.strong(c)[top] for c in concepts):
            continue
        others = score.copy()
        others[list(crowded)] = -np.inf
        best = int(np.argmax(others))
        if others[best] > 0.15 * score[top]:
            score[top] = others[best] * 0.99


def find_evidence(document: Document, checklist, *, top_k: int = 3) -> dict[str, list[EvidenceCandidate]]:
    """Top `top_k` candidate sentences for every answerable item of `checklist`, best first.

    Items with no matching sentence get an empty list (nothing found is itself worth knowing). For the
    status (reported / not reported / unclear) and a suggested answer per item, use `assess_evidence`.
    """
    return {item_id: found.candidates for item_id, found in assess_evidence(document, checklist, top_k=top_k).items()}
