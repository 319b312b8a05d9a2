"""The Case library page: search, filters, opening a case, and user text shown as text."""

from __future__ import annotations

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from knowledge.db import open_db
from knowledge.seed import SEED_DIR, load_seed
from knowledge.transfer import import_cases
from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "case_library.py")


def _run() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _seed_case():
    return yaml.safe_load(sorted(SEED_DIR.glob("*.yaml"))[0].read_text())


def test_empty_database_is_seeded_and_listed():
    at = _run()
    assert at.title[0].value == "Case library"
    count = len(list(SEED_DIR.glob("*.yaml")))
    assert any(c.value.startswith(f"{count} cases") for c in at.caption)
    assert any(b.key.startswith("open_") for b in at.button)


def test_search_and_open_a_case():
    seed = _seed_case()
    at = _run()
    at.text_input(key="case_search").set_value(seed["title"]).run()
    assert not at.exception
    assert at.button(key=f"open_{seed['slug']}")
    at.button(key=f"open_{seed['slug']}").click().run()
    assert not at.exception
    assert any("doi.org/" in m.value or "http" in m.value for m in at.markdown if "**Sources**" not in m.value)
    assert any(seed["slug"] in c.value for c in at.caption)


def test_filters_and_awkward_query_do_not_fail():
    at = _run()
    at.selectbox(key="case_category").set_value("expert-systems").run()
    at.text_input(key="case_search").set_value('carpal "tunnel AND -*').run()
    assert not at.exception
    assert not [e for e in at.error]


@pytest.fixture
def html_case(tmp_path):
    db = open_db()
    load_seed(db)
    case = _seed_case()
    case.update(slug="test-html-injection", title="TEST <b>bold</b> title",
                summary="TEST body with <script>alert('x')</script> inside.")
    case["sources"][0]["doi"] = "10.9999/test-html"
    import_cases(db, [case], user="medlens-seed", trusted=True)  # keep it published, as the seed is
    db.close()
    return case


def test_html_in_a_case_is_shown_as_text(html_case):
    at = _run()
    at.text_input(key="case_search").set_value("TEST body script alert").run()
    at.button(key="open_test-html-injection").click().run()
    assert not at.exception
    rendered = [m.value for m in at.markdown] + [s.value for s in at.subheader] + [b.label for b in at.button]
    assert any("&lt;script&gt;alert" in v for v in rendered)
    assert not any("<script>" in v or "<b>" in v for v in rendered)


def test_no_case_with_all_words_falls_back_to_any_word():
    at = _run()
    at.text_input(key="case_search").set_value("sepsis zzzxqv").run()
    assert not at.exception
    assert any("with some of your words" in c.value for c in at.caption)
    assert any(b.key.startswith("open_") for b in at.button)


def test_case_view_lists_appraisals_of_its_papers():
    from knowledge.appraisals import save_appraisal

    seeds = [yaml.safe_load(p.read_text()) for p in sorted(SEED_DIR.glob("*.yaml"))]
    seed = next(c for c in seeds if any(s.get("doi") for s in c["sources"]))
    db = open_db()
    load_seed(db)
    doi = next(s["doi"] for s in seed["sources"] if s.get("doi"))
    save_appraisal(db, {"checklist_id": "probast", "reviewer": "TEST reviewer",
                        "paper": {"title": "TEST appraisal of a cited paper", "doi": doi}})
    db.close()
    at = _run()
    at.text_input(key="case_search").set_value(seed["title"]).run()
    at.button(key=f"open_{seed['slug']}").click().run()
    assert not at.exception
    assert any("TEST appraisal of a cited paper" in c.value for c in at.caption)


def test_a_link_opens_the_case_with_its_checklist_items():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["case"] = "zech-pneumonia-xray-hospital-confounding"
    at.run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Zech et al.")
    assert any("Checklist items this case illustrates" in m.value for m in at.markdown)
    assert any("PROBAST 1.1" in m.value and "34.2%" in m.value for m in at.markdown)
    assert any(e.label == "Revision history (1 version)" for e in at.expander)
    # Related-case buttons carry the year once, even when the title already ends with it.
    assert not [b.label for b in at.button if b.key.startswith("related_") and b.label.count("(19") + b.label.count(
        "(20") > 1]
    at.button(key=next(b.key for b in at.button if b.key.startswith("related_"))).click().run()
    assert at.query_params["case"] != "zech-pneumonia-xray-hospital-confounding"  # the address follows the reader


def test_a_mistyped_link_says_so():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["case"] = "no-such-case"
    at.run()
    assert not at.exception
    assert any("There is no case 'no\\-such\\-case'" in w.value for w in at.warning)


def test_a_typo_shows_did_you_mean_and_finds_the_cases():
    at = _run()
    at.text_input(key="case_search").set_value("pneumnia").run()
    assert not at.exception
    assert any("Showing results for **pneumonia**" in i.value for i in at.info)
    assert at.button(key="open_zech-pneumonia-xray-hospital-confounding")


def test_appraisal_items_list_cases_where_they_went_wrong():
    at = AppTest.from_file(str(REPO_ROOT / "app" / "views" / "appraise_paper.py"), default_timeout=60).run()
    at.selectbox(key="checklist").set_value("clinician-framework").run()
    assert not at.exception
    links = [m.value for m in at.markdown if "(case_library?case=" in m.value]
    assert any("case_library?case=zech-pneumonia-xray-hospital-confounding" in v for v in links)
