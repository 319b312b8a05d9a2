"""The fitted simulator against the real N2001 recordings (needs ../shared/data; CI has it).

Per class, the median over recordings of the window-median mean frequency and zero-crossing rate of the
simulated "low" protocol must lie near the real low-force recordings' (issue 9's target: 20%), and a classifier two-sample test must not separate simulated from real recordings better
than measured. The simulated subjects (``validation_recordings``: 15 subjects x 4 recordings, the first of
the sets bench/bench_simulator.py and the README report) are not the ones the fit used, so this checks the
shipped parameters on new subjects, not the fit's own sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signal_core.simulator_fit import real_targets, recording_stats, validation_recordings
from signal_core.synthetic import CONDITIONS

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TOLERANCE = 0.20

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real():
    if not (DATA / "emg_n2001" / "index.json").exists():
        pytest.skip(f"real recordings not found at {DATA}/emg_n2001 (CI provides ../shared/data)")
    return real_targets(DATA)


@pytest.fixture(scope="module")
def simulated():
    """The README's first comparison set: 15 new simulated subjects x 4 recordings of 11.2 s per class."""
    out = {}
    for condition in CONDITIONS:
        rows = [recording_stats(rec.data[:, 0], rec.fs) for _, rec in validation_recordings(condition)]
        out[condition] = {key: float(np.median([r[key] for r in rows])) for key in rows[0]}
    return out


#: Issue 9's target is 20% for both, met in every class. Measured (README, first set): MNF +4% healthy, -19%
#: myopathy, -3% ALS; zero crossings -10%, +11%, -13%.


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("stat", ["mnf_hz", "zc_per_s"])
def test_median_mnf_and_zero_crossings_near_the_real_ones(real, simulated, condition, stat):
    want, got = real[condition]["stats"][stat], simulated[condition][stat]
    assert abs(got / want - 1) <= TOLERANCE, f"{condition} {stat}: simulated {got:.0f}, real {want:.0f}"


def test_classes_keep_their_real_order(real, simulated):
    # Real low-force N2001: myopathy has the highest mean frequency; ALS the largest RMS.
    assert real["myopathic"]["stats"]["mnf_hz"] > real["healthy"]["stats"]["mnf_hz"]
    assert simulated["myopathic"]["mnf_hz"] > simulated["healthy"]["mnf_hz"]
    assert simulated["neurogenic"]["rms_mv"] > simulated["healthy"]["rms_mv"] > 0


@pytest.fixture(scope="module")
def two_sample():
    """bench/bench_simulator.py's comparison: per class, the real low-force records against the README's
    simulated set, and the subject-grouped random forest's out-of-fold AUC."""
    if not (DATA / "emg_n2001" / "index.json").exists():
        pytest.skip(f"real recordings not found at {DATA}/emg_n2001 (CI provides ../shared/data)")
    from tests.signal_core.sim_real import compare, real_rows, simulated_rows

    real = real_rows(DATA)
    sim = {c: simulated_rows(c) for c in CONDITIONS}
    return {"real": real, "simulated": sim, **{c: compare(real[c], sim[c]) for c in CONDITIONS}}


#: Issue 9's target is AUC <= 0.75 in every class (0.5: indistinguishable); simulator 6 meets it in each.
#: Measured on this set (README, "Simulator vs real", first of three sets): healthy 0.72, myopathy 0.37,
#: ALS 0.62; the mean over the three sets is 0.71, 0.48, 0.64, and the sets differ by up to 0.23 (which 15
#: simulated subjects are drawn). These limits fail when a change brings a class clearly back above the
#: target (the old simulators separated at 0.94-1.00).
AUC_LIMIT = {"healthy": 0.80, "myopathic": 0.80, "neurogenic": 0.80}


@pytest.mark.parametrize("condition", CONDITIONS)
def test_classifier_two_sample_auc_stays_where_the_fit_brought_it(two_sample, condition):
    # Subject-grouped folds, so a classifier that learns one real subject's quirks gets no credit for it
    # on another.
    auc = two_sample[condition]["auc"]
    assert auc <= AUC_LIMIT[condition], f"{condition}: a classifier tells simulated from real with AUC {auc:.2f}"


def test_two_sample_test_would_notice_a_different_class(two_sample):
    # The test can fail: real ALS records against simulated myopathic ones are told apart easily.
    from tests.signal_core.sim_real import two_sample_auc

    assert two_sample_auc(two_sample["real"]["neurogenic"], two_sample["simulated"]["myopathic"]) > 0.9
