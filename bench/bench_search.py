"""Case search at library scale: median FTS5 query time over 10,000 synthetic cases vs a LIKE scan.

Builds a throw-away database through the real write path (knowledge.cases.insert_case), then times
``search_cases`` (bm25 ranking, snippets, filters) and, as the baseline in the same run, a plain
``LIKE '%word%'`` scan over the same text columns (unranked, no snippets). Target: median < 10 ms.

Run: .venv/bin/python bench/bench_search.py [--cases 10000]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge.cases import insert_case  # noqa: E402
from knowledge.db import open_db, write_transaction  # noqa: E402
from knowledge.models import CATEGORIES, Case  # noqa: E402
from knowledge.search import find_cases, fts_query, query_words, search_cases  # noqa: E402
from knowledge.users import ensure_system_users  # noqa: E402

WORDS = (
    "sepsis pneumonia radiograph mortality validation external calibration discrimination cohort retrospective "
    "prospective deep learning convolutional network logistic regression random forest emergency triage "
    "intensive care diabetic retinopathy screening dermatology melanoma electrocardiogram arrhythmia "
    "electromyography neuropathy myopathy carpal tunnel biomarker subtype cluster transcriptomic antibiotic "
    "expert system rules bayesian probability deployment clinicians workflow bias fairness cost proxy "
    "shortcut artefact hospital scanner label leakage overfitting sample size outcome harm benefit audit "
    "molecule screening repurposing protein structure prediction trial randomised accuracy sensitivity "
    "specificity threshold alert fatigue governance accountability transparency explanation"
).split()
QUERIES = ["sepsis", "external validation", "carpal tunnel", "deep learning radiograph", "calibration mortality",
           'carpal "tunnel', "bias cost proxy", "protein structure", "alert fatigue", "shortcut artefact scanner",
           "antibio", "randomised trial accuracy", "NOT AND *", "emergency triage pneumonia", "fairness"]
#: Misspellings of words in the synthetic cases: each finds nothing as typed, so "did you mean" runs.
TYPOS = ["sepsiss", "calibraton mortality", "protien structure", "fairnes", "extrenal validaton", "shortcutt",
         "randomsied trial", "pneumnia triage"]
TEXT_COLUMNS = ("title", "summary", "clinical_question", "data", "method", "evaluation", "outcome", "lessons",
                "limitations", "tags_text", "sources_text")


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    """Pseudo-words with Zipf-like frequencies (as in real text), the domain words spread over ranks 10-1,000.

    Returns the words and their cumulative weights (for ``random.choices(cum_weights=...)``).
    """
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)})
    rng.shuffle(vocab)
    for word, rank in zip(WORDS, sorted(rng.sample(range(10, 1000), len(WORDS)))):
        vocab.insert(rank, word)
    return vocab, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))


def synthetic_case(rng: random.Random, i: int, vocab: tuple[list[str], list[float]]) -> Case:
    def words(n: int) -> str:
        return " ".join(rng.choices(vocab[0], cum_weights=vocab[1], k=n)).capitalize() + "."

    year = rng.randint(1970, 2025)
    return Case(
        slug=f"synthetic-case-{i}", title=f"Synthetic case {i}: " + words(6), category=rng.choice(list(CATEGORIES)),
        year_start=year, summary=words(30), clinical_question=words(15), data=words(25), method=words(25),
        evaluation=words(40), outcome=words(25), lessons=words(25), limitations=words(20),
        sources=[{"citation": f"Synthetic author {i}. {words(8)}", "doi": f"10.9999/synthetic.{i}"}],
        tags=rng.sample(["emg", "sepsis", "imaging", "triage", "bias", "expert-system", "covid", "drug"], 2),
        status="published", author="medlens-team", reviewer="medlens-review",
    )


def build(path: Path, n: int) -> float:
    db = open_db(path)
    ensure_system_users(db)
    rng = random.Random(20241)
    vocab = vocabulary(rng)
    start = time.perf_counter()
    with write_transaction(db):
        for i in range(n):
            insert_case(db, synthetic_case(rng, i, vocab), user="medlens-seed", message="benchmark")
    db.close()
    return time.perf_counter() - start


def like_scan(db, query: str) -> list:
    """Baseline: every word must appear in some text column (substring match, unranked)."""
    clauses, params = [], []
    for word in query_words(query):
        clauses.append("(" + " OR ".join(f"{c} LIKE ?" for c in TEXT_COLUMNS) + ")")
        params += [f"%{word}%"] * len(TEXT_COLUMNS)
    where = " AND ".join(clauses + ["status = 'published'", "deleted_at IS NULL"])
    # Same result shape as search_cases: the 20 best, so every matching row must be visited.
    title_hits = " + ".join(["(title LIKE ?)"] * len(query_words(query))) or "0"
    params += [f"%{w}%" for w in query_words(query)]
    return list(db.execute(f"SELECT slug, title FROM cases WHERE {where} ORDER BY {title_hits} DESC, year_start DESC "
                           "LIMIT 20", params))


def median_ms(fn, repeats: int, queries: list[str] = QUERIES) -> tuple[float, list[float]]:
    per_query = []
    for q in queries:
        fn(q)  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t0) * 1000)
        per_query.append(statistics.median(times))
    return statistics.median(per_query), per_query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        build_s = build(path, args.cases)
        db = open_db(path)
        fts, fts_each = median_ms(lambda q: search_cases(db, q, limit=20), args.repeats)
        filtered, _ = median_ms(lambda q: search_cases(db, q, category="deployment-lessons", year_from=2000,
                                                        limit=20), args.repeats)
        like, like_each = median_ms(lambda q: like_scan(db, q), args.repeats)
        typo, typo_each = median_ms(lambda q: find_cases(db, q, limit=20), args.repeats, TYPOS)
        fixed = [find_cases(db, q, limit=20) for q in TYPOS]
        matches = [db.execute("SELECT count(*) FROM cases_fts WHERE cases_fts MATCH ?", [fts_query(q)]).fetchone()[0]
                   if fts_query(q) else 0 for q in QUERIES]
        db.close()
    print(f"cases: {args.cases:,} (built through insert_case in {build_s:.1f} s)")
    print(f"queries: {len(QUERIES)}; matching cases per query: median {statistics.median(matches):.0f}, "
          f"range {min(matches)}-{max(matches)}")
    print(f"FTS5 search_cases (bm25 + snippets), median over {len(QUERIES)} queries: {fts:.2f} ms "
          f"(slowest query {max(fts_each):.2f} ms)")
    print(f"  with category + year filters: {filtered:.2f} ms")
    print(f"baseline LIKE scan (top 20 by title match, no snippets): {like:.2f} ms (slowest {max(like_each):.2f} ms)")
    print(f"speed-up vs LIKE: {like / fts:.1f}x; target median < 10 ms: {'met' if fts < 10 else 'NOT met'}")
    print(f"typos through find_cases ('did you mean' from fts5vocab), median over {len(TYPOS)}: {typo:.2f} ms "
          f"(slowest {max(typo_each):.2f} ms); corrected: "
          + ", ".join(f"{q!r} -> {o.suggestion!r} ({len(o.hits)} hits)" for q, o in zip(TYPOS, fixed)))


if __name__ == "__main__":
    main()
