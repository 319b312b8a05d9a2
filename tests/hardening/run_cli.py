"""Run many `medlens` commands in one process and report, for each, its exit code, what it wrote on file
descriptors 1 and 2 (so text printed by C extensions is caught too), the process's peak memory after it,
and a digest of the database's content before and after.

Usage: python -m tests.hardening.run_cli CASES.json RESULTS.json

Each case is ``{"argv": [...], "env": {...}, "stdin": "...", "fsize_limit": bytes or null}``. One process
for all cases keeps the suite fast; peak memory (``ru_maxrss``) only grows, so a case that allocates too
much shows in its own row and every row after it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import signal
import sqlite3
import sys
import tempfile
import traceback
from pathlib import Path


def db_digest(path: str | None) -> str | None:
    """SHA-256 of the database's logical content (a dump), or None when there is no database file."""
    if not path or not Path(path).is_file():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    except sqlite3.DatabaseError as exc:
        return f"unreadable: {exc}"
    finally:
        conn.close()


def run_case(cli, case: dict) -> dict:
    saved_env = dict(os.environ)
    os.environ.update(case.get("env", {}))
    db_before = db_digest(os.environ.get("MEDLENS_DB"))
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    saved_fds = os.dup(1), os.dup(2)
    saved_stdin = sys.stdin
    sys.stdout.flush(), sys.stderr.flush()
    os.dup2(out_file.fileno(), 1), os.dup2(err_file.fileno(), 2)
    sys.stdin = io.StringIO(case.get("stdin", ""))
    limit = case.get("fsize_limit")
    old_fsize = resource.getrlimit(resource.RLIMIT_FSIZE)
    code = None
    try:
        if limit:
            resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), old_fsize[1]))
        cli(case["argv"], prog_name="medlens")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - an escaped exception is exactly what this suite looks for
        traceback.print_exc()
        code = "exception"
    finally:
        if limit:
            resource.setrlimit(resource.RLIMIT_FSIZE, old_fsize)
        sys.stdout.flush(), sys.stderr.flush()
        os.dup2(saved_fds[0], 1), os.dup2(saved_fds[1], 2)
        for fd in saved_fds:
            os.close(fd)
        sys.stdin = saved_stdin
    texts = []
    for f in (out_file, err_file):
        f.seek(0)
        texts.append(f.read().decode("utf-8", "replace"))
        f.close()
    db_after = db_digest(os.environ.get("MEDLENS_DB"))
    os.environ.clear()
    os.environ.update(saved_env)
    return {"argv": case["argv"], "exit_code": code, "stdout": texts[0], "stderr": texts[1],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "db_unchanged": db_before == db_after}


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit then fails the write (a full disk)
    from app.cli import cli

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = [run_case(cli, case) for case in cases]
    Path(sys.argv[2]).write_text(json.dumps({"base_rss_mb": base_rss, "results": results}, indent=1))


if __name__ == "__main__":
    main()
