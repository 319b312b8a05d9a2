"""`medlens emg muap`: MUAP table, JSON, messages for recordings without MUAPs, clean errors."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from app.cli import cli
from signal_core.io import save_recording
from signal_core.recording import Recording
from tests.signal_core.muap_truth import make_truth

runner = CliRunner()


def _save(tmp_path, rec, name="rec.npz"):
    path = tmp_path / name
    save_recording(rec, path)
    return path


def test_muap_json_lists_muaps_reference_and_findings(tmp_path):
    path = _save(tmp_path, make_truth(4000.0, seconds=6.0).recording)
    result = runner.invoke(cli, ["emg", "muap", str(path), "--muscle", "biceps", "--age", "40", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["muaps"]) == 5
    first = payload["muaps"][0]
    assert first["amplitude_mv"] > 1.0 and 10 < first["duration_ms"] < 16
    assert {"phases", "turns", "area_mv_ms", "thickness_ms", "size_index", "firing_rate_hz"} <= set(first)
    assert payload["summary"]["n_muaps"] == 5 and payload["muscle"] == "biceps brachii" and payload["age"] == 40
    assert {r["parameter"] for r in payload["reference"]} >= {"duration_ms", "amplitude_mv"}
    assert payload["pattern"] in ("normal", "myopathic", "neurogenic", "indeterminate") and payload["findings"]
    assert payload["activity"]["seconds"]["voluntary"] > 5.0  # a steady 6 s contraction
    assert payload["activity"]["spontaneous"]["rest_seconds"] == 0


def test_muap_text_table(tmp_path):
    path = _save(tmp_path, make_truth(4000.0, seconds=6.0).recording)
    result = runner.invoke(cli, ["emg", "muap", str(path), "--muscle", "biceps"])
    assert result.exit_code == 0, result.output
    assert "5 MUAPs at 4000 Hz from biceps brachii" in result.output
    assert "Against the reference:" in result.output and "Findings:" in result.output


def test_flat_recording_gives_the_reason_not_a_traceback(tmp_path):
    path = _save(tmp_path, Recording(data=np.zeros(8000), fs=4000.0, units=("mV",)))
    result = runner.invoke(cli, ["emg", "muap", str(path)])
    assert result.exit_code == 0 and "No MUAPs found: the recording is flat" in result.output
    result = runner.invoke(cli, ["emg", "muap", str(path), "--json"])
    assert json.loads(result.output)["message"].startswith("No MUAPs found")


def test_bad_channel_and_age_are_one_error_line(tmp_path):
    path = _save(tmp_path, Recording(data=np.zeros(8000), fs=4000.0, units=("mV",)))
    for args in (["--channel", "3"], ["--age", "-4"]):
        result = runner.invoke(cli, ["emg", "muap", str(path), *args])
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: ")
