"""Cases linked to checklist items: validated against the shipped checklists, stored, searched both ways, carried."""

from __future__ import annotations

import pytest

from appraisal.checklists import load_checklist
from knowledge import cases
from knowledge.links import checklist_item_label
from knowledge.models import CaseValidationError, parse_case
from knowledge.seed import SEED_DIR, load_seed, read_case_file
from knowledge.transfer import export_cases, import_cases
from tests.knowledge.conftest import make_case

LINK = {"checklist": "probast", "item": "4.1", "why": "Only 20 patients had the outcome (test data)."}
SEED_FILES = sorted(SEED_DIR.glob("*.yaml"))


@pytest.mark.parametrize("link, message", [
    ({**LINK, "checklist": "probastt"}, "there is no checklist 'probastt'"),
    ({**LINK, "item": "9.9"}, "PROBAST has no item '9.9'"),
    ({**LINK, "why": "short"}, "checklist_items[0].why"),
    ({"checklist": "probast", "item": "4.1"}, "checklist_items[0].why"),
])
def test_unknown_or_incomplete_links_are_errors(link, message):
    with pytest.raises(CaseValidationError, match="checklist_items") as info:
        parse_case(make_case(checklist_items=[link]))
    assert message in str(info.value)


def test_the_same_item_twice_is_an_error():
    with pytest.raises(CaseValidationError, match="listed twice"):
        parse_case(make_case(checklist_items=[LINK, {**LINK, "why": "Said again in other words (test)."}]))


def test_yaml_numbers_become_item_ids():
    case = parse_case(make_case(checklist_items=[{**LINK, "item": 4.1}]))
    assert case.checklist_items[0].item == "4.1"


def test_links_are_stored_edited_and_listed_per_item(db):
    cases.create_case(db, make_case(checklist_items=[LINK]), user="alice")
    record = cases.get_case(db, "test-emg-carpal-tunnel")
    assert [link.model_dump() for link in record.case.checklist_items] == [LINK]
    assert cases.cases_for_item(db, "probast", "4.1") == []  # a draft is not in the published library
    assert cases.cases_for_item(db, "probast", "4.1", status=None)[0]["why"] == LINK["why"]
    new = [{"checklist": "clinician-framework", "item": "Q4", "why": "Never tested on other patients (test)."}]
    record = cases.update_case(db, record.slug, {"checklist_items": new}, base_version=1, user="alice")
    assert cases.case_history(db, record.slug)[0].changed_fields == ["checklist_items"]
    assert cases.cases_for_item(db, "probast", "4.1", status=None) == []
    assert [r["slug"] for r in cases.cases_for_item(db, "clinician-framework", "Q4", status=None)] == [record.slug]
    assert cases.item_link_counts(db, "clinician-framework", status=None) == {"Q4": 1}


def test_export_and_import_carry_links(db):
    cases.create_case(db, make_case(checklist_items=[LINK]), user="alice")
    exported = export_cases(db)
    assert exported[0]["checklist_items"] == [LINK]
    exported[0]["slug"], exported[0]["sources"][0]["doi"] = "test-copy", "10.9999/test-copy"
    import_cases(db, exported, user="carol")
    assert cases.get_case(db, "test-copy").case.checklist_items[0].model_dump() == LINK


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.stem for p in SEED_FILES])
def test_every_seed_case_links_one_to_four_items_with_a_practice_item(path):
    links = read_case_file(path).checklist_items
    assert 1 <= len(links) <= 4
    # Practice mode asks about the short clinician's framework, so every case needs one link there.
    assert any(link.checklist == "clinician-framework" for link in links)
    for link in links:
        load_checklist(link.checklist).item(link.item)  # raises KeyError for an unknown item


def test_seed_links_are_searchable_per_item(db):
    load_seed(db)
    wrong = cases.cases_for_item(db, "probast", "4.1")
    assert "mycin-blinded-evaluation" in [r["slug"] for r in wrong]
    assert all(r["why"] for r in wrong)
    assert checklist_item_label("clinician-framework", "Q4").startswith("Clinician's framework (medlens) Q4 (")
    assert checklist_item_label("nope", "1") == "nope 1"
