"""The evidence finder: sentence splitting, sections, ranking, highlighting, suggestions, evaluation set."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.checklists import list_checklists, load_checklist
from appraisal.evidence import (
    DocumentError,
    best_suggestion,
    escape_markdown,
    find_evidence,
    load_document,
    split_sentences,
    stem,
)
from appraisal.evidence_eval import hit_rates, load_eval_set
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "appraisal" / "samples" / "sample_paper.md"


def _item(id, hints=(), patterns=(), suggest=(), section="methods", question="", topic=""):
    rules = tuple(SimpleNamespace(pattern=p, answer=a, reason=r) for p, a, r in suggest)
    return SimpleNamespace(id=id, section=section, question=question, topic=topic, hints=tuple(hints),
                           patterns=tuple(patterns), suggest=rules, answerable=True)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Smith et al. found this. It held.", ["Smith et al. found this.", "It held."]),
        ("The AUC was 0.85 vs. 0.80 in Fig. 3. Next one.", ["The AUC was 0.85 vs. 0.80 in Fig. 3.", "Next one."]),
        ("Tests, e.g. CRP, i.e. blood. Done!", ["Tests, e.g. CRP, i.e. blood.", "Done!"]),
        ("As J. Smith said. Then (Table 2) showed it.", ["As J. Smith said.", "Then (Table 2) showed it."]),
        ("Is it good? Yes. 42 patients died.", ["Is it good?", "Yes.", "42 patients died."]),
        ("He said \"stop.\" Then left.", ["He said \"stop.\"", "Then left."]),
        ("lower case after stop. is not a new sentence", ["lower case after stop. is not a new sentence"]),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Smith", "et", "al.", "0.85", "e.g.", "AUC", "Fig.", "2.", "The", "was",
                                 "high.", "vs.", "(95%", "CI)", "Yes!", "Why?", "n=5"]), min_size=1, max_size=40))
def test_splitting_never_loses_or_invents_words(words):
    text = " ".join(words)
    assert " ".join(split_sentences(text)).split() == text.split()


def test_sections_from_markdown_numbered_and_plain_headings():
    text = (
        "# A model for X\n\nAbstract\nWe built a model.\n\n2. Methods\nWe used data.\n\n2.1 Study population\n"
        "Adults were included.\n\n1. We recruited adults from clinics\n\nRESULTS\nThe AUC was 0.8.\n\n"
        "References\n1. Someone A. A paper. J 2020.\n"
    )
    doc = load_document(text)
    got = [(s.section, s.part, s.text) for s in doc.sentences]
    assert got[0] == ("Title", "title", "A model for X")
    assert ("Abstract", "abstract", "We built a model.") in got
    assert ("Methods", "methods", "We used data.") in got
    assert ("Study population", "methods", "Adults were included.") in got
    assert ("Study population", "methods", "We recruited adults from clinics") in got  # a list item, not a heading
    assert ("Results", "results", "The AUC was 0.8.") in got
    assert not any("Someone" in s.text for s in doc.sentences)  # references are left out


def test_stemmer_groups_word_forms():
    assert len({stem(w) for w in ["validation", "validated", "validate", "validating"]}) == 1
    assert stem("blinded") == stem("blinding") == stem("blind")
    assert stem("imputation") == stem("imputed")
    assert stem("predictors") == stem("predictor")


def test_escape_markdown_neutralises_injection():
    nasty = "<script>alert(1)</script> **bold** [link](javascript:x) $x$ :red[hi] # head | a |"
    escaped = escape_markdown(nasty)
    assert re.search(r"(?<!\\)[<>*\[\]()$#|:]", escaped) is None
    assert re.sub(r"\\(.)", r"\1", escaped) == nasty


def test_find_evidence_ranks_and_highlights_with_a_fixture_checklist():
    doc = load_document(
        "# Methods\nWe recruited 200 adults. Missing values were handled by multiple imputation with 20 datasets.\n"
        "The model was a random forest <b>with</b> 500 trees.\n# Results\nThe calibration slope was 0.92."
    )
    checklist = SimpleNamespace(items=(
        _item("missing", hints=["missing data", "imputation"]),
        _item("cal", hints=["calibration slope"], section="results"),
        _item("nothing", hints=["zebra"]),
    ))
    found = find_evidence(doc, checklist, top_k=2)
    top = found["missing"][0]
    assert top.sentence.text.startswith("Missing values were handled")
    assert "**Missing values" in top.highlighted and "imputation**" in top.highlighted
    assert top.location == "Methods, sentence 2"
    assert found["cal"][0].location == "Results, sentence 4"
    assert found["nothing"] == []
    forest = find_evidence(doc, SimpleNamespace(items=(_item("rf", hints=["random forest"]),)))["rf"][0]
    assert "<b>" not in forest.highlighted and r"\<b\>" in forest.highlighted


def test_generic_patterns_help_items_without_hints():
    doc = load_document(
        "# Methods\nWe enrolled adults. Outcome assessors were blinded to the predictor values. The sky was blue."
    )
    checklist = SimpleNamespace(items=(_item("blind", question="Were assessors masked or blinded?"),))
    assert find_evidence(doc, checklist)["blind"][0].sentence.text.startswith("Outcome assessors were blinded")


def test_suggestion_is_marked_and_negation_lowers_confidence():
    rule = [(r"\bexternal(ly)? validat", "yes", "The text describes an external validation.")]
    checklist = SimpleNamespace(items=(_item("ev", hints=["external validation"], suggest=rule),))
    doc = load_document("# Methods\nWe performed an external validation in a second hospital.")
    s = find_evidence(doc, checklist)["ev"][0].suggestion
    assert s.is_suggestion is True and s.answer == "yes" and 0.5 < s.confidence <= 0.9
    assert "external validation" in s.reason and "Methods, sentence 1" in s.reason
    doc = load_document("# Methods\nWe did not perform an external validation.")
    s = find_evidence(doc, checklist)["ev"][0].suggestion
    assert s.confidence <= 0.3 and "negation" in s.reason


def test_real_checklists_on_the_sample_paper():
    doc = load_document(SAMPLE)
    assert doc.sentences[0].text.startswith("Made-up teaching example")
    probast = load_checklist("probast")
    found = find_evidence(doc, probast)
    assert set(found) == {i.id for i in probast.answerable_items}
    assert "complete-case analysis" in found["4.4"][0].sentence.text
    suggestion = best_suggestion(found["4.4"])
    assert suggestion is not None and suggestion.is_suggestion and suggestion.answer in probast.answer_options
    tripod = load_checklist("tripod-ai")
    found = find_evidence(doc, tripod)
    assert any("calibration" in c.sentence.text.lower() for c in found["12e"])
    for candidates in found.values():
        assert len(candidates) <= 3
        assert all(c.location and c.score > 0 for c in candidates)


def test_find_evidence_input_checks():
    with pytest.raises(ValueError, match="top_k"):
        find_evidence(load_document("Some text here."), SimpleNamespace(items=()), top_k=0)
    with pytest.raises(DocumentError):
        load_document("   ")


def test_eval_set_labels_resolve_and_cover_each_checklist():
    excerpts = load_eval_set()
    assert len(excerpts) >= 6
    ids = {c.id: c for c in list_checklists()}
    for ex in excerpts:
        for checklist_id, labels in ex.labels.items():
            if checklist_id in ids:
                known = {i.id for i in ids[checklist_id].answerable_items}
                assert set(labels) <= known, (ex.id, checklist_id, set(labels) - known)


@pytest.mark.parametrize("checklist", list_checklists(), ids=lambda c: c.id)
def test_finder_beats_trivial_baselines_on_the_eval_set(checklist):
    rates = hit_rates(load_eval_set(), checklist)
    if rates.labels == 0:
        pytest.skip(f"no labels for {checklist.id} in the evaluation set yet")
    assert rates.top3 > rates.first3 and rates.top3 > rates.random3
    assert rates.top3 >= 2 * rates.random3  # clearly better than chance, not merely better
    assert rates.top1 <= rates.top3


def test_cli_suggest_text_and_json(tmp_path):
    import json

    from typer.testing import CliRunner

    from app.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["appraise", "suggest", str(SAMPLE), "--checklist", "probast", "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "[4.4]" in result.output and "complete-case analysis" in result.output
    assert "suggestion (confirm)" in result.output
    result = runner.invoke(cli, ["appraise", "suggest", str(SAMPLE), "--checklist", "tripod-ai", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["checklist"] == "tripod-ai"
    assert all(len(i["candidates"]) <= 3 for i in data["items"])
    assert all(i["suggestion"] is None or i["suggestion"]["is_suggestion"] for i in data["items"])
    blank = tmp_path / "scan.pdf"
    from tests.appraisal.pdf_helpers import blank_pdf

    blank.write_bytes(blank_pdf())
    result = runner.invoke(cli, ["appraise", "suggest", str(blank)])
    assert result.exit_code == 1 and "Error:" in result.output and "scanned" in result.output
    result = runner.invoke(cli, ["appraise", "suggest", str(SAMPLE), "--top", "0"])
    assert result.exit_code == 1 and "top_k" in result.output
