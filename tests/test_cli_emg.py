"""`medlens emg ...`: simulate, info, quality, features; bad files give one clean error line and exit 1."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from signal_core.io import load_recording, save_recording
from signal_core.recording import Recording

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(cli, ["emg", *map(str, args)])


@pytest.fixture()
def rec_path(tmp_path):
    path = tmp_path / "rec.npz"
    result = _invoke("simulate", "--condition", "neurogenic", "--seconds", 2, "--fs", 4000, "--seed", 3,
                     "--channels", 2, "-o", path)
    assert result.exit_code == 0, result.output
    return path


def test_simulate_writes_loadable_recording(rec_path):
    rec = load_recording(rec_path)
    assert rec.data.shape == (8000, 2) and rec.fs == 4000.0 and rec.units == ("mV", "mV")
    assert rec.metadata["condition"] == "neurogenic" and rec.metadata["simulated"] is True


def test_simulate_json_and_determinism(tmp_path):
    a = _invoke("simulate", "--condition", "myopathic", "--seconds", 1, "--mode", "surface", "--channels", 3,
                "--mains", 50, "-o", tmp_path / "a.npz", "--json")
    b = _invoke("simulate", "--condition", "myopathic", "--seconds", 1, "--mode", "surface", "--channels", 3,
                "--mains", 50, "-o", tmp_path / "b.npz")
    assert a.exit_code == 0 and b.exit_code == 0
    payload = json.loads(a.output)
    assert payload["mode"] == "surface" and payload["simulated"] is True and len(payload["channels"]) == 3
    np.testing.assert_array_equal(load_recording(tmp_path / "a.npz").data, load_recording(tmp_path / "b.npz").data)
    assert "simulated, not from a patient" in b.output


def test_info_text_and_json(rec_path):
    text = _invoke("info", rec_path)
    assert text.exit_code == 0 and "8000 samples at 4000 Hz" in text.output and "needle2" in text.output
    payload = json.loads(_invoke("info", rec_path, "--json").output)
    assert payload["fs"] == 4000.0 and payload["simulated"] is True and len(payload["channels"]) == 2


def test_quality_pass_and_fail_exit_codes(rec_path, tmp_path):
    ok = _invoke("quality", rec_path)
    assert ok.exit_code == 0 and "Quality: PASS" in ok.output
    rec = load_recording(rec_path)
    data = rec.data.copy()
    data[:, 1] = 0.0
    bad = save_recording(Recording(data, rec.fs, rec.channel_names, rec.units), tmp_path / "flat.npz")
    result = _invoke("quality", bad, "--json")
    assert result.exit_code == 2
    payload = json.loads(result.output)
    assert payload["verdict"] == "fail" and any("disconnected" in r for r in payload["reasons"])


def test_features_to_csv_and_json(rec_path, tmp_path):
    out = tmp_path / "features.csv"
    result = _invoke("features", rec_path, "--window", 0.2, "--step", 0.05, "--features", "MAV,RMS", "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["window_start_s", "MAV_needle1", "MAV_needle2", "RMS_needle1", "RMS_needle2"]
    assert len(frame) == 37
    assert np.all(frame["RMS_needle1"] >= frame["MAV_needle1"])
    payload = json.loads(_invoke("features", rec_path, "--features", "RMS", "--json").output)
    assert payload["features"] == ["RMS"] and payload["n_windows"] == 37
    assert payload["median"]["RMS"]["needle1"] > 0


def test_npy_needs_fs(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(2000, 1)))
    result = _invoke("info", tmp_path / "x.npy")
    assert result.exit_code == 1 and "Error: x.npy" in result.output and "sampling rate" in result.output
    assert _invoke("info", tmp_path / "x.npy", "--fs", 1000).exit_code == 0


_BAD_FILES = [
    ("missing.csv", None),
    ("junk.edf", b"\x00\x01 definitely not an EDF header"),
    ("junk.npz", b"PK\x03\x04 broken zip"),
    ("text.csv", b"a,b\n1,2\n3,hello\n"),
    ("nan.csv", b"time,a\n" + b"".join(f"{i / 1000},{'nan' if i == 7 else i}\n".encode() for i in range(500))),
    ("short.csv", b"time,a\n0,1\n0.001,2\n"),
    ("data.xlsx", b"whatever"),
]


@pytest.mark.parametrize("command, name, content", [
    (command, name, content) for command in ("info", "quality", "features") for name, content in _BAD_FILES
    if not (command == "info" and name == "short.csv")  # info describes a short file (next test)
])
def test_bad_files_give_clean_errors(tmp_path, name, content, command):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = _invoke(command, path)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {name}")
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_info_describes_a_file_too_short_to_analyse_and_questions_an_absurd_rate(tmp_path):
    short = tmp_path / "short.csv"
    short.write_bytes(b"time,a\n0,1\n0.001,2\n")
    text = _invoke("info", short)
    assert text.exit_code == 0 and "2 samples at 1000 Hz" in text.output
    assert "Too short to analyse" in text.output and "0.2 s" in text.output
    assert _invoke("quality", short).exit_code == 1  # the analyses still refuse it
    assert json.loads(_invoke("info", short, "--json").output)["too_short_to_analyse"] is True
    absurd = tmp_path / "absurd.npz"
    np.savez(absurd, signal=np.zeros(4000), fs=1e12)
    text = _invoke("info", absurd)
    assert text.exit_code == 0 and "Is the sampling rate right?" in text.output
    one = tmp_path / "one.npz"
    np.savez(one, signal=np.array([1.0]), fs=4000.0)
    assert _invoke("info", one).output.startswith("Error: one.npz: only 1 sample")


def test_simulate_bad_arguments(tmp_path):
    for args in (["--condition", "flu"], ["--mode", "scalp"], ["--mains", "55"], ["--seconds", "0"]):
        result = _invoke("simulate", *args, "-o", tmp_path / "x.npz")
        assert result.exit_code == 1 and result.output.startswith("Error: "), result.output
    result = _invoke("simulate", "-o", tmp_path / "no_such_dir" / "x.npz")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_features_unknown_name_and_bad_window(rec_path):
    unknown = _invoke("features", rec_path, "--features", "MAV,BOGUS")
    assert unknown.exit_code == 1 and "Error:" in unknown.output and "BOGUS" in unknown.output
    too_long = _invoke("features", rec_path, "--window", 50)
    assert too_long.exit_code == 1 and "Error:" in too_long.output
