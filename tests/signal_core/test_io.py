"""Loading recordings: round trips for every format, and every malformed input ends in SignalError."""

from __future__ import annotations

import math

import numpy as np
import pyedflib
import pytest
import wfdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyedflib import highlevel

from signal_core.errors import SignalError
from signal_core.io import (
    SUPPORTED_EXTENSIONS,
    load_recording,
    load_recording_bytes,
    save_recording,
)
from signal_core.recording import Recording

FS = 1000.0


def _signal(n=1000, channels=2, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (n, channels))


# ---------------------------------------------------------------- round trips

def test_csv_with_header_and_time_column_infers_fs(tmp_path):
    data = _signal()
    t = np.arange(len(data)) / FS
    path = tmp_path / "rec.csv"
    np.savetxt(path, np.column_stack([t, data]), delimiter=",", header="time,biceps,triceps", comments="")
    rec = load_recording(path)
    assert rec.fs == pytest.approx(FS)
    assert rec.channel_names == ("biceps", "triceps")
    np.testing.assert_allclose(rec.data, data, rtol=1e-15, atol=1e-15)
    assert rec.metadata["time_column"] == "time"


@pytest.mark.parametrize("header, units", [
    ("time,emg_uV,trigger", ("uV", "")), ("time,EMG (mV),EMG [µV]", ("mV", "uV")),
    ("time,biceps_microvolts,x", ("uV", "")), ("time,biceps,triceps", ("", "")), ("time,level,dev", ("", "")),
])
def test_csv_column_names_give_the_unit(tmp_path, header, units):
    """Clinics export CSV in uV or mV and say so in the header; a header without units leaves them unknown
    (the MUAP analysis then reads the unit from the signal's size)."""
    path = tmp_path / "rec.csv"
    np.savetxt(path, np.column_stack([np.arange(1000) / FS, _signal()]), delimiter=",", header=header, comments="")
    assert load_recording(path).units == units


def test_csv_time_in_ms_and_semicolons(tmp_path):
    data = _signal(channels=1)
    t_ms = np.arange(len(data)) * 0.25
    path = tmp_path / "rec.csv"
    np.savetxt(path, np.column_stack([t_ms, data]), delimiter=";", header="time_ms;emg", comments="")
    rec = load_recording(path)
    assert rec.fs == pytest.approx(4000.0)
    assert rec.channel_names == ("emg",)


def test_csv_without_header_needs_fs(tmp_path):
    data = _signal()
    path = tmp_path / "rec.csv"
    np.savetxt(path, data, delimiter=",")
    with pytest.raises(SignalError, match="rec.csv: no sampling rate"):
        load_recording(path)
    rec = load_recording(path, fs=FS)
    assert rec.channel_names == ("ch1", "ch2")
    np.testing.assert_allclose(rec.data, data)


def test_csv_given_fs_wins_over_time_column(tmp_path):
    data = _signal()
    path = tmp_path / "rec.csv"
    np.savetxt(path, np.column_stack([np.arange(len(data)) / FS, data]), delimiter=",",
               header="t,a,b", comments="")
    assert load_recording(path, fs=2000).fs == 2000.0


def test_npy_round_trip(tmp_path):
    data = _signal()
    np.save(tmp_path / "rec.npy", data)
    rec = load_recording(tmp_path / "rec.npy", fs=FS)
    np.testing.assert_array_equal(rec.data, data)
    with pytest.raises(SignalError, match="rec.npy.*sampling rate"):
        load_recording(tmp_path / "rec.npy")


def test_npz_save_load_round_trip(tmp_path):
    rec = Recording(_signal(), FS, ("a", "b"), ("mV", "mV"), {"condition": "healthy", "seed": 3})
    path = save_recording(rec, tmp_path / "rec.npz")
    back = load_recording(path)
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.fs == FS and back.channel_names == ("a", "b") and back.units == ("mV", "mV")
    assert back.metadata["condition"] == "healthy" and back.metadata["seed"] == 3


