"""Full-text search over the case library (SQLite FTS5, porter stemming, bm25 ranking).

Every user query is reduced to its words and each word is quoted before it reaches ``MATCH``, so
no input, however odd (``carpal "tunnel``, ``AND``, ``-``, ``*``, NUL bytes, emoji), can raise a
syntax error: it either finds cases or finds none.

Examples
--------
>>> fts_query('carpal "tunnel')
'"carpal" "tunnel"*'
>>> fts_query("NOT -*")
'"NOT"*'
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlite_utils import Database

from knowledge.db import FTS_WEIGHTS

#: Marks around matched words in snippets (Unicode private-use characters never found in case text).
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 32
STEM_PENALTY = 0.03  # a match against a stem through the word's start counts slightly less than a whole-word match
RANK_FUNCTION = "bm25(" + ", ".join(str(w) for w in FTS_WEIGHTS) + ")"


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    category: str
    year_start: int | None
    year_end: int | None
    status: str
    score: float
    snippet: str  # plain text with MARK_OPEN/MARK_CLOSE around matches; see ``segments``
    tags: list[str] = field(default_factory=list)
    deleted: bool = False

    def segments(self) -> list[tuple[str, bool]]:
        """The snippet as ``(text, is_match)`` pieces, for renderers that escape each piece."""
        pieces: list[tuple[str, bool]] = []
        for i, part in enumerate(re.split(f"[{MARK_OPEN}{MARK_CLOSE}]", self.snippet)):
            if part:
                pieces.append((part, i % 2 == 1))
        return pieces

    def snippet_text(self, open_mark: str = "[", close_mark: str = "]") -> str:
        """The snippet with matches wrapped in printable marks (for the CLI)."""
        return self.snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)

    @property
    def years(self) -> str:
        if self.year_end and self.year_end != self.year_start:
            return f"{self.year_start}-{self.year_end}"
        return str(self.year_start or "")

    def to_dict(self) -> dict:
        return {"slug": self.slug, "title": self.title, "category": self.category, "year_start": self.year_start,
                "year_end": self.year_end, "status": self.status, "score": self.score,
                "snippet": self.snippet_text(), "tags": self.tags, "deleted": self.deleted}


def query_words(query: str | None) -> list[str]:
    """The words of a user query (letters, digits, underscores), at most MAX_QUERY_WORDS."""
    return _WORD_RE.findall(query or "")[:MAX_QUERY_WORDS]


def fts_query(query: str | None, *, any_word: bool = False) -> str:
    """An FTS5 MATCH expression that finds cases containing every word; '' when there are no words.

    Operators typed by users (AND, OR, NOT, NEAR, quotes, ``*``, ``:``, ``-``) lose their meaning:
    each word is a quoted string, and words are implicitly ANDed (``any_word=True``: ORed). The last
    word also matches as a prefix (``"eval"*`` finds "evaluation"), so half-typed words find cases.
    """
    words = query_words(query)
    return (" OR " if any_word else " ").join(f'"{w}"' for w in words) + ("*" if words else "")


def _filters(category, year_from, year_to, tag, status, include_deleted) -> tuple[list[str], list]:
    where, params = [], []
    if category:
        where.append("c.category = ?")
        params.append(category)
    if year_from is not None:
        where.append("COALESCE(c.year_end, c.year_start) >= ?")
        params.append(int(year_from))
    if year_to is not None:
        where.append("c.year_start <= ?")
        params.append(int(year_to))
    if tag:
        where.append("EXISTS (SELECT 1 FROM case_tags ct JOIN tags t ON t.id = ct.tag_id "
                     "WHERE ct.case_id = c.id AND t.name = ?)")
        params.append(tag.strip().lower())
    if status:
        where.append("c.status = ?")
        params.append(status)
    if not include_deleted:
        where.append("c.deleted_at IS NULL")
    return where, params


def _tags_by_case(db: Database, case_ids: list[int]) -> dict[int, list[str]]:
    if not case_ids:
        return {}
    out: dict[int, list[str]] = {i: [] for i in case_ids}
    marks = ",".join("?" * len(case_ids))
    for r in db.query(f"SELECT ct.case_id, t.name FROM case_tags ct JOIN tags t ON t.id = ct.tag_id "
                      f"WHERE ct.case_id IN ({marks}) ORDER BY ct.case_id, ct.position", case_ids):
        out[r["case_id"]].append(r["name"])
    return out


def search_cases(
    db: Database, query: str | None = "", *, category: str | None = None, year_from: int | None = None,
    year_to: int | None = None, tag: str | None = None, status: str | None = "published",
    include_deleted: bool = False, limit: int = 20, any_word: bool = False,
) -> list[SearchHit]:
    """Cases matching ``query`` best first (bm25, title weighted highest), within the filters.

    By default a case must contain every word; ``any_word=True`` finds cases with any of them (still
    ranked, so cases with more of the words come first). An empty query (or one with no words) lists
    the filtered cases by year, newest first. ``status=None`` searches every status.
    """
    where, params = _filters(category, year_from, year_to, tag, status, include_deleted)
    match = fts_query(query, any_word=any_word)
    limit = max(1, min(int(limit), 500))
    if match:
        # ORDER BY the FTS5 `rank` column (with our bm25 weights) lets FTS5 sort the matches itself, so
        # snippet() runs only for the rows actually returned, not for every match.
        sql = (
            "SELECT c.id, c.slug, c.title, c.category, c.year_start, c.year_end, c.status, c.deleted_at, "
            "cases_fts.rank AS rank, "
            f"snippet(cases_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', ' … ', 24) AS snippet "
            "FROM cases_fts JOIN cases c ON c.id = cases_fts.rowid "
            "WHERE cases_fts MATCH ? AND cases_fts.rank MATCH ?" + "".join(f" AND {w}" for w in where)
            + " ORDER BY cases_fts.rank LIMIT ?"
        )
        rows = list(db.query(sql, [match, RANK_FUNCTION, *params, limit]))
    else:
        sql = (
            "SELECT c.id, c.slug, c.title, c.category, c.year_start, c.year_end, c.status, c.deleted_at, "
            "0.0 AS rank, c.summary AS snippet FROM cases c"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY c.year_start DESC, c.title LIMIT ?"
        )
        rows = list(db.query(sql, [*params, limit]))
    tags = _tags_by_case(db, [r["id"] for r in rows])
    return [
        SearchHit(slug=r["slug"], title=r["title"], category=r["category"], year_start=r["year_start"],
                  year_end=r["year_end"], status=r["status"], score=-float(r["rank"]) + 0.0,
                  snippet=r["snippet"] or "", tags=tags[r["id"]], deleted=bool(r["deleted_at"]))
        for r in rows
    ]


@dataclass(frozen=True)
class SearchOutcome:
    """What a search page or command shows: the hits and how they were found.

    ``any_word``: no case had every word, so cases with any of them are shown. ``suggestion``: some words
    are in no case (typos); this corrected query is what ``hits`` were found with, and ``unknown`` lists the
    words that were replaced.
    """

    query: str
    hits: list[SearchHit]
    any_word: bool = False
    suggestion: str | None = None
    unknown: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"query": self.query, "any_word": self.any_word, "did_you_mean": self.suggestion,
                "unknown_words": list(self.unknown), "hits": [h.to_dict() for h in self.hits]}


def _word_found(db: Database, word: str, *, prefix: bool) -> bool:
    match = f'"{word}"' + ("*" if prefix else "")
    return bool(list(db.query("SELECT 1 FROM cases_fts WHERE cases_fts MATCH ? LIMIT 1", [match])))


def _closest_term(db: Database, word: str) -> str | None:
    """The indexed term nearest to ``word`` (same first letter, similar length), preferring common terms."""
    word = word.lower()
    if len(word) < 4 or not word.isalpha():
        return None  # short words and numbers have too many near neighbours to guess
    # Terms only: fts5vocab counts documents by reading each term's doclist, so ask for counts only for the
    # few close candidates (10x faster at 10,000 cases).
    terms = [r["term"] for r in db.query(
        "SELECT term FROM cases_fts_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
        [word[0], chr(ord(word[0]) + 1), len(word) - 4, len(word) + 2])]
    cutoff = 0.8 if len(word) > 5 else 0.75
    close = [(score, term) for term in terms if (score := _likeness(word, term, cutoff)) >= cutoff]
    if not close:
        return None

    def docs(term: str) -> int:
        return next(iter(db.query("SELECT doc FROM cases_fts_vocab WHERE term = ?", [term])))["doc"]

    return max((score, docs(term), term) for score, term in close)[2]


def _similar(a: str, b: str, cutoff: float) -> float:
    """difflib's ratio, skipped (0.0) when its cheap upper bounds already fall below ``cutoff``."""
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
        return 0.0
    return matcher.ratio()


