"""Browser fixtures: a real app server with a seeded knowledge base and demo model, and Debian's chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, AppServer

SCREENSHOT_DIR = Path(os.environ.get("MEDLENS_SCREENSHOT_DIR", REPO_ROOT / "test-results" / "screenshots"))


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("e2e")
    env = {
        "MEDLENS_DB": str(root / "medlens.db"),
        "MEDLENS_MODEL_DIR": str(root / "models"),
        "MEDLENS_CACHE_DIR": str(root / "cache"),
    }
    # The same first step a user runs: create the knowledge base, load the cases, train the demo model.
    done = subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=REPO_ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture(scope="session")
def e2e_curator(e2e_env) -> tuple[str, str]:
    """A curator account made the way an admin makes one: `medlens user add NAME --role curator`."""
    name, password = "e2e-curator", "correct horse battery staple"
    done = subprocess.run([sys.executable, "-m", "app.cli", "user", "add", name, "--role", "curator",
                           "--password-stdin"], input=password + "\n", cwd=REPO_ROOT, env={**os.environ, **e2e_env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return name, password


@pytest.fixture(scope="session")
def app_url(e2e_env, tmp_path_factory):
    server = AppServer(e2e_env, tmp_path_factory.mktemp("logs") / "streamlit.log")
    try:
        server.wait_healthy()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is needed for browser tests ({CHROMIUM}); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda msg: msg.type == "error" and pg.console_errors.append(msg.text))
    pg.on("pageerror", lambda exc: pg.console_errors.append(str(exc)))
    yield pg
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