def test_npz_with_signal_key_and_fs_argument(tmp_path):
    np.savez(tmp_path / "rec.npz", signal=_signal(channels=1)[:, 0])
    assert load_recording(tmp_path / "rec.npz", fs=500).n_channels == 1
    with pytest.raises(SignalError, match="sampling rate"):
        load_recording(tmp_path / "rec.npz")


@pytest.mark.parametrize("fmt", ["16", "212"])
def test_wfdb_round_trip(tmp_path, fmt):
    data = _signal(channels=2, scale=0.5)
    wfdb.wrsamp("emg", fs=4000, units=["mV", "mV"], sig_name=["needle", "ref"], p_signal=data,
                fmt=[fmt, fmt], adc_gain=[1000.0, 1000.0], baseline=[0, 0], write_dir=str(tmp_path))
    for target in ("emg.hea", "emg.dat", "emg"):
        rec = load_recording(tmp_path / target)
        assert rec.fs == 4000.0 and rec.channel_names == ("needle", "ref") and rec.units == ("mV", "mV")
        np.testing.assert_allclose(rec.data, data, atol=0.5 / 1000.0 + 1e-12)
        assert rec.metadata["wfdb_fmt"] == [fmt]


def test_wfdb_bytes_upload_needs_both_files(tmp_path):
    data = _signal(channels=1, scale=0.5)
    wfdb.wrsamp("emg", fs=4000, units=["mV"], sig_name=["needle"], p_signal=data, fmt=["16"],
                adc_gain=[1000.0], baseline=[0], write_dir=str(tmp_path))
    hea, dat = (tmp_path / "emg.hea").read_bytes(), (tmp_path / "emg.dat").read_bytes()
    rec = load_recording_bytes(hea, "emg.hea", companions={"emg.dat": dat})
    assert rec.n_samples == len(data)
    with pytest.raises(SignalError, match="emg.hea.*\\.dat"):
        load_recording_bytes(hea, "emg.hea")
    with pytest.raises(SignalError, match="emg.dat.*\\.hea"):
        load_recording_bytes(dat, "emg.dat")


@pytest.mark.parametrize("ext", ["edf", "bdf"])
def test_edf_bdf_round_trip(tmp_path, ext):
    data = _signal(n=2000, channels=2, scale=50.0)
    bits = 24 if ext == "bdf" else 16
    headers = highlevel.make_signal_headers(["EMG1", "EMG2"], dimension="uV", sample_frequency=FS,
                                            physical_min=-400.0, physical_max=400.0,
                                            digital_min=-(2 ** (bits - 1)), digital_max=2 ** (bits - 1) - 1)
    path = tmp_path / f"rec.{ext}"
    highlevel.write_edf(str(path), np.ascontiguousarray(data.T), headers)
    rec = load_recording(path)
    assert rec.fs == FS and rec.channel_names == ("EMG1", "EMG2") and rec.units == ("uV", "uV")
    np.testing.assert_allclose(rec.data, data, atol=800.0 / 2 ** bits)


def test_edf_mixed_sampling_rates_rejected(tmp_path):
    headers = highlevel.make_signal_headers(["EMG", "ACC"], sample_frequency=FS)
    headers[1]["sample_frequency"] = FS / 2
    path = tmp_path / "mixed.edf"
    highlevel.write_edf(str(path), [np.zeros(2000), np.zeros(1000)], headers)
    with pytest.raises(SignalError, match="mixed.edf: its signals have different sampling rates"):
        load_recording(path)


def test_bytes_upload_csv():
    text = "time,emg\n" + "\n".join(f"{i / FS},{math.sin(i / 5)}" for i in range(500))
    rec = load_recording_bytes(text.encode(), "../../evil/rec.csv")
    assert rec.fs == pytest.approx(FS) and rec.metadata["source"] == "rec.csv"


# ---------------------------------------------------------------- clear errors

def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_non_numeric_cell_names_row_and_column(tmp_path):
    path = _write(tmp_path, "rec.csv", "a,b\n1,2\n3,oops\n5,6\n")
    with pytest.raises(SignalError, match=r"rec.csv: row 3, b holds the non-numeric value 'oops'"):
        load_recording(path, fs=FS)


