"""`medlens appraise checklists | judge | report` through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import cli
from appraisal.checklists import available_ids, load_checklist
from appraisal.model import Appraisal, Paper

runner = CliRunner()


def _write(tmp_path, answer="Y", name="a.json"):
    checklist = load_checklist("probast")
    a = Appraisal(checklist_id="probast", study_type="evaluation", paper=Paper(title="<b>Sepsis</b> model"))
    for item in checklist.items:
        a = a.with_answer(item.id, answer)
    path = tmp_path / name
    path.write_text(a.to_json(), encoding="utf-8")
    return path


def test_checklists_lists_every_shipped_checklist():
    result = runner.invoke(cli, ["appraise", "checklists", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == available_ids()
    probast = next(r for r in rows if r["id"] == "probast")
    assert probast["answerable_items"] == 20 and probast["doi"] == "10.7326/M18-1376"
    text = runner.invoke(cli, ["appraise", "checklists"])
    assert "tripod-ai" in text.output and "52 questions" in text.output


def test_judge_prints_the_reasons(tmp_path):
    path = _write(tmp_path, "N")
    result = runner.invoke(cli, ["appraise", "judge", str(path)])
    assert result.exit_code == 0, result.output
    assert "Overall risk of bias: High." in result.output
    assert "Domain 1 (participants) is high risk because 1.1 (appropriate data source) was answered No" in result.output
    data = json.loads(runner.invoke(cli, ["appraise", "judge", str(path), "--json"]).output)
    assert data["overall"] == "high" and len(data["domains"]) == 4


def test_report_writes_each_format(tmp_path):
    path = _write(tmp_path)
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(cli, ["appraise", "report", str(path), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.exists() and out.stat().st_size > 500
    assert "&lt;b&gt;Sepsis&lt;/b&gt;" in (tmp_path / "report.html").read_text()
    back = Appraisal.from_json((tmp_path / "report.json").read_text())
    assert back.paper.title == "<b>Sepsis</b> model"


def test_bad_input_gives_a_clear_error(tmp_path):
    missing = runner.invoke(cli, ["appraise", "judge", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "Error: There is no appraisal file" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    result = runner.invoke(cli, ["appraise", "report", str(bad), "--format", "md"])
    assert result.exit_code == 1 and "Error: bad.json is not valid JSON" in result.output
    result = runner.invoke(cli, ["appraise", "report", str(_write(tmp_path)), "--format", "pdf"])
    assert result.exit_code == 1 and "Unknown report format" in result.output
