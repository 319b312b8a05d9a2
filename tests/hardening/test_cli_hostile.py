"""Every CLI front door with hostile input: exit code 1, exactly one `Error:` line naming the problem, no
traceback, nothing printed on stdout that would break --json, bounded peak memory, and the database
unchanged. All cases run in one subprocess (see run_cli.py) to keep the suite fast.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.hardening import hostile_files as hf

pytestmark = pytest.mark.slow

#: Peak resident memory allowed for the whole batch. Before the fixes, single cases here needed 2-8 GB.
PEAK_MB = 1500

# name -> (argv, expected text in the Error line, extra case options)
CASES: dict[str, tuple[list[str], str, dict]] = {}


def _case(name, argv, expect, **options):
    CASES[name] = (argv, expect, options)


_case("int8_npy_quality", ["emg", "quality", "{d}/int8.npy", "--fs", "1000"], "over the limit")
_case("int8_npy_huge", ["emg", "info", "{d}/huge/int8.npy", "--fs", "1000"], "200,000,000 values")
_case("npz_header_4gb", ["emg", "quality", "{d}/liar.npz"], "500,000,000 values")
_case("npz_bomb", ["emg", "info", "{d}/bomb.npz"], "decompresses to", env={"MEDLENS_MAX_SAMPLES": "1000000"})
_case("npz_deep_metadata", ["emg", "info", "{d}/deep.npz"], "nested more than 64 levels")
_case("npy_objects", ["emg", "info", "{d}/objects.npy", "--fs", "1000"], "Python objects")
_case("wfdb_skew", ["emg", "quality", "{d}/skew.hea"], "skew of 1000000000")
_case("wfdb_rate_nan", ["emg", "info", "{d}/rate_nan.hea"], "sampling rate 'nan'")
_case("wfdb_rate_negative", ["emg", "info", "{d}/rate_neg.hea"], "sampling rate '-1'")
_case("wfdb_multisegment", ["emg", "info", "{d}/multi.hea"], "multi-segment")
_case("wfdb_odd_212", ["emg", "info", "{d}/odd212.hea"], "does not match its header")
_case("csv_decimal_commas", ["emg", "info", "{d}/commas.csv", "--fs", "1000"], "decimal commas")
_case("edf_lying_json", ["emg", "info", "{d}/lying.edf", "--json"], "not EDF(+) or BDF(+) compliant")
_case("fifo", ["emg", "info", "{d}/pipe.csv"], "not a regular file")
_case("features_tiny_step", ["emg", "features", "{d}/two_hours.npy", "--fs", "4000", "--step", "0.00025",
                             "-o", "{d}/features.csv"], "use a step of at least")
_case("kb_import_deep_json", ["kb", "import", "{d}/deep.json"], "nested too deeply")
_case("kb_import_deep_yaml", ["kb", "import", "{d}/deep.yaml"], "nested")
_case("kb_import_yaml_aliases", ["kb", "import", "{d}/laughs.yaml"], "more than 2,000,000 values")
_case("appraise_judge_deep", ["appraise", "judge", "{d}/deep.json"], "nested too deeply")
_case("model_report_deep_sidecar", ["model", "report", "{d}/deep_model"], "damaged")
_case("kb_search_year_overflow", ["kb", "search", "x", "--year-from", "99999999999999999999"], "is not a year")
_case("kb_export_onto_folder", ["kb", "export", "-o", "{d}/out_folder", "--format", "yaml"], "is a folder")
_case("kb_import_disk_full", ["kb", "import", "{d}/one_case.yaml", "--user", "medlens-team"], "nothing was changed",
      fsize_limit=40000)
_case("kb_foreign_database", ["kb", "import", "{d}/one_case.yaml", "--db", "{d}/foreign.db"], "another program")
_case("kb_search_db_typo", ["kb", "search", "x"], "no medlens library", env={"MEDLENS_DB": "{d}/medlnes.db"})
_case("user_password_builtin", ["user", "password", "medlens-team", "--password-stdin"], "built-in account",
      stdin="a-long-password\n")
_case("appraise_suggest_typo", ["appraise", "suggest", "typo-without-extension"], "no such file")
_case("kb_open_disk_full", ["kb", "search", "x"], "is it full?", fsize_limit=16384)

# Odd but valid input: answered (not an error) within the same memory bound, never with a library's own message.
ACCEPTED: dict[str, tuple[list[str], str]] = {
    "quality_below_1_hz": (["emg", "quality", "{d}/slow.npy", "--fs", "0.5"], "Nx="),
    "numbers_huge_n": (["numbers", "--n", "60000000000", "--positives", "6000000000", "--sensitivity", "0.93",
                        "--specificity", "0.88"], "Traceback"),
    "numbers_huge_n_json": (["numbers", "--n", "60000000000", "--positives", "6000000000", "--sensitivity", "0.931",
                             "--specificity", "0.88", "--json"], "Traceback"),
}


def _build(d: Path) -> None:
    (d / "huge").mkdir()
    hf.int8_npy(d)
    hf.int8_npy(d / "huge", n=200_000_000)
    hf.npz_lying_header(d)
    hf.npz_bomb(d, decoded_bytes=20_000_000)
    hf.npz_deep_metadata(d)
    hf.object_npy(d)
    hf.wfdb_skew(d)
    hf.wfdb_bad_rate(d, "nan")
    hf.wfdb_bad_rate(d, "-1")
    hf.wfdb_multisegment(d)
    hf.wfdb_odd_212(d)
    hf.decimal_comma_csv(d)
    hf.edf_wrong_size(d)
    os.mkfifo(d / "pipe.csv")
    hf.long_recording(d)
    np.save(d / "slow.npy", np.random.default_rng(0).normal(size=400))
    (d / "deep.json").write_text("[" * 1000 + "]" * 1000)
    (d / "deep.yaml").write_text("".join("  " * i + "a:\n" for i in range(1000)) + "  " * 1000 + "1\n")
    (d / "laughs.yaml").write_text("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8)))
    (d / "deep_model").mkdir()
    (d / "deep_model" / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "out_folder").mkdir()
    (d / "one_case.yaml").write_text(yaml.safe_dump({
        "slug": "hostile-import-case", "title": "A case imported while the disk is full", "category": "biosignals",
        "year_start": 2020, "summary": "x" * 4000, "method": "y" * 8000, "author": "someone",
        "sources": [{"citation": "A citation long enough", "url": "https://example.org/case"}]}))
    foreign = sqlite3.connect(d / "foreign.db")
    foreign.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    foreign.commit()
    foreign.close()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("hostile")
    _build(d)
    db = d / "kb.db"
    env = {"MEDLENS_DB": str(db)}
    cases = [{"argv": ["init", "--no-model"], "env": env}]
    for argv in (a for a, _ in ACCEPTED.values()):
        cases.append({"argv": [a.format(d=d) for a in argv], "env": env})
    for argv, _, options in CASES.values():
        case_env = {**env, **{k: v.format(d=d) for k, v in options.get("env", {}).items()}}
        cases.append({"argv": [a.format(d=d) for a in argv], "env": case_env, "stdin": options.get("stdin", ""),
                      "fsize_limit": options.get("fsize_limit")})
    (d / "cases.json").write_text(json.dumps(cases))
    subprocess.run([sys.executable, "-m", "tests.hardening.run_cli", str(d / "cases.json"), str(d / "results.json")],
                   cwd=REPO_ROOT, check=True, timeout=600)
    report = json.loads((d / "results.json").read_text())
    results = report["results"]
    assert results[0]["exit_code"] == 0, results[0]
    n = len(ACCEPTED)
    return {"dir": d, "peak_mb": results[-1]["peak_rss_mb"], "base_mb": report["base_rss_mb"],
            **dict(zip(ACCEPTED, results[1:1 + n])), **dict(zip(CASES, results[1 + n:]))}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_ends_in_one_clear_error(outcomes, name):
    result, expect = outcomes[name], CASES[name][1]
    assert result["exit_code"] == 1, result
    lines = result["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result["stderr"]
    assert expect in lines[0], lines[0]
    assert "Traceback" not in result["stderr"] + result["stdout"]
    assert result["stdout"] == "", result["stdout"]  # nothing that would break --json or a pipe
    assert result["db_unchanged"], f"{name} changed the database"


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_odd_but_valid_input_is_answered(outcomes, name):
    result, never = outcomes[name], ACCEPTED[name][1]
    assert result["exit_code"] == (2 if name == "quality_below_1_hz" else 0), result  # 2: quality FAIL verdict
    assert never not in result["stdout"] + result["stderr"]
    if result["argv"][-1] == "--json":
        json.loads(result["stdout"])


def test_peak_memory_stays_bounded(outcomes):
    rows = [(name, outcomes[name]["peak_rss_mb"]) for name in [*ACCEPTED, *CASES]]
    assert outcomes["peak_mb"] < PEAK_MB, rows


def test_no_partial_export_and_no_library_created_by_a_typo(outcomes):
    d = outcomes["dir"]
    assert not (d / "out_folder.partial").exists() and list((d / "out_folder").iterdir()) == []
    assert not (d / "medlnes.db").exists()
    foreign = sqlite3.connect(d / "foreign.db")
    assert [r[0] for r in foreign.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["patients"]
    foreign.close()
