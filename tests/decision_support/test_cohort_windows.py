"""Within-subject cohorts: window table, designs, nested validation vs the baseline, bad inputs, real Dask."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from decision_support.cohort import load_cohort
from decision_support.cohort_windows import WindowSettings, cohort_windows
from decision_support.designs import BETWEEN, WITHIN, check_design
from decision_support.segments import SegmentSettings
from decision_support.windowed import level_metrics, save_windowed, subject_standardise, train_windowed
from tests.decision_support.gesture_files import write_small_gesture_cohort

SETTINGS = WindowSettings(label_column="gesture", segments=SegmentSettings(min_segment_s=1.0, trim_s=0.2))


@pytest.fixture(scope="module")
def gesture_manifest(tmp_path_factory):
    return write_small_gesture_cohort(tmp_path_factory.mktemp("gestures"), subjects=4, sessions=2)


@pytest.fixture(scope="module")
def table(gesture_manifest):
    return cohort_windows(load_cohort(gesture_manifest, label_column="gesture"), SETTINGS, scheduler="serial")


def test_window_table_has_segments_per_session_and_reports_what_was_left_out(table):
    meta = table.meta
    assert table.fs == 1000.0 and table.n_channels == 4
    assert sorted(meta["label"].unique()) == ["extension", "fist", "rest"]
    assert meta["segment"].nunique() == 4 * 2 * 3  # subjects x sessions x gestures
    assert meta.groupby("subject")["session"].nunique().eq(2).all()
    totals = table.segment_totals()
    assert totals["unlabelled_rows"] > 0 and totals["trimmed_rows"] == 24 * 2 * 200  # 0.2 s at both ends
    assert list(table.X.columns[:2]) == ["LOG10_RMS_ch1", "LOG10_RMS_ch2"]
    assert list(table.X_baseline.columns[::4]) == ["MAV_ch1", "WL_ch1", "ZC_RATE_ch1", "SSC_RATE_ch1"]
    assert np.isfinite(table.X.to_numpy()).mean() > 0.99


def test_a_subject_file_folder_with_a_label_column_is_a_cohort(gesture_manifest, tmp_path):
    for f in sorted(gesture_manifest.parent.glob("S*.csv")):
        (tmp_path / f.name[:3]).mkdir(exist_ok=True)
        shutil.copy(f, tmp_path / f.name[:3] / f.name)
    cohort = load_cohort(tmp_path, label_column="gesture")
    assert len(cohort.entries) == 8 and {e.subject for e in cohort.entries} == {"S01", "S02", "S03", "S04"}
    with pytest.raises(ValueError, match="layout is subject/file"):
        load_cohort(tmp_path / "S01", label_column="gesture")


def test_design_is_inferred_and_checked():
    assert check_design(["a", "b", "a", "b", "a", "b"], [1, 1, 2, 2, 3, 3]).design == WITHIN
    assert check_design(["a", "a", "a", "b", "b", "b"], [1, 2, 3, 4, 5, 6]).design == BETWEEN
    with pytest.raises(ValueError, match="have more than one label.*within-subject"):
        check_design(["a", "b", "a", "b", "a", "b"], [1, 1, 2, 2, 3, 3], "between")
    with pytest.raises(ValueError, match="only one class \\('fist'\\)"):
        check_design(["fist"] * 4, [1, 2, 3, 4])


def test_no_subject_is_ever_in_training_and_test_and_sessions_stay_together(table):
    from decision_support.validation import grouped_splits

    meta = table.meta
    splits = grouped_splits(meta["label"], meta["subject"], n_splits=4, within_subject=True)
    held = []
    sessions = (meta["subject"] + "/" + meta["session"]).to_numpy()
    for train, test in splits:
        assert not set(meta["subject"].iloc[train]) & set(meta["subject"].iloc[test])
        assert not set(sessions[train]) & set(sessions[test])
        held += sorted(set(meta["subject"].iloc[test]))
    assert sorted(held) == sorted(meta["subject"].unique())  # each subject tested exactly once
    with pytest.raises(ValueError, match="within-subject design"):
        grouped_splits(meta["label"], meta["subject"])


def test_nested_validation_reports_both_levels_spread_baseline_and_saves(table, tmp_path):
    model = train_windowed(table, candidates=("lda", "logistic"), n_splits=4, simulated=True)
    r = model.result
    assert r.design.design == WITHIN and r.per_subject_norm is None and r.n_folds == 4  # chosen per fold
    assert len(r.norm_per_fold) == 4 and len(r.inner_scores[0]) == 4  # 2 classifiers x normalised or not
    assert {c.split(" + ")[0] for c in r.chosen_per_fold} <= {"lda", "logistic"} and len(r.chosen_per_fold) == 4
    o = r.ours
    assert o["n_segments"] == 24 and sum(map(sum, o["confusion"])) == 24
    assert set(o["per_subject"]) == {"S01", "S02", "S03", "S04"}
    assert o["segment_accuracy"] > 0.6  # three classes: chance is 1/3
    assert o["segment_accuracy_ci"][0] <= o["segment_accuracy"] <= o["segment_accuracy_ci"][1]
    assert r.baseline is not None and r.baseline["n_windows"] == o["n_windows"]
    folder = save_windowed(model, tmp_path / "m")
    card = (folder / "model_card.md").read_text()
    assert "Within-subject design" in card and "Reviewer's baseline" in card and "SIMULATED" in card
    saved = json.loads((folder / "windowed.json").read_text())
    assert saved["validation"]["design"]["design"] == WITHIN
    # segment-level predictions of the saved model on its own windows
    pred = model.predict_segments(table.X, table.meta["subject"], table.meta["segment"])
    assert len(pred) == 24 and set(pred["predicted"]) <= set(r.classes)


def test_level_metrics_are_exact_on_a_hand_made_case():
    classes = np.array(["a", "b"])
    y = np.array(["a", "a", "b", "b", "a", "b"])
    proba = np.array([[.9, .1], [.4, .6], [.2, .8], [.3, .7], [.2, .8], [.6, .4]])
    m = level_metrics(proba, y, np.array(["s1"] * 4 + ["s2"] * 2), np.array(["1", "1", "2", "2", "3", "4"]), classes)
    assert m["window_accuracy"] == pytest.approx(3 / 6)
    assert m["segment_accuracy"] == pytest.approx(2 / 4)  # segment 1 mean (.65, .35) -> a; 2 -> b; 3, 4 wrong
    assert m["per_subject"] == {"s1": 1.0, "s2": 0.0} and m["confusion"] == [[1, 1], [1, 1]]


def test_per_subject_normalisation_standardises_each_subject_and_is_refused_between():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [10.0, 0.0], [30.0, 2.0]])
    Z = subject_standardise(X, np.array(["a", "a", "b", "b"]))
    np.testing.assert_allclose(Z, [[-1, 0], [1, 0], [-1, -1], [1, 1]])


def test_bad_inputs_get_plain_messages(gesture_manifest, tmp_path):
    root = gesture_manifest.parent
    # one class in the label column
    one = tmp_path / "one"
    shutil.copytree(root, one)
    for f in one.glob("S*.csv"):
        text = f.read_text().replace(",extension\n", ",fist\n").replace(",rest\n", ",fist\n")
        f.write_text(text)
    t = cohort_windows(load_cohort(one / "manifest.csv", label_column="gesture"), SETTINGS, scheduler="serial")
    with pytest.raises(ValueError, match="only one class \\('fist'\\)"):
        train_windowed(t, candidates=("lda",))
    # a subject with no usable segment: its segments are shorter than the minimum
    with pytest.raises(ValueError, match="S0[1-4].* have no usable segment.*shorter than 5 s"):
        cohort_windows(load_cohort(gesture_manifest, label_column="gesture"),
                       WindowSettings(label_column="gesture", segments=SegmentSettings(min_segment_s=5.0)))
    # mixed sampling rates
    mixed = tmp_path / "mixed"
    shutil.copytree(root, mixed)
    manifest = pd.read_csv(mixed / "manifest.csv")
    manifest["fs"] = [2000 if i == 0 else "" for i in range(len(manifest))]
    manifest.to_csv(mixed / "manifest.csv", index=False)
    with pytest.raises(ValueError, match="different sampling rates \\(2000 Hz: 1 file.*1000 Hz: 7 file"):
        cohort_windows(load_cohort(mixed / "manifest.csv", label_column="gesture"), SETTINGS, scheduler="serial")
    # relabelled as a between-subject cohort with two subjects per class: too few to validate
    between = t.meta.copy()
    between["label"] = between["subject"].map({"S01": "x", "S02": "x", "S03": "y", "S04": "y"})
    t.meta = between
    with pytest.raises(ValueError, match="at least 3 different subjects"):
        train_windowed(t, candidates=("lda",), per_subject_norm=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_an_external_dask_scheduler_with_two_workers_gives_the_serial_table(gesture_manifest, table):
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("the dask command-line tool is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.0)
        for _ in range(2):
            procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--death-timeout", "60"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        cohort = load_cohort(gesture_manifest, label_column="gesture")
        remote = cohort_windows(cohort, SETTINGS, scheduler=address)
        pd.testing.assert_frame_equal(remote.X, table.X)
        pd.testing.assert_frame_equal(remote.X_baseline, table.X_baseline)
        pd.testing.assert_frame_equal(remote.meta, table.meta)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _between_table(rng):
    from decision_support.cohort_windows import WindowTable

    rows = []
    for s in range(8):  # one label per subject, 4 subjects per class, 2 segments x 5 windows each
        for seg in range(2):
            rows += [{"subject": f"P{s}", "session": "1", "recording": f"P{s}.csv", "segment": f"P{s}#{seg}",
                      "label": "myopathic" if s % 2 else "healthy", "window_start_s": 0.1 * w} for w in range(5)]
    meta = pd.DataFrame(rows)
    X = pd.DataFrame(rng.normal(size=(len(meta), 3)), columns=["a_ch1", "b_ch1", "c_ch1"])
    X.loc[meta["label"] == "myopathic", "a_ch1"] += 3.0
    return WindowTable(X, X.copy(), meta, 1000.0, 1, SETTINGS, [], [])


def test_between_subject_designs_train_on_windows_without_normalisation_and_refuse_it():
    table = _between_table(np.random.default_rng(0))
    result = train_windowed(table, candidates=("lda",), n_splits=4).result
    assert result.design.design == BETWEEN and result.per_subject_norm is False
    assert result.ours["segment_accuracy"] > 0.9 and len(result.ours["per_subject"]) == 8
    with pytest.raises(ValueError, match="per-subject normalisation needs a within-subject design"):
        train_windowed(table, candidates=("lda",), per_subject_norm=True)


def test_gradient_boosting_fits_on_a_capped_even_sample_of_windows(monkeypatch):
    import decision_support.windowed as windowed

    seen = {}

    class Spy:
        def fit(self, X, y):
            seen["rows"] = len(y)
            seen["first_last"] = (X[0, 0], X[-1, 0])
            return self

    monkeypatch.setattr(windowed, "HGB_MAX_WINDOWS", 10)
    monkeypatch.setattr(windowed, "candidate_pipeline", lambda name, seed=0: Spy())
    X = np.arange(100.0)[:, None]
    windowed.fit_candidate("hgb", X, np.repeat(["a", "b"], 50))
    assert seen == {"rows": 10, "first_last": (0.0, 99.0)}
    windowed.fit_candidate("lda", X, np.repeat(["a", "b"], 50))
    assert seen["rows"] == 100
