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


# ----------------------------------------------------------------------------------------- real papers
# The developer set (../shared/appraisal_dev): real papers with 12 labelled items each. Each label is
# scored on the checklist item that asks it, in the checklist that asks it most directly; where that item
# covers several concepts (TRIPOD+AI 12e: discrimination, calibration, clinical utility), on the part of
# the item for that concept.
DEV_ITEMS: dict[str, tuple[str, str, str]] = {
    # label -> (checklist id, item id, concept id)
    "external_validation": ("claim-2024", "33", "external_validation"),
    "internal_validation_method": ("tripod-ai", "12a", "internal_validation"),
    "calibration_reported": ("tripod-ai", "12e", "calibration"),
    "discrimination_reported": ("tripod-ai", "12e", "discrimination"),
    "decision_curve_or_clinical_utility": ("tripod-ai", "12e", "clinical_utility"),
    "sample_size_justified": ("tripod-ai", "10", "sample_size"),
    "missing_data_handling_described": ("tripod-ai", "11", "missing_data"),
    "class_imbalance_handling_described": ("tripod-ai", "13", "class_imbalance"),
    "code_available": ("tripod-ai", "18f", "code_availability"),
    "data_available": ("tripod-ai", "18e", "data_availability"),
    "ethics_approval_stated": ("tripod-ai", "17", "ethics"),
    "blinding_of_outcome_or_predictors": ("tripod-ai", "8c", "blinding"),
}
_POSITIVE_ANSWERS = {"yes", "Y", "PY", "partly"}


@dataclass(frozen=True)
class DevPaper:
    id: str
    path: Path
    labels: dict  # label id -> {"label", "evidence", "ambiguous", ...}


@dataclass(frozen=True)
class DevOutcome:
    """What the finder said for one labelled item of one paper."""

    paper: str
    label: str
    reported: bool  # the paper reports it (the label has evidence)
    gold: str  # the label's value
    ambiguous: bool
    rank: int | None  # 1-based rank of the first candidate overlapping a gold sentence; None if not in top k
    status: str
    suggestion: str | None
    confidence: float | None
    value: str | None = None  # for internal validation: the scheme the finder read ("random split", ...)


def load_dev_set(directory: str | Path) -> list[DevPaper]:
    """The papers and labels of a developer or hold-out set laid out like ../shared/appraisal_dev."""
    import json

    directory = Path(directory)
    labels_path = directory / "labels.json"
    if not labels_path.is_file():
        raise FileNotFoundError(f"There is no labels.json in {directory}.")
    data = json.loads(labels_path.read_text(encoding="utf-8"))
    papers = []
    for paper in data["papers"]:
        path = directory / paper.get("file", f"{paper['id']}.txt")
        if not path.is_file():
            raise FileNotFoundError(f"{labels_path} names {path.name}, which is not in {directory}.")
        papers.append(DevPaper(paper["id"], path, paper["labels"]))
    return papers


_PUNCT = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"'})


def _norm(text: str) -> str:
    """Whitespace, case, dashes and curly quotes do not matter for overlap (PDF text varies in them)."""
    return " ".join(text.translate(_PUNCT).split()).lower()


def overlaps(candidate: str, gold: str) -> bool:
    """The set's scoring rule: the gold string contains the sentence, or the sentence contains the gold."""
    a, b = _norm(candidate), _norm(gold)
    return bool(a) and bool(b) and (a in b or b in a)


def evaluate_paper(paper: DevPaper, *, top_k: int = 3, threshold: float | None = None) -> list[DevOutcome]:
    """Run the finder on one paper with every checklist DEV_ITEMS needs, and score each labelled item."""
    from appraisal import absence
    from appraisal.checklists import load_checklist
    from appraisal.concepts import validation_scheme
    from appraisal.evidence import assess_evidence

    document = load_document(paper.path)
    saved = absence.REPORTED_THRESHOLD
    if threshold is not None:
        absence.REPORTED_THRESHOLD = threshold
    try:
        found = {cid: assess_evidence(document, load_checklist(cid), top_k=top_k)
                 for cid in sorted({c for c, _, _ in DEV_ITEMS.values()})}
    finally:
        absence.REPORTED_THRESHOLD = saved
    out = []
    for label, (cid, item_id, concept) in DEV_ITEMS.items():
        if label not in paper.labels:
            continue
        gold = paper.labels[label]
        ev = found[cid][item_id]
        candidates = ev.aspect_candidates.get(concept, ev.candidates)
        aspect = next((a for a in ev.aspects if a.concept == concept), None)
        status = aspect.status if aspect is not None else ev.status
        rank = next((r for r, c in enumerate(candidates[:top_k], start=1)
                     if any(overlaps(c.sentence.text, g) for g in gold["evidence"])), None)
        suggestion = ev.suggestion
        if len(ev.aspects) > 1 and aspect is not None:  # a multi-concept item: the answer for this concept
            suggestion_answer = {"reported": "yes", "not_reported": "no"}.get(aspect.status)
            confidence = None
        else:
            suggestion_answer = suggestion.answer if suggestion else None
            confidence = suggestion.confidence if suggestion else None
        value = None
        if concept == "internal_validation":
            reported = aspect is not None and aspect.status == "reported"
            value = (validation_scheme([document.sentences[i].text for i in aspect.sentences[:5]]) if reported
                     else None) or "none"
        out.append(DevOutcome(paper.id, label, bool(gold["evidence"]), str(gold["label"]),
                              bool(gold.get("ambiguous")), rank, status, suggestion_answer, confidence, value))
    return out


