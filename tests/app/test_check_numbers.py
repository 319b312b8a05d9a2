"""The "Check reported numbers" page: both tabs driven by widget keys in AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "check_numbers.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
def test_two_by_two_metrics_and_prevalence_summary():
    at = _page()
    at.number_input(key="tp").set_value(231)
    at.number_input(key="fn").set_value(27)
    at.number_input(key="fp").set_value(32)
    at.number_input(key="tn").set_value(54)
    at.number_input(key="prevalence").set_value(0.1)
    at.button(key="check_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    sens = table.loc[table["measure"] == "Sensitivity", "value"].item()
    assert sens == f"{231 / 258:.3f}"
    assert any("At a prevalence of 10%" in m.value for m in at.markdown)
    # results stay live: changing the prevalence updates the summary without another click
    at.number_input(key="prevalence").set_value(0.3).run()
    assert any("At a prevalence of 30%" in m.value for m in at.markdown)


def test_zero_row_gives_a_plain_error():
    at = _page()
    at.number_input(key="tp").set_value(0)
    at.number_input(key="fn").set_value(0)
    at.button(key="check_button").click().run()
    assert not at.exception
    assert any("sensitivity is not defined" in e.value for e in at.error)


def test_consistency_check_impossible_and_possible():
    at = _page()
    at.button(key="consistency_button").click().run()  # defaults: 500, 50, 0.93, 0.88, 2 decimals
    assert not at.exception
    assert any("0.93 is impossible" in e.value for e in at.error)
    at.text_input(key="sens").input("92%")
    at.button(key="consistency_button").click().run()
    assert any("consistent" in s.value for s in at.success)
    tables = at.dataframe[-1].value
    assert set(tables["tp"]) == {46} and (tables["tp"] + tables["fn"] == 50).all()


def test_consistency_with_prevalence_and_an_impossible_ppv():
    at = _page()
    at.radio(key="known").set_value("the prevalence").run()
    at.text_input(key="reported_prevalence").input("0.10")
    at.text_input(key="sens").input("0.90")
    at.text_input(key="spec").input("0.88")
    at.button(key="consistency_button").click().run()
    assert not at.exception
    assert any("consistent" in s.value for s in at.success)
    at.text_input(key="ppv").input("0.95")
    at.button(key="consistency_button").click().run()
    assert any("PPV 0.95 is inconsistent" in e.value and "would have to be" in e.value for e in at.error)
    at.text_input(key="sens").input("0.925")
    at.selectbox(key="decimals").set_value(2)
    at.button(key="consistency_button").click().run()
    assert any("more than 2 decimal" in e.value for e in at.error)


def test_reported_accuracy_is_checked_against_the_counts_and_percentages_work():
    at = _page()
    at.text_input(key="count_accuracy").input("0.905")
    at.text_input(key="count_ppv").input("81.8%")
    at.button(key="check_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Accuracy 0.905 does not match the table" in e.value for e in at.error)
    assert any("PPV 81.8% matches the table" in s.value for s in at.success)


def test_lesion_level_and_confusion_matrix_tabs():
    at = _page()
    at.radio(key="count_kind").set_value("lesion-level detection (no true negatives)").run()
    at.text_input(key="count_fp_per_patient").input("0.5")
    at.button(key="check_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("False positives per patient 0.5 does not match" in e.value for e in at.error)
    at.text_input(key="class_sizes").input("50, 50, 50")
    at.button(key="matrix_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "rows are the reference standard" in at.markdown[-1].value or any(
        "row totals match" in i.value for i in at.info)
    assert len(at.dataframe[-1].value) == 3


def test_this_papers_numbers_tab_counts_inconsistent_values():
    at = _page()
    at.text_area(key="facts_text").input("Sensitivity was 91.1% (95% CI 93.0% to 95.0%). We included 80 patients.").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 of this paper's reported numbers is inconsistent" in e.value for e in at.error)
    # feed a reported interval to the checker with the n the reader confirms
    at.text_area(key="facts_text").input("Specificity was 92% (95% CI 87% to 95%) in 150 patients.").run()
    at.number_input(key="fact_n").set_value(150)  # Wilson for 138/150: 0.866 to 0.954
    at.button(key="fact_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("fits the Wilson interval for 138/150" in s.value for s in at.success)


def test_values_reported_together_are_checked_for_the_n_given():
    at = _page()
    # Altman and Bland's liver scan, as a paper would print it: 344 people, prevalence solved from PPV and NPV
    at.text_area(key="facts_text").input("Sensitivity was 0.90, specificity 0.63, PPV 0.88 and NPV 0.67.").run()
    at.number_input(key="group_n").set_value(344)
    at.button(key="group_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("tables reproduce the reported numbers" in s.value for s in at.success)
    at.text_area(key="facts_text").input("Sensitivity was 0.90, specificity 0.63, PPV 0.88 and NPV 0.20.").run()
    at.button(key="group_check").click().run()
    assert any("These cannot both hold" in e.value for e in at.error)