def _likeness(word: str, term: str, cutoff: float = 0.0) -> float:
    """How alike a typed word and an indexed term are (0-1); stems are compared with the word's start too,
    because the index holds stems: 'calibraton' is compared with 'calibr' as 'calibr' + 'aton'."""
    score = _similar(word, term, cutoff)
    if 5 <= len(term) < len(word):
        score = max(score, _similar(word[:len(term)], term, cutoff + STEM_PENALTY) - STEM_PENALTY)
    return round(score, 2)


def _surface_word(db: Database, term: str) -> str:
    """A word as it is written in a case for an indexed (stemmed) term: 'valid' -> 'validation'."""
    rows = list(db.query(f"SELECT snippet(cases_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '', 4) AS s FROM cases_fts "
                         "WHERE cases_fts MATCH ? LIMIT 1", [f'"{term}"']))
    found = re.search(f"{MARK_OPEN}(.*?){MARK_CLOSE}", rows[0]["s"]) if rows else None
    return found.group(1).lower() if found else term


def suggest_query(db: Database, query: str | None) -> tuple[str | None, tuple[str, ...]]:
    """A corrected query built from the index's own vocabulary, and the words it replaced.

    Only words found in no case are replaced, so a query whose words all exist is never changed
    (``(None, ())``). ``"pneumnia"`` gives ``("pneumonia", ("pneumnia",))``.
    """
    words = query_words(query)
    if not words:
        return None, ()
    fixed, unknown = [], []
    for i, word in enumerate(words):
        if _word_found(db, word, prefix=i == len(words) - 1):
            fixed.append(word)
            continue
        term = _closest_term(db, word)
        if term is None:
            fixed.append(word)
            continue
        fixed.append(_surface_word(db, term))
        unknown.append(word)
    return (" ".join(fixed), tuple(unknown)) if unknown else (None, ())


