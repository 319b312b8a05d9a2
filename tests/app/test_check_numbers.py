"""The "Check reported numbers" page: both tabs driven by widget keys in AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "check_numbers.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
    at.number_input(key="sens").set_value(0.92)
    at.button(key="consistency_button").click().run()
    assert any("consistent" in s.value for s in at.success)
    tables = at.dataframe[-1].value
    assert set(tables["tp"]) == {46} and (tables["tp"] + tables["fn"] == 50).all()


def test_consistency_with_prevalence_and_an_impossible_ppv():
    at = _page()
    at.radio(key="known").set_value("the prevalence").run()
    at.number_input(key="reported_prevalence").set_value(0.1)
    at.number_input(key="sens").set_value(0.9)
    at.number_input(key="spec").set_value(0.88)
    at.button(key="consistency_button").click().run()
    assert not at.exception
    assert any("consistent" in s.value for s in at.success)
    at.number_input(key="ppv").set_value(0.95)
    at.button(key="consistency_button").click().run()
    assert any("none of them also gives PPV 0.95" in e.value for e in at.error)
    at.number_input(key="sens").set_value(0.925)
    at.button(key="consistency_button").click().run()
    assert any("more than 2 decimal" in e.value for e in at.error)
