"""Pieces of the simulator fit (signal_core.simulator_fit) that run without the real recordings."""

from __future__ import annotations

import numpy as np
import pytest

from decision_support.transformers import FeatureSettings, recording_features
from signal_core.simulator_fit import FIT_STATS, STATS, WINDOW_STATS, _loss, real_records, window_stats
from signal_core.synthetic import simulate_recording


def test_window_statistics_are_the_decision_supports_features():
    # The fit matches what the two-sample classifier sees: the same definitions, computed in signal_core
    # (which may not import decision_support).
    rec = simulate_recording("myopathic", seconds=3.0, fs=4000.0, seed=2)
    ours = window_stats(rec.data[:, 0], rec.fs)
    theirs = recording_features(rec, FeatureSettings(features=WINDOW_STATS))
    assert set(ours) == set(theirs.index)
    for key, value in ours.items():
        assert value == pytest.approx(theirs[key], rel=1e-9, abs=1e-12), key


def test_loss_is_the_summed_squared_log_ratio_of_the_fitted_medians():
    real = {k: 1.0 for k in STATS}
    sim = dict(real)
    assert _loss(sim, real) == 0.0
    sim["kurtosis"] = np.e  # a factor e off in one statistic
    assert _loss(sim, real) == pytest.approx(1.0)
    sim["kurtosis"] = 1 / np.e  # too low counts the same as too high
    assert _loss(sim, real) == pytest.approx(1.0)
    sim["mnf_hz"] = np.e**2
    assert _loss(sim, real) == pytest.approx(5.0)
    sim = dict(real)
    sim["AR1_median"] = 5.0  # window statistics and MUAP amplitudes are reported, not fitted
    sim["muap_amplitude_mv"] = 5.0
    assert "AR1_median" not in FIT_STATS and _loss(sim, real) == 0.0


def test_held_out_subjects_are_left_out_of_the_real_records(tmp_path):
    import json

    rows = [{"subject": s, "level": "low", "qc_exclude_suggested": q, "label": "healthy"}
            for s, q in (("C01", False), ("C02", False), ("C03", True))]
    (tmp_path / "emg_n2001").mkdir()
    (tmp_path / "emg_n2001" / "index.json").write_text(json.dumps(rows))
    assert [r["subject"] for r in real_records(tmp_path)] == ["C01", "C02"]  # the flagged record is out
    assert [r["subject"] for r in real_records(tmp_path, exclude={"C02"})] == ["C01"]


def test_another_parameter_file_reaches_every_module_that_simulates(tmp_path):
    import json

    from signal_core import simulator_protocols, synthetic

    doc = json.loads(synthetic.PARAMS_FILE.read_text())
    doc["conditions"]["healthy"]["params"]["amplitude_mv"] = 0.5
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc))
    try:
        synthetic.use_parameters(other)
        # simulator_protocols imported the dictionary by name: it sees the new values too
        assert simulator_protocols.CONDITION_PARAMS["healthy"].amplitude_mv == 0.5
    finally:
        synthetic.use_parameters(synthetic.PARAMS_FILE)
    assert synthetic.CONDITION_PARAMS["healthy"].amplitude_mv != 0.5


def test_fit_command_refuses_an_unreadable_parameter_file_with_a_message(tmp_path, capsys):
    from signal_core.simulator_fit import main

    (tmp_path / "emg_n2001").mkdir()
    (tmp_path / "emg_n2001" / "index.json").write_text("[]")
    (tmp_path / "broken.json").write_text("{not json")
    out = tmp_path / "out.json"
    for bad in ("missing.json", "broken.json"):
        assert main([str(tmp_path), "--keep-params", str(tmp_path / bad), "-o", str(out)]) == 1
        assert "cannot read the parameter file" in capsys.readouterr().err
    assert not out.exists()  # nothing written
