"""The "Decision support" page: predict a simulated demo recording, see the set and reasons, and it is logged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from knowledge.audit import list_predictions
from knowledge.db import open_db
from tests.conftest import REPO_ROOT
from tests.decision_support.quick_model import install_as_demo

PAGE = str(REPO_ROOT / "app" / "views" / "explained_prediction.py")


@pytest.fixture
def demo_model_installed():
    return install_as_demo(Path(os.environ["MEDLENS_MODEL_DIR"]))


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]
    return at


def test_page_shows_the_safety_notes_and_an_empty_state():
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    assert any("simulated" in i.value for i in at.info)
    assert any("not a medical device" in w.value for w in at.warning)
    assert any("press **Predict**" in i.value for i in at.info)


def test_predict_a_demo_recording_shows_the_set_and_reasons_and_logs_it(demo_model_installed):
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    at.selectbox(key="demo_condition").set_value("neurogenic")
    at.number_input(key="demo_seed").set_value(2)
    at.text_input(key="audit_user").set_value("dr.c")
    at.button(key="predict_demo").click().run()
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Most likely"] == "neurogenic"
    assert "neurogenic" in metrics["Prediction set at 90%"]
    reasons = [m.value for m in at.markdown if "training recordings" in m.value]
    assert len(reasons) == 3 and all("neurogenic" in r for r in reasons)
    captions = " ".join(c.value for c in at.caption)
    assert "starts at the training average" in captions and "training recordings:" in captions
    assert "the features that move the model most" in captions  # global importance, in an expander
    assert any("Model version" in m.value for m in at.markdown)
    rows = list_predictions(open_db())
    assert len(rows) == 1 and rows[0]["user"] == "dr.c" and rows[0]["input_name"] == "simulated neurogenic subject 2"
    assert rows[0]["prediction_set"] and rows[0]["top_reasons"] == [r.replace("\\", "") for r in rows[0]["top_reasons"]]


def test_the_confidence_slider_sets_the_level(demo_model_installed):
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    at.select_slider(key="confidence").set_value(0.95)
    at.button(key="predict_demo").click().run()
    _ok(at)
    assert any(m.label == "Prediction set at 95%" for m in at.metric)
    table = at.dataframe[-1].value if len(at.dataframe) else None
    assert table is not None and "coverage at 95% (held-out subjects)" in table.columns


def test_upload_a_recording_then_a_corrupt_file(demo_model_installed, tmp_path):
    from decision_support.demo import demo_recording
    from signal_core.io import save_recording

    path = save_recording(demo_recording("myopathic", 4, seconds=4.0), tmp_path / "upload.npz")
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    at.file_uploader(key="predict_upload").upload("upload.npz", path.read_bytes())
    at.run()
    at.button(key="predict_file").click().run()
    _ok(at)
    assert any("upload" in m.value and "Recording:" in m.value for m in at.markdown)
    assert {m.label for m in at.metric} >= {"Most likely", "Calibrated probability", "Prediction set at 90%"}
    at.file_uploader(key="predict_upload").upload("broken.npz", b"this is not a recording")
    at.run()
    at.button(key="predict_file").click().run()
    assert not at.exception
    assert any("broken.npz" in e.value for e in at.error)
    rows = list_predictions(open_db())
    assert [r["input_name"] for r in rows] == ["upload.npz"]  # the broken file was not a prediction


def test_a_flat_upload_is_refused_with_reasons_and_logged(demo_model_installed, tmp_path):
    import numpy as np

    from signal_core.io import save_recording
    from signal_core.recording import Recording

    path = save_recording(Recording(np.zeros((8000, 1)), 4000.0), tmp_path / "flat.npz")
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    at.file_uploader(key="predict_upload").upload("flat.npz", path.read_bytes())
    at.run()
    at.button(key="predict_file").click().run()
    assert not at.exception
    assert any("No prediction" in e.value for e in at.error)
    assert any("disconnected" in m.value for m in at.markdown)
    assert not at.metric
    rows = list_predictions(open_db())
    assert rows[0]["abstained"] and rows[0]["input_name"] == "flat.npz"


def test_with_several_models_the_user_picks_one(demo_model_installed):
    import json
    import shutil

    other = demo_model_installed.parent / "my-cohort"
    shutil.copytree(demo_model_installed, other)
    sidecar = json.loads((other / "model.json").read_text())
    sidecar["metadata"]["version"] = "my-cohort-v2"
    (other / "model.json").write_text(json.dumps(sidecar))
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    assert at.selectbox(key="ds_model").options == ["demo", "my-cohort"]
    at.selectbox(key="ds_model").set_value(other)
    at.button(key="predict_demo").click().run()
    _ok(at)
    assert list_predictions(open_db())[0]["model_version"] == "my-cohort-v2"
