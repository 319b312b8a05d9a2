"""Guards for what reaches the knowledge base from outside: nested documents, out-of-range numbers,
and SQLite failures (locked, read-only, full disk) turned into messages a user can act on."""

from __future__ import annotations

import sqlite3
from typing import Any

#: Deepest nesting of lists/mappings accepted in an imported document.
MAX_NESTING = 64
#: Most values (list items, mapping entries) accepted in an imported document; YAML aliases that repeat
#: a block thousands of times ("billion laughs") count every repetition.
MAX_NODES = 2_000_000
#: Years accepted in searches and cases.
YEAR_RANGE = (1, 9999)


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """Depth of nested lists/dicts (iterative, so a deep document cannot exhaust the stack); stops
    counting once ``limit`` is passed."""
    deepest, stack, seen = 0, [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return limit + 1
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_nesting(value: Any, where: str) -> Any:
    if nesting_depth(value) > MAX_NESTING:
        raise ValueError(f"{where} is nested more than {MAX_NESTING} levels deep or holds more than "
                         f"{MAX_NODES:,} values; it is not a medlens file")
    return value


def check_year(value: int | None, option: str) -> int | None:
    """A year filter within 1-9999, or a ValueError naming the option."""
    if value is not None and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        raise ValueError(f"{option} {value} is not a year; give a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
    return value


def explain_db_error(exc: sqlite3.Error, path: Any = None) -> str:
    """A message for a SQLite failure that says what happened to the user's data and what to do.

    >>> explain_db_error(sqlite3.OperationalError("database is locked"), "kb.db")[:60]
    "kb.db: another program held the database's write lock for mo"
    """
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        body = ("another program held the database's write lock for more than 15 seconds; nothing was "
                "changed. Try again when it has finished.")
    elif "readonly" in text or "read-only" in text:
        body = "the database file is read-only; nothing was changed. Check its permissions."
    elif "full" in text:
        body = "the disk is full; nothing was changed. Free some space and try again."
    elif "unable to open" in text:
        body = "the database file cannot be opened (check the folder exists and is writable)."
    elif "disk i/o" in text:
        body = "writing to the disk failed (is it full?); nothing was changed."
    else:
        body = f"the database failed ({exc}); nothing was changed."
    return f"{path}: {body}" if path else body[0].upper() + body[1:]