@dataclass(frozen=True)
class DevSummary:
    label: str
    reported: int  # papers that report it
    top1: float  # among those: the first candidate overlaps a gold sentence
    top3: float
    not_reported_when_absent: float  # share of papers without it where the status is "not_reported"
    absent: int
    not_reported_when_present: float  # share of papers with it wrongly called "not_reported"
    suggested: float  # share of reported papers that get a suggested answer
    agrees: float  # share of all papers where the finder's answer matches the label (see `answer_agrees`)


def answer_agrees(o: DevOutcome) -> bool:
    """The finder's answer matches the label: for yes/no items "reported" means yes and anything else no;
    blinding "no" is reported (as not done); internal validation compares the scheme read."""
    if o.value is not None:
        return o.value == o.gold
    said_yes = o.status == "reported"
    if o.label == "blinding_of_outcome_or_predictors":
        return said_yes == (o.gold in ("yes", "no"))
    return said_yes == (o.gold == "yes")


def summarise(outcomes: list[DevOutcome]) -> list[DevSummary]:
    """Per label, then an "all items" row."""
    rows = []
    labels = list(dict.fromkeys(o.label for o in outcomes))
    for label in [*labels, "all items"]:
        group = [o for o in outcomes if label in (o.label, "all items")]
        present = [o for o in group if o.reported]
        absent = [o for o in group if not o.reported]

        def share(xs, pred):
            return sum(map(pred, xs)) / len(xs) if xs else float("nan")

        rows.append(DevSummary(
            label, len(present),
            share(present, lambda o: o.rank == 1), share(present, lambda o: o.rank is not None),
            share(absent, lambda o: o.status == "not_reported"), len(absent),
            share(present, lambda o: o.status == "not_reported"),
            share(present, lambda o: o.suggestion is not None),
            share(group, answer_agrees),
        ))
    return rows


def leave_one_paper_out(papers: list[DevPaper], thresholds=(0.5, 0.6, 0.7, 0.8, 0.9, 1.0)) -> tuple[list[DevOutcome], dict]:
    """Choose the reported-threshold on nine papers, apply it to the tenth, for each paper in turn.

    The threshold separates "reported" from "unclear". It maximises (share of reported items called
    "reported") - 2 x (share of absent items called "reported") on the nine papers; among equally good
    values the highest (most conservative) wins.
    """
    per = {t: {p.id: evaluate_paper(p, threshold=t) for p in papers} for t in thresholds}
    chosen, outcomes = {}, []
    for paper in papers:
        def objective(t):
            rest = [o for p in papers if p.id != paper.id for o in per[t][p.id]]
            absent = [o for o in rest if not o.reported]
            present = [o for o in rest if o.reported]
            hit = sum(o.status == "reported" for o in present) / max(1, len(present))
            false = sum(o.status == "reported" for o in absent) / max(1, len(absent))
            return hit - 2 * false
        best = max(thresholds, key=lambda t: (round(objective(t), 9), t))
        chosen[paper.id] = best
        outcomes.extend(per[best][paper.id])
    return outcomes, chosen


def format_table(rows: list[DevSummary]) -> str:
    def pct(x):
        return "-" if x != x else f"{100 * x:.0f}%"

    lines = ["| item | reported in | top-1 | top-3 | suggested | absent in | not_reported when absent | "
             "not_reported when reported | answer agrees with label |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.label} | {r.reported} | {pct(r.top1)} | {pct(r.top3)} | {pct(r.suggested)} | {r.absent} "
                     f"| {pct(r.not_reported_when_absent)} | {pct(r.not_reported_when_present)} | {pct(r.agrees)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """python -m appraisal.evidence_eval DIRECTORY [--lopo] [--misses]: the per-item table for a labelled set."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m appraisal.evidence_eval", description=main.__doc__)
    parser.add_argument("directory", help="a folder with labels.json and paper_NN.txt (e.g. ../shared/appraisal_dev)")
    parser.add_argument("--lopo", action="store_true", help="choose the reported-threshold leave-one-paper-out")
    parser.add_argument("--misses", action="store_true", help="list the items missed, for error analysis")
    args = parser.parse_args(argv)
    papers = load_dev_set(args.directory)
    if args.lopo:
        outcomes, chosen = leave_one_paper_out(papers)
        print("thresholds chosen per held-out paper:", chosen)
    else:
        outcomes = [o for p in papers for o in evaluate_paper(p)]
    print(format_table(summarise(outcomes)))
    schemes = [o for o in outcomes if o.value is not None]
    if schemes:
        right = sum(o.value == o.gold for o in schemes)
        print(f"Internal validation scheme read correctly: {right} of {len(schemes)} papers "
              f"({', '.join(f'{o.paper}: {o.value} vs {o.gold}' for o in schemes if o.value != o.gold) or 'all'})")
    if args.misses:
        for o in outcomes:
            if (o.reported and o.rank != 1) or (not o.reported and o.status != "not_reported") or (
                    o.reported and o.status == "not_reported") or not answer_agrees(o):
                print(f"  {o.paper} {o.label}: gold={o.gold} rank={o.rank} status={o.status} suggestion={o.suggestion}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