def test_empty_cell_and_ragged_rows(tmp_path):
    with pytest.raises(SignalError, match="row 2, column 2 holds an empty cell"):
        load_recording(_write(tmp_path, "a.csv", "1,2\n3,\n"), fs=FS, min_seconds=0)
    with pytest.raises(SignalError, match="row 3 has 3 columns but the first row has 2"):
        load_recording(_write(tmp_path, "b.csv", "1,2\n3,4\n5,6,7\n"), fs=FS, min_seconds=0)


def test_nan_and_inf_counted_with_first_location(tmp_path):
    data = _signal()
    data[10, 1] = np.nan
    data[20, 0] = np.inf
    np.save(tmp_path / "rec.npy", data)
    with pytest.raises(SignalError, match=r"rec.npy: 2 missing or infinite values .* sample 11, channel 2"):
        load_recording(tmp_path / "rec.npy", fs=FS)


def test_too_short_for_one_window(tmp_path):
    np.save(tmp_path / "short.npy", np.zeros(100))
    with pytest.raises(SignalError, match=r"short.npy: only 100 samples .* at least 200"):
        load_recording(tmp_path / "short.npy", fs=FS)


def test_a_too_short_file_says_sample_in_the_singular_and_questions_an_absurd_rate(tmp_path):
    one = tmp_path / "one.npz"
    np.savez(one, signal=np.array([1.0]), fs=4000.0)
    with pytest.raises(SignalError, match=r"only 1 sample \(") as err:
        load_recording(one)
    assert "sampling rate right" not in str(err.value)
    absurd = tmp_path / "absurd.npz"
    np.savez(absurd, signal=np.zeros(4000), fs=1e12)  # 1 s of EMG with a rate typed in the wrong unit
    with pytest.raises(SignalError, match=r"is the sampling rate right\? 1e\+12 Hz is far above"):
        load_recording(absurd)


@pytest.mark.parametrize("fs", [0, -1, float("nan"), float("inf"), "fast"])
def test_bad_sampling_rate(tmp_path, fs):
    np.save(tmp_path / "rec.npy", _signal())
    with pytest.raises(SignalError, match="rec.npy: sampling rate"):
        load_recording(tmp_path / "rec.npy", fs=fs)


def test_too_many_channels_hints_at_transpose(tmp_path):
    np.save(tmp_path / "wide.npy", np.zeros((4, 5000)))
    with pytest.raises(SignalError, match="5000 channels .*one column per channel"):
        load_recording(tmp_path / "wide.npy", fs=FS)


def test_size_limit_argument_and_env(tmp_path, monkeypatch):
    np.save(tmp_path / "rec.npy", _signal(n=100_000, channels=2))
    with pytest.raises(SignalError, match="rec.npy: 1.6 MB is over the 1 MB limit"):
        load_recording(tmp_path / "rec.npy", fs=FS, max_bytes=1_000_000)
    monkeypatch.setenv("MEDLENS_MAX_FILE_MB", "0.5")
    with pytest.raises(SignalError, match="over the"):
        load_recording(tmp_path / "rec.npy", fs=FS)
    monkeypatch.setenv("MEDLENS_MAX_FILE_MB", "10")
    assert load_recording(tmp_path / "rec.npy", fs=FS).n_samples == 100_000


def test_unknown_extension_lists_supported(tmp_path):
    path = _write(tmp_path, "rec.xlsx", "x")
    with pytest.raises(SignalError) as info:
        load_recording(path)
    assert "rec.xlsx" in str(info.value) and all(ext in str(info.value) for ext in SUPPORTED_EXTENSIONS)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(SignalError, match="nope.csv: file not found"):
        load_recording(tmp_path / "nope.csv")
    with pytest.raises(SignalError, match="empty.csv: the file is empty"):
        load_recording(_write(tmp_path, "empty.csv", ""))
    with pytest.raises(SignalError, match="header but no data"):
        load_recording(_write(tmp_path, "head.csv", "a,b\n"))


