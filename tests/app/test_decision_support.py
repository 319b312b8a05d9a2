"""The "Decision support" page: a patient's recordings (WFDB pairs too) -> findings, prediction, reasons, logged."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from knowledge.audit import list_predictions
from knowledge.db import open_db
from tests.conftest import REPO_ROOT
from tests.decision_support.quick_model import install_as_default, install_as_demo

PAGE = str(REPO_ROOT / "app" / "views" / "explained_prediction.py")


@pytest.fixture
def default_model_installed():
    return install_as_default(Path(os.environ["MEDLENS_MODEL_DIR"]))


@pytest.fixture
def demo_model_installed():
    return install_as_demo(Path(os.environ["MEDLENS_MODEL_DIR"]))


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]
    return at


def _wfdb_pair(tmp_path: Path, name: str, seconds: float = 6.0) -> dict[str, bytes]:
    import wfdb

    from decision_support.demo import demo_recording

    rec = demo_recording("healthy", 1, seconds=seconds)
    wfdb.wrsamp(name, fs=rec.fs, units=["mV"], sig_name=["ch1"], p_signal=rec.data, fmt=["16"],
                write_dir=str(tmp_path))
    return {f"{name}.hea": (tmp_path / f"{name}.hea").read_bytes(), f"{name}.dat": (tmp_path / f"{name}.dat").read_bytes()}


@pytest.mark.slow
def test_page_states_the_training_population_and_the_safety_note(default_model_installed):
    at = _ok(AppTest.from_file(PAGE, default_timeout=180).run())
    assert any("15 people" in i.value and "not peripheral neuropathy" in i.value for i in at.info)
    assert any("not a medical device" in w.value for w in at.warning)
    assert any("press **Predict**" in i.value for i in at.info)


@pytest.mark.slow
def test_a_wfdb_pair_and_an_npz_give_a_patient_level_answer_and_are_logged(default_model_installed, tmp_path):
    from decision_support.demo import demo_recording
    from signal_core.io import save_recording

    npz = save_recording(demo_recording("healthy", 2, seconds=6.0), tmp_path / "site2.npz")
    at = _ok(AppTest.from_file(PAGE, default_timeout=180).run())
    for name, data in {**_wfdb_pair(tmp_path, "site1"), "site2.npz": npz.read_bytes()}.items():
        at.file_uploader(key="predict_upload").upload(name, data)
    at.text_input(key="audit_user").set_value("dr.w")
    at.run()
    at.button(key="predict_file").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Patient: 2 recordings combined" in s.value for s in at.subheader)
    rows = list_predictions(open_db())
    assert sorted(r["input_name"] for r in rows) == ["site1.hea", "site2.npz"] and {r["user"] for r in rows} == {"dr.w"}
    assert any("15 people" in i.value for i in at.info)


def test_a_wfdb_header_without_its_signal_is_a_clear_message(demo_model_installed, tmp_path):
    pair = _wfdb_pair(tmp_path, "lonely", seconds=2.0)
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    at.file_uploader(key="predict_upload").upload("lonely.hea", pair["lonely.hea"])
    at.run()
    at.button(key="predict_file").click().run()
    assert not at.exception
    assert any("lonely.dat is missing" in e.value for e in at.error)
    assert list_predictions(open_db()) == []


def test_the_simulated_demo_model_predicts_and_says_it_is_simulated(demo_model_installed):
    at = _ok(AppTest.from_file(PAGE, default_timeout=120).run())
    assert any("SIMULATED" in i.value for i in at.info)
    at.selectbox(key="demo_condition").set_value("neurogenic")
    at.number_input(key="demo_seed").set_value(2)
    at.button(key="predict_demo").click().run()
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Most likely"] == "neurogenic" and "Prediction set at 90%" in metrics
    rows = list_predictions(open_db())
    assert len(rows) == 1 and rows[0]["input_name"] == "simulated neurogenic subject 2"


def test_a_flat_upload_is_refused_with_reasons_and_logged(demo_model_installed, tmp_path):
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
    rows = list_predictions(open_db())
    assert rows[0]["abstained"] and rows[0]["input_name"] == "flat.npz"


def test_a_recording_sent_from_signal_explorer_is_predicted(demo_model_installed):
    from app.actions import RecordingInput
    from decision_support.demo import demo_recording
    from decision_support.predict import recording_sha256

    rec = demo_recording("myopathic", 3, seconds=4.0)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["ds_sent_recording"] = RecordingInput(rec, "from explorer", recording_sha256(rec))
    _ok(at.run())
    assert any("From Signal explorer: from explorer" in s.value for s in at.success)
    at.button(key="predict_sent").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert list_predictions(open_db())[0]["input_name"] == "from explorer"
