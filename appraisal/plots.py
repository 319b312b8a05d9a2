"""robvis-style plots of risk-of-bias judgements for one or many appraisals, each with a text summary.

Figures are built with the object-oriented matplotlib API (``Figure``, Agg canvas): no pyplot, no global
state, safe in a multi-user server. Every plot has a matching ``*_text`` function that says the same thing
in words, for screen readers and exports.

Judgements get a colour *and* a symbol so the plots survive grey-scale printing and colour blindness:
low "+" green, unclear "?" yellow, high "-" red, not yet judged "o" grey.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from appraisal.model import Appraisal, AppraisalError
from appraisal.rules import HIGH, JUDGEMENT_LABELS, LOW, PENDING, UNCLEAR, judge

NOT_APPLICABLE = "not applicable"  # a PROBAST+AI part the study does not have
ORDER = (LOW, UNCLEAR, HIGH, PENDING, NOT_APPLICABLE)
COLOURS = {LOW: "#3b9a57", UNCLEAR: "#e8c547", HIGH: "#c8423b", PENDING: "#b7b7b7", NOT_APPLICABLE: "#ffffff"}
SYMBOLS = {LOW: "+", UNCLEAR: "?", HIGH: "\u2212", PENDING: "o", NOT_APPLICABLE: ""}
LABELS = {**JUDGEMENT_LABELS, NOT_APPLICABLE: "Not applicable"}
MAX_LABEL = 38
APPLICABILITY = "Applicability: "  # prefix of the applicability columns (PROBAST, QUADAS-2)
OVERALL_APPLICABILITY = "Overall applicability"  # PROBAST defines one; QUADAS-2 does not
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True)
class StudyRow:
    """One paper's judgements: column name -> low/unclear/high/not yet judged."""

    label: str
    judgements: dict[str, str]


