"""Limits on what a file or a computation expands to in memory, checked before anything is read.

A file's size on disk says little about the memory it needs: a compressed NPZ member, an ``int8`` NPY,
a WFDB header with a huge skew or a feature request with a tiny step can each ask for gigabytes. Every
reader therefore checks the *decoded* size, counted as values (samples x channels) that become
``float64``, against one limit before it reads the samples.

The limit is ``MEDLENS_MAX_SAMPLES`` values if set, else 32 million (256 MB as float64: about 2 hours of
one channel at 4 kHz, or 33 minutes of 4 channels at 4 kHz). CSV text costs far more memory per value
while it is parsed (about 130 bytes, measured), so CSV files get a quarter of it (8 million values).

Examples
--------
>>> check_values(1000, 8, "rec.npy")  # fine: returns nothing
>>> check_values(10**9, 1, "big.npy")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
signal_core.errors.SignalError: big.npy: the signal would hold 1,000,000,000 values (8.0 GB in memory)...
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from signal_core.errors import SignalError

MAX_VALUES_ENV = "MEDLENS_MAX_SAMPLES"
DEFAULT_MAX_VALUES = 32_000_000
#: Deepest nesting accepted in JSON/YAML metadata (deeper documents are refused, never parsed recursively).
MAX_NESTING = 64
#: Largest metadata text (JSON in an NPZ, a model sidecar) read, in characters.
MAX_METADATA_CHARS = 1_000_000


def max_values() -> int:
    """The decoded-size limit in values: ``MEDLENS_MAX_SAMPLES`` if set, else 32 million."""
    raw = os.environ.get(MAX_VALUES_ENV)
    if not raw:
        return DEFAULT_MAX_VALUES
    try:
        value = float(raw)
    except ValueError:
        raise SignalError(f"{MAX_VALUES_ENV}={raw!r} is not a number of values") from None
    if not math.isfinite(value) or value < 1:
        raise SignalError(f"{MAX_VALUES_ENV}={raw!r} must be a positive number of values")
    return int(value)


def _gb(values: int) -> str:
    return f"{values * 8 / 1e9:.1f} GB"


def check_values(n_samples: int, n_channels: int, name: str, *, divisor: int = 1, advice: str = "") -> None:
    """Refuse a signal of ``n_samples`` x ``n_channels`` values over the limit (divided by ``divisor`` for
    formats that need more memory per value while parsing), before it is read."""
    total = int(n_samples) * max(int(n_channels), 1)
    limit = max_values() // divisor
    if total > limit:
        raise SignalError(
            f"{name}: the signal would hold {total:,} values ({_gb(total)} in memory), over the limit of "
            f"{limit:,} values{advice}; cut the recording into shorter pieces or raise {MAX_VALUES_ENV}"
        )


def check_feature_output(n_samples: int, window: int, n_windows: int, n_channels: int, n_features: int,
                         fs: float) -> None:
    """Refuse a feature table over the limit and say which step would fit."""
    total = int(n_windows) * int(n_channels) * int(n_features)
    limit = max_values()
    if total <= limit:
        return
    fit = max(limit // max(n_channels * n_features, 1), 2)
    step = math.ceil((n_samples - window) / (fit - 1))
    raise SignalError(
        f"the features would fill {n_windows:,} windows x {n_channels} channels x {n_features} features = "
        f"{total:,} values ({_gb(total)}), over the limit of {limit:,}; use a step of at least "
        f"{step / fs:.3g} s (--step), fewer features or channels, or a shorter recording"
    )


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """Depth of nested lists/dicts in ``value`` (iterative, so a deep document cannot exhaust the stack);
    stops counting once ``limit`` is passed."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def text_nesting_depth(text: str) -> int:
    """Deepest bracket nesting in JSON (or flow-style YAML) text, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def check_json_text(text: str, where: str, *, max_chars: int = MAX_METADATA_CHARS) -> None:
    """Refuse JSON text that is too long or nested too deeply to parse safely."""
    if len(text) > max_chars:
        raise SignalError(f"{where}: the metadata is {len(text):,} characters, over the {max_chars:,} accepted")
    if text_nesting_depth(text) > MAX_NESTING:
        raise SignalError(f"{where}: the metadata is nested more than {MAX_NESTING} levels deep")


def loads_json(text: str | bytes, where: str, *, max_chars: int = MAX_METADATA_CHARS) -> Any:
    """``json.loads`` for untrusted metadata: bounded in size and nesting, every failure a SignalError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SignalError(f"{where}: the metadata is not UTF-8 text") from None
    check_json_text(text, where, max_chars=max_chars)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SignalError(f"{where}: the metadata is not valid JSON ({str(exc)[:120]})") from None
