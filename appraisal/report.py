"""Export an appraisal as Markdown, HTML or JSON, and read the JSON back.

The JSON export is the appraisal itself (with ``schema_version``) plus a ``summary`` of the derived
judgements for people and other tools; :func:`read_json` ignores the summary and recomputes it, so an
edited summary can never change a judgement. The HTML is one self-contained, print-friendly file in
which every piece of user text is escaped.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from typing import Any, Literal

from appraisal.checklists import Checklist, answer_label
from appraisal.model import Appraisal
from appraisal.rules import JUDGEMENT_LABELS, AdherenceResult, RiskOfBiasResult, judge

Format = Literal["md", "html", "json"]
MIME_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json"}


def summary(appraisal: Appraisal, checklist: Checklist | None = None) -> dict[str, Any]:
    """The derived judgements as plain data (what the report shows)."""
    checklist = checklist or appraisal.checklist()
    result = judge(appraisal, checklist)
    data = asdict(result)
    data["headline"] = result.headline
    data["completeness_text"] = result.completeness.text
    if isinstance(result, AdherenceResult):
        data["adherence"] = result.adherence
    return data


def to_json(appraisal: Appraisal, checklist: Checklist | None = None) -> str:
    data = appraisal.to_dict()
    data["summary"] = summary(appraisal, checklist)
    return json.dumps(data, indent=2, ensure_ascii=False)


def read_json(text: str | bytes, *, source: str = "the appraisal file") -> Appraisal:
    """Read an appraisal back from a JSON export (or a plain appraisal JSON)."""
    return Appraisal.from_json(text, source=source)


def filename(appraisal: Appraisal, fmt: Format) -> str:
    """A safe file name such as ``appraisal-probast-smith-2021.md``."""
    stem = appraisal.paper.label if (appraisal.paper.authors or appraisal.paper.title) else "paper"
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40] or "paper"
    return f"appraisal-{appraisal.checklist_id}-{slug}.{fmt}"


# ---------------------------------------------------------------------------------------------------
def _paper_lines(a: Appraisal) -> list[tuple[str, str]]:
    p = a.paper
    return [
        ("Title", p.title or "(not given)"),
        ("Authors", ", ".join(p.authors) or "(not given)"),
        ("Year", str(p.year) if p.year else "(not given)"),
        ("DOI", p.doi or "(not given)"),
        ("Reviewer", a.reviewer or "(not given)"),
        ("Study type", a.study_type),
        ("Created", a.created),
    ]


def _judgement_lines(result: RiskOfBiasResult | AdherenceResult) -> list[str]:
    """Plain sentences for the judgement block, shared by Markdown and HTML."""
    lines = [result.headline]
    if isinstance(result, RiskOfBiasResult):
        lines += [d.reason for d in result.domains]
        lines.append(result.overall_reason)
        lines += [x.reason for x in result.applicability]
        if result.applicability:
            lines.append(result.applicability_reason)
    else:
        for s in result.sections:
            share = "no applicable items" if s.adherence is None else f"{s.adherence:.0%}"
            lines.append(f"{s.title}: {s.reported} of {s.applicable} reported ({share}), {s.partly} partly.")
        if result.missing:
            lines.append("Not reported: " + "; ".join(result.missing) + ".")
    return lines


def _md_text(text: str) -> str:
    """User text inside Markdown: keep it literal (no HTML, no accidental headings or tables)."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)


