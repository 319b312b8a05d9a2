"""Cloud analysis on the real N2001 recordings (README "Interference pattern"; ``bench/interference_validation.py``).

Controls are compared with a cloud built without their own subject, patients with the cloud of all controls.
"""

from __future__ import annotations

from collections import Counter

import pytest

from signal_core import interference_cloud as ic
from signal_core.io import load_recording
from tests.signal_core import muap_real

pytestmark = pytest.mark.skipif(not (muap_real.DATA / "emg_n2001" / "index.json").exists(),
                                reason="needs ../shared/data/emg_n2001 (real recordings stay outside the repo); CI has it")


@pytest.fixture(scope="module")
def rows():
    return ic.validate_on_n2001(muap_real.DATA)


def _verdicts(rows, label, level=None):
    return Counter(r["verdict"] for r in rows if r["label"] == label and (level is None or r["level"] == level))


def test_the_shipped_cloud_is_what_the_controls_give(tmp_path):
    out = tmp_path / "cloud.csv"
    assert ic.main([str(muap_real.DATA), "--output", str(out)]) == 0
    assert out.read_text() == ic.CLOUD_FILE.read_text()


def test_controls_left_out_of_the_cloud_mostly_fall_inside_it(rows):
    healthy = _verdicts(rows, "healthy")
    called = healthy["neurogenic side"] + healthy["myopathic side"] + healthy["both sides"]
    judged = called + healthy["within the normal cloud"]
    assert judged >= 140 and called / judged <= 0.10  # measured: 9 of 154
    pooled = ic.pooled_verdicts(rows)
    assert [v for label, v in pooled.values() if label == "healthy"] == ["within the normal cloud"] * 6


def test_als_records_lie_right_of_the_cloud_and_myopathic_ones_left(rows):
    als, myo = _verdicts(rows, "neuropathy"), _verdicts(rows, "myopathy")
    assert als["neurogenic side"] >= 0.4 * sum(als.values()) and als["myopathic side"] == 0  # measured 36 of 62
    assert myo["myopathic side"] > 3 * myo["neurogenic side"] and myo["myopathic side"] >= 6  # measured 11 vs 1
    pooled = ic.pooled_verdicts(rows)
    assert sum(v == "neurogenic side" for label, v in pooled.values() if label == "neuropathy") >= 2  # measured 3 of 5


def test_full_rate_records_agree_with_their_4_khz_copies():
    folder = muap_real.DATA / "emg_n2001_fullrate" / "records"
    if not folder.exists():
        pytest.skip("needs ../shared/data/emg_n2001_fullrate")
    agree, total = 0, 0
    for path in sorted(folder.glob("*.npz")):
        full = ic.compare_with_cloud(load_recording(path))
        quarter = ic.compare_with_cloud(load_recording(muap_real.DATA / "emg_n2001" / "records" / path.name))
        assert full.fs_compared == pytest.approx(4000.0)
        total += 1
        agree += full.verdict == quarter.verdict
    assert total == 30 and agree >= 28  # measured: 30 of 30
