"""Evidence finder: hit rates on the labelled evaluation set, and speed on a long paper.

1. Hit rates per checklist on appraisal/samples/eval/*.yaml (our own made-up excerpts): top-1 and top-3,
   against two baselines measured on the same set: the first 3 sentences, and 3 random sentences
   (expected value).
2. Speed: a 30-page paper (the sample paper repeated to about 550 sentences, some 30 pages) against every item of the
   largest shipped checklist. Baseline in the same run: a plain-Python BM25 that scores each item against
   each sentence in a loop (what one would write first), so the ratio shows what the sparse index buys.
   Target: well under a second for 30 pages x 50 items.

3. Real papers (../shared/appraisal_dev, skipped when absent): per labelled item, top-1 and top-3 hit rates
   on the items each paper reports (scored by overlap with the gold evidence), the share of absent items
   called "not_reported", and the baseline in the same run: plain BM25 over each item's hints and question.

Run: .venv/bin/python bench/bench_evidence.py [../shared/appraisal_dev]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appraisal.checklists import list_checklists  # noqa: E402
from appraisal.checklists import load_checklist  # noqa: E402
from appraisal.evidence import _tokens, assess_evidence, find_evidence, load_document  # noqa: E402
from appraisal.evidence_eval import (  # noqa: E402
    DEV_ITEMS,
    evaluate_paper,
    format_table,
    hit_rates,
    load_dev_set,
    load_eval_set,
    overlaps,
    summarise,
)

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "appraisal_dev"

SAMPLE = Path(__file__).resolve().parent.parent / "appraisal" / "samples" / "sample_paper.md"


def best_of(fn, rounds=3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_bm25(doc, checklist, top_k=3):
    """Baseline: per item, loop over sentences and terms in plain Python (same BM25 formula)."""
    toks = [_tokens(s.text) for s in doc.sentences]
    n = len(toks)
    avg = sum(map(len, toks)) / n
    df: dict[str, int] = {}
    for t in toks:
        for w in set(t):
            df[w] = df.get(w, 0) + 1
    out = {}
    for item in checklist.items:
        query = set(_tokens(" ".join(item.hints) + " " + item.question))
        scores = []
        for i, t in enumerate(toks):
            score = 0.0
            for w in query:
                tf = t.count(w)
                if tf:
                    idf = math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))
                    score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(t) / avg))
            scores.append((score, i))
        out[item.id] = sorted(scores, reverse=True)[:top_k]
    return out


def main() -> None:
    excerpts = load_eval_set()
    print(f"Evidence finder hit rates on {len(excerpts)} made-up excerpts ({sum(len(e.document.sentences) for e in excerpts)} sentences)")
    print(f"{'checklist':<22}{'labels':>7}{'top-1':>8}{'top-3':>8}{'first-3':>9}{'random-3':>10}")
    for checklist in list_checklists():
        r = hit_rates(excerpts, checklist)
        if r.labels == 0:
            print(f"{checklist.id:<22}{0:>7}   (no labels yet)")
            continue
        print(f"{checklist.id:<22}{r.labels:>7}{r.top1:>8.0%}{r.top3:>8.0%}{r.first3:>9.0%}{r.random3:>10.0%}")

    text = SAMPLE.read_text()
    body = text.split("## Abstract", 1)[1]
    long_text = text + "\n".join(f"\n## Appendix {i}\n{body}" for i in range(10))
    doc = load_document(long_text)
    checklist = max(list_checklists(), key=lambda c: len(c.answerable_items))
    items = len(checklist.answerable_items)
    words = doc.word_count
    load_s = best_of(lambda: load_document(long_text))
    ours = best_of(lambda: find_evidence(doc, checklist))
    naive = best_of(lambda: naive_bm25(doc, checklist), rounds=1)
    print()
    print(f"Long paper: {len(doc.sentences)} sentences, {words} words (about {words / 450:.0f} pages), "
          f"{checklist.id} with {items} items")
    print(f"  load + split:                {load_s * 1000:8.1f} ms")
    print(f"  find_evidence (all items):   {ours * 1000:8.1f} ms")
    print(f"  plain-Python BM25 baseline:  {naive * 1000:8.1f} ms  (terms only, no patterns)")
    print(f"  ratio baseline / ours:       {naive / ours:8.1f}x")
    assess = best_of(lambda: assess_evidence(doc, checklist))
    print(f"  assess_evidence (status, suggestions, all items): {assess * 1000:8.1f} ms")
    real_papers(Path(sys.argv[1]) if len(sys.argv) > 1 else DEV)


def real_papers(directory: Path) -> None:
    if not (directory / "labels.json").is_file():
        print(f"\n(no labelled real papers at {directory}; skipped)")
        return
    papers = load_dev_set(directory)
    outcomes = [o for p in papers for o in evaluate_paper(p)]
    print(f"\nReal papers ({directory.name}, {len(papers)} papers): evidence finder")
    print(format_table(summarise(outcomes)))
    n = top1 = top3 = 0
    slowest = 0.0
    for paper in papers:
        doc = load_document(paper.path)
        tripod = load_checklist("tripod-ai")
        slowest = max(slowest, best_of(lambda: assess_evidence(doc, tripod), rounds=1))
        base = {cid: naive_bm25(doc, load_checklist(cid)) for cid in {c for c, _, _ in DEV_ITEMS.values()}}
        for label, (cid, item_id, _) in DEV_ITEMS.items():
            gold = paper.labels.get(label, {}).get("evidence") or []
            if not gold:
                continue
            ranked = [doc.sentences[i].text for _, i in base[cid][item_id]]
            hits = [r for r, text in enumerate(ranked[:3], 1) if any(overlaps(text, g) for g in gold)]
            n += 1
            top1 += bool(hits and hits[0] == 1)
            top3 += bool(hits)
    print(f"Baseline, plain BM25 over hints and question: top-1 {top1 / n:.0%}, top-3 {top3 / n:.0%} ({n} items)")
    print(f"Slowest real paper, all 52 TRIPOD+AI items with status and suggestions: {slowest * 1000:.0f} ms")


if __name__ == "__main__":
    main()
