"""The motor-unit simulator: determinism, physiology in the expected direction, modes, hum, shift."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from signal_core.errors import SignalError
from signal_core.synthetic import (
    CONDITION_PARAMS,
    CONDITIONS,
    REFERENCES,
    TEACHING_PARAMS,
    count_phases,
    motor_unit_pool,
    muap_duration_ms,
    muap_shape,
    sample_subject,
    simulate_recording,
)


def _pool_stats(condition: str, params=None) -> dict[str, float]:
    amps, durs, phases = [], [], []
    for seed in range(4):
        pool = motor_unit_pool(sample_subject(condition, seed), 4000.0, seed=seed, params=params)
        amps += list(pool.amplitudes_mv)
        durs += [muap_duration_ms(t, 4000.0) for t in pool.templates]
        phases += list(pool.phases)
    return {"amp": float(np.median(amps)), "dur": float(np.median(durs)), "phases": float(np.mean(phases))}


def test_same_seed_same_recording_and_different_seed_differs():
    a = simulate_recording("healthy", seconds=1.0, seed=5, mains_hz=50, electrode_shift=True)
    b = simulate_recording("healthy", seconds=1.0, seed=5, mains_hz=50, electrode_shift=True)
    c = simulate_recording("healthy", seconds=1.0, seed=6, mains_hz=50, electrode_shift=True)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.metadata == b.metadata
    assert not np.allclose(a.data, c.data)


def test_sample_subject_is_deterministic_and_varies():
    assert sample_subject("neurogenic", 3) == sample_subject("neurogenic", 3)
    subjects = {sample_subject("healthy", s).n_units for s in range(10)}
    assert len(subjects) > 1


def test_recording_shape_units_and_metadata():
    rec = simulate_recording("myopathic", seconds=2.0, fs=4000.0, n_channels=3, seed=1)
    assert rec.data.shape == (8000, 3)
    assert rec.units == ("mV",) * 3
    meta = rec.metadata
    assert meta["simulated"] is True and meta["condition"] == "myopathic" and meta["mode"] == "needle"
    assert meta["seed"] == 1 and meta["subject"]["condition"] == "myopathic"
    assert np.all(np.isfinite(rec.data))


def test_neurogenic_muaps_larger_and_longer_than_healthy():
    healthy, neuro = _pool_stats("healthy"), _pool_stats("neurogenic")
    assert neuro["amp"] > 2 * healthy["amp"]
    assert neuro["phases"] > healthy["phases"]
    # Duration: the fit to N2001 gives electrode-level shapes, not textbook ones (README); the teaching
    # values keep the clinical order.
    teach = {c: _pool_stats(c, TEACHING_PARAMS[c]) for c in ("healthy", "neurogenic")}
    assert teach["neurogenic"]["dur"] > teach["healthy"]["dur"]


def test_myopathic_muaps_shorter_more_phases_than_healthy():
    healthy, myo = _pool_stats("healthy"), _pool_stats("myopathic")
    assert myo["dur"] < healthy["dur"]
    assert myo["phases"] > healthy["phases"]
    # The fit to N2001 low-force records does not keep the textbook amplitude order (see the README's
    # simulator section); the teaching values do.
    teach_healthy = _pool_stats("healthy", TEACHING_PARAMS["healthy"])
    assert _pool_stats("myopathic", TEACHING_PARAMS["myopathic"])["amp"] < teach_healthy["amp"]


def test_teaching_amplitudes_and_durations_in_clinical_ranges():
    healthy, myo, neuro = (_pool_stats(c, TEACHING_PARAMS[c]) for c in CONDITIONS)
    assert 0.1 < healthy["amp"] < 3.0 and 5.0 < healthy["dur"] < 15.0
    assert myo["amp"] < 0.5
    assert 1.0 < neuro["amp"] < 10.0


def test_fitted_muaps_stay_inside_the_fit_bounds():
    from signal_core.simulator_fit import BOUNDS, FITTED

    for condition in CONDITIONS:
        for name in FITTED:
            low, high = BOUNDS[name]
            assert low <= getattr(CONDITION_PARAMS[condition], name) <= high, (condition, name)


def test_myopathic_recruits_more_units_and_neurogenic_fewer_at_low_effort():
    active = {c: simulate_recording(c, seconds=1.0, seed=2, excitation=0.1).metadata["active_units"]
              for c in CONDITIONS}
    assert active["myopathic"] > active["healthy"] > active["neurogenic"]


def test_neurogenic_units_fire_faster():
    assert CONDITION_PARAMS["neurogenic"].peak_rate_hz > CONDITION_PARAMS["healthy"].peak_rate_hz
    assert CONDITION_PARAMS["neurogenic"].min_rate_hz > CONDITION_PARAMS["healthy"].min_rate_hz


def test_muap_shape_has_requested_phases():
    rng = np.random.default_rng(0)
    for phases in (3, 4, 5, 6, 7):
        shape = muap_shape(20000.0, 12.0, phases, rng)
        assert count_phases(shape) == phases
        assert np.ptp(shape) == pytest.approx(1.0)


def test_muap_duration_follows_request():
    rng = np.random.default_rng(1)
    short = muap_duration_ms(muap_shape(10000.0, 5.0, 3, rng), 10000.0)
    long = muap_duration_ms(muap_shape(10000.0, 15.0, 3, rng), 10000.0)
    assert 3.0 < short < 7.0 and 10.0 < long < 18.0


@pytest.mark.parametrize("condition", CONDITIONS)
def test_surface_spectrum_mostly_below_500_hz(condition):
    rec = simulate_recording(condition, seconds=2.0, fs=4000.0, mode="surface", n_channels=4, seed=0)
    f, p = sps.welch(rec.data, fs=rec.fs, nperseg=1024, axis=0)
    share = p[f < 500].sum(axis=0) / p.sum(axis=0)
    assert np.all(share > 0.9)


def test_surface_channels_decay_with_distance():
    rec = simulate_recording("healthy", seconds=2.0, mode="surface", n_channels=6, seed=3)
    rms = rec.data.std(axis=0)
    assert rms.max() / rms.min() > 1.2  # units sit under some electrodes more than others


def test_needle_spectrum_reaches_hundreds_of_hz():
    rec = simulate_recording("healthy", seconds=2.0, fs=4000.0, seed=0)
    f, p = sps.welch(rec.data[:, 0], fs=rec.fs, nperseg=1024)
    mean_freq = (f * p).sum() / p.sum()
    assert 80 < mean_freq < 600  # real low-force biceps: about 150-300 Hz (bench/bench_simulator.py)
    assert p[f > 1900].sum() < 1e-3 * p.sum()  # the 4 kHz anti-alias filter, as in the real files


@pytest.mark.parametrize("mains", [50, 60])
def test_mains_hum_appears_at_mains_frequency(mains):
    # At a weak contraction the hum stands out, as it does on a real needle recording at rest.
    # (Excitation 0.02: a unit or two. At 0.03 simulator 5's wider spread of MUAP sizes recruited a large
    # unit for seed 0 whose own power near 60 Hz hid the 10 uV hum: 2.6 times the clean power.)
    clean = simulate_recording("healthy", seconds=4.0, seed=0, excitation=0.02)
    hum = simulate_recording("healthy", seconds=4.0, seed=0, excitation=0.02, mains_hz=mains)
    f, p_clean = sps.welch(clean.data[:, 0], fs=clean.fs, nperseg=4000)
    _, p_hum = sps.welch(hum.data[:, 0], fs=hum.fs, nperseg=4000)
    k = np.argmin(np.abs(f - mains))
    near = (np.abs(f - mains) >= 3) & (np.abs(f - mains) <= 10)
    assert p_hum[k] > 10 * np.median(p_hum[near])  # a narrow peak at the mains frequency
    assert p_clean[k] < 10 * np.median(p_clean[near])
    diff = hum.data[:, 0] - clean.data[:, 0]  # the hum alone: fundamental plus third harmonic
    f_d, p_d = sps.welch(diff, fs=hum.fs, nperseg=4000)
    assert f_d[np.argmax(p_d)] == pytest.approx(mains)


def test_electrode_shift_changes_amplitude_partway():
    rec = simulate_recording("healthy", seconds=4.0, seed=4, electrode_shift=True, excitation=0.3)
    info = rec.metadata["electrode_shift"]
    at = int(info["at_s"] * rec.fs)
    before, after = rec.data[: at - 400, 0].std(), rec.data[at + 400:, 0].std()
    ratio = after / before
    assert abs(np.log(ratio / info["amplitude_factor"])) < 0.4
    assert abs(np.log(ratio)) > 0.3


def test_excitation_profile_ramps_activity():
    rec = simulate_recording("healthy", seconds=4.0, seed=0, excitation=[0.02, 0.8])
    # First and last quarter second: excitation about 0.02-0.07 against 0.75-0.8.
    first, last = rec.data[:1000, 0].std(), rec.data[-1000:, 0].std()
    assert last > 2 * first


@pytest.mark.parametrize("kwargs", [
    {"condition": "asthma"}, {"mode": "scalp"}, {"fs": 100.0}, {"seconds": 0}, {"seconds": float("nan")},
    {"n_channels": 0}, {"mains_hz": 55}, {"excitation": 1.5}, {"excitation": [0.1, float("nan")]},
])
def test_bad_arguments_raise_signal_error(kwargs):
    args = {"condition": "healthy", "seconds": 1.0} | kwargs
    with pytest.raises(SignalError):
        simulate_recording(**args)


def test_subject_for_other_condition_rejected():
    with pytest.raises(SignalError, match="subject"):
        simulate_recording("healthy", seconds=1.0, subject=sample_subject("myopathic", 0))


def test_references_are_cited_in_metadata():
    rec = simulate_recording("healthy", seconds=0.5, seed=0)
    assert rec.metadata["references"] == sorted(REFERENCES)
    assert "doi:10.1152/jn.1993.70.6.2470" in REFERENCES["fuglevand1993"]


def test_background_level_differs_between_recordings_by_its_spread():
    # Needle sites differ in how much distant activity they pick up: with ``background_spread`` the
    # background's level varies between a subject's recordings (log-normal), and only then.
    from dataclasses import replace

    base = replace(CONDITION_PARAMS["healthy"], amplitude_mv=1e-4, background_mv=0.2)  # background dominates
    subject = sample_subject("healthy", 3)

    def log_rms_sd(spread: float) -> float:
        params = replace(base, background_spread=spread)
        rms = [np.sqrt(np.mean(simulate_recording("healthy", seconds=1.0, fs=4000.0, seed=s, subject=subject,
                                                  excitation=params.low_excitation, params=params).data ** 2))
               for s in range(12)]
        return float(np.std(np.log(rms)))

    steady, spread = log_rms_sd(0.0), log_rms_sd(0.8)
    assert steady < 0.25
    assert 0.4 < spread < 1.4
    # The spread draws from its own stream: the rest of a seeded recording is unchanged.
    a = simulate_recording("healthy", seconds=0.5, fs=4000.0, seed=5, subject=subject, excitation=0.05, params=base)
    b = simulate_recording("healthy", seconds=0.5, fs=4000.0, seed=5, subject=subject, excitation=0.05,
                           params=replace(base, background_spread=0.5))
    ratio = np.std(b.data) / np.std(a.data)
    assert ratio != pytest.approx(1.0, abs=1e-3)
    assert np.corrcoef(a.data[:, 0], b.data[:, 0])[0, 1] > 0.99  # same noise, same units, only scaled
