"""Cloud analysis of the interference pattern: building the cloud, placing epochs, verdicts, bad input and
band matching. Real-data validation: ``test_interference_real.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signal_core import interference_cloud as ic
from signal_core.recording import Recording
from signal_core.simulator_protocols import simulate_protocol


def _band_cloud(low=100.0, high=400.0):
    return ic.Cloud((ic.CloudBand(30, 100, low, high, 100, 6), ic.CloudBand(100, 200, low * 1.2, high, 100, 6)))


def test_build_cloud_weights_each_subject_equally():
    rng = np.random.default_rng(0)
    many = ("A", np.full(400, 50.0), 10 ** rng.uniform(2.0, 2.3, 400))  # 100-200 uV
    few = ("B", np.full(20, 50.0), np.full(20, 1000.0))
    cloud = ic.build_cloud([many, few], edges=(30, 100), min_subjects=2, quantiles=(0.1, 0.9))
    band = cloud.bands[0]
    # B holds half the weight although it has 5% of the epochs: the upper quantile is its 1000 uV
    assert band.amp_high_uv == pytest.approx(1000.0) and band.amp_low_uv < 130
    assert band.n_epochs == 420 and band.n_subjects == 2
    unweighted = ic.build_cloud([many, ("B", *few[1:]), ("C", np.array([]), np.array([]))],
                                edges=(30, 100), min_subjects=2, quantiles=(0.1, 0.9))
    assert unweighted.bands[0].amp_high_uv == band.amp_high_uv  # an empty subject changes nothing


def test_build_cloud_keeps_a_contiguous_run_of_well_filled_bands():
    rng = np.random.default_rng(1)
    subjects = []
    for s in range(5):
        turns = np.concatenate([np.full(40, 40.0), np.full(40, 70.0), np.full(2, 120.0), np.full(40, 250.0)])
        subjects.append((f"S{s}", turns, 10 ** rng.normal(2.3, 0.1, turns.size)))
    cloud = ic.build_cloud(subjects, edges=(30, 60, 100, 200, 300))
    # the 100-200 band has only 10 epochs: the cloud stops there instead of jumping to 200-300
    assert [(b.turns_min, b.turns_max) for b in cloud.bands] == [(30, 60), (60, 100)]
    assert cloud.turns_range == (30, 100)
    with pytest.raises(ValueError, match="enough epochs"):
        ic.build_cloud(subjects[:3], edges=(30, 60))  # 3 subjects < 4
    with pytest.raises(ValueError, match="no epochs"):
        ic.build_cloud([("A", [np.nan], [np.nan])])


def test_epochs_are_placed_by_their_band():
    cloud = _band_cloud()
    turns = np.array([50, 50, 50, 150, 150, 20, 250, np.nan, 50])
    amp = np.array([200, 500, 80, 110, 130, 300, 300, 300, np.nan])
    artefact = np.zeros(turns.size, bool)
    artefact[2] = True
    sides = ic.classify_epochs(cloud, turns, amp, artefact)
    assert sides == [ic.INSIDE, ic.RIGHT, ic.ARTEFACT, ic.LEFT, ic.INSIDE, ic.FEW_TURNS, ic.BEYOND,
                     ic.FEW_TURNS, ic.FEW_TURNS]


@pytest.mark.parametrize("right, left, verdict", [
    (0, 0, "within the normal cloud"), (5, 0, "within the normal cloud"), (6, 0, "neurogenic side"),
    (0, 6, "myopathic side"), (6, 6, "both sides"),
])
def test_a_side_is_called_above_a_fifth_of_compared_epochs(right, left, verdict):
    sides = [ic.RIGHT] * right + [ic.LEFT] * left + [ic.INSIDE] * (25 - right - left) + [ic.FEW_TURNS] * 50
    compared, share_right, share_left, got = ic.verdict_of(sides)
    assert compared == 25 and share_right == right / 25 and share_left == left / 25 and got == verdict


def test_too_few_compared_epochs_give_no_verdict():
    assert ic.verdict_of([ic.RIGHT] * (ic.MIN_COMPARED - 1))[3] == "not compared"
    assert ic.verdict_of([ic.FEW_TURNS] * 50)[:1] == (0,) and math.isnan(ic.verdict_of([])[1])


def test_shipped_cloud_is_ordered_and_sourced():
    cloud = ic.load_cloud()
    assert cloud.muscle == "biceps brachii" and "Not a published cloud" in cloud.source
    assert all(b.amp_low_uv < b.amp_high_uv and b.n_subjects >= ic.MIN_BAND_SUBJECTS for b in cloud.bands)
    assert all(a.turns_max == b.turns_min for a, b in zip(cloud.bands, cloud.bands[1:]))
    # the lower edge rises with the turn rate: more turns need more units, so bigger summed swings
    assert cloud.bands[-1].amp_low_uv > cloud.bands[0].amp_low_uv


@pytest.mark.parametrize("data, fs, words", [
    (np.zeros(40_000), 4000.0, "No interference pattern"),
    (np.zeros(100), 4000.0, "No interference pattern"),
    (np.full(40_000, 3.0), 4000.0, "No interference pattern"),
])
def test_bad_recordings_get_a_message_not_an_error(data, fs, words):
    result = ic.compare_with_cloud(Recording(data, fs, units=("mV",)))
    assert result.verdict == "not compared" and words in result.message
    assert result.to_dict()["n_compared"] == 0


def test_clipped_epochs_are_left_out():
    rec = simulate_protocol("neurogenic", "moderate", seconds=4.0, seed=0)
    result = ic.compare_with_cloud(rec.with_data(np.clip(rec.data, -0.2, 0.2)))  # an amplifier with +-0.2 mV rails
    assert result.counts()[ic.ARTEFACT] >= 10
    assert any("amplifier's limits" in line for line in result.limits)


def test_slow_rates_are_not_compared_and_fast_ones_are_brought_to_4_khz():
    rec = simulate_protocol("neurogenic", "moderate", seconds=3.0, fs=2000.0, seed=1)
    slow = ic.compare_with_cloud(rec)
    assert slow.verdict == "not compared" and "below the cloud's 4000 Hz" in slow.message
    assert set(slow.sides) <= {"not compared (sampling rate)", ic.FEW_TURNS, ic.ARTEFACT}
    fast = ic.compare_with_cloud(simulate_protocol("neurogenic", "moderate", seconds=3.0, fs=10_000.0, seed=1))
    assert fast.fs_compared == pytest.approx(4000.0) and any("Brought from 10000 Hz" in x for x in fast.limits)
    assert fast.n_compared >= ic.MIN_COMPARED


def test_other_muscles_and_unknown_muscles_are_flagged():
    rec = simulate_protocol("healthy", "moderate", seconds=2.0, seed=0)
    assert any("not the tibialis anterior" in x for x in ic.compare_with_cloud(rec, muscle="tibialis anterior").limits)
    assert any("muscle is not given" in x for x in ic.compare_with_cloud(rec).limits)
    assert not any("muscle" in x for x in ic.compare_with_cloud(rec, muscle="Biceps").limits)
    labelled = Recording(rec.data, rec.fs, ("EMG R deltoid",), rec.units, {})
    limits = ic.compare_with_cloud(labelled).limits
    assert any("channel label 'EMG R deltoid'" in x for x in limits) and any("not the deltoid" in x for x in limits)


def test_simulated_neurogenic_effort_lies_right_of_the_cloud():
    """The simulator's ALS class has large reinnervated units: its moderate efforts fall right of the cloud
    (measured: shares 0.96-1.0 for seeds 0-2)."""
    for seed in range(3):
        result = ic.compare_with_cloud(simulate_protocol("neurogenic", "moderate", seconds=10.0, seed=seed))
        assert result.verdict == "neurogenic side" and result.share_right > 0.5 and result.share_left < 0.05
    assert "neurogenic" in result.message and "reinnervation" in result.message


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=60),
       st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=60))
def test_placing_any_numbers_never_raises(turns, amp):
    n = min(len(turns), len(amp))
    sides = ic.classify_epochs(ic.load_cloud(), np.array(turns[:n]), np.array(amp[:n]))
    assert len(sides) == n
    compared, right, left, verdict = ic.verdict_of(sides)
    assert 0 <= compared <= n and verdict in ("not compared", "within the normal cloud", "neurogenic side",
                                              "myopathic side", "both sides")


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3000), st.floats(0.0, 5.0), st.integers(0, 2**31 - 1))
def test_any_short_noisy_recording_gets_a_result(n, scale, seed):
    x = np.random.default_rng(seed).normal(0, scale, n)
    result = ic.compare_with_cloud(Recording(x, 4000.0, units=("mV",)))
    assert result.verdict and result.message and len(result.sides) == result.turns_per_s.size


def test_mains_hum_is_subtracted_before_turns_are_counted():
    """A 100 uV hum alone swings more than the 100 uV that makes a turn: it is removed first, and said."""
    rec = simulate_protocol("neurogenic", "moderate", seconds=6.0, seed=2)
    t = np.arange(rec.n_samples) / rec.fs
    hummed = rec.with_data(rec.data + (0.1 * np.sin(2 * np.pi * 50 * t))[:, None])
    clean, noisy = ic.compare_with_cloud(rec), ic.compare_with_cloud(hummed)
    assert any(x.startswith("Mains hum at 50 Hz") for x in noisy.limits)
    assert noisy.verdict == clean.verdict == "neurogenic side"
    assert abs(noisy.share_right - clean.share_right) < 0.1


def test_epochs_with_missing_samples_are_left_out_not_compared():
    rec = simulate_protocol("neurogenic", "moderate", seconds=4.0, seed=2)
    data = rec.data.copy()
    data[4100:4300] = np.nan  # inside the epoch 1.0-1.1 s
    result = ic.compare_with_cloud(rec.with_data(data))
    assert result.sides[10] == ic.ARTEFACT and result.verdict == "neurogenic side"
    assert any("with missing samples were left out" in x for x in result.limits)