def to_markdown(appraisal: Appraisal, checklist: Checklist | None = None) -> str:
    checklist = checklist or appraisal.checklist()
    result = judge(appraisal, checklist)
    out = [f"# Appraisal with {checklist.name}", ""]
    out += [f"- **{k}:** {_md_text(v)}" for k, v in _paper_lines(appraisal)]
    out += ["", f"Checklist: {checklist.citation}" + (f" doi:{checklist.doi}" if checklist.doi else ""), ""]
    out += ["## Judgement", ""] + [f"- {line}" for line in _judgement_lines(result)] + [""]
    for section in checklist.sections:
        items = [i for i in checklist.items_in(section.id) if i.applies(appraisal.study_type)]
        if not items:
            continue
        out += [f"## {section.title}", ""]
        for item in items:
            entry = appraisal.answers.get(item.id)
            out.append(f"### {item.id}. {item.question}")
            out.append(f"**Answer:** {answer_label(entry.answer if entry else None)}")
            if entry and entry.evidence_quote:
                where = f" ({_md_text(entry.evidence_location)})" if entry.evidence_location else ""
                out.append("")
                out.append("> " + _md_text(entry.evidence_quote).replace("\n", "\n> ") + where)
            if entry and entry.comment:
                out += ["", f"*Comment:* {_md_text(entry.comment)}"]
            out.append("")
    if appraisal.notes:
        out += ["## Notes", "", _md_text(appraisal.notes), ""]
    out.append("Made with medlens. The judgement follows the tool's published rules; read the tool itself before "
               "relying on it.")
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;
text-align:left}th{background:#f3f3f3}blockquote{margin:.3rem 0;padding:.2rem .6rem;border-left:3px solid #888;
background:#fafafa;white-space:pre-wrap}.j{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-weight:600}
.low{background:#cdebd3}.high{background:#f6c6c6}.unclear{background:#fbeab5}.pending{background:#e3e3e3}
.meta td:first-child{width:9rem;font-weight:600}.small{color:#555;font-size:.9rem}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
"""


def _j(judgement: str) -> str:
    css = {"low": "low", "high": "high", "unclear": "unclear"}.get(judgement, "pending")
    return f'<span class="j {css}">{html.escape(JUDGEMENT_LABELS.get(judgement, judgement))}</span>'


def to_html(appraisal: Appraisal, checklist: Checklist | None = None) -> str:
    checklist = checklist or appraisal.checklist()
    result = judge(appraisal, checklist)
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(checklist.name)} appraisal: {e(appraisal.paper.title or 'paper')}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Appraisal with {e(checklist.name)}</h1>",
        '<table class="meta">' + "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>"
                                         for k, v in _paper_lines(appraisal)) + "</table>",
        f'<p class="small">Checklist: {e(checklist.citation)}'
        + (f" doi:{e(checklist.doi)}" if checklist.doi else "") + "</p>",
        "<h2>Judgement</h2>",
    ]
    if isinstance(result, RiskOfBiasResult):
        rows = "".join(f"<tr><td>{e(d.title)}</td><td>{_j(d.judgement)}</td><td>{e(d.reason)}</td></tr>"
                       for d in result.domains)
        rows += f"<tr><th>Overall</th><td>{_j(result.overall)}</td><td>{e(result.overall_reason)}</td></tr>"
        parts.append(f"<table><tr><th>Domain</th><th>Risk of bias</th><th>Why</th></tr>{rows}</table>")
        if result.applicability:
            rows = "".join(f"<tr><td>{e(x.title)}</td><td>{_j(x.judgement)}</td><td>{e(x.reason)}</td></tr>"
                           for x in result.applicability)
            rows += (f"<tr><th>Overall</th><td>{_j(result.overall_applicability)}</td>"
                     f"<td>{e(result.applicability_reason)}</td></tr>")
            parts.append(f"<h3>Applicability</h3><table><tr><th>Domain</th><th>Concern</th><th>Why</th></tr>"
                         f"{rows}</table>")
        parts.append(f"<p>{e(result.completeness.text)}.</p>")
    else:
        parts += [f"<p>{e(line)}</p>" for line in _judgement_lines(result)]
    for section in checklist.sections:
        items = [i for i in checklist.items_in(section.id) if i.applies(appraisal.study_type)]
        if not items:
            continue
        parts.append(f"<h2>{e(section.title)}</h2><table><tr><th>Item</th><th>Question</th><th>Answer</th>"
                     "<th>Evidence and comment</th></tr>")
        for item in items:
            entry = appraisal.answers.get(item.id)
            evidence = ""
            if entry and entry.evidence_quote:
                where = f'<div class="small">{e(entry.evidence_location)}</div>' if entry.evidence_location else ""
                evidence += f"<blockquote>{e(entry.evidence_quote)}</blockquote>{where}"
            if entry and entry.comment:
                evidence += f"<p>{e(entry.comment)}</p>"
            parts.append(f"<tr><td>{e(item.id)}</td><td>{e(item.question)}</td>"
                         f"<td>{e(answer_label(entry.answer if entry else None))}</td><td>{evidence}</td></tr>")
        parts.append("</table>")
    if appraisal.notes:
        parts.append(f"<h2>Notes</h2><p>{e(appraisal.notes)}</p>")
    parts.append('<p class="small">Made with medlens. The judgement follows the tool\'s published rules; read '
                 "the tool itself before relying on it.</p></body></html>")
    return "\n".join(parts) + "\n"


def export(appraisal: Appraisal, fmt: str, checklist: Checklist | None = None) -> str:
    """The report in one of the formats ``md``, ``html`` or ``json``."""
    writers = {"md": to_markdown, "html": to_html, "json": to_json}
    if fmt not in writers:
        raise ValueError(f"Unknown report format {fmt!r}: choose md, html or json.")
    return writers[fmt](appraisal, checklist)
