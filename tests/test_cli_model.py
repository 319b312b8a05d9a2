"""`medlens model train/report`, `medlens cohort features` and the demo-model step of `medlens init`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from app.cli import cli
from tests.decision_support.files import write_cohort
from tests.decision_support.quick_model import install_as_demo, quick_model_folder

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


def test_init_keeps_an_existing_demo_model_and_reports_it():
    target = install_as_demo(Path(os.environ["MEDLENS_MODEL_DIR"]))
    stamp = (target / "model.json").stat().st_mtime
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "Demo model (trained on simulated EMG)" in result.output
    assert (target / "model.json").stat().st_mtime == stamp
