"""Label column -> segments (trim, minimum length, unlabelled rows) and the CSV inputs real cohorts come in."""

from __future__ import annotations

import numpy as np
import pytest

from decision_support.segments import (
    SegmentSettings,
    collapse_sample_and_hold,
    find_segments,
    normalise_labels,
)
from signal_core.errors import SignalError
from signal_core.io import load_labelled_recording, load_recording


def test_segments_are_trimmed_short_runs_dropped_and_every_row_accounted_for():
    # fs 10 Hz: "" x5, fist x20 (2 s), rest x6 (0.6 s), "0" x4, fist x12 (1.2 s)
    labels = np.array([""] * 5 + ["fist"] * 20 + ["rest"] * 6 + ["0"] * 4 + ["fist"] * 12)
    settings = SegmentSettings(min_segment_s=0.5, trim_s=0.2, unlabelled=("", "0"))
    report = find_segments(labels, 10.0, settings)
    assert [(s.label, s.start, s.stop) for s in report.segments] == [("fist", 7, 23), ("fist", 37, 45)]
    assert report.unlabelled_rows == 9 and report.short_segments == 1 and report.short_rows == 6
    assert report.trimmed_rows == 8
    assert report.kept_rows + report.unlabelled_rows + report.short_rows + report.trimmed_rows == labels.size
    assert report.per_label == {"fist": 2}
    assert "2 segments kept" in report.text() and "0.9 s unlabelled" in report.text()
    # without trimming and with a lower minimum the rest run is kept
    loose = find_segments(labels, 10.0, SegmentSettings(min_segment_s=0.5, trim_s=0.0, unlabelled=("", "0")))
    assert [s.label for s in loose.segments] == ["fist", "rest", "fist"]


def test_labels_saved_as_floats_read_as_the_same_class():
    assert normalise_labels(["2.0", "2", " 3 ", "fist", ""]).tolist() == ["2", "2", "3", "fist", ""]


@pytest.mark.parametrize("bad", [{"min_segment_s": 0}, {"trim_s": -1}])
def test_bad_segment_settings_are_refused(bad):
    with pytest.raises(ValueError, match="seconds"):
        SegmentSettings(**bad)


def _write(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(c) for c in r) for r in rows) + "\n")
    return path


def test_label_column_and_a_millisecond_time_column_named_time(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 2))
    rows = [(t, a, b, "fist" if t >= 300 else "rest") for t, (a, b) in zip(range(600), x)]  # t in ms, 1 kHz
    rec, labels = load_labelled_recording(_write(tmp_path / "s.csv", "time,ch1,ch2,gesture", rows), "Gesture")
    assert rec.fs == 1000.0 and rec.channel_names == ("ch1", "ch2")
    assert rec.metadata["time_unit"] == "ms" and "read as milliseconds" in rec.metadata["notes"][0]
    np.testing.assert_allclose(rec.data, x, rtol=1e-12)
    assert labels[0] == "rest" and labels[-1] == "fist" and labels.size == 600
    with pytest.raises(SignalError, match="no column called 'label'; the columns are time, ch1, ch2, gesture"):
        load_labelled_recording(tmp_path / "s.csv", "label")
    # a seconds time column is still seconds
    secs = [(t / 1000, a, b) for t, (a, b) in zip(range(600), x)]
    assert load_recording(_write(tmp_path / "sec.csv", "time,ch1,ch2", secs)).fs == 1000.0


def test_sample_and_hold_is_detected_and_collapsed_to_the_effective_rate(tmp_path):
    rng = np.random.default_rng(1)
    slow = rng.normal(size=(200, 3))  # 200 Hz device logged at 1 kHz: every sample repeated 5 times
    held = np.repeat(slow, 5, axis=0)
    rows = [(t, *v, "a" if t < 500 else "b") for t, v in zip(range(1000), held)]
    rec, labels = load_labelled_recording(_write(tmp_path / "h.csv", "time,c1,c2,c3,label", rows), "label")
    hold = rec.metadata["sample_and_hold"]
    assert hold["effective_fs"] == pytest.approx(200.0) and hold["mean_run"] == pytest.approx(5.0)
    assert any("effective rate" in w and "about 200 Hz" in w for w in rec.metadata["warnings"])
    collapsed, kept, done = collapse_sample_and_hold(rec, labels)
    assert collapsed.fs == 200.0 and done == {"rows_before": 1000, "rows_after": 200, "fs_before": 1000.0,
                                             "effective_fs": 200.0}
    np.testing.assert_allclose(collapsed.data, slow, rtol=1e-12)
    assert kept.tolist() == ["a"] * 100 + ["b"] * 100
    plain = load_recording(_write(tmp_path / "p.csv", "time,c1", [(t, v) for t, v in zip(range(1000), held[:, 0])]))
    assert "sample_and_hold" in plain.metadata  # plain loads report it too
    not_held = load_recording(_write(tmp_path / "n.csv", "time,c1", [(t, v) for t, v in zip(range(200), slow[:, 0])]))
    assert "sample_and_hold" not in not_held.metadata
    assert collapse_sample_and_hold(not_held, np.zeros(200))[2] is None


def test_jittery_time_steps_give_the_mean_rate_and_a_gap_is_an_error(tmp_path):
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.choice([0.9, 1.0, 1.1], size=500))  # ms, jitter of 10%
    rec = load_recording(_write(tmp_path / "j.csv", "time,c1", zip(np.round(t, 3), rng.normal(size=500))))
    assert rec.fs == pytest.approx(499 / ((t[-1] - t[0]) / 1000), rel=1e-6)
    assert "uneven steps" in rec.metadata["warnings"][0]
    steady = np.arange(1000.0)  # ms at 1 kHz, with one 6 ms gap (5 samples missing): tolerated and reported
    steady[600:] += 5
    rec = load_recording(_write(tmp_path / "g1.csv", "time,c1", zip(steady, rng.normal(size=1000))))
    assert rec.fs == 1000.0 and "1 gap(s)" in rec.metadata["warnings"][0] and "after row 600" in rec.metadata["warnings"][0]
    t[300:] += 50  # 50 ms of missing samples in a 0.5 s recording
    with pytest.raises(SignalError, match=r"1 gap\(s\) .*the largest 0.05\d* s after row 300.*missing samples"):
        load_recording(_write(tmp_path / "g.csv", "time,c1", zip(np.round(t, 3), rng.normal(size=500))))
