"""The Signal explorer page: renders, simulates, shows quality and features; uploads load or explain."""

from __future__ import annotations

import io

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

PAGE = str(REPO_ROOT / "app" / "views" / "signal_explorer.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_renders_with_prompt():
    at = _page()
    assert at.title[0].value == "Signal explorer"
    assert any("Simulate a recording" in i.value for i in at.info)


def test_simulate_shows_quality_and_features():
    at = _page()
    at.selectbox(key="sim_condition").set_value("neurogenic")
    at.number_input(key="sim_seconds").set_value(2.0)
    at.number_input(key="sim_channels").set_value(2)
    at.button(key="simulate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Quality verdict: **PASS**" in s.value for s in at.success)
    assert any("simulated" in i.value for i in at.info)  # the simulated-data note
    features = at.dataframe[2].value
    assert len(features) == 37 and "MAV_needle1" in features.columns and "RMS_needle2" in features.columns
    quality = at.dataframe[0].value
    assert list(quality["channel"]) == ["needle1", "needle2"]
    at.number_input(key="feat_window").set_value(0.5).run()
    assert len(at.dataframe[2].value) == 31


def test_surface_simulation_renders():
    at = _page()
    at.selectbox(key="sim_mode").set_value("surface")
    at.number_input(key="sim_seconds").set_value(1.0)
    at.button(key="simulate").click().run()
    assert not at.exception
    assert "MNF_surface1" in at.dataframe[2].value.columns


def test_open_file_mode_shows_uploader_controls():
    at = _page()
    at.radio(key="signal_source").set_value("Open a file").run()
    assert not at.exception
    assert at.number_input(key="signal_fs").value == 0.0


def test_upload_loader_reads_csv_and_wfdb_pairs(tmp_path):
    import pytest
    import wfdb

    from app.state_signals import uploaded

    t = np.arange(2000) / 1000.0
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([t, np.sin(40 * t)]), delimiter=",", header="time,emg", comments="")
    rec = uploaded((("rec.csv", buf.getvalue().encode()),), None)
    assert rec.fs == 1000.0 and rec.channel_names == ("emg",)

    wfdb.wrsamp("w", fs=4000, units=["mV"], sig_name=["needle"], p_signal=np.sin(np.arange(4000) / 9.0)[:, None],
                fmt=["16"], adc_gain=[1000.0], baseline=[0], write_dir=str(tmp_path))
    pair = (("w.dat", (tmp_path / "w.dat").read_bytes()), ("w.hea", (tmp_path / "w.hea").read_bytes()))
    assert uploaded(pair, None).channel_names == ("needle",)
    with pytest.raises(ValueError, match="one recording at a time"):
        uploaded((("a.csv", b"1"), ("b.csv", b"2")), None)


def test_uploaded_text_is_not_interpreted_as_markdown():
    from signal_core.recording import Recording

    at = AppTest.from_file(PAGE, default_timeout=120)
    data = np.zeros((4000, 1))
    at.session_state["signal_recording"] = Recording(
        data, 4000.0, ("**bold**[x](http://e.x)",), ("mV",), {"simulated": True, "condition": "<b>x</b>"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("disconnected" in m.value and "\\*\\*bold\\*\\*" in m.value for m in at.markdown)
    assert all("<b>x</b>" not in c.value for c in at.caption)


def _with_recording(rec) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["signal_recording"] = rec
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at, column):
    """The first table on the page with this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_sweep_gallery_parameters_reference_and_header_fields():
    from tests.signal_core.muap_truth import make_truth

    truth = make_truth(4000.0, seconds=6.0)
    meta = {"age": "47", "sex": "F", "diagnosis": "healthy control", "muscle": "Biceps brachii (long head)"}
    at = _with_recording(truth.recording.with_data(truth.recording.data, metadata=meta))
    header = _frame(at, "field")
    fields = dict(zip(header["field"], header["value"]))
    assert fields.items() >= {"Age": "47", "Sex": "F", "Muscle": "Biceps brachii (long head)"}.items()
    assert any("showing 100 ms from 0.00 s" in c.value for c in at.caption)
    assert any(c.value.startswith("Activity: ") and "s voluntary" in c.value for c in at.caption)
    table = _frame(at, "amplitude (mV)")
    assert len(table) == 5 and table["amplitude (mV)"].max() > 1.0
    reference = _frame(at, "reference low")
    assert "duration_ms" in set(reference["parameter"])
    assert any("MUAP" in m.value and "mean duration" in m.value for m in at.markdown)
    at.selectbox(key="sweep_ms").set_value(200).run()
    at.slider(key="sweep_start").set_value(1.0).run()
    assert not at.exception and any("showing 200 ms from 1.00 s" in c.value for c in at.caption)
    at.text_input(key="muap_muscle").set_value("tibialis anterior").run()
    assert not at.exception
    assert any("No verified reference for this muscle" in c.value for c in at.caption)


def test_flat_recording_explains_why_there_are_no_muaps():
    from signal_core.recording import Recording

    at = _with_recording(Recording(np.zeros((8000, 1)), 4000.0, ("needle",), ("mV",)))
    assert any("No MUAPs found: the recording is flat" in w.value for w in at.warning)


def test_interference_pattern_against_the_normal_cloud():
    from signal_core.simulator_protocols import simulate_protocol

    at = _with_recording(simulate_protocol("neurogenic", "moderate", seconds=4.0, seed=0))
    assert any("Neurogenic side." in w.value and "reinnervation" in w.value for w in at.warning)
    assert any("Cloud: medlens" in c.value and "not a diagnosis" in c.value for c in at.caption)
    assert any("40 epochs of 100 ms at 4000 Hz" in c.value for c in at.caption)


def test_flat_recording_has_no_interference_pattern_to_compare():
    from signal_core.recording import Recording

    at = _with_recording(Recording(np.zeros((8000, 1)), 4000.0, ("needle",), ("mV",)))
    assert any("Not compared." in i.value and "No interference pattern" in i.value for i in at.info)


def _npz(rec, **fields) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, signal=rec.data[:, 0], fs=rec.fs, **fields)
    return buf.getvalue()


def test_pooling_other_recordings_of_the_muscle():
    """A second needle site's recording pools its MUAPs with this one; another muscle is refused, visibly."""
    from tests.signal_core.muap_truth import make_truth

    truth = make_truth(4000.0, seconds=6.0)
    at = _with_recording(truth.recording)
    single = len(_frame(at, "amplitude (mV)"))
    pool = next(u for u in at.get("file_uploader") if "muap_pool" in u.proto.id)
    pool.set_value([("site2.npz", _npz(truth.recording, muscle="biceps brachii"), "application/octet-stream")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(i.value.startswith("Pooled 2 recordings") for i in at.info)
    assert len(_frame(at, "amplitude (mV)")) == 2 * single  # the same units seen twice
    pool = next(u for u in at.get("file_uploader") if "muap_pool" in u.proto.id)
    pool.set_value([("fdi.npz", _npz(truth.recording, muscle="FDI"), "application/octet-stream")])
    at.run()
    assert not at.exception
    assert any("Not pooled: these recordings are from different muscles" in e.value for e in at.error)
    assert len(_frame(at, "amplitude (mV)")) == single  # this recording's analysis stays
