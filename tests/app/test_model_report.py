"""The Model report page: validation per recording and per patient, comparison, warnings, coverage and cards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT
from tests.decision_support.quick_model import install_as_default, install_as_demo

PAGE = str(REPO_ROOT / "app" / "views" / "model_report.py")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_model_offers_to_train_the_default():
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    assert any("No model yet" in i.value for i in at.info)
    assert at.button(key="report_train_default")


def test_the_simulated_demo_report_warns_and_shows_human_columns():
    install_as_demo(Path(os.environ["MEDLENS_MODEL_DIR"]))
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    assert at.title[0].value == "Model report"
    assert any("not a medical device" in w.value for w in at.warning)
    assert any("Small cohort" in w.value for w in at.warning)
    assert any("simulated recordings" in w.value for w in at.warning)
    frames = [d.value for d in at.dataframe]
    metrics = next(f for f in frames if "measure" in f.columns)
    assert list(metrics.columns) == ["measure", "estimate", "95% CI (bootstrap over subjects)"]
    assert "Macro ROC AUC (one-vs-rest)" in set(metrics["measure"])
    coverage = next(f for f in frames if "confidence" in f.columns)
    assert list(coverage["confidence"][coverage["level"] == "recording"]) == ["80%", "90%", "95%"]
    bins = next(f for f in frames if "recordings in bin" in f.columns)
    assert bins["recordings in bin"].sum() > 0
    text = " ".join(m.value for m in at.markdown)
    assert "## Intended use" in text and "Dataset card" in text
    at.slider(key="report_target_sensitivity").set_value(1.0).run()
    assert not at.exception
    assert any("caught 100% of abnormal recordings" in m.value for m in at.markdown)


@pytest.mark.slow
def test_the_default_report_compares_with_a_baseline_and_tannemaat_per_patient_too():
    install_as_default(Path(os.environ["MEDLENS_MODEL_DIR"]))
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    assert any("15 people" in i.value and "Rigshospitalet" in i.value for i in at.info)
    assert any("Small cohort: 15 subjects" in w.value for w in at.warning)
    frames = [d.value for d in at.dataframe]
    comparison = next(f for f in frames if "approach" in f.columns)
    approaches = list(comparison["approach"])
    assert approaches[0] == "medlens default (clinical features)" and "Tannemaat et al. 2023 (published)" in approaches
    assert any(a.startswith("baseline: MUAP parameters") for a in approaches)
    published = comparison[comparison["approach"].str.startswith("Tannemaat")].iloc[0]
    assert published["AUC neurogenic vs healthy, per recording / per patient"] == "0.83 / 0.86"
    assert published["macro AUC per recording (95% CI)"] == "not reported"
    at.radio(key="report_level").set_value("per patient").run()
    _ok(at)
    coverage = next(d.value for d in at.dataframe if "confidence" in d.value.columns)
    assert set(coverage["level"]) == {"recording", "patient"}
