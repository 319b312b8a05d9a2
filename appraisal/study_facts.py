"""The paper's own numbers: sample sizes, events, prevalence, validation design and reported metrics, each
with the sentence (or table row) it came from, and the checks those numbers allow on their own.

Rules, not a model: each fact comes from a pattern over one sentence or one row of a "Table N (values):" block
(cells joined by " | "), so a reader can always see where it came from. Sentences that only plan or wish for
something ("external validation is warranted", "future work") do not count as a validation design.

Checks that need nothing but the paper (`check_facts`): a reported value must lie inside its own interval, and
an interval must be written low to high. With a denominator the reader confirms, the numbers checker does the
rest (`appraisal.numbers_request`).

>>> facts = extract_facts("We included 1,204 patients. Sensitivity was 91.1% (95% CI 93.0-95.0).")
>>> [(f.kind, f.value) for f in facts]
[('patients', 1204.0), ('metric', 0.911)]
>>> [c.message for c in check_facts(facts)][0][:43]
'Sensitivity 91.1% lies outside its own 95% '
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from appraisal.reported import as_reported

__all__ = ["Fact", "FactCheck", "extract_facts", "check_facts", "summary_line", "metric_groups", "METRIC_NAMES",
           "DESIGNS"]

METRIC_PATTERNS = {
    "auc": r"\bAU-?ROC\b|\bAUC\b|\barea under (?:the )?(?:receiver[- ]operating[- ]characteristic )?(?:\(ROC\) )?curve\b|\bc[- ]statistic\b|\bC[- ]index\b",
    "sensitivity": r"\bsensitivit(?:y|ies)\b|\brecall\b|\btrue[- ]positive rate\b",
    "specificity": r"\bspecificit(?:y|ies)\b|\btrue[- ]negative rate\b",
    "ppv": r"\bPPV\b|\bpositive predictive values?\b|\bprecision\b",
    "npv": r"\bNPV\b|\bnegative predictive values?\b",
    "accuracy": r"\baccuracy\b",
    "f1": r"\bF1(?:[- ]score)?\b|\bF-(?:score|measure)\b",
}
METRIC_NAMES = {"auc": "AUC", "sensitivity": "Sensitivity", "specificity": "Specificity", "ppv": "PPV",
                "npv": "NPV", "accuracy": "Accuracy", "f1": "F1 score"}
COUNT_PATTERNS = {
    "patients": r"(?:patients|participants|subjects|individuals|adults|children|admissions|hospitali[sz]ations|encounters|people|persons|women|men)",
    "images": r"(?:images|photographs|radiographs|scans|slides|ECGs|recordings|records|tissue microarray spots|spots)",
    "events": r"(?:deaths|events|died|positive cases|cases of)",
}
DESIGNS = {
    "cross-validation": r"\b(?:\d+|ten|five)[- ]fold cross[- ]?validation\b|\bcross[- ]?validat(?:ion|ed)\b|\bleave[- ]one[- ]out\b",
    "random split": r"\brandom(?:ly)? (?:split|divided|partitioned|assigned|allocated|selected)\b.{0,80}\b(?:train(?:ing)?|test|validat\w*|development)\b|\b(?:hold-?out|held-?out) (?:test )?set\b|\b(?:split|divided?|partitioned)\b.{0,60}\binto\b.{0,40}\btrain(?:ing)?\b.{0,80}\b(?:test|validation)\b|\btrain(?:ing)?\b.{0,30}\(\s*\d{2}\s?%.{0,60}\b(?:test|validation)\b",
    "temporal split": r"\btemporal(?:ly)? (?:validation|validated|split|hold-?out)\b|\b(?:train\w*|deriv\w*|develop\w*)\b[^.]{0,160}\b(?:19|20)\d\d\b[^.]{0,200}\b(?:test\w*|validat\w*|performance)\b[^.]{0,120}\b(?:19|20)\d\d\b|\b(?:admitted|treated|seen|collected|enrolled) (?:from|between|after|before|in) .{0,60}\b(?:as|for|formed|served as) (?:the|a|an) (?:test|validation)\b",
    "external": r"\bexternal(?:ly)? (?:validation|validated|test set|cohort|data ?set)\b|\bindependent (?:external )?(?:cohort|hospital|site|population)\b",
}
WISHES = re.compile(r"\b(?:warranted|future (?:work|studies|research)|should be|needs? to be|would be|is needed|are needed|remains to be|not (?:yet )?(?:been )?(?:externally )?validated)\b", re.I)
NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
PERCENT_NUMBER = r"(\d+(?:\.\d+)?\s?%?)"
INTERVAL = (r"\s*[\(\[]?\s*(?:(?:95|90|99)\s?%\s*(?:CI|confidence interval)s?[,:;]?\s*|CI[,:;]?\s*)?"
            r"(\d+(?:\.\d+)?\s?%?)\s*(?:-|\u2013|\u2014|to|,)\s*(\d+(?:\.\d+)?\s?%?)\s*[\)\]]")
TABLE_START = re.compile(r"^(?:Table|TABLE)\s+[\dIVXLC]+\s*\(values\):\s*$")


@dataclass(frozen=True)
class Fact:
    kind: str  # patients, images, events, prevalence, design, metric
    name: str  # metric id (auc, sensitivity...), design name, or the count's noun
    value: float | None  # counts as numbers; proportions in 0-1; None for designs
    text: str  # the number(s) as printed
    lower: float | None
    upper: float | None
    sentence: str
    where: str  # "sentence 12" or "Table 2, row 3"

    @property
    def label(self) -> str:
        if self.kind == "metric":
            return METRIC_NAMES[self.name]
        if self.kind == "design":
            return f"Validation: {self.name}"
        return self.kind.capitalize()

    def printed(self) -> tuple[str, str | None, str | None]:
        """The value and its interval limits as printed ("91.1%", "93.0%", "95.0%"), for the numbers checker."""
        point, _, rest = self.text.partition(" (")
        if not rest:
            return point, None, None
        lower, _, upper = rest.rstrip(")").partition(" to ")
        return point, lower, upper

    def to_dict(self) -> dict:
        return asdict(self) | {"label": self.label}


def _sentences(text: str):
    """(where, sentence, table header) for every sentence outside tables and every table row."""
    lines = text.splitlines()
    i, n_sentence = 0, 0
    while i < len(lines):
        line = lines[i].strip()
        if TABLE_START.match(line):
            table = line.split("(")[0].strip()
            header: list[str] | None = None
            i += 1
            row = 0
            while i < len(lines) and lines[i].strip():
                cells = [c.strip() for c in lines[i].split(" | ")]
                row += 1
                if header is None and len(cells) > 1 and not re.search(r"\d\.\d", lines[i]):
                    header = cells
                yield f"{table}, row {row}", lines[i].strip(), header, cells
                i += 1
            continue
        if line:
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", line):
                n_sentence += 1
                yield f"sentence {n_sentence}", sentence, None, None
        i += 1


def _proportion(text: str, *, metric: str) -> tuple[float, bool] | None:
    text = text.strip()
    try:
        r = as_reported(text, metric)
    except ValueError:
        return None
    return r.value, r.percent


def _metric_facts(where: str, sentence: str, cells, header) -> list[Fact]:
    facts = []
    if cells is not None and len(cells) >= 2:
        # a row labelled with a metric: "Specificity | 92 (87-96)"
        for name, pattern in METRIC_PATTERNS.items():
            if re.search(pattern, cells[0], re.I):
                facts += _values_in(name, cells[1], sentence, where, header_pct=bool(header and "%" in " ".join(header)))
        # columns headed with a metric: "Model | AUC | Sensitivity"
        if header and cells is not header and len(header) == len(cells):
            for col, head in enumerate(header[1:], start=1):
                for name, pattern in METRIC_PATTERNS.items():
                    if re.search(pattern, head, re.I):
                        facts += _values_in(name, cells[col], sentence, f"{where} ({cells[0]})", header_pct="%" in head)
        return facts
    for name, pattern in METRIC_PATTERNS.items():
        for m in re.finditer(pattern, sentence, re.I):
            tail = sentence[m.end(): m.end() + 90]
            v = re.match(r"[^0-9.;]{0,40}?(?:of|was|were|=|:|is|,|reached|achieved)?\s*" + PERCENT_NUMBER + r"(?!\d|\.\d)", tail)
            if not v or re.match(r"\s*(?:patients|days|years|months|hours|images|subjects)", tail[v.end():]):
                continue
            facts += _values_in(name, tail[v.start(1):], sentence, where, header_pct=False)
    return facts


def _values_in(name: str, cell: str, sentence: str, where: str, *, header_pct: bool) -> list[Fact]:
    m = re.match(r"\s*" + PERCENT_NUMBER + r"(?:" + INTERVAL + r")?", cell)
    if not m:
        return []
    text = m.group(1).strip()
    if re.match(r"\s*[A-Za-z]", cell[m.end(1):]) and not text.endswith("%") and "." not in text:
        return []  # "2 patients with severe disease": a count, not a metric
    if header_pct and not text.endswith("%"):
        text += "%"
    elif "." not in text and not text.endswith("%"):
        return []  # a bare integer ("1", "83") is a count or a rank, not a proportion
    point = _proportion(text, metric=name)
    if point is None or (name == "auc" and point[1] and point[0] < 0.5):
        return []
    lower = upper = None
    shown = text
    if m.group(2):
        lo_text, hi_text = m.group(2).strip(), m.group(3).strip()
        if point[1]:  # the value is a percentage: so are its limits
            lo_text, hi_text = lo_text.rstrip("%") + "%", hi_text.rstrip("%") + "%"
        lo, hi = _proportion(lo_text, metric=name), _proportion(hi_text, metric=name)
        if lo and hi:
            lower, upper = lo[0], hi[0]
            shown = f"{text} ({lo_text} to {hi_text})"
    return [Fact("metric", name, point[0], shown, lower, upper, sentence, where)]


def _count_facts(where: str, sentence: str) -> list[Fact]:
    facts = []
    for kind, noun in COUNT_PATTERNS.items():
        for m in re.finditer(NUMBER + r"\s+(?:[a-z-]+\s+){0,2}?" + noun + r"\b", sentence, re.I):
            value = float(m.group(1).replace(",", ""))
            if 1900 <= value <= 2030 and "," not in m.group(1):  # years are not counts
                continue
            if value < 2:
                continue
            facts.append(Fact(kind, m.group(0).split()[-1].lower(), value, m.group(0), None, None, sentence, where))
    for m in re.finditer(r"\bprevalence\b[^.%]{0,40}?" + r"(\d+(?:\.\d+)?\s?%)", sentence, re.I):
        value = _proportion(m.group(1), metric="prevalence")
        if value:
            facts.append(Fact("prevalence", "prevalence", value[0], m.group(1), None, None, sentence, where))
    return facts


def _design_facts(where: str, sentence: str) -> list[Fact]:
    if WISHES.search(sentence):
        return []
    return [Fact("design", name, None, re.search(p, sentence, re.I).group(0), None, None, sentence, where)
            for name, p in DESIGNS.items() if re.search(p, sentence, re.I)]


def extract_facts(text: str) -> list[Fact]:
    """Every fact found, in reading order. References (after a "References" heading) are left out."""
    if not isinstance(text, str):
        raise ValueError("The paper's text is needed to find its numbers.")
    body = re.split(r"\n\s*(?:References|REFERENCES|Bibliography)\s*\n", text, maxsplit=1)[0]
    facts: list[Fact] = []
    for where, sentence, header, cells in _sentences(body):
        facts += _metric_facts(where, sentence, cells, header)
        if cells is None:
            facts += _count_facts(where, sentence)
            facts += _design_facts(where, sentence)
    return facts


@dataclass(frozen=True)
class FactCheck:
    fact: Fact
    consistent: bool
    message: str


def check_facts(facts: list[Fact]) -> list[FactCheck]:
    """Checks a paper's numbers allow on their own: each value inside its interval, intervals low to high."""
    out = []
    for f in facts:
        if f.kind != "metric" or f.lower is None:
            continue
        label = METRIC_NAMES[f.name]
        if f.lower > f.upper:
            out.append(FactCheck(f, False, f"{label} {f.text}: the interval is written high to low ({f.where})."))
        elif not f.lower <= f.value <= f.upper:
            point = f.text.split(" (")[0]
            out.append(FactCheck(f, False, f"{label} {point} lies outside its own 95% interval {f.text[len(point):].strip()} "
                                           f"({f.where})."))
        else:
            out.append(FactCheck(f, True, f"{label} {f.text} lies inside its interval ({f.where})."))
    return out


