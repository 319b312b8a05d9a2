"""The "Audit log" page: helpful empty state; logged predictions newest first, filters, CSV download."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.actions import audit_record
from decision_support.predict import predict_recording, simulate_demo_recording
from knowledge.audit import log_prediction
from knowledge.db import open_db
from signal_core.recording import Recording
from tests.conftest import REPO_ROOT

import numpy as np

PAGE = str(REPO_ROOT / "app" / "views" / "audit_log.py")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def results():
    from decision_support.registry import load_model
    from tests.decision_support.quick_model import quick_model_folder

    model = load_model(quick_model_folder())
    good = predict_recording(simulate_demo_recording(model, "myopathic", 1, seconds=4.0), model,
                             input_name="myo.npz", explain=False)
    flat = predict_recording(Recording(np.zeros((8000, 1)), 4000.0), model, input_name="flat.csv")
    return good, flat


def test_empty_log_says_where_predictions_come_from():
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    assert any("No predictions are logged yet" in i.value for i in at.info)


def test_logged_predictions_are_listed_newest_first_and_filterable(results):
    good, flat = results
    db = open_db()
    log_prediction(db, **audit_record(good, "dr.d", "myo.npz"))
    log_prediction(db, **audit_record(flat, "dr.e", "flat.csv"))
    db.close()
    at = _ok(AppTest.from_file(PAGE, default_timeout=60).run())
    table = at.dataframe[0].value
    assert list(table["recording"]) == ["flat.csv", "myo.npz"]
    assert list(table["outcome"]) == ["abstained", good.predicted_label]
    at.selectbox(key="audit_outcome").set_value("abstentions").run()
    assert list(_ok(at).dataframe[0].value["recording"]) == ["flat.csv"]
    at.selectbox(key="audit_outcome").set_value("all")
    at.text_input(key="audit_search").set_value("myo").run()
    assert list(_ok(at).dataframe[0].value["user"]) == ["dr.d"]
    assert any("1 of 2 logged prediction(s)" in c.value for c in at.caption)
    downloads = at.get("download_button")
    assert len(downloads) == 1
