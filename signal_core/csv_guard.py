"""Checks on CSV text before it is parsed: its decoded size, and decimal commas that would be misread.

A one-column CSV written with decimal commas (``0,25`` for 0.25) looks exactly like two integer columns
separated by commas; read as such it gives a wrong signal without any error. These checks refuse such
files with a message that says how to fix them.
"""

from __future__ import annotations

import re

from signal_core.errors import SignalError
from signal_core.limits import check_values

#: CSV parsing needs about 130 bytes per value (measured: 8 million one-column rows peaked at 1.1 GB), so
#: CSV files get a quarter of the decoded-size limit.
CSV_DIVISOR = 4

_INT = re.compile(r"^[+-]?\d+$")
_DIGITS = re.compile(r"^\d+$")


def check_csv_size(text: str, name: str) -> None:
    """Refuse CSV text whose rows x columns exceed the decoded-size limit (counted before splitting)."""
    head = text[:65536].splitlines()
    first = next((ln.strip() for ln in head if ln.strip() and not ln.lstrip().startswith("#")), "")
    n_cols = max(len(re.split(r"[,;\t]", first) if re.search(r"[,;\t]", first) else first.split()), 1)
    check_values(text.count("\n") + 1, n_cols, name, divisor=CSV_DIVISOR,
                 advice=" for a CSV file (save long recordings as .npy, .npz or EDF instead)")


def check_decimal_commas(lines: list[str], delimiter: str | None, name: str) -> None:
    """Refuse text whose numbers use decimal commas, which would be read as extra columns."""
    if delimiter != ",":
        return
    sample = [line.strip() for line in lines[:200]]
    if any(";" in line for line in sample):
        raise SignalError(
            f"{name}: the file seems to use ';' between columns and ',' as the decimal mark; medlens needs "
            "decimal points (export the CSV with '.' as the decimal separator)")
    cells = [line.split(",") for line in sample]
    body = cells[1:] if cells and not all(_INT.match(c.strip()) for c in cells[0]) else cells
    if not body or any(len(row) > 2 for row in body):
        return
    pairs = [row for row in body if len(row) == 2]
    looks_decimal = pairs and all(_INT.match(a.strip()) and _DIGITS.match(b.strip()) for a, b in pairs) and (
        len(pairs) < len(body)  # some rows are whole numbers without a comma
        or any(len(b.strip()) > 1 and b.strip().startswith("0") for _, b in pairs))
    if looks_decimal:
        example = ",".join(pairs[0])
        raise SignalError(
            f"{name}: values such as {example!r} look like decimal commas (one column), which medlens would "
            "misread as two columns; save the CSV with decimal points (0.25, not 0,25)")
