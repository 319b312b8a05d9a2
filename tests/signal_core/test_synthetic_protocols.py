"""The fitted needle simulator: recording chain, fitted parameters, protocols, sessions, spontaneous activity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import cli
from signal_core import recording_chain as chain
from signal_core.errors import SignalError
from signal_core.io import load_recording
from signal_core.simulator_protocols import PROTOCOLS, excitation_for, simulate_protocol, simulate_session
from signal_core.spontaneous import fibrillation_shape, positive_sharp_wave_shape
from signal_core.synthetic import (
    CHAIN_PARAMS,
    CONDITION_PARAMS,
    CONDITIONS,
    FIT_PROVENANCE,
    PARAMS_FILE,
    TEACHING_PARAMS,
    simulate_recording,
)


def test_resampling_plan_uses_the_native_adc_rate_when_the_ratio_is_simple():
    assert chain.resampling_plan(4000.0) == chain.ResamplingPlan(23437.5, 64, 375)  # as N2001's 4 kHz copies
    assert chain.resampling_plan(23437.5) == chain.ResamplingPlan(23437.5, 1, 1)
    odd = chain.resampling_plan(4099.0)  # no small ratio: an integer multiple of fs at >= 20 kHz
    assert odd.render_fs == 4099.0 * 5 and (odd.up, odd.down) == (1, 5)
    assert chain.resampling_plan(48000.0) == chain.ResamplingPlan(48000.0, 1, 1)


def test_adc_clips_at_the_rails_and_rounds_to_steps():
    x = np.array([-3.0, -2.5, 0.3 * chain.ADC_STEP_MV, 1.7 * chain.ADC_STEP_MV, 2.6])
    rails = np.array(chain.ADC_CODES) * chain.ADC_STEP_MV  # int16 codes: -2.50004 and 2.49996 mV
    np.testing.assert_allclose(chain.adc(x), [rails[0], rails[0], 0.0, 2 * chain.ADC_STEP_MV, rails[1]])
    assert np.allclose(rails, [-chain.RAIL_MV, chain.RAIL_MV], atol=1e-4)
    assert chain.ADC_STEP_MV == pytest.approx(1 / 13107.0)


def test_full_rate_recording_is_on_the_adc_grid_and_clips_at_the_rails():
    rec = simulate_recording("neurogenic", seconds=1.0, fs=chain.NATIVE_FS, seed=1, excitation=1.0)
    steps = rec.data[:, 0] / chain.ADC_STEP_MV
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
    assert np.abs(rec.data).max() <= chain.RAIL_MV + 1e-4
    assert np.any(rec.data == 0.0)  # samples below half a step are exact zeros, as in the real files


def test_fitted_parameters_are_loaded_with_provenance():
    doc = json.loads(PARAMS_FILE.read_text())
    assert "N2001" in FIT_PROVENANCE["dataset"] and "simulator_fit" in FIT_PROVENANCE["fitted_by"]
    for condition in CONDITIONS:
        fitted = doc["conditions"][condition]["params"]
        for name, value in fitted.items():
            assert getattr(CONDITION_PARAMS[condition], name) == pytest.approx(value)
        # what the fit does not touch stays at the teaching values
        assert CONDITION_PARAMS[condition].polyphasic_fraction == TEACHING_PARAMS[condition].polyphasic_fraction
        assert 0 < CONDITION_PARAMS[condition].low_excitation <= CONDITION_PARAMS[condition].moderate_excitation <= 1
    assert 0 < CHAIN_PARAMS.instrument_psd < 1e-8  # about a microvolt of white noise at 4 kHz


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_every_protocol_simulates_and_is_labelled(protocol):
    rec = simulate_protocol("healthy", protocol, seconds=1.0, seed=3)
    assert rec.data.shape == (4000, 1) and np.all(np.isfinite(rec.data))
    assert rec.metadata["protocol"] == protocol and rec.metadata["simulated"] is True


def test_effort_orders_activity():
    rms = {p: simulate_protocol("healthy", p, seconds=2.0, seed=4).data.std() for p in ("rest", "low", "moderate")}
    assert rms["rest"] < rms["low"] < rms["moderate"]
    rest = simulate_protocol("healthy", "rest", seconds=2.0, seed=4)
    assert rest.metadata["active_units"] == 0 and rms["rest"] < 0.02  # baseline and noise only


def test_ramp_rises_and_relaxation_falls():
    ramp = simulate_protocol("healthy", "ramp", seconds=4.0, seed=2).data[:, 0]
    relax = simulate_protocol("healthy", "relaxation", seconds=4.0, seed=2).data[:, 0]
    assert ramp[-4000:].std() > 2 * ramp[:4000].std()
    assert relax[:4000].std() > 2 * relax[-4000:].std()
    assert excitation_for("relaxation", CONDITION_PARAMS["healthy"])[-1] == 0.0


def test_spontaneous_activity_at_rest():
    quiet = simulate_protocol("neurogenic", "rest", seconds=3.0, seed=5)
    fibs = simulate_protocol("neurogenic", "rest", seconds=3.0, seed=5, spontaneous=True)
    info = fibs.metadata["spontaneous"]
    assert info["fibrillations"] and info["positive_sharp_waves"] and quiet.metadata["spontaneous"] is None
    discharges = sum(g["discharges"] for g in info["fibrillations"] + info["positive_sharp_waves"])
    assert discharges >= 3
    assert np.abs(fibs.data).max() > 3 * np.abs(quiet.data).max()


def test_spontaneous_shapes_have_their_textbook_polarity():
    fib = fibrillation_shape(23437.5, 2.0)
    psw = positive_sharp_wave_shape(23437.5, 10.0)
    first_big = lambda w: w[np.flatnonzero(np.abs(w) > 0.2 * np.abs(w).max())[0]]  # noqa: E731
    assert first_big(fib) > 0 and fib.min() < -0.5  # initial positive phase, then the negative spike
    assert np.argmax(psw) < np.argmin(psw) and psw.max() > 2 * abs(psw.min())  # sharp positive, slow negative


@pytest.mark.parametrize("kwargs,match", [
    ({"protocol": "jog"}, "unknown protocol"),
    ({"protocol": "low", "spontaneous": True}, "rest or in relaxation"),
    ({"protocol": "low", "excitation": 0.2}, "not both"),
    ({"protocol": "low", "condition": "gout"}, "unknown condition"),
])
def test_protocol_bad_arguments(kwargs, match):
    args = {"condition": "healthy", "seconds": 1.0} | kwargs
    with pytest.raises(SignalError, match=match):
        simulate_protocol(**args)


def test_session_same_units_within_a_site_new_units_between_sites():
    session = simulate_session("myopathic", seed=7, sites=2, seconds=1.0)
    assert [(s.site, s.protocol) for s in session] == [(1, "rest"), (1, "low"), (1, "moderate"),
                                                       (2, "rest"), (2, "low"), (2, "moderate")]
    subjects = {json.dumps(s.recording.metadata["subject"], sort_keys=True) for s in session}
    assert len(subjects) == 1  # one patient
    assert session[0].recording.metadata["spontaneous"] is not None  # abnormal class: fibrillations at rest
    assert session[1].recording.metadata["spontaneous"] is None
    again = simulate_session("myopathic", seed=7, sites=2, seconds=1.0)
    np.testing.assert_array_equal(session[4].recording.data, again[4].recording.data)
    with pytest.raises(SignalError, match="needle sites"):
        simulate_session("healthy", sites=0)


def test_cli_protocol_and_session(tmp_path):
    runner = CliRunner()
    one = runner.invoke(cli, ["emg", "simulate", "--protocol", "rest", "--spontaneous", "--condition", "neurogenic",
                              "--seconds", "1", "-o", str(tmp_path / "rest.npz"), "--json"])
    assert one.exit_code == 0, one.output
    payload = json.loads(one.output)
    assert payload["protocol"] == "rest" and payload["active_units"] == 0 and payload["spontaneous"]
    assert load_recording(tmp_path / "rest.npz").metadata["protocol"] == "rest"
    session = runner.invoke(cli, ["emg", "simulate", "--protocol", "session", "--sites", "1", "--seconds", "1",
                                  "-o", str(tmp_path / "exam")])
    assert session.exit_code == 0, session.output
    assert sorted(p.name for p in (tmp_path / "exam").iterdir()) == ["site1-low.npz", "site1-moderate.npz",
                                                                     "site1-rest.npz"]
    for args in (["--protocol", "jog"], ["--protocol", "low", "--spontaneous"], ["--protocol", "low", "--mode", "surface"]):
        bad = runner.invoke(cli, ["emg", "simulate", *args, "-o", str(tmp_path / "x.npz")])
        assert bad.exit_code == 1 and bad.output.startswith("Error: "), bad.output
    clash = runner.invoke(cli, ["emg", "simulate", "--protocol", "session", "-o", str(tmp_path / "rest.npz")])
    assert clash.exit_code == 1 and "is a file" in clash.output
