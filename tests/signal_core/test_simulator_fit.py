"""Pieces of the simulator fit (signal_core.simulator_fit) that run without the real recordings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

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


def _cell(fa: float, fs: float, auc: float, eligible: bool = True):
    from signal_core.simulator_refine import Cell

    return Cell({"amplitude_mv": fa, "amplitude_spread": fs}, auc, {"rms_mv": 1.0}, eligible)


def test_refinement_keeps_the_hardest_cell_to_tell_apart_among_those_of_clinical_size():
    from signal_core.simulator_refine import choose

    cells = [_cell(0.6, 1.0, 0.55, eligible=False),  # lowest AUC, but e.g. MUAPs half the real size
             _cell(0.75, 1.0, 0.70), _cell(1.0, 1.0, 0.80), _cell(1.2, 0.8, 0.70)]
    best = choose(cells)
    assert best.factors == {"amplitude_mv": 0.75, "amplitude_spread": 1.0}  # tie at 0.70: the nearer cell
    assert choose([_cell(1.0, 1.0, 0.6, eligible=False)]) is None  # none eligible: the fit's values stay


def test_refinement_points_are_factors_except_for_absolute_parameters():
    from signal_core.simulator_refine import ABSOLUTE, STAGES, Cell, choose, scaled
    from signal_core.synthetic import CONDITION_PARAMS

    assert "background_spread" in ABSOLUTE and ABSOLUTE <= {n for grid in STAGES.values() for n in grid}
    params = CONDITION_PARAMS["healthy"]
    moved = scaled(params, {"background_hz": 0.5, "background_spread": 0.6})
    assert moved.background_hz == pytest.approx(params.background_hz * 0.5)
    assert moved.background_spread == 0.6  # the value itself, not 0.6 x the fitted value
    # Equal AUCs: the cell that moves least wins (an absolute point counts its own size).
    near = Cell({"background_hz": 1.0, "background_spread": 0.3}, 0.7, {}, True)
    far = Cell({"background_hz": 1.0, "background_spread": 0.9}, 0.7, {}, True)
    assert choose([far, near]) is near


def test_two_sample_auc_tells_different_recordings_apart_and_not_alike_ones():
    from signal_core.simulator_refine import two_sample_auc

    rng = np.random.default_rng(0)
    groups = np.repeat([f"r{i}" for i in range(10)] + [f"s{i}" for i in range(10)], 4)
    real = rng.normal(0.0, 1.0, (40, 6))
    assert two_sample_auc(real, rng.normal(0.0, 1.0, (40, 6)), groups) < 0.7
    assert two_sample_auc(real, rng.normal(3.0, 1.0, (40, 6)), groups) > 0.95


@pytest.mark.slow
def test_refinement_scores_every_cell_on_simulated_and_real_recordings(monkeypatch):
    # A real run on a small grid: simulated recordings against real records, every cell scored and checked.
    from signal_core import simulator_refine as sr
    from signal_core.simulator_fit import load_signal
    from signal_core.synthetic import CHAIN_PARAMS, CONDITION_PARAMS

    data = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not (data / "emg_n2001" / "index.json").exists():
        pytest.skip(f"real recordings not found at {data}/emg_n2001 (CI provides ../shared/data)")
    rows = [r for r in real_records(data) if r["label"] == "myopathy"]
    rows = [r for s in sorted({r["subject"] for r in rows}) for r in [x for x in rows if x["subject"] == s][:3]]
    real = [sr.recording_row(load_signal(data, r)[0], 4000.0, r["subject"]) for r in rows]
    monkeypatch.setattr(sr, "STAGES", {"size": {"amplitude_mv": (0.6, 1.0), "amplitude_spread": (1.0,)},
                                       "floor": {"background_spread": (0.0,)}})
    monkeypatch.setattr(sr, "N_SUBJECTS", 3)
    monkeypatch.setattr(sr, "N_RECORDINGS", 2)
    params = replace(CONDITION_PARAMS["myopathic"], background_spread=0.5)
    refined, stages = sr.refine("myopathic", params, CHAIN_PARAMS, real)
    assert [s.name for s in stages] == ["size", "floor"]
    size, floor = stages
    assert size.before == params and floor.before == size.after  # each stage starts from the last one's choice
    assert refined == floor.after
    cells = size.cells
    assert [c.factors["amplitude_mv"] for c in cells] == [0.6, 1.0]
    assert all(0.0 <= c.auc <= 1.0 and set(c.ratios) == set(sr.CHECKED) for c in cells)
    big, small = cells[1].ratios, cells[0].ratios
    assert small["rms_mv"] < big["rms_mv"]  # smaller MUAPs, smaller signal
    best = sr.choose(cells)
    assert size.after.amplitude_mv == pytest.approx(params.amplitude_mv * (best.factors["amplitude_mv"] if best else 1.0))
    # The floor stage's one cell is the value 0 itself (not a factor on 0.5), kept when eligible.
    assert floor.cells[0].factors == {"background_spread": 0.0}
    assert floor.after.background_spread == (0.0 if floor.cells[0].eligible else 0.5)
    report = sr.report(stages)
    assert set(report) == {"floor", "size"} and len(report["size"]["cells"]) == 2
    assert report["floor"]["background_spread"][0] == 0.5 and "background_spread_value" in report["floor"]["cells"][0]
