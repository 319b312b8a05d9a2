"""How well do the study facts and the paper title come out of real papers? (../shared/appraisal_dev)

Measures, per paper: whether the labelled internal-validation design is among the designs found, whether an
external-validation design is found when the label is yes (and not when it is no), whether an AUC is found
when the paper reports one (label discrimination_reported), and whether the title guess is the labelled title.
Prints a Markdown table and the totals. Run: .venv/bin/python bench/appraisal_facts.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appraisal.paper_meta import guess_title  # noqa: E402
from appraisal.study_facts import check_facts, extract_facts  # noqa: E402
from appraisal.text import load_document  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "appraisal_dev"


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("\u2013", "-").split())


def main() -> int:
    if not DEV.exists():
        print(f"{DEV} is not available; nothing to measure.")
        return 0
    papers = json.loads((DEV / "labels.json").read_text(encoding="utf-8"))["papers"]
    print("| paper | internal validation (label) | designs found | int. found | ext. label | ext. found "
          "| AUC label | AUC found | values checked | inconsistent | title | ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals = {"int": 0, "int_n": 0, "ext": 0, "auc": 0, "title": 0}
    for p in papers:
        text = (DEV / p["file"]).read_text(encoding="utf-8")
        start = time.perf_counter()
        facts = extract_facts(text)
        ms = 1000 * (time.perf_counter() - start)
        designs = sorted({f.name for f in facts if f.kind == "design"})
        labels = {k: v["label"] for k, v in p["labels"].items()}
        internal = labels["internal_validation_method"]
        int_ok = internal in designs if internal != "none" else not (set(designs) - {"external"})
        ext_label = labels["external_validation"] == "yes"
        ext_ok = ("external" in designs or "temporal split" in designs) == ext_label
        auc_label = labels["discrimination_reported"] == "yes"
        auc_ok = any(f.kind == "metric" and f.name == "auc" for f in facts) == auc_label
        checks = check_facts(facts)
        title = guess_title(load_document(text, filename=p["file"]))
        title_ok = _norm(title)[:60] == _norm(p["title"])[:60]
        totals["int"] += int_ok
        totals["ext"] += ext_ok
        totals["auc"] += auc_ok
        totals["title"] += title_ok
        print(f"| {p['id']} | {internal} | {', '.join(designs) or '-'} | {'yes' if int_ok else 'no'} "
              f"| {labels['external_validation']} | {'yes' if ext_ok else 'no'} | {labels['discrimination_reported']} "
              f"| {'yes' if auc_ok else 'no'} | {len(checks)} | {sum(not c.consistent for c in checks)} "
              f"| {'yes' if title_ok else 'no'} | {ms:.0f} |")
    n = len(papers)
    print(f"\nInternal-validation design found: {totals['int']}/{n}; external validation right: {totals['ext']}/{n}; "
          f"AUC reported right: {totals['auc']}/{n}; title right: {totals['title']}/{n}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