def summary_line(checks: list[FactCheck]) -> str:
    """'2 of this paper's reported numbers are inconsistent' (or that none of the checked ones is)."""
    bad = sum(not c.consistent for c in checks)
    if not checks:
        return "No reported value with an interval was found to check."
    if bad:
        return f"{bad} of this paper's reported numbers {'is' if bad == 1 else 'are'} inconsistent (of {len(checks)} checked)."
    return f"None of the {len(checks)} reported values with an interval is inconsistent."


GROUPED = ("sensitivity", "specificity", "ppv", "npv", "accuracy")


def metric_groups(facts: list[Fact]) -> list[tuple[str, dict[str, str]]]:
    """Sensitivity and specificity reported together (one sentence, or one table) with PPV, NPV or accuracy:
    (where, {metric: value as printed}), ready for the consistency check once the reader gives n.

    >>> metric_groups(extract_facts("Sensitivity was 0.90, specificity 0.63 and PPV 0.88."))
    [('sentence 1', {'sensitivity': '0.90', 'specificity': '0.63', 'ppv': '0.88'})]
    """
    groups: dict[str, dict[str, str]] = {}
    for f in facts:
        if f.kind == "metric" and f.name in GROUPED:
            where = f.where.split(",")[0] if f.where.startswith(("Table", "TABLE")) else f.where
            groups.setdefault(where, {}).setdefault(f.name, f.printed()[0])
    return [(where, values) for where, values in groups.items()
            if {"sensitivity", "specificity"} <= set(values) and len(values) > 2]
