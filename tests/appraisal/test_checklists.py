"""Every shipped checklist validates and matches the structure of the published tool."""

from __future__ import annotations

import re

import pytest

from appraisal.checklists import (
    CHECKLIST_DIR,
    Checklist,
    ChecklistError,
    available_ids,
    list_checklists,
    load_checklist,
)

ALL_IDS = available_ids()
PROBAST_ANSWERS = ("Y", "PY", "PN", "N", "NI")
REPORTING_ANSWERS = ("yes", "partly", "no", "not-applicable")


def test_the_expected_checklists_ship():
    assert {"probast", "tripod-ai", "quadas-2"} <= set(ALL_IDS)


def test_quadas_2_structure_matches_the_published_tool():
    # Whiting et al., Ann Intern Med 2011: 4 domains, 3 + 2 + 2 + 4 signalling questions; applicability for
    # the first three domains only.
    c = load_checklist("quadas-2")
    assert c.doi == "10.7326/0003-4819-155-8-201110180-00009" and "Whiting PF" in c.citation
    assert [s.id for s in c.sections] == ["patient-selection", "index-test", "reference-standard", "flow-timing"]
    assert [len(c.items_in(s.id)) for s in c.sections] == [3, 2, 2, 4]
    assert [s.applicability for s in c.sections] == [True, True, True, False]
    assert c.item("2.2").topic == "threshold pre-specified" and c.kind == "risk-of-bias"


@pytest.mark.parametrize("checklist_id", ALL_IDS)
def test_file_is_valid_and_consistent(checklist_id):
    c = load_checklist(checklist_id)
    assert c.id == checklist_id  # the id is the file stem
    ids = [i.id for i in c.items]
    assert len(ids) == len(set(ids))
    sections = {s.id for s in c.sections}
    assert all(i.section in sections for i in c.items)
    assert all(i.parent is None or i.parent in ids for i in c.items)
    assert all(c.items_in(s.id) for s in c.sections), "every section has questions"
    # Every answerable item carries something for the evidence finder and a paraphrase and guidance.
    for item in c.answerable_items:
        assert item.question.strip() and item.guidance.strip(), item.id
        assert len(item.hints) >= 2, f"{checklist_id} {item.id} needs search hints"
        for pattern in item.patterns:
            re.compile(pattern, re.IGNORECASE)
        for s in item.suggest:
            assert s.answer in c.answer_options and s.reason.strip()
    if checklist_id == "quadas-2":
        assert c.answer_options == ("Y", "N", "U")  # QUADAS-2 answers yes / no / unclear
    elif c.kind == "risk-of-bias":
        assert c.answer_options == PROBAST_ANSWERS
    else:
        assert c.answer_options == REPORTING_ANSWERS
    assert c.doi or c.url or c.sources, "every checklist cites its source"


@pytest.mark.parametrize("checklist_id", ALL_IDS)
def test_count_matches_published_item_count(checklist_id):
    c = load_checklist(checklist_id)
    if checklist_id == "tripod-ai":
        assert len(c.top_level_items) == c.published_item_count == 27
    elif checklist_id == "probast-ai":
        dev = [i for i in c.answerable_items if i.applies_to == ("development",)]
        ev = [i for i in c.answerable_items if i.applies_to == ("evaluation",)]
        assert (len(dev), len(ev)) == (16, 18)
        assert c.published_item_count == 34
    else:
        assert len(c.answerable_items) == c.published_item_count


def test_probast_structure_matches_the_published_tool():
    c = load_checklist("probast")
    assert [s.id for s in c.sections] == ["participants", "predictors", "outcome", "analysis"]
    assert [len(c.items_in(s.id)) for s in c.sections] == [2, 3, 6, 9]
    assert [s.applicability for s in c.sections] == [True, True, True, False]
    assert c.doi == "10.7326/M18-1376"
    assert [i.id for i in c.items_in("analysis")] == [f"4.{n}" for n in range(1, 10)]


def test_tripod_ai_structure_matches_the_published_checklist():
    c = load_checklist("tripod-ai")
    assert c.doi == "10.1136/bmj-2023-078378"
    assert len(c.answerable_items) == 52
    assert [s.id for s in c.sections] == [
        "title", "abstract", "introduction", "methods", "open-science",
        "patient-public-involvement", "results", "discussion",
    ]
    # Items that apply to one study type only (D or E in the published checklist).
    only_dev = {i.id for i in c.answerable_items if i.applies_to == ("development",)}
    only_eval = {i.id for i in c.answerable_items if i.applies_to == ("evaluation",)}
    assert only_dev == {"9a", "12a", "12b", "12c", "15", "22", "27a", "27b"}
    assert only_eval == {"12f", "12g", "20c", "24"}
    assert [i.id for i in c.children("12")] == [f"12{x}" for x in "abcdefg"]
    assert [i.id for i in c.children("18")] == [f"18{x}" for x in "abcdef"]


