"""Builders for hostile recordings: small on disk, huge (or misleading) once decoded.

Each builder writes into a folder and returns the path to give medlens. Nothing here is third-party data.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np


def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def npz_bomb(folder: Path, decoded_bytes: int = 300_000_000) -> Path:
    """An NPZ whose ``data`` member deflates from well under 1 MB to ``decoded_bytes`` of float64 zeros."""
    path = folder / "bomb.npz"
    n = decoded_bytes // 8
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((n,)))
            chunk, left = bytes(1 << 22), n * 8
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
        archive.writestr("fs.npy", _npy_header(()) + np.float64(1000).tobytes())
    return path


def npz_lying_header(folder: Path) -> Path:
    """An NPZ whose ``data`` header claims 5e8 samples (4 GB as float64) over a few bytes of data."""
    path = folder / "liar.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.npy", _npy_header((500_000_000,)) + bytes(64))
        archive.writestr("fs.npy", _npy_header(()) + np.float64(1000).tobytes())
    return path


def npz_deep_metadata(folder: Path, depth: int = 1000) -> Path:
    path = folder / "deep.npz"
    np.savez(path, data=np.zeros(4000), fs=np.float64(1000), metadata_json=np.array("[" * depth + "]" * depth))
    return path


def int8_npy(folder: Path, n: int = 40_000_000) -> Path:
    """An int8 NPY of ``n`` samples: ``n`` bytes on disk, 8n bytes as float64 (over the default limit)."""
    path = folder / "int8.npy"
    with open(path, "wb") as fh:
        fh.write(_npy_header((n,), "|i1"))
        fh.truncate(fh.tell() + n)
    return path


def object_npy(folder: Path) -> Path:
    path = folder / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return path


def wfdb_record(folder: Path, name: str, record_line: str, signal_line: str, n_bytes: int = 16_000) -> Path:
    """A one-signal WFDB record with the given header lines over ``n_bytes`` of format-16 samples."""
    (folder / f"{name}.hea").write_text(f"{record_line}\n{signal_line}\n")
    (folder / f"{name}.dat").write_bytes((np.arange(n_bytes // 2) % 200).astype("<i2").tobytes())
    return folder / f"{name}.hea"


def wfdb_skew(folder: Path) -> Path:
    return wfdb_record(folder, "skew", "skew 1 4000 8000", "skew.dat 16:1000000000 200/mV 16 0 0 0 0 EMG")


def wfdb_bad_rate(folder: Path, rate: str) -> Path:
    name = "rate_" + {"-1": "neg", "nan": "nan", "inf": "inf"}.get(rate, "x")
    return wfdb_record(folder, name, f"{name} 1 {rate} 8000", f"{name}.dat 16 200/mV 16 0 0 0 0 EMG")


def wfdb_multisegment(folder: Path) -> Path:
    wfdb_record(folder, "seg1", "seg1 1 4000 8000", "seg1.dat 16 200/mV 16 0 0 0 0 EMG")
    (folder / "multi.hea").write_text("multi/2 1 4000 16000\nseg1 8000\nseg1 8000\n")
    return folder / "multi.hea"


def wfdb_odd_212(folder: Path) -> Path:
    """Format 212 packs two samples in three bytes; a record of 1001 samples over 1501 bytes is odd."""
    (folder / "odd212.hea").write_text("odd212 1 4000 1001\nodd212.dat 212 200/mV 12 0 0 0 0 EMG\n")
    (folder / "odd212.dat").write_bytes(bytes(1501))
    return folder / "odd212.hea"


def decimal_comma_csv(folder: Path) -> Path:
    path = folder / "commas.csv"
    rng = np.random.default_rng(0)
    path.write_text("".join(f"{v:.3f}".replace(".", ",") + "\n" for v in rng.normal(size=2000)))
    return path


def edf_wrong_size(folder: Path) -> Path:
    """A valid EDF whose header then claims 99,999,999 data records (pyedflib prints a size complaint)."""
    import pyedflib

    path = folder / "lying.edf"
    writer = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    writer.setSignalHeaders([{"label": "EMG", "dimension": "uV", "sample_frequency": 1000, "physical_max": 100,
                              "physical_min": -100, "digital_max": 32767, "digital_min": -32768}])
    writer.writeSamples([np.sin(np.arange(5000) / 10.0)])
    writer.close()
    raw = bytearray(path.read_bytes())
    raw[236:244] = b"99999999"  # number of data records in the fixed header
    path.write_bytes(bytes(raw))
    return path


def long_recording(folder: Path, seconds: float = 7200.0, fs: float = 4000.0) -> Path:
    """A 2-hour one-channel float32 NPY (sparse zeros on disk)."""
    path = folder / "two_hours.npy"
    n = int(seconds * fs)
    with open(path, "wb") as fh:
        fh.write(_npy_header((n,), "<f4"))
        fh.truncate(fh.tell() + 4 * n)
    return path
