"""The Model report page: renders the quick demo model's validation, coverage and cards."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT
from tests.decision_support.quick_model import install_as_demo

PAGE = str(REPO_ROOT / "app" / "views" / "model_report.py")


def test_no_model_offers_to_train_the_demo():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No model yet" in i.value for i in at.info)
    assert at.button(key="report_train_demo")


def test_report_shows_metrics_plots_coverage_and_cards():
    install_as_demo(Path(os.environ["MEDLENS_MODEL_DIR"]))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Model report"
    assert any("not a medical device" in w.value for w in at.warning)
    assert any("simulated" in i.value for i in at.info)
    frames = [d.value for d in at.dataframe]
    metrics = next(f for f in frames if "metric" in f.columns)
    assert "Macro ROC AUC (one-vs-rest)" in set(metrics["metric"])
    assert (metrics["ci_low"] <= metrics["estimate"] + 1e-9).all()
    coverage = next(f for f in frames if "confidence" in f.columns)
    assert list(coverage["confidence"]) == ["80%", "90%", "95%"]
    assert {"healthy", "myopathic", "neurogenic"} <= set(coverage.columns)
    text = " ".join(m.value for m in at.markdown)
    assert "## Intended use" in text and "Dataset card" in text
    assert any("Brier score" in c.value for c in at.caption)
    at.slider(key="report_target_sensitivity").set_value(1.0).run()
    assert not at.exception
    assert any("caught 100% of abnormal recordings" in m.value for m in at.markdown)
