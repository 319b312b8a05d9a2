"""The consistency search's memory does not grow with n (issue 14: `--n 60000000000` allocated many GB)."""

from __future__ import annotations

import tracemalloc

import pytest

from appraisal.consistency import check_reported


@pytest.mark.parametrize("extra", [{}, {"ppv": 0.41}, {"accuracy": 0.885}, {"ppv": 0.41, "npv": 0.99}])
def test_huge_n_is_checked_in_bounded_memory(extra):
    """Answered, or refused with the stated limit on candidate tables: either way in bounded memory."""
    tracemalloc.start()
    try:
        try:
            assert check_reported(60_000_000_000, 6_000_000_000, sensitivity=0.93, specificity=0.88,
                                  **extra).messages
        except ValueError as exc:
            assert extra and "Too many candidate tables" in str(exc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000_000, f"peak {peak / 1e6:.0f} MB"
