"""Sentence retrieval for the evidence finder: a light stemmer, a BM25 index over a paper's sentences, and
fast regex matching per sentence.

BM25 (Robertson and Zaragoza's Okapi weighting, k1=1.2, b=0.75) is computed once per document as a sparse
sentences x terms matrix, so all checklist items are scored with one sparse product. Regexes run only on
sentences that contain a literal every match needs (see `_required_literals`).

>>> index = build_index(["The calibration slope was 0.9.", "We used data from two hospitals."])
>>> scores = index.score({"calibr": 1.0})
>>> int(scores.argmax())
0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

__all__ = ["K1", "B", "stem", "tokens", "Index", "build_index", "sentences_matching", "compile_pattern"]

K1, B = 1.2, 0.75

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


def tokens(text: str) -> list[str]:
    return [stem(w) for w in (m.group(0) for m in _WORD.finditer(text)) if w.lower() not in _STOPWORDS]


@dataclass
class Index:
    vocab: dict[str, int]
    weights: sparse.csr_matrix  # sentences x vocab, BM25 term weights (idf * saturated tf)
    bigrams: dict[tuple[str, str], set[int]]  # adjacent stemmed tokens -> sentences (for phrase matching)
    joined: str  # sentences joined by newlines (regexes run once over this)
    starts: np.ndarray  # offset of each sentence in `joined`
    texts: list[str]
    lowered: str | None  # `joined` lower-cased, or None when lower-casing changes its length

    def score(self, query: dict[str, float]) -> np.ndarray:
        """BM25 score of every sentence for a query of stemmed terms with weights."""
        q = np.zeros(self.weights.shape[1])
        for term, weight in query.items():
            if (j := self.vocab.get(term)) is not None:
                q[j] = max(q[j], weight)
        return np.asarray(self.weights @ q).ravel()

    def phrase_hits(self, phrase: list[str]) -> set[int]:
        """Sentences containing every adjacent pair of the stemmed phrase."""
        pairs = [self.bigrams.get(pair, set()) for pair in zip(phrase, phrase[1:])]
        return set.intersection(*pairs) if pairs else set()


def build_index(texts: list[str]) -> Index:
    vocab: dict[str, int] = {}
    rows, cols, data = [], [], []
    bigrams: dict[tuple[str, str], set[int]] = {}
    texts = [t.replace("\n", " ") for t in texts]
    lengths = np.zeros(len(texts))
    for i, text in enumerate(texts):
        toks = tokens(text)
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
    n = len(texts)
    tf = sparse.csr_matrix((np.asarray(data, float), (rows, cols)), shape=(n, max(1, len(vocab))))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=tf.shape[1]) if cols else np.zeros(tf.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    avg = lengths.mean() if n and lengths.mean() > 0 else 1.0
    norm = K1 * (1 - B + B * lengths / avg)
    coo = tf.tocoo()
    w = idf[coo.col] * coo.data * (K1 + 1) / (coo.data + norm[coo.row])
    weights = sparse.csr_matrix((w, (coo.row, coo.col)), shape=tf.shape)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=int)
    joined = "\n".join(texts)
    lowered = joined.lower()
    return Index(vocab, weights, bigrams, joined, np.asarray(starts), texts,
                  lowered if len(lowered) == len(joined) else None)


def sentences_matching(index: Index, rx: re.Pattern) -> np.ndarray:
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
def compile_pattern(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error:
        return None


