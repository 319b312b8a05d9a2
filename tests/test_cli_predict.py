"""`medlens predict` and `medlens audit ...` through the real CLI, the real audit database and a real model."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import cli
from decision_support.demo import demo_recording
from signal_core.io import save_recording
from signal_core.recording import Recording
from tests.decision_support.quick_model import install_as_default, quick_model_folder, training_recording

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir():
    return quick_model_folder()


@pytest.fixture
def needle_file(tmp_path) -> Path:
    return save_recording(training_recording("neurogenic"), tmp_path / "needle.npz")


def _invoke(*args: str):
    return runner.invoke(cli, list(args))


def test_predict_prints_a_readable_result_and_logs_it(model_dir, needle_file):
    result = _invoke("predict", str(needle_file), "--model", str(model_dir), "--user", "dr.b")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Prediction: neurogenic (calibrated probability" in out
    assert "Prediction set at 90% confidence: {" in out and "Coverage on held-out subjects at 90%" in out
    assert "Signal quality: pass" in out and "Top reasons:" in out
    assert "Simulated training data; education and research only, not a medical device." in out
    assert "Logged to the audit log as entry 1." in out
    listing = _invoke("audit", "list", "--json")
    rows = json.loads(listing.output)
    assert len(rows) == 1 and rows[0]["user"] == "dr.b" and rows[0]["input_name"] == "needle.npz"
    assert rows[0]["predicted_label"] == "neurogenic"


@pytest.mark.slow
def test_predict_json_uses_the_real_default_model(needle_file):
    install_as_default(Path(os.environ["MEDLENS_MODEL_DIR"]))
    result = _invoke("predict", str(needle_file), "--json", "--confidence", "0.95", "--no-explain")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["confidence"] == 0.95 and payload["explanation"] is None and payload["reasons"] == []
    assert payload["audit_id"] == 1 and payload["simulated_model"] is False
    assert "15 people" in payload["training_population"] and "not peripheral neuropathy" in payload["training_population"]
    if not payload["abstained"]:
        assert set(payload["coverage"]) == {"healthy", "myopathic", "neurogenic"}
        assert max(payload["probabilities"].values()) <= 16 / 18 + 1e-9  # tempered by 15 subjects


def test_several_recordings_give_a_patient_level_answer_and_each_record(model_dir, tmp_path):
    files = [str(save_recording(demo_recording("neurogenic", i, seconds=4.0), tmp_path / f"site{i}.npz"))
             for i in range(2)]
    result = _invoke("predict", *files, "--model", str(model_dir), "--json", "--user", "dr.c")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["level"] == "patient" and payload["n_recordings"] == 2
    assert [r["input_name"] for r in payload["records"]] == ["site0.npz", "site1.npz"]
    assert [r["audit_id"] for r in payload["records"]] == [1, 2]
    for key in ("predicted_label", "probabilities", "prediction_set", "reasons", "abstained"):
        assert key in payload
    assert sum(payload["probabilities"].values()) == pytest.approx(1.0)
    assert payload["predicted_label"] == max(payload["probabilities"], key=payload["probabilities"].get)
    text = _invoke("predict", *files, "--model", str(model_dir))
    assert "Patient: 2 recordings (" in text.output and "--- Recording 2 of 2 ---" in text.output
    assert "Logged to the audit log as entries 3, 4." in text.output


def test_missing_default_model_says_how_to_get_one(needle_file):
    result = _invoke("predict", str(needle_file))
    assert result.exit_code == 1
    assert "Error: no model at" in result.output and "medlens init" in result.output


def test_a_bad_file_is_an_error_and_nothing_is_logged(model_dir, tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("ch1\n0.1\nabc\n0.3\n")
    result = _invoke("predict", str(bad), "--model", str(model_dir), "--fs", "4000")
    assert result.exit_code == 1 and result.output.startswith("Error: broken.csv")
    assert "empty" in _invoke("audit", "list").output


def test_an_abstention_is_shown_and_logged(model_dir, tmp_path):
    flat = save_recording(Recording(np.zeros((8000, 1)), 4000.0), tmp_path / "flat.npz")
    result = _invoke("predict", str(flat), "--model", str(model_dir))
    assert result.exit_code == 0, result.output
    assert "No prediction: the model abstained." in result.output and "disconnected" in result.output
    rows = json.loads(_invoke("audit", "list", "--json").output)
    assert rows[0]["abstained"] is True and rows[0]["quality_verdict"] == "fail"


def test_bad_confidence_is_a_plain_error(model_dir, needle_file):
    result = _invoke("predict", str(needle_file), "--model", str(model_dir), "--confidence", "90")
    assert result.exit_code == 1 and "Error: confidence must be between 0 and 1" in result.output


def test_audit_export_writes_csv(model_dir, needle_file, tmp_path):
    for _ in range(2):
        assert _invoke("predict", str(needle_file), "--model", str(model_dir), "--no-explain").exit_code == 0
    target = tmp_path / "predictions.csv"
    result = _invoke("audit", "export", "-o", str(target))
    assert result.exit_code == 0 and "Wrote 2 logged prediction(s)" in result.output
    rows = list(csv.DictReader(target.open()))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert json.loads(rows[0]["prediction_set"]) and rows[0]["input_name"] == "needle.npz"
    folder = _invoke("audit", "export", "-o", str(tmp_path))
    assert folder.exit_code == 1 and "is a folder" in folder.output