def test_signal_error_is_a_value_error():
    assert issubclass(SignalError, ValueError)


# ---------------------------------------------------------------- property-based: never another exception

HYPO = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPO
@given(payload=st.binary(max_size=600), ext=st.sampled_from(["csv", "npy", "npz", "edf", "bdf", "hea", "dat", "tsv"]),
       fs=st.sampled_from([None, 1000.0, 0.0, -1.0, float("nan")]))
def test_random_bytes_always_signal_error(tmp_path, payload, ext, fs):
    path = tmp_path / f"junk.{ext}"
    path.write_bytes(payload)
    if ext == "dat":
        (tmp_path / "junk.hea").write_bytes(payload[:80])
    with pytest.raises(SignalError):
        load_recording(path, fs=fs)


cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="abcxyz,;\t\"' -.eE", max_size=6),
    st.just(""),
)


@HYPO
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=4), min_size=0, max_size=8),
       header=st.booleans())
def test_malformed_csv_always_signal_error(tmp_path, rows, header):
    lines = (["time,a,b"] if header else []) + [",".join(r) for r in rows]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    # min 0.2 s at 1 kHz needs 200 rows: every one of these tiny files must be refused with a reason
    with pytest.raises(SignalError):
        load_recording(path, fs=1000.0)


@HYPO
@given(shape=st.lists(st.integers(0, 6), min_size=0, max_size=4),
       fill=st.sampled_from([0.0, np.nan, np.inf, 1.0]),
       dtype=st.sampled_from(["float64", "int16", "complex128", "U3", "bool"]),
       fs=st.sampled_from([None, 1000.0, 0.0, -1.0, float("nan")]))
def test_malformed_arrays_always_signal_error(tmp_path, shape, fill, dtype, fs):
    with np.errstate(invalid="ignore"):  # NaN cast to int16 is part of the malformed input
        arr = np.full(shape, fill).astype(dtype) if dtype != "U3" else np.full(shape, "abc")
    np.save(tmp_path / "a.npy", arr)
    np.savez(tmp_path / "b.npz", data=arr, fs=fs if fs is not None else np.array("x"))
    for name in ("a.npy", "b.npz"):
        with pytest.raises(SignalError):
            load_recording(tmp_path / name, fs=fs)


@HYPO
@given(cut=st.integers(0, 255))
def test_truncated_edf_and_wfdb_headers_signal_error(tmp_path, cut):
    data = _signal(n=400, channels=1, scale=10.0)
    headers = highlevel.make_signal_headers(["EMG"], sample_frequency=FS, physical_min=-100, physical_max=100)
    full = tmp_path / "full.edf"
    if not full.exists():
        highlevel.write_edf(str(full), data.T, headers)
        wfdb.wrsamp("w", fs=FS, units=["mV"], sig_name=["e"], p_signal=data / 100, fmt=["212"],
                    adc_gain=[1000.0], baseline=[0], write_dir=str(tmp_path))
    (tmp_path / "cut.edf").write_bytes(full.read_bytes()[:cut])
    with pytest.raises(SignalError):
        load_recording(tmp_path / "cut.edf")
    hea = (tmp_path / "w.hea").read_text()
    (tmp_path / "c.hea").write_text(hea[: cut % max(1, len(hea) - 1)].replace("w.dat", "c.dat"))
    (tmp_path / "c.dat").write_bytes((tmp_path / "w.dat").read_bytes()[:cut])
    with pytest.raises(SignalError):
        load_recording(tmp_path / "c.hea")


def test_pyedflib_available():
    assert hasattr(pyedflib, "EdfReader")


@HYPO
@given(payload=st.binary(max_size=300), filename=st.text(max_size=40))
def test_uploads_with_any_name_and_bytes_signal_error(payload, filename):
    with pytest.raises(SignalError):
        load_recording_bytes(payload, filename, fs=1000.0)


