"""Measure the evidence finder on medlens' own labelled excerpts (appraisal/samples/eval/*.yaml).

Each excerpt is a made-up paper fragment with, per checklist, the sentence that answers an item (given as a
unique fragment of that sentence). A "hit at k" means the answering sentence is among the top k candidates.
Baselines measured on the same set: the first k sentences of the excerpt, and a random choice of k
sentences (its expected hit rate, k / number of sentences, computed exactly rather than sampled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from appraisal.evidence import Document, find_evidence, load_document

EVAL_DIR = Path(__file__).resolve().parent / "samples" / "eval"


@dataclass(frozen=True)
class Excerpt:
    id: str
    design: str
    document: Document
    labels: dict[str, dict[str, int]]  # checklist id -> item id -> index of the answering sentence


@dataclass(frozen=True)
class HitRates:
    checklist: str
    labels: int
    top1: float
    top3: float
    first3: float  # baseline: the first 3 sentences
    random3: float  # baseline: 3 random sentences (expected value)


def _sentence_index(doc: Document, fragment: str, where: str) -> int:
    found = [s.index for s in doc.sentences if fragment in s.text]
    if len(found) != 1:
        raise ValueError(f"{where}: the label {fragment!r} matches {len(found)} sentences, not exactly one.")
    return found[0]


def load_eval_set(directory: Path = EVAL_DIR) -> list[Excerpt]:
    """All excerpts, with each label resolved to the one sentence it names (ValueError if ambiguous)."""
    excerpts = []
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc = load_document(data["text"], filename=path.name)
        labels = {
            checklist: {str(item): _sentence_index(doc, fragment, f"{path.name} {checklist} {item}")
                        for item, fragment in items.items()}
            for checklist, items in (data.get("labels") or {}).items()
        }
        excerpts.append(Excerpt(data["id"], data.get("design", ""), doc, labels))
    return excerpts


def hit_rates(excerpts: list[Excerpt], checklist, *, k: int = 3) -> HitRates:
    """Top-1 and top-k hit rates of the finder for one checklist, with the two baselines."""
    n = top1 = topk = first = 0
    random_expected = 0.0
    for ex in excerpts:
        wanted = ex.labels.get(checklist.id, {})
        if not wanted:
            continue
        found = find_evidence(ex.document, checklist, top_k=k)
        for item_id, target in wanted.items():
            ranked = [c.sentence.index for c in found.get(item_id, [])]
            n += 1
            top1 += bool(ranked[:1] == [target])
            topk += target in ranked[:k]
            first += target < k
            random_expected += min(1.0, k / len(ex.document.sentences))
    if n == 0:
        return HitRates(checklist.id, 0, float("nan"), float("nan"), float("nan"), float("nan"))
    return HitRates(checklist.id, n, top1 / n, topk / n, first / n, random_expected / n)
