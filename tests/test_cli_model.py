"""`medlens model train/report`, `medlens cohort features` and the demo-model step of `medlens init`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.decision_support.files import write_cohort
from tests.decision_support.quick_model import install_as_default, install_as_demo, quick_model_folder

runner = CliRunner()


def test_report_prints_validation_with_intervals_and_the_simulated_note():
    result = runner.invoke(cli, ["model", "report", str(quick_model_folder())])
    assert result.exit_code == 0, result.output
    assert "SIMULATED training data" in result.output and "not a medical device" in result.output
    assert "Macro ROC AUC" in result.output and "95% CI" in result.output
    assert "coverage on held-out subjects" in result.output
    as_json = json.loads(runner.invoke(cli, ["model", "report", str(quick_model_folder()), "--json"]).output)
    assert as_json["metadata"]["simulated"] is True and "point" in as_json["metrics"]
    card = runner.invoke(cli, ["model", "report", str(quick_model_folder()), "--card"]).output
    assert card.startswith("# Model card")
    sens = runner.invoke(cli, ["model", "report", str(quick_model_folder()), "--sensitivity", "1.0"])
    assert sens.exit_code == 0 and "To reach 100% sensitivity" in sens.output


def test_report_on_a_folder_without_a_model_is_a_clean_error(tmp_path):
    result = runner.invoke(cli, ["model", "report", str(tmp_path)])
    assert result.exit_code == 1 and "not a medlens model folder" in result.output


def test_cohort_features_and_train_from_a_manifest(tmp_path):
    manifest = write_cohort(tmp_path / "cohort", subjects=4, recordings=1, seconds=0.6)
    out = tmp_path / "features.parquet"
    result = runner.invoke(cli, ["cohort", "features", "--manifest", str(manifest), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["recordings"] == 12 and pd.read_parquet(out).shape[0] == 12
    model_dir = tmp_path / "models" / "mine"
    result = runner.invoke(cli, ["model", "train", "--manifest", str(manifest), "--model", "lda", "-o",
                                 str(model_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (model_dir / "model.json").is_file() and "Saved to" in result.output
    assert "SIMULATED" not in result.output  # a user cohort is not labelled simulated


def test_train_refuses_bad_input_with_a_plain_message(tmp_path):
    manifest = write_cohort(tmp_path / "c", subjects=2, recordings=1, seconds=0.6)
    table = pd.read_csv(manifest)
    table.loc[0, "path"] = "gone.npz"
    table.to_csv(manifest, index=False)
    result = runner.invoke(cli, ["model", "train", "--manifest", str(manifest), "-o", str(tmp_path / "m")])
    assert result.exit_code == 1 and "row 1" in result.output and "gone.npz not found" in result.output
    both = runner.invoke(cli, ["model", "train", "--demo", "--manifest", str(manifest), "-o", str(tmp_path / "m")])
    assert both.exit_code == 1 and "exactly one" in both.output
    kind = runner.invoke(cli, ["model", "train", "--demo", "--quick", "--model", "svm", "-o", str(tmp_path / "m")])
    assert kind.exit_code == 1 and "unknown model kind" in kind.output


@pytest.mark.slow
def test_init_keeps_existing_models_and_reports_both():
    models = Path(os.environ["MEDLENS_MODEL_DIR"])
    demo, default = install_as_demo(models), install_as_default(models)
    stamps = [(f / "model.json").stat().st_mtime for f in (demo, default)]
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "Default model (trained on 15 real patients, N2001)" in result.output
    assert "Demo model (simulated EMG, for teaching)" in result.output
    assert [(f / "model.json").stat().st_mtime for f in (demo, default)] == stamps
    report = runner.invoke(cli, ["model", "report", str(default)])
    assert report.exit_code == 0, report.output
    assert "Tannemaat et al. 2023 (published)" in report.output and "baseline: MUAP parameters" in report.output
    assert "Per patient (15 patients" in report.output and "Warning: Small cohort: 15 subjects" in report.output



@pytest.mark.slow
def test_within_subject_cohort_with_a_label_column_trains_on_windows_from_the_cli(tmp_path):
    from tests.decision_support.gesture_files import write_small_gesture_cohort

    manifest = write_small_gesture_cohort(tmp_path / "g", subjects=4, hold=5)  # 200 Hz logged at 1 kHz
    table = tmp_path / "windows.csv"
    result = runner.invoke(cli, ["cohort", "features", "--manifest", str(manifest), "--label-column", "gesture",
                                 "-o", str(table), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["fs"] == 200.0 and summary["segments"]["segments_with_windows"] == 12
    assert any("sample-and-hold" in w for w in summary["warnings"])
    assert {"subject", "segment", "label", "baseline_MAV_ch1"} <= set(pd.read_csv(table).columns)
    out = tmp_path / "m"
    result = runner.invoke(cli, ["model", "train", "--manifest", str(manifest), "--label-column", "gesture",
                                 "--classifiers", "lda,logistic", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Within-subject design" in result.output and "baseline" in result.output
    assert "Per subject (medlens, segments): S01" in result.output and "Confusion matrix" in result.output
    assert (out / "model_card.md").is_file() and (out / "model.skops").is_file()
    report = runner.invoke(cli, ["model", "report", str(out)])
    assert report.exit_code == 0 and "window level" in report.output and "not a medical device" in report.output
    assert runner.invoke(cli, ["model", "report", str(out), "--card"]).output.startswith("# Model card")
    bad = runner.invoke(cli, ["model", "train", "--manifest", str(manifest), "--label-column", "gesture",
                              "--unlabelled", "rest,fist", "-o", str(tmp_path / "m2")])
    assert bad.exit_code == 1 and "Error:" in bad.output and "only one class ('extension')" in bad.output
    between = runner.invoke(cli, ["model", "train", "--manifest", str(manifest), "--label-column", "gesture",
                                  "--design", "between", "-o", str(tmp_path / "m3")])
    assert between.exit_code == 1 and "have more than one label" in between.output
