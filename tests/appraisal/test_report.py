"""Exports (Markdown, HTML, JSON) and the traffic-light and summary plots."""

from __future__ import annotations

import io
import json

import pytest
from matplotlib.figure import Figure

from appraisal.checklists import load_checklist
from appraisal.model import Appraisal, AppraisalError, Paper
from appraisal.plots import (
    COLOURS,
    risk_of_bias_rows,
    short_label,
    summary_bars,
    summary_text,
    traffic_light,
    traffic_light_text,
)
from appraisal.report import export, filename, read_json, summary, to_html, to_json, to_markdown

PROBAST = load_checklist("probast")
EVIL = '<script>alert("x")</script> | # **bold**'


def _probast(answer="Y", title="Sepsis model", reviewer="AB", **changes):
    a = Appraisal(checklist_id="probast", study_type="evaluation", reviewer=reviewer,
                  paper=Paper(title=title, authors=["Smith J", "Lee K"], year=2021))
    for item in PROBAST.items:
        a = a.with_answer(item.id, answer)
    return a.model_copy(update=changes)


def test_json_export_round_trips_and_carries_a_summary():
    a = _probast().with_answer("4.1", "N", evidence_quote="Only 40 events", comment=EVIL)
    text = to_json(a)
    data = json.loads(text)
    assert data["schema_version"] == 1
    assert data["summary"]["overall"] == "high"
    assert read_json(text) == a
    # A tampered summary is ignored: judgements are always recomputed.
    data["summary"]["overall"] = "low"
    assert summary(read_json(json.dumps(data)))["overall"] == "high"


def test_markdown_report_has_judgement_reasons_and_literal_user_text():
    a = _probast().with_answer("4.1", "N", evidence_quote=EVIL, evidence_location="Methods, page 3", comment=EVIL)
    md = to_markdown(a)
    assert md.startswith("# Appraisal with PROBAST")
    assert "Domain 4 (analysis) is high risk because 4.1 (enough participants with the outcome) was answered No." in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\| \\# \\*\\*bold\\*\\*" in md
    assert "(Methods, page 3)" in md
    assert "doi:10.7326/M18-1376" in md


def test_html_report_is_self_contained_escaped_and_printable():
    a = _probast(title=EVIL).with_answer("1.1", "PY", evidence_quote=EVIL, comment=EVIL)
    page = to_html(a)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "@media print" in page
    assert "http" not in page.split("<body>")[0]  # no external stylesheets or scripts
    assert "Overall" in page and "Low concern" not in page  # applicability not judged yet


def test_reporting_checklist_report_shows_adherence():
    a = Appraisal(checklist_id="tripod-ai", study_type="development").with_answer("1", "yes").with_answer("10", "no")
    md = export(a, "md")
    assert "Adherence: 1 of 48 applicable items reported" in md
    assert "Not reported: 10 (sample size)." in md
    with pytest.raises(ValueError, match="Unknown report format"):
        export(a, "pdf")


def test_filename_is_safe():
    assert filename(_probast(), "html") == "appraisal-probast-smith-et-al-2021.html"
    assert filename(Appraisal(checklist_id="probast", paper=Paper(title="../../etc/passwd")), "md") == \
        "appraisal-probast-etc-passwd.md"


def test_traffic_light_and_summary_for_many_papers():
    papers = [
        _probast("Y", title="A"),
        _probast("Y", title="B").with_answer("4.1", "N"),
        _probast("Y", title="C").with_answer("3.5", "NI"),
        Appraisal(checklist_id="probast", paper=Paper(title="A very long title " * 6), study_type="evaluation"),
    ]
    columns, rows = risk_of_bias_rows(papers)
    assert columns == ["1. Participants", "2. Predictors", "3. Outcome", "4. Analysis", "Overall",
                       "Applicability: 1. Participants", "Applicability: 2. Predictors",
                       "Applicability: 3. Outcome", "Overall applicability"]
    assert rows[0].judgements["Applicability: 1. Participants"] == "not yet judged"
    assert [r.judgements["Overall"] for r in rows] == ["low", "high", "unclear", "not yet judged"]
    assert len(rows[3].label) <= 38 + len(" (AB)") and rows[3].label.endswith("\u2026")
    fig = traffic_light(columns, rows)
    assert isinstance(fig, Figure)
    # Every judgement is drawn in its own colour (unclear and not-yet-judged included).
    colours = {tuple(round(c, 3) for c in coll.get_facecolor()[0][:3]) for coll in fig.axes[0].collections}
    assert len(colours) == 4
    assert "Concerns about applicability" in [t.get_text() for t in fig.axes[0].texts]
    fig.savefig(io.BytesIO(), format="png")
    text = traffic_light_text(columns, rows)
    assert text.splitlines()[0] == "Risk of bias for 4 papers."
    assert "4. Analysis: high" in text.splitlines()[2]
    bars = summary_bars(columns, rows)
    bars.savefig(io.BytesIO(), format="png")
    s = summary_text(columns, rows)
    assert "Overall: 25% low, 25% unclear, 25% high, 25% not yet judged." in s
    assert set(COLOURS) == {"low", "unclear", "high", "not yet judged", "not applicable"}