def find_cases(db: Database, query: str | None = "", **filters) -> SearchOutcome:
    """Search as a person expects (the page and ``medlens kb search`` both use this).

    Every word first (exact matches always rank first); then, if nothing matched, any of the words;
    then, if some words are in no case at all, the nearest words the index knows ("did you mean").
    """
    hits = search_cases(db, query, **filters)
    if hits:
        return SearchOutcome(query or "", hits)
    suggestion, unknown = suggest_query(db, query)
    used = suggestion or query
    hits = search_cases(db, used, **filters) if suggestion else []
    if hits:
        return SearchOutcome(query or "", hits, False, suggestion, unknown)
    if len(query_words(used)) > 1:
        return SearchOutcome(query or "", search_cases(db, used, any_word=True, **filters), True, suggestion, unknown)
    return SearchOutcome(query or "", [], False, suggestion, unknown)


def related_cases(db: Database, slug: str, *, limit: int = 5, status: str | None = "published") -> list[dict]:
    """Other cases sharing tags (two points each) or the category (one point), best first."""
    sql = (
        "WITH me AS (SELECT id, category FROM cases WHERE slug = ?), "
        "shared AS (SELECT ct2.case_id, COUNT(*) AS n FROM case_tags ct1 "
        "  JOIN case_tags ct2 ON ct1.tag_id = ct2.tag_id WHERE ct1.case_id = (SELECT id FROM me) GROUP BY ct2.case_id) "
        "SELECT c.slug, c.title, c.category, c.year_start, "
        "  2 * COALESCE(shared.n, 0) + (c.category = (SELECT category FROM me)) AS score, "
        "  COALESCE(shared.n, 0) AS shared_tags "
        "FROM cases c LEFT JOIN shared ON shared.case_id = c.id "
        "WHERE c.id != (SELECT id FROM me) AND c.deleted_at IS NULL"
        + (" AND c.status = ?" if status else "")
        + " AND (shared.n > 0 OR c.category = (SELECT category FROM me)) "
        "ORDER BY score DESC, c.year_start DESC, c.title LIMIT ?"
    )
    params = [slug, *([status] if status else []), int(limit)]
    return [dict(r) for r in db.query(sql, params)]


def facet_counts(db: Database, column: str, *, status: str | None = "published") -> dict:
    """Case counts per value of ``category``, ``status`` or ``year_start`` (for filters and summaries)."""
    if column not in ("category", "status", "year_start"):
        raise ValueError(f"Cannot count cases by {column!r}.")
    where = "deleted_at IS NULL" + (" AND status = ?" if status else "")
    rows = db.query(f"SELECT {column} AS v, COUNT(*) AS n FROM cases WHERE {where} GROUP BY {column} ORDER BY {column}",
                    [status] if status else [])
    return {r["v"]: r["n"] for r in rows}


def all_tags(db: Database) -> list[str]:
    """Tags used by at least one case that is not deleted."""
    return [r["name"] for r in db.query(
        "SELECT DISTINCT t.name FROM tags t JOIN case_tags ct ON ct.tag_id = t.id JOIN cases c ON c.id = ct.case_id "
        "WHERE c.deleted_at IS NULL ORDER BY t.name")]
