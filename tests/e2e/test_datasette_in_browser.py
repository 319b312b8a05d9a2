"""`medlens kb serve`: the knowledge base in Datasette, in a real browser (facets, full-text search, users hidden)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.server import REPO_ROOT, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def datasette_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("datasette")
    db_path = folder / "library.db"  # not medlens.db: the shipped rules must follow the file's name
    env = {**os.environ, "MEDLENS_DB": str(db_path)}
    done = subprocess.run([sys.executable, "-m", "app.cli", "init", "--no-model"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log = open(folder / "datasette.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "kb", "serve", "--port", str(port)], cwd=REPO_ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "datasette.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield url + "/library"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_cases_table_has_facets_and_full_text_search(page, datasette_url):
    page.goto(datasette_url + "/cases")
    facets = page.locator(".facet-info")
    facets.first.wait_for(timeout=30_000)
    names = [f.get_attribute("data-column") for f in facets.all()]
    assert {"category", "tags", "year_start"} <= set(names)
    assert page.locator(".facet-info[data-column='category']").inner_text().count("deployment-lessons") == 1
    search = page.locator("input[name='_search']")
    search.fill("pneumonia")
    search.press("Enter")
    page.wait_for_url("**_search=pneumonia**")
    body = page.locator("table.rows-and-columns").inner_text()
    assert "zech-pneumonia-xray-hospital-confounding" in body
    assert "mycin-blinded-evaluation" not in body


def test_users_and_practice_tables_are_not_served(page, datasette_url):
    page.goto(datasette_url)
    listed = [a.inner_text().strip() for a in page.locator(".db-table h3 a").all()]
    assert "cases" in listed and "case_checklist_items" in listed
    assert "users" not in listed and "practice_attempts" not in listed
    for table in ("users", "practice_attempts"):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{datasette_url}/{table}.json", timeout=10)
        assert denied.value.code == 403
    with pytest.raises(urllib.error.HTTPError):  # no custom SQL either (it could read the password hashes)
        urllib.request.urlopen(f"{datasette_url}.json?sql=select+password_hash+from+users", timeout=10)