def test_probast_ai_papers_with_different_parts_show_not_applicable():
    checklist = load_checklist("probast-ai")
    papers = []
    for study_type in ("development", "evaluation"):
        a = Appraisal(checklist_id="probast-ai", study_type=study_type, paper=Paper(title=study_type))
        for item in checklist.items:
            if item.applies(study_type):
                a = a.with_answer(item.id, "Y")
        papers.append(a)
    columns, rows = risk_of_bias_rows(papers)
    assert len([c for c in columns if not c.startswith("Applicability")]) == 9
    assert rows[0].judgements["4. Analysis (evaluation)"] == "not applicable"
    assert rows[1].judgements["4. Analysis (evaluation)"] == "low"
    assert "4. Analysis (development): not applicable" in traffic_light_text(columns, rows)
    traffic_light(columns, rows).savefig(io.BytesIO(), format="png")


def test_duplicate_labels_stay_distinguishable():
    columns, rows = risk_of_bias_rows([_probast(title="Same", reviewer=""), _probast(title="Same", reviewer="")])
    assert rows[0].label != rows[1].label


def test_plots_refuse_mixed_or_reporting_checklists():
    with pytest.raises(AppraisalError, match="different checklists"):
        risk_of_bias_rows([_probast(), Appraisal(checklist_id="tripod-ai")])
    with pytest.raises(AppraisalError, match="reporting checklist"):
        risk_of_bias_rows([Appraisal(checklist_id="tripod-ai")])
    with pytest.raises(AppraisalError, match="at least one"):
        risk_of_bias_rows([])
    assert short_label("  many   spaces  ") == "many spaces"


def test_quadas_2_plots_show_applicability_for_three_domains_and_download_as_png_and_svg():
    from appraisal.model import ApplicabilityJudgement
    from appraisal.plots import figure_bytes

    quadas = load_checklist("quadas-2")
    a = Appraisal(checklist_id="quadas-2", study_type="evaluation", reviewer="AB", paper=Paper(title="AF watch"))
    for item in quadas.items:
        a = a.with_answer(item.id, "Y")
    a = a.with_answer("2.2", "N").model_copy(update={"applicability": {
        "patient-selection": ApplicabilityJudgement(judgement="high", reason="hospital cases only")}})
    columns, rows = risk_of_bias_rows([a])
    assert columns[:5] == ["1. Patient selection", "2. Index test", "3. Reference standard", "4. Flow and timing",
                           "Overall"]
    assert columns[5:] == ["Applicability: 1. Patient selection", "Applicability: 2. Index test",
                           "Applicability: 3. Reference standard"]  # none for flow and timing, no overall
    assert rows[0].judgements["2. Index test"] == "high"
    assert rows[0].judgements["Applicability: 1. Patient selection"] == "high"
    assert rows[0].judgements["Applicability: 2. Index test"] == "not yet judged"
    png = figure_bytes(traffic_light(columns, rows), "png")
    svg = figure_bytes(summary_bars(columns, rows), "svg")
    assert png.startswith(b"\x89PNG") and b"<svg" in svg[:500]
    assert "Applicability: 1. Patient selection: high" in traffic_light_text(columns, rows)
    with pytest.raises(ValueError, match="png or svg"):
        figure_bytes(traffic_light(columns, rows), "gif")
