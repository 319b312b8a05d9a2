"""`medlens emg interference`: the epochs against the normal cloud, as text and JSON; clean errors."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from app.cli import cli
from signal_core.recording import Recording
from signal_core.simulator_protocols import simulate_protocol
from tests.test_cli_emg_muap import _save

runner = CliRunner()


def test_interference_json_has_every_epoch_and_the_verdict(tmp_path):
    path = _save(tmp_path, simulate_protocol("neurogenic", "moderate", seconds=5.0, seed=0))
    result = runner.invoke(cli, ["emg", "interference", str(path), "--muscle", "biceps", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_epochs"] == len(payload["epochs"]) == 50
    assert payload["verdict"] == "neurogenic side" and payload["share_right"] > 0.5
    assert payload["epochs_by_side"]["right"] == sum(e["side"] == "right" for e in payload["epochs"])
    assert {"t_s", "turns_per_s", "mean_amplitude_uv", "side"} <= set(payload["epochs"][0])
    assert "Not a published cloud" in payload["cloud_source"] and payload["fs_compared"] == 4000.0


def test_interference_text(tmp_path):
    path = _save(tmp_path, simulate_protocol("neurogenic", "moderate", seconds=5.0, seed=0))
    result = runner.invoke(cli, ["emg", "interference", str(path)])
    assert result.exit_code == 0, result.output
    assert "50 epochs of 100 ms, compared at 4000 Hz" in result.output
    assert "Verdict: neurogenic side." in result.output and "reinnervation" in result.output
    assert "Note: The muscle is not given" in result.output and "Cloud: medlens" in result.output


def test_rest_recording_says_why_nothing_was_compared(tmp_path):
    path = _save(tmp_path, Recording(np.random.default_rng(0).normal(0, 0.005, 20_000), 4000.0, units=("mV",)))
    result = runner.invoke(cli, ["emg", "interference", str(path)])
    assert result.exit_code == 0, result.output
    assert "Verdict: not compared. No interference pattern to compare" in result.output
    assert "not compared: 50 too few turns." in result.output


def test_missing_file_and_bad_channel_are_clean_errors(tmp_path):
    result = runner.invoke(cli, ["emg", "interference", str(tmp_path / "nope.npz")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    path = _save(tmp_path, simulate_protocol("healthy", "moderate", seconds=1.0, seed=0))
    result = runner.invoke(cli, ["emg", "interference", str(path), "--channel", "3"])
    assert result.exit_code != 0 and "channel 3 does not exist" in result.output