@pytest.mark.parametrize("filename", ["..", ".", "", "a/../../x.csv", "C:\\\\evil\\\\x.csv", "x\x00.csv"])
def test_upload_names_stay_inside_temp_folder(filename):
    with pytest.raises(SignalError):
        load_recording_bytes(b"1,2\n", filename)


def test_min_samples_overrides_min_seconds(tmp_path):
    np.save(tmp_path / "rec.npy", np.zeros(50))
    assert load_recording(tmp_path / "rec.npy", fs=FS, min_samples=10).n_samples == 50
    with pytest.raises(SignalError, match="at least 100"):
        load_recording(tmp_path / "rec.npy", fs=FS, min_seconds=0.0, min_samples=100)


def test_wfdb_header_promising_more_than_the_file_holds(tmp_path):
    data = _signal(n=1000, channels=1, scale=0.5)
    wfdb.wrsamp("w", fs=FS, units=["mV"], sig_name=["e"], p_signal=data, fmt=["16"], adc_gain=[1000.0],
                baseline=[0], write_dir=str(tmp_path))
    lines = (tmp_path / "w.hea").read_text().splitlines()
    lines[0] = "w 1 1000 900000000"  # record line: name, signals, fs, samples
    header = "\n".join(lines) + "\n"
    (tmp_path / "w.hea").write_text(header)
    with pytest.raises(SignalError, match="w.hea: the header promises 900000000 samples"):
        load_recording(tmp_path / "w.hea")


def _edf_with_patient(path, *, birthdate=None, start=None, sex=None, additional=""):
    import datetime

    writer = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders([{"label": "EMG R deltoid", "dimension": "uV", "sample_frequency": FS,
                                  "physical_max": 400.0, "physical_min": -400.0, "digital_max": 32767,
                                  "digital_min": -32768, "transducer": "", "prefilter": ""}])
        if birthdate is not None:
            writer.setBirthdate(birthdate)
        if sex is not None:
            writer.setSex(sex)
        if additional:
            writer.setPatientAdditional(additional)
        writer.setStartdatetime(start or datetime.datetime(2024, 3, 2, 10, 0, 0))
        writer.writeSamples([_signal(n=2000, channels=1, scale=50.0)[:, 0]])
    finally:
        writer.close()


def test_edf_plus_patient_fields_give_age_and_sex(tmp_path):
    """Clinical EDF+ exports carry the birth date and sex: the age is counted at the recording's start date."""
    import datetime

    _edf_with_patient(tmp_path / "a.edf", birthdate=datetime.date(1962, 5, 17), sex=1,
                      start=datetime.datetime(2024, 3, 2, 10, 0))
    meta = load_recording(tmp_path / "a.edf").metadata
    assert meta["age"] == 61 and meta["sex"] == "M"  # 17 May 1962 to 2 March 2024: not yet 62
    _edf_with_patient(tmp_path / "b.edf", birthdate=datetime.date(1962, 3, 2), sex=0,
                      start=datetime.datetime(2024, 3, 2, 10, 0))
    meta = load_recording(tmp_path / "b.edf").metadata
    assert meta["age"] == 62 and meta["sex"] == "F"  # the birthday itself counts
    _edf_with_patient(tmp_path / "c.edf", additional="age_45")
    assert load_recording(tmp_path / "c.edf").metadata["age"] == 45  # free text, no birth date
    _edf_with_patient(tmp_path / "d.edf")
    assert "age" not in load_recording(tmp_path / "d.edf").metadata and "sex" not in \
        load_recording(tmp_path / "d.edf").metadata  # nothing is guessed


def test_wfdb_header_fields_in_other_labs_spellings():
    from signal_core.io import _header_fields

    fields = _header_fields(["Patient age = 70", "sex = F", "muscle tested: deltoid", "time: 10:30",
                             "Age (years): 44", "no separator here", "diagnosis:"])
    assert fields == {"age": "44", "sex": "F", "muscle": "deltoid"}  # the last age wins; empty values skipped
    assert _header_fields(["age: 26", "gender: M", "level: low"]) == {"age": "26", "sex": "M",
                                                                      "contraction_level": "low"}
