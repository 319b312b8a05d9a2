"""Hypothesis: arbitrary bytes under any supported name, and arbitrary nested documents, end in a result or
in the package's own ValueError with a message, never in another exception."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.transfer import loads_cases
from signal_core.errors import SignalError
from signal_core.io import load_recording_bytes
from signal_core.limits import loads_json

EXTENSIONS = ["csv", "tsv", "txt", "npy", "npz", "edf", "bdf", "hea", "dat"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _npy_with_header(header: dict) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + bytes(64)


@SETTINGS
@given(data=st.binary(max_size=4096), ext=st.sampled_from(EXTENSIONS), fs=st.sampled_from([None, 1000.0]))
def test_random_bytes_are_read_or_refused_cleanly(data, ext, fs):
    companions = {"upload.dat": data} if ext == "hea" else {"upload.hea": b"upload 1 1000 100\n"} if ext == "dat" else None
    try:
        load_recording_bytes(data, f"upload.{ext}", fs, companions=companions)
    except SignalError as exc:
        assert str(exc).startswith("upload.") and "\n" not in str(exc)


@SETTINGS
@given(shape=st.lists(st.integers(0, 10**12), min_size=0, max_size=4),
       descr=st.sampled_from(["<f8", "|i1", "<i2", "<f4", "|O", "<c16", "|b1", "<U4"]))
def test_npy_headers_are_checked_before_any_allocation(shape, descr):
    try:
        raw = _npy_with_header({"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    except ValueError:
        return  # numpy itself cannot write this header
    try:
        load_recording_bytes(raw, "upload.npy", 1000.0)
    except SignalError:
        pass


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                           max_leaves=30)


@SETTINGS
@given(value=json_values, wrap=st.integers(0, 200))
def test_nested_documents_parse_or_are_refused(value, wrap):
    text = "[" * wrap + json.dumps(value) + "]" * wrap
    for parse in (lambda t: loads_json(t, "metadata"), lambda t: loads_cases(t, "json"), lambda t: loads_cases(t)):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)
