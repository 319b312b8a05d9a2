"""Hostile recordings: each is refused with a SignalError naming the file, before its samples are decoded.

Peak memory is measured with tracemalloc (NumPy reports its array allocations to it): every refusal
here must stay under a few MB although the files decode to hundreds of MB or gigabytes.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pyedflib  # noqa: F401 - imported here so its import is not counted in the peaks
import wfdb  # noqa: F401
import pytest

from signal_core import limits
from signal_core.errors import SignalError
from signal_core.features import extract_features
from signal_core.io import load_recording, load_recording_bytes
from tests.hardening import hostile_files as hf

PEAK_BYTES = 20_000_000


def _refused(path, match, **kwargs):
    tracemalloc.start()
    try:
        with pytest.raises(SignalError, match=match) as info:
            load_recording(path, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{path.name}: peak {peak / 1e6:.0f} MB before refusing"
    assert str(info.value).startswith(path.name + ":")
    return str(info.value)


def test_npz_member_decompressing_past_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv(limits.MAX_VALUES_ENV, "1000000")  # 8 MB of float64, so the bomb can stay small
    _refused(hf.npz_bomb(tmp_path, decoded_bytes=20_000_000), "decompresses to 20 MB")


def test_npz_header_claiming_more_samples_than_the_limit(tmp_path):
    assert "500,000,000 values (4.0 GB" in _refused(hf.npz_lying_header(tmp_path), "over the limit")


def test_int8_npy_is_counted_in_float64_terms(tmp_path):
    message = _refused(hf.int8_npy(tmp_path), "40,000,000 values", fs=1000)
    assert "MEDLENS_MAX_SAMPLES" in message


def test_object_npy_gets_no_allow_pickle_advice(tmp_path):
    message = _refused(hf.object_npy(tmp_path), "Python objects", fs=1000)
    assert "allow_pickle" not in message


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deeply_nested_npz_metadata(tmp_path, depth):
    _refused(hf.npz_deep_metadata(tmp_path, depth), "nested more than 64 levels")


def test_wfdb_huge_skew(tmp_path):
    _refused(hf.wfdb_skew(tmp_path), "skew of 1000000000 samples")


@pytest.mark.parametrize("rate", ["-1", "nan", "inf", "0"])
def test_wfdb_impossible_rate_is_not_read_as_250_hz(tmp_path, rate):
    _refused(hf.wfdb_bad_rate(tmp_path, rate), f"sampling rate '{rate}'")


def test_wfdb_multisegment(tmp_path):
    _refused(hf.wfdb_multisegment(tmp_path), "multi-segment")


def test_wfdb_odd_format_212(tmp_path):
    message = _refused(hf.wfdb_odd_212(tmp_path), "does not match its header")
    assert "broadcast" not in message


def test_decimal_commas_in_one_column_csv(tmp_path):
    _refused(hf.decimal_comma_csv(tmp_path), "decimal commas", fs=1000)


def test_two_integer_columns_still_read(tmp_path):
    path = tmp_path / "adc.csv"
    path.write_text("".join(f"{i % 50},{(i * 7) % 90}\n" for i in range(2000)))
    assert load_recording(path, fs=1000).data.shape == (2000, 2)


def test_fifo_is_not_called_a_folder(tmp_path):
    fifo = tmp_path / "pipe.csv"
    import os

    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")


@pytest.mark.parametrize("companion", ["..", ".", "", "../..", "/"])
def test_upload_companions_with_path_names(companion):
    header = b"rec 1 1000 2000\nrec.dat 16 200/mV 16 0 0 0 0 EMG\n"
    with pytest.raises(SignalError, match="not a usable file name"):
        load_recording_bytes(header, "rec.hea", companions={companion: b"\0" * 4000, "rec.dat": b"\0" * 4000})


def test_feature_table_over_the_limit_says_which_step_fits(monkeypatch):
    monkeypatch.setenv(limits.MAX_VALUES_ENV, "100000")
    signal = np.random.default_rng(1).normal(size=(40_000, 2))
    with pytest.raises(SignalError, match=r"use a step of at least ([0-9.]+) s") as info:
        extract_features(signal, fs=4000.0, window_s=0.2, step_s=0.00025, features=["RMS", "MAV"])
    step = float(re.search(r"at least ([0-9.]+) s", str(info.value)).group(1))
    result = extract_features(signal, fs=4000.0, window_s=0.2, step_s=step, features=["RMS", "MAV"])
    assert result.values.size <= 100_000


def test_nesting_depth_is_iterative():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert limits.nesting_depth(deep) == limits.MAX_NESTING + 1


def test_csv_gets_a_quarter_of_the_limit_counted_before_splitting(tmp_path, monkeypatch):
    monkeypatch.setenv(limits.MAX_VALUES_ENV, "40000")
    path = tmp_path / "long.csv"
    path.write_text("0.5,0.25\n" * 6000)  # 12,000 values: under 40,000 but over a quarter of it
    message = _refused(path, "over the limit of 10,000 values for a CSV file", fs=1000)
    assert ".npy" in message
    path.write_text("0.5,0.25\n" * 4000)
    assert load_recording(path, fs=1000).data.shape == (4000, 2)


@pytest.mark.parametrize("path", ["..", "sub/..", ".", "/"])
def test_uploaded_manifest_paths_without_a_file_name(tmp_path, path):
    from decision_support.workflow import save_uploaded_cohort

    manifest = f"path,subject,label\n{path},s1,healthy\n".encode()
    with pytest.raises(ValueError, match="does not end in a file name"):
        save_uploaded_cohort(manifest, {"..": b"x", "rec.npy": b"x"}, tmp_path / "upload")
    assert not (tmp_path / "..").is_file()


def test_csv_limit_counts_columns_of_the_data_not_of_a_comment(tmp_path, monkeypatch):
    monkeypatch.setenv(limits.MAX_VALUES_ENV, "40000")
    path = tmp_path / "commented.csv"
    path.write_text("# recorded with a long descriptive comment of many words here\n" + "0.5\n" * 9000)
    assert load_recording(path, fs=1000).data.shape == (9000, 1)