def short_label(text: str, limit: int = MAX_LABEL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def risk_of_bias_rows(appraisals: Sequence[Appraisal]) -> tuple[list[str], list[StudyRow]]:
    """Columns (domains + Overall) and one row per appraisal; all must use one risk-of-bias checklist."""
    if not appraisals:
        raise AppraisalError("Add at least one appraisal to plot.")
    ids = {a.checklist_id for a in appraisals}
    if len(ids) > 1:
        raise AppraisalError(f"These appraisals use different checklists ({', '.join(sorted(ids))}); "
                             "plot one checklist at a time.")
    checklist = appraisals[0].checklist()
    if not checklist.is_risk_of_bias:
        raise AppraisalError(f"{checklist.name} is a reporting checklist: the traffic-light plot is for "
                             "risk-of-bias tools such as PROBAST.")
    sections = [s for s in checklist.sections if any(s.applies(a.study_type) for a in appraisals)]
    columns = [s.title for s in sections]
    columns.append("Overall")
    # Concerns about applicability, for the tools that judge it (domains 1-3 of PROBAST and QUADAS-2).
    columns += [APPLICABILITY + s.title for s in sections if s.applicability]
    if any(s.applicability for s in sections) and checklist.id == "probast":
        columns.append(OVERALL_APPLICABILITY)
    rows, seen = [], Counter()
    for a in appraisals:
        result = judge(a, checklist)
        label = short_label(a.paper.label if a.paper.authors else (a.paper.title or "Untitled paper"))
        if a.reviewer:
            label = short_label(f"{label} ({a.reviewer})")
        seen[label] += 1
        if seen[label] > 1:  # keep rows distinguishable
            label = f"{label} [{seen[label]}]"
        values = {c: NOT_APPLICABLE for c in columns}
        values.update({d.title: d.judgement for d in result.domains})
        values["Overall"] = result.overall
        for entry in result.applicability:
            if APPLICABILITY + entry.title in values:
                values[APPLICABILITY + entry.title] = entry.judgement
        if OVERALL_APPLICABILITY in values:
            values[OVERALL_APPLICABILITY] = result.overall_applicability
        rows.append(StudyRow(label, values))
    return columns, rows


def traffic_light(columns: Sequence[str], rows: Sequence[StudyRow]) -> Figure:
    """Papers down, domains across; a coloured disc with a symbol per judgement."""
    fig = Figure(figsize=(1.3 * len(columns) + 3.2, 0.42 * len(rows) + 1.9), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for y, row in enumerate(rows):
        for x, column in enumerate(columns):
            j = row.judgements.get(column, PENDING)
            ax.scatter(x, y, s=420, color=COLOURS[j], edgecolors="#333333", linewidths=0.6)
            ax.text(x, y, SYMBOLS[j], ha="center", va="center", fontsize=12, fontweight="bold",
                    color="white" if j in (LOW, HIGH) else "#222222")
    ax.set_xticks(range(len(columns)), [_column_label(c) for c in columns], rotation=30, ha="right")
    n_bias = sum(not _is_applicability(c) for c in columns)
    if n_bias < len(columns):  # two panels, as in QUADAS-2 and PROBAST summaries: bias | applicability
        ax.axvline(n_bias - 0.5, color="#888888", linewidth=0.8)
        ax.text((n_bias - 1) / 2, -0.9, "Risk of bias", ha="center", va="bottom", fontsize=10, fontweight="bold")
        ax.text((n_bias + len(columns) - 1) / 2, -0.9, "Concerns about applicability", ha="center", va="bottom",
                fontsize=10, fontweight="bold")
    ax.set_yticks(range(len(rows)), [r.label for r in rows])
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(rows) - 0.5, -1.3 if n_bias < len(columns) else -0.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Risk of bias by domain" + (" and concerns about applicability" if n_bias < len(columns) else ""))
    shown = [j for j in ORDER if j != NOT_APPLICABLE or any(NOT_APPLICABLE in r.judgements.values() for r in rows)]
    handles = [Patch(facecolor=COLOURS[j], edgecolor="#333333", label=f"{SYMBOLS[j]}  {LABELS[j]}") for j in shown]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(shown), frameon=False, fontsize=9)
    return fig


def traffic_light_text(columns: Sequence[str], rows: Sequence[StudyRow]) -> str:
    lines = [f"Risk of bias for {len(rows)} {'paper' if len(rows) == 1 else 'papers'}."]
    for row in rows:
        parts = [f"{c}: {LABELS[row.judgements.get(c, PENDING)].lower()}" for c in columns]
        lines.append(f"{row.label}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def _shares(columns: Sequence[str], rows: Sequence[StudyRow]) -> dict[str, dict[str, float]]:
    n = len(rows)
    return {c: {j: sum(r.judgements.get(c, PENDING) == j for r in rows) / n for j in ORDER} for c in columns}


def summary_bars(columns: Sequence[str], rows: Sequence[StudyRow]) -> Figure:
    """Percent of papers per judgement, one horizontal stacked bar per domain (robvis' summary plot)."""
    if not rows:
        raise AppraisalError("Add at least one appraisal to plot.")
    shares = _shares(columns, rows)
    fig = Figure(figsize=(8.5, 0.55 * len(columns) + 1.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for y, column in enumerate(columns):
        left = 0.0
        for j in ORDER:
            width = 100 * shares[column][j]
            if width:
                ax.barh(y, width, left=left, color=COLOURS[j], edgecolor="white")
                if width >= 8:
                    ax.text(left + width / 2, y, f"{width:.0f}%", ha="center", va="center", fontsize=8,
                            color="white" if j in (LOW, HIGH) else "#222222")
            left += width
    ax.set_yticks(range(len(columns)), [_column_label(c, 30) for c in columns])
    ax.set_ylim(len(columns) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Percent of papers (n = {len(rows)})")
    ax.set_title("Risk of bias" + (" and applicability" if any(map(_is_applicability, columns)) else "")
                 + ": share of papers per judgement")
    handles = [Patch(facecolor=COLOURS[j], edgecolor="#333333", label=LABELS[j]) for j in ORDER]
    fig.legend(handles=handles, loc="outside lower center", ncols=5, frameon=False, fontsize=9)
    return fig


def summary_text(columns: Sequence[str], rows: Sequence[StudyRow]) -> str:
    if not rows:
        return "No appraisals to summarise."
    shares = _shares(columns, rows)
    lines = [f"Share of {len(rows)} {'paper' if len(rows) == 1 else 'papers'} per judgement."]
    for column in columns:
        parts = [f"{shares[column][j]:.0%} {LABELS[j].lower()}" for j in ORDER if shares[column][j]]
        lines.append(f"{column}: " + ", ".join(parts) + ".")
    return "\n".join(lines)


def _is_applicability(column: str) -> bool:
    return column.startswith(APPLICABILITY) or column == OVERALL_APPLICABILITY


def _column_label(column: str, limit: int = 18) -> str:
    if column.startswith(APPLICABILITY):
        return short_label(column[len(APPLICABILITY):], limit - 2) + " (A)"
    return short_label(column, limit)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG (150 dpi) or SVG bytes, for downloads."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"Plots can be saved as {' or '.join(FORMATS)}, not {fmt!r}.")
    import io

    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=150)
    return out.getvalue()
