"""Cohorts from manifests and folders: clear errors, per-file cache, Dask equals serial."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decision_support.cohort import cohort_features, load_cohort, read_folder, read_manifest
from decision_support.transformers import FeatureSettings
from tests.decision_support.files import write_cohort

SETTINGS = FeatureSettings(features=("MNF", "KURT", "ZC_RATE"))


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    return write_cohort(tmp_path_factory.mktemp("cohort"), subjects=2, recordings=2, seconds=0.6)


def test_manifest_to_feature_table_with_covariates(manifest, tmp_path):
    cohort = read_manifest(manifest)
    assert cohort.summary()["subjects_per_label"] == {"healthy": 2, "myopathic": 2, "neurogenic": 2}
    table = cohort_features(cohort, SETTINGS, cache_dir=tmp_path)
    assert len(table) == 12
    assert {"MNF_median", "KURT_iqr", "subject", "label", "recording", "age", "sex", "muscle"} <= set(table.columns)
    assert table["recording"].iloc[0] == "healthy/S00/r0.npz"
    assert table.attrs["failed"] == []


def test_folder_layout_matches_manifest(manifest, tmp_path):
    folder = read_folder(manifest.parent)
    assert len(folder.entries) == 12 and folder.labels == ["healthy", "myopathic", "neurogenic"]
    a = cohort_features(folder, SETTINGS, use_cache=False)
    b = cohort_features(load_cohort(manifest), SETTINGS, use_cache=False)
    pd.testing.assert_frame_equal(a[["MNF_median", "label"]], b[["MNF_median", "label"]])


def test_cache_is_used_and_keyed_by_settings(manifest, tmp_path, monkeypatch):
    first = cohort_features(manifest, SETTINGS, cache_dir=tmp_path)
    assert len(list((tmp_path / "features").glob("*.parquet"))) == 12
    import decision_support.cohort as cohort_module

    def no_loading(*args, **kwargs):
        raise AssertionError("the cache should have served this file")

    monkeypatch.setattr(cohort_module, "load_recording", no_loading)
    second = cohort_features(manifest, SETTINGS, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(first, second)
    # other settings miss the cache: every file is loaded again (and fails here, by design of the test)
    with pytest.raises(ValueError, match="could not be used"):
        cohort_features(manifest, FeatureSettings(features=("MNF",)), cache_dir=tmp_path)


def test_dask_local_cluster_gives_the_serial_table(manifest):
    from distributed import Client, LocalCluster

    serial = cohort_features(manifest, SETTINGS, use_cache=False, scheduler="serial")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        seen = []
        dask = cohort_features(manifest, SETTINGS, use_cache=False, scheduler=client,
                               progress=lambda f, m: seen.append(f))
    pd.testing.assert_frame_equal(serial, dask)
    assert seen[-1] == pytest.approx(1.0)


def test_manifest_errors_name_the_row_and_file(manifest, tmp_path):
    table = pd.read_csv(manifest)
    bad = tmp_path / "m.csv"
    table.drop(columns=["label"]).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="lacks the column"):
        read_manifest(bad)
    broken = table.copy()
    broken.loc[3, "path"] = "nowhere/missing.npz"
    broken.to_csv(bad, index=False)
    with pytest.raises(ValueError, match="row 4 .*missing.npz not found"):
        read_manifest(bad)
    with pytest.raises(ValueError, match="unknown label 'myopathic'"):
        read_manifest(manifest, labels=["healthy", "neurogenic"])


def test_one_corrupt_file_is_reported_not_silent(manifest, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(manifest.parent, root)
    (root / "healthy" / "S00" / "r1.npz").write_bytes(b"this is not a recording")
    with pytest.raises(ValueError, match=r"1 of 12 recording\(s\) could not be used.*healthy/S00/r1.npz"):
        cohort_features(root / "manifest.csv", SETTINGS, use_cache=False)
    table = cohort_features(root / "manifest.csv", SETTINGS, use_cache=False, errors="skip")
    assert len(table) == 11
    assert table.attrs["failed"][0]["recording"] == "healthy/S00/r1.npz"


def test_unreachable_scheduler_is_a_clear_error(manifest):
    with pytest.raises(ValueError, match="scheduler"):
        cohort_features(manifest, SETTINGS, scheduler="nonsense")


def test_uploaded_cohort_is_written_by_file_name_and_trains(manifest, tmp_path):
    from decision_support.workflow import model_folder_for, save_uploaded_cohort

    table = pd.read_csv(manifest)
    files = {f"{i}.npz": (manifest.parent / p).read_bytes() for i, p in enumerate(table["path"])}
    table["path"] = [f"some/dir/{i}.npz" for i in range(len(table))]
    written = save_uploaded_cohort(table.to_csv(index=False).encode(), files, tmp_path / "up")
    assert len(cohort_features(written, SETTINGS, use_cache=False)) == 12
    dupes = table.assign(path=["same.npz"] * len(table)).to_csv(index=False).encode()
    with pytest.raises(ValueError, match="more than once"):
        save_uploaded_cohort(dupes, files, tmp_path / "up2")
    with pytest.raises(ValueError, match="not uploaded"):
        save_uploaded_cohort(table.to_csv(index=False).encode(), {}, tmp_path / "up3")
    with pytest.raises(ValueError, match="model name"):
        model_folder_for("../../etc")


@given(text=st.text(max_size=300))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_manifest_text_is_a_cohort_or_a_value_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("m") / "manifest.csv"
    path.write_text("path,subject,label\n" + text, encoding="utf-8", errors="replace")
    try:
        cohort = read_manifest(path)
    except ValueError:
        return
    assert all(e.path.is_file() for e in cohort.entries)


def test_a_path_too_long_for_the_file_system_is_a_listed_problem(tmp_path):
    """Found by hypothesis: a 300-character name raised OSError (File name too long) instead of a message."""
    path = tmp_path / "manifest.csv"
    path.write_text("path,subject,label\n" + "x" * 300 + ".npz,S1,healthy\n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a usable file name"):
        read_manifest(path)
