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


def _site(tmp_path, name, **meta):
    rec = make_truth(4000.0, seconds=6.0).recording
    return _save(tmp_path, rec.with_data(rec.data, metadata={**rec.metadata, **meta}), name)


def test_several_recordings_of_one_muscle_are_pooled(tmp_path):
    a = _site(tmp_path, "site1.npz", subject="P1", age="61")
    b = _site(tmp_path, "site2.npz", subject="P1", age="61")
    flat = _save(tmp_path, Recording(data=np.zeros(8000), fs=4000.0, units=("mV",)), "rest.npz")
    result = runner.invoke(cli, ["emg", "muap", str(a), str(b), str(flat), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["pooled"] and payload["files"] == [str(a), str(b), str(flat)]
    assert [r["n_muaps"] for r in payload["recordings"]] == [5, 5, 0]
    assert payload["recordings"][2]["message"].startswith("No MUAPs found")
    assert payload["summary"]["n_muaps"] == 10 and payload["age"] == 61 and payload["muscle"] == "biceps brachii"
    text = runner.invoke(cli, ["emg", "muap", str(a), str(b)]).output
    assert "Pooled 2 recordings of one muscle:" in text and "2 recordings pooled: 10 MUAPs" in text
    assert "Findings:" in text and "- 10 MUAPs: mean duration" in text


def test_pooling_refuses_other_muscles_subjects_and_ages(tmp_path):
    a = _site(tmp_path, "a.npz", subject="P1", age="61")
    cases = {"different muscles (biceps brachii, deltoid)": _site(tmp_path, "b.npz", muscle="deltoid", subject="P1"),
             "different subjects (P1, P2)": _site(tmp_path, "c.npz", subject="P2"),
             "different ages (44, 61)": _site(tmp_path, "d.npz", subject="P1", age="44")}
    for why, other in cases.items():
        result = runner.invoke(cli, ["emg", "muap", str(a), str(other)])
        assert result.exit_code == 1 and why in result.output and "Traceback" not in result.output
    # a muscle given on the command line is the user's word for every file
    result = runner.invoke(cli, ["emg", "muap", str(a), str(cases["different muscles (biceps brachii, deltoid)"]),
                                 "--muscle", "biceps", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["muscle"] == "biceps brachii"