def test_item_lookup_and_unknown_ids():
    c = load_checklist("probast")
    assert c.item("2.3").section == "predictors"
    with pytest.raises(KeyError):
        c.item("9.9")
    with pytest.raises(ChecklistError, match="no checklist called 'nope'"):
        load_checklist("nope")


def test_list_checklists_returns_all_files():
    assert [c.id for c in list_checklists()] == ALL_IDS
    assert len(ALL_IDS) == len(list(CHECKLIST_DIR.glob("*.yaml")))


def _minimal(**changes):
    data = {
        "id": "x", "name": "X", "kind": "reporting", "version": "1", "citation": "c",
        "answer_options": list(REPORTING_ANSWERS), "published_item_count": 1,
        "sections": [{"id": "s", "title": "S"}],
        "items": [{"id": "1", "section": "s", "question": "q", "guidance": "g", "hints": ["a", "b"]}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"items": [{"id": "1", "section": "zz", "question": "q", "guidance": "g"}]}, "unknown section"),
        ({"items": [{"id": "1", "section": "s", "question": "q", "guidance": "g"}] * 2}, "not unique"),
        ({"items": [{"id": "1", "section": "s", "parent": "7", "question": "q", "guidance": "g"}]}, "unknown parent"),
        ({"items": [{"id": "1", "section": "s", "question": "q", "guidance": "g", "patterns": ["(unclosed"]}]},
         "not a valid regular expression"),
        ({"items": [{"id": "1", "section": "s", "question": "q", "guidance": "g",
                     "suggest": [{"pattern": "x", "answer": "maybe", "reason": "r"}]}]}, "suggests 'maybe'"),
    ],
)
def test_schema_rejects_broken_checklists(changes, message):
    with pytest.raises(ValueError, match=message):
        Checklist.model_validate(_minimal(**changes))


def test_broken_files_give_plain_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(ChecklistError, match="not valid YAML"):
        load_checklist(bad)
    bad.write_text("- just a list", encoding="utf-8")
    with pytest.raises(ChecklistError, match="expected a mapping"):
        load_checklist(bad)
    bad.write_text("id: x\nname: X\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="does not follow the checklist schema"):
        load_checklist(bad)


def test_probast_ai_parts_and_domains():
    c = load_checklist("probast-ai")
    assert c.doi == "10.1136/bmj-2024-082505"
    dev = [s for s in c.sections if s.applies_to == ("development",)]
    ev = [s for s in c.sections if s.applies_to == ("evaluation",)]
    assert [len(c.items_in(s.id)) for s in dev] == [3, 4, 4, 5]
    assert [len(c.items_in(s.id)) for s in ev] == [3, 4, 4, 7]
    assert [s.applicability for s in dev] == [True, True, True, False] == [s.applicability for s in ev]
    # Every item belongs to a section of its own part.
    for item in c.items:
        assert c.section(item.section).applies_to == item.applies_to
    assert not c.development_downgrade and load_checklist("probast").development_downgrade


def test_claim_2024_structure_matches_the_published_checklist():
    # Checked against RSNA's CLAIM site (github.com/RSNA/CLAIM, docs/checklist.md): 44 items in 14 groups.
    c = load_checklist("claim-2024")
    assert c.doi == "10.1148/ryai.240300"
    assert [i.id for i in c.answerable_items] == [str(n) for n in range(1, 45)]
    assert [(s.id, len(c.items_in(s.id))) for s in c.sections] == [
        ("title-abstract", 2), ("introduction", 2), ("study-design", 2), ("data", 7),
        ("reference-standard", 5), ("data-partitions", 2), ("testing-data", 1), ("model", 3),
        ("training", 3), ("evaluation", 7), ("results-data", 2), ("model-performance", 3),
        ("discussion", 2), ("other-information", 3),
    ]
    # Landmarks that moved or are new in the 2024 update.
    assert c.item("13").section == "data" and "acquisition" in c.item("13").topic
    assert c.item("20").section == "data-partitions" and c.item("34").section == "evaluation"
    assert all(i.applies_to == ("development", "evaluation") for i in c.items)  # CLAIM tags no study type
