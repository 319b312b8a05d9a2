"""Evidence finder: rank a paper's sentences as candidate evidence for each checklist item.

How it ranks, per item (all terms stemmed the same way on both sides):
1. BM25 (k1=1.2, b=0.75) over sentences for the item's `hints` (weight 1) and the content words of its
   question and topic (weight 0.4); a hint phrase found whole in the sentence adds a bonus.
2. Regex boosts: the item's own `patterns`, and built-in generic patterns (external validation,
   calibration, sample size, missing data, data split and leakage, blinding, ...) for items whose text
   mentions that topic, so items with few hints still find their sentences.
3. A mild boost for sentences in the part of the paper the item belongs to (Methods items in Methods).

Where an item's `suggest` pattern matches a top sentence the candidate carries a `Suggestion`, always
marked `is_suggestion=True`: the reviewer confirms or overrides it. A negation near the match lowers the
confidence and says so.

Speed: the document is indexed once (a sparse BM25 matrix), and all items are scored with one sparse
product; regexes run once per pattern over the whole text. See bench/bench_evidence.py.

Examples
--------
>>> from types import SimpleNamespace as NS
>>> item = NS(id="cal", section="results", question="Was calibration assessed?", hints=("calibration slope",),
...           patterns=(), suggest=(), answerable=True, topic="")
>>> doc = load_document("# Results\\nThe AUC was 0.81. The calibration slope was 0.92 (0.80 to 1.05).")
>>> best = find_evidence(doc, NS(items=(item,)), top_k=1)["cal"][0]
>>> best.highlighted
'The **calibration slope** was 0\\\\.92 \\\\(0\\\\.80 to 1\\\\.05\\\\)\\\\.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

from appraisal.text import Document, DocumentError, Sentence, load_document, split_sentences

__all__ = [
    "Document",
    "DocumentError",
    "Sentence",
    "Suggestion",
    "EvidenceCandidate",
    "load_document",
    "split_sentences",
    "find_evidence",
    "best_suggestion",
    "escape_markdown",
    "GENERIC_PATTERNS",
]

K1, B = 1.2, 0.75
QUESTION_WEIGHT = 0.4
PHRASE_BONUS = 1.5
ITEM_PATTERN_BOOST = 4.0
GENERIC_PATTERN_BOOST = 2.5
PART_BOOST = 1.25
ABSTRACT_DAMPING = 0.8  # abstracts summarise; the full statement is usually in the body


@dataclass(frozen=True)
class Suggestion:
    answer: str
    confidence: float  # 0-1, a rough guide, not a probability
    reason: str
    is_suggestion: bool = True


@dataclass(frozen=True)
class EvidenceCandidate:
    sentence: Sentence
    score: float
    highlighted: str  # Markdown: matched terms in **bold**, all other text escaped
    location: str
    suggestion: Suggestion | None = None

    def to_dict(self) -> dict:
        return {
            "text": self.sentence.text,
            "section": self.sentence.section,
            "page": self.sentence.page,
            "sentence": self.sentence.index + 1,
            "location": self.location,
            "score": round(self.score, 4),
            "highlighted": self.highlighted,
            "suggestion": None if self.suggestion is None else {
                "answer": self.suggestion.answer,
                "confidence": self.suggestion.confidence,
                "reason": self.suggestion.reason,
                "is_suggestion": True,
            },
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

_STOPWORDS = set(
    """a an and are as at be been being but by can could did do does for from had has have how if in into is
    it its of on or other such that the their them there these they this those to was were what when where
    which while who whom why will with would was were any all each than then so not no nor also used use
    using study paper authors report reported reporting describe described state stated clearly enough good
    does did whether""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['-][A-Za-z0-9]+)*|\d+(?:\.\d+)?")
_SUFFIXES = (
    "izations", "ization", "isation", "ational", "ations", "ation", "ition", "ivity", "ements", "ement",
    "ments", "ment", "ness", "ating", "ated", "ates", "ate", "ings", "ing", "ions", "ion", "ed", "ive",
    "ity", "al", "er", "e",
)


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer: validation, validated, validate -> valid; blinded -> blind."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w


def _tokens(text: str) -> list[str]:
    return [stem(w) for w in (m.group(0) for m in _WORD.finditer(text)) if w.lower() not in _STOPWORDS]


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


# ----------------------------------------------------------------------------------------- index
@dataclass
class _Index:
    vocab: dict[str, int]
    weights: sparse.csr_matrix  # sentences x vocab, BM25 term weights (idf * saturated tf)
    bigrams: dict[tuple[str, str], set[int]]  # adjacent stemmed tokens -> sentences (for phrase matching)
    joined: str  # sentences joined by newlines (regexes run once over this)
    starts: np.ndarray  # offset of each sentence in `joined`
    texts: list[str]
    lowered: str | None  # `joined` lower-cased, or None when lower-casing changes its length


def _build_index(doc: Document) -> _Index:
    vocab: dict[str, int] = {}
    rows, cols, data = [], [], []
    bigrams: dict[tuple[str, str], set[int]] = {}
    lengths = np.zeros(len(doc.sentences))
    for i, s in enumerate(doc.sentences):
        toks = _tokens(s.text)
        for pair in zip(toks, toks[1:]):
            bigrams.setdefault(pair, set()).add(i)
        lengths[i] = len(toks)
        counts: dict[int, int] = {}
        for t in toks:
            j = vocab.setdefault(t, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        rows.extend([i] * len(counts))
        cols.extend(counts.keys())
        data.extend(counts.values())
    n = len(doc.sentences)
    tf = sparse.csr_matrix((np.asarray(data, float), (rows, cols)), shape=(n, max(1, len(vocab))))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=tf.shape[1]) if cols else np.zeros(tf.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    avg = lengths.mean() if n and lengths.mean() > 0 else 1.0
    norm = K1 * (1 - B + B * lengths / avg)
    coo = tf.tocoo()
    w = idf[coo.col] * coo.data * (K1 + 1) / (coo.data + norm[coo.row])
    weights = sparse.csr_matrix((w, (coo.row, coo.col)), shape=tf.shape)
    texts = [s.text.replace("\n", " ") for s in doc.sentences]
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=int)
    joined = "\n".join(texts)
    lowered = joined.lower()
    return _Index(vocab, weights, bigrams, joined, np.asarray(starts), texts,
                  lowered if len(lowered) == len(joined) else None)


def _sentences_matching(index: _Index, rx: re.Pattern) -> np.ndarray:
    """Indices of the sentences `rx` matches.

    Python's `re` scans every position of the text, which is slow for ~170 patterns over a long paper, so
    each pattern is first reduced to literals that any match must contain (see `_required_literals`);
    only sentences containing one of them are searched.
    """
    literals = _required_literals(rx.pattern) if index.lowered is not None else None
    if literals is None:
        positions = [m.start() for m in rx.finditer(index.joined)]
        if not positions:
            return np.zeros(0, dtype=int)
        return np.unique(np.searchsorted(index.starts, positions, side="right") - 1)
    positions = []
    for literal in literals:
        at = index.lowered.find(literal)
        while at != -1:
            positions.append(at)
            at = index.lowered.find(literal, at + 1)
    if not positions:
        return np.zeros(0, dtype=int)
    candidates = np.unique(np.searchsorted(index.starts, positions, side="right") - 1)
    texts = index.texts
    return np.asarray([i for i in candidates if rx.search(texts[i])], dtype=int)


try:  # the regex parser behind `re`; if it ever moves, patterns simply run without the prefilter
    from re import _constants as _sre_c, _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre_c = _sre_parse = None


def _required_set(seq) -> set[str] | None:
    """Literals (lower-case) of which every match of this parsed sequence contains at least one; None if unknown."""
    c = _sre_c
    options: list[set[str]] = []
    run = ""
    for op, av in seq:
        if op is c.LITERAL:
            run += chr(av).lower()
            continue
        if run:
            options.append({run})
            run = ""
        sub = None
        if op is c.SUBPATTERN:
            sub = _required_set(av[-1])
        elif op is c.BRANCH:
            subs = [_required_set(branch) for branch in av[1]]
            sub = set().union(*subs) if all(subs) else None
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            sub = _required_set(av[2])
        if sub:
            options.append(sub)
    if run:
        options.append({run})
    good = [o for o in options if min(map(len, o)) >= 3]
    if not good:
        return None
    return max(good, key=lambda o: (min(map(len, o)), -len(o)))


@lru_cache(maxsize=1024)
def _required_literals(pattern: str) -> tuple[str, ...] | None:
    if _sre_parse is None:
        return None
    try:
        found = _required_set(_sre_parse.parse(pattern))
    except Exception:  # noqa: BLE001 - any parser surprise just disables the prefilter
        return None
    return tuple(sorted(found)) if found else None


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error:
        return None


def _item_text(item) -> str:
    return " ".join([getattr(item, "question", "") or "", getattr(item, "topic", "") or "", " ".join(item.hints or ())])


def _generic_topics(item) -> list[str]:
    text = _item_text(item)
    return [topic for topic, (trigger, _) in GENERIC_PATTERNS.items() if re.search(trigger, text, re.IGNORECASE)]


_NEGATION = re.compile(r"\b(not|no|none|without|neither|nor|never|n't|unavailable|lack(ed|ing)?)\b", re.IGNORECASE)
_ITEM_PART_OF = {"title": "title", "abstract": "abstract", "introduction": "introduction", "methods": "methods",
                 "results": "results", "discussion": "discussion"}


def _suggest(item, sentence: Sentence, rank: int, in_part: bool) -> Suggestion | None:
    for rule in getattr(item, "suggest", ()) or ():
        rx = _compile(rule.pattern)
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


def find_evidence(document: Document, checklist, *, top_k: int = 3) -> dict[str, list[EvidenceCandidate]]:
    """Top `top_k` candidate sentences for every answerable item of `checklist`, best first.

    Items with no matching sentence get an empty list (nothing found is itself worth knowing).
    """
    if not isinstance(document, Document):
        raise TypeError("find_evidence needs a Document from load_document().")
    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, got {top_k!r}.")
    items = [i for i in checklist.items if getattr(i, "answerable", True)]
    index = _build_index(document)
    n_sent = len(document.sentences)
    parts = np.array([s.part for s in document.sentences])
    # one sparse product scores the hint and question terms of all items
    q = sparse.lil_matrix((index.weights.shape[1], max(1, 2 * len(items))))
    item_stems: list[set[str]] = []
    item_phrases: list[list[list[str]]] = []
    for k, item in enumerate(items):
        hint_stems: set[str] = set()
        phrases = []
        for hint in item.hints or ():
            toks = _tokens(hint)
            hint_stems.update(toks)
            if len(toks) > 1:
                phrases.append(toks)
        question_stems = set(_tokens(f"{getattr(item, 'question', '')} {getattr(item, 'topic', '') or ''}"))
        for t in hint_stems:
            if (j := index.vocab.get(t)) is not None:
                q[j, 2 * k] = 1.0
        for t in question_stems - hint_stems:
            if (j := index.vocab.get(t)) is not None:
                q[j, 2 * k + 1] = QUESTION_WEIGHT
        item_stems.append(hint_stems | question_stems)
        item_phrases.append(phrases)
    term_scores = np.asarray((index.weights @ q.tocsc()).todense()) if items else np.zeros((n_sent, 0))
    generic_hits = {
        topic: _sentences_matching(index, _compile(rx)) for topic, (_, rx) in GENERIC_PATTERNS.items()
    }
    result: dict[str, list[EvidenceCandidate]] = {}
    for k, item in enumerate(items):
        score = term_scores[:, 2 * k] + term_scores[:, 2 * k + 1]
        for phrase in item_phrases[k]:
            # a phrase is found when all its adjacent word pairs occur in the sentence
            pairs = [index.bigrams.get(pair, set()) for pair in zip(phrase, phrase[1:])]
            hits = set.intersection(*pairs) if pairs else set()
            if hits:
                score[list(hits)] += PHRASE_BONUS
        regexes: list[re.Pattern] = []
        pattern_hits = np.zeros(n_sent)
        for pattern in item.patterns or ():
            if (rx := _compile(pattern)) is not None:
                regexes.append(rx)
                pattern_hits[_sentences_matching(index, rx)] += 1
        for rule in getattr(item, "suggest", ()) or ():
            if (rx := _compile(rule.pattern)) is not None:
                pattern_hits[_sentences_matching(index, rx)] += 1
        score += ITEM_PATTERN_BOOST * np.minimum(pattern_hits, 2)
        topics = _generic_topics(item)
        for topic in topics:
            score[generic_hits[topic]] += GENERIC_PATTERN_BOOST / max(1, len(topics)) ** 0.5
            regexes.append(_compile(GENERIC_PATTERNS[topic][1]))
        part = _ITEM_PART_OF.get(getattr(item, "section", ""), None)
        if part:
            score = np.where(parts == part, score * PART_BOOST, score)
        if part != "abstract":
            score = np.where(parts == "abstract", score * ABSTRACT_DAMPING, score)
        if part != "title":
            score = np.where(parts == "title", score * 0.5, score)
        order = np.argsort(-score, kind="stable")[:top_k]
        candidates = []
        for rank, i in enumerate(order):
            if score[i] <= 0:
                break
            s = document.sentences[int(i)]
            candidates.append(EvidenceCandidate(
                sentence=s,
                score=float(score[i]),
                highlighted=_highlight(s.text, item_stems[k], regexes),
                location=s.location,
                suggestion=_suggest(item, s, rank, part == s.part),
            ))
        result[item.id] = candidates
    return result
