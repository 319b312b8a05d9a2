"""`medlens init`, `medlens kb ...` and `medlens user ...` through the real CLI."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from knowledge.db import open_db
from knowledge.seed import SEED_DIR

runner = CliRunner()
SEED_COUNT = len(list(SEED_DIR.glob("*.yaml")))


@pytest.fixture
def initialised():
    result = runner.invoke(cli, ["init", "--no-model"])
    assert result.exit_code == 0, result.output
    return result


def _first_seed():
    path = sorted(SEED_DIR.glob("*.yaml"))[0]
    return yaml.safe_load(path.read_text())


def test_init_is_idempotent(initialised):
    assert f"{SEED_COUNT} new" in initialised.output
    again = runner.invoke(cli, ["init", "--no-model", "--json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)["knowledge"]
    assert (summary["created"], summary["unchanged"]) == (0, SEED_COUNT)
    assert summary["published_cases"] == SEED_COUNT


def test_init_with_explicit_db(tmp_path):
    target = tmp_path / "other" / "kb.db"
    result = runner.invoke(cli, ["init", "--no-model", "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and open_db(target)["cases"].count == SEED_COUNT


def test_search_show_history(initialised):
    seed = _first_seed()
    word = seed["title"].split()[0].strip("'\":,()")
    result = runner.invoke(cli, ["kb", "search", word, "--json"])
    assert result.exit_code == 0, result.output
    assert seed["slug"] in [h["slug"] for h in json.loads(result.output)]
    plain = runner.invoke(cli, ["kb", "search", 'carpal "tunnel AND -', "--category", seed["category"]])
    assert plain.exit_code == 0, plain.output
    shown = runner.invoke(cli, ["kb", "show", seed["slug"]])
    assert shown.exit_code == 0 and seed["title"] in shown.output and "Sources" in shown.output
    as_json = json.loads(runner.invoke(cli, ["kb", "show", seed["slug"], "--json"]).output)
    assert as_json["version"] == 1 and as_json["sources"] == [
        {"citation": s["citation"], "doi": s.get("doi"), "pmid": s.get("pmid") and str(s["pmid"]),
         "url": s.get("url")} for s in seed["sources"]]
    history = runner.invoke(cli, ["kb", "history", seed["slug"]])
    assert history.exit_code == 0 and "v1" in history.output and "medlens-seed" in history.output


def test_search_filters_and_bad_category(initialised):
    result = runner.invoke(cli, ["kb", "search", "", "--category", "expert-systems", "--year-to", "1990", "--json"])
    hits = json.loads(result.output)
    assert hits and all(h["category"] == "expert-systems" and h["year_start"] <= 1990 for h in hits)
    bad = runner.invoke(cli, ["kb", "search", "x", "--category", "astrology"])
    assert bad.exit_code == 1 and "Unknown category" in bad.output


def test_show_unknown_slug_is_a_clean_error(initialised):
    result = runner.invoke(cli, ["kb", "show", "no-such-case"])
    assert result.exit_code == 1 and "Error: There is no case 'no-such-case'" in result.output


def test_export_and_import(initialised, tmp_path):
    out = tmp_path / "library.json"
    result = runner.invoke(cli, ["kb", "export", "-o", str(out)])
    assert result.exit_code == 0 and f"Exported {SEED_COUNT} cases" in result.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "medlens-cases" and len(doc["cases"]) == SEED_COUNT
    dup = runner.invoke(cli, ["kb", "import", str(out), "--json"])
    assert dup.exit_code == 0, dup.output
    assert json.loads(dup.output)["created"] == [] and len(json.loads(dup.output)["skipped"]) == SEED_COUNT
    fresh = tmp_path / "fresh.db"
    runner.invoke(cli, ["init", "--no-model", "--db", str(fresh)])
    seed = _first_seed()
    one = tmp_path / "one.yaml"
    runner.invoke(cli, ["kb", "export", "-o", str(one), "--slug", seed["slug"]])
    assert [c["slug"] for c in yaml.safe_load(one.read_text())["cases"]] == [seed["slug"]]


def test_user_add_and_list(initialised):
    result = runner.invoke(cli, ["user", "add", "dana", "--role", "curator", "--password-stdin"],
                           input="a-long-password\n")
    assert result.exit_code == 0 and "Added dana (curator)" in result.output
    short = runner.invoke(cli, ["user", "add", "eve", "--role", "curator", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    listed = json.loads(runner.invoke(cli, ["user", "list", "--json"]).output)
    assert {"name": "dana", "role": "curator"}.items() <= next(u for u in listed if u["name"] == "dana").items()
    assert "password" not in json.dumps(listed)
    prompted = runner.invoke(cli, ["user", "add", "fred", "--role", "reviewer"],
                             input="another-password\nanother-password\n")
    assert prompted.exit_code == 0, prompted.output


def test_import_by_unknown_user_is_refused(initialised, tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump({"cases": []}))
    result = runner.invoke(cli, ["kb", "import", str(path), "--user", "nobody"])
    assert result.exit_code == 1 and "no user called 'nobody'" in result.output


def test_user_password_resets_and_unlocks(initialised):
    from knowledge.users import MAX_FAILURES, AuthenticationError, authenticate

    runner.invoke(cli, ["user", "add", "gina", "--role", "curator", "--password-stdin"], input="first-password\n")
    db = open_db()
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            authenticate(db, "gina", "wrong")
    with pytest.raises(AuthenticationError, match="Too many failed logins"):
        authenticate(db, "gina", "first-password")
    result = runner.invoke(cli, ["user", "password", "gina", "--password-stdin"], input="second-password\n")
    assert result.exit_code == 0 and "unlocked" in result.output
    assert authenticate(db, "gina", "second-password").name == "gina"
    missing = runner.invoke(cli, ["user", "password", "nobody", "--password-stdin"], input="x" * 10 + "\n")
    assert missing.exit_code == 1 and "no user called 'nobody'" in missing.output


def test_show_lists_checklist_items_and_search_forgives_typos(initialised):
    shown = json.loads(runner.invoke(cli, ["kb", "show", "zech-pneumonia-xray-hospital-confounding", "--json"]).output)
    assert {"checklist": "probast", "item": "1.1"}.items() <= shown["checklist_items"][1].items()
    assert all(set(link) == {"checklist", "item", "why"} for link in shown["checklist_items"])
    text = runner.invoke(cli, ["kb", "show", "zech-pneumonia-xray-hospital-confounding"]).output
    assert "Checklist items this case illustrates" in text and "- PROBAST 1.1 (" in text
    typo = runner.invoke(cli, ["kb", "search", "pneumnia"])
    assert typo.exit_code == 0 and "Did you mean: pneumonia" in typo.output
    assert "zech-pneumonia-xray-hospital-confounding" in typo.output


def test_serve_needs_a_knowledge_base_and_a_real_port(tmp_path):
    missing = runner.invoke(cli, ["kb", "serve", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "There is no knowledge base" in missing.output and "run `medlens init`" in missing.output
    from knowledge.browse import datasette_command, metadata_for

    with pytest.raises(ValueError, match="not a port number"):
        datasette_command(tmp_path / "x.db", tmp_path / "m.json", port=70000)
    tables = metadata_for(tmp_path / "my-copy.db")["databases"]["my-copy"]["tables"]
    assert tables["users"] == {"hidden": True, "allow": False}  # the rules follow the served file's name


def _open_connections() -> int:
    import gc
    import sqlite3

    count = 0
    for obj in gc.get_objects():
        if isinstance(obj, sqlite3.Connection):
            try:
                obj.execute("SELECT 1")
            except sqlite3.ProgrammingError:  # closed
                continue
            count += 1
    return count


@pytest.mark.parametrize("argv", [
    ["kb", "search", "anything"],
    ["kb", "show", "no-such-case"],
    ["kb", "history", "no-such-case"],
    ["kb", "import", "{tmp}/missing.yaml"],
    ["kb", "export", "-o", "{tmp}"],
    ["user", "list"],
    ["user", "password", "no-such-user", "--password-stdin"],
])
def test_kb_and_user_commands_close_the_library_also_when_they_fail(initialised, tmp_path, argv):
    # A failed command's traceback keeps its frames, and with them an unclosed connection, alive until the
    # garbage collector runs: the library's -wal/-shm files and locks outlive the command (in a long-lived
    # process such as the app or a test runner). With the collector off, nothing may stay open.
    import gc

    gc.collect()
    gc.disable()
    try:
        before = _open_connections()
        runner.invoke(cli, [a.format(tmp=tmp_path) for a in argv], input="a-long-password\n")
        assert _open_connections() == before
    finally:
        gc.enable()
