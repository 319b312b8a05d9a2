"""App start-up and page-switch times in a real browser (Debian chromium + Playwright).

Targets (issue 6): first page rendered under 5 s after `make run` with everything installed; every page
switch under 1 s once cached resources are loaded. Baseline in the same run: a one-line Streamlit script,
so the ratios show what medlens adds on top of Streamlit itself.

Run: .venv/bin/python bench/bench_app.py   (needs chromium; `medlens init` is run into a temp folder)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.navigation import PAGES  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, IDLE_SELECTOR, REPO_ROOT, AppServer  # noqa: E402

ROUNDS = 3


def wait_idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=180_000)
    page.wait_for_timeout(100)
    page.wait_for_selector(IDLE_SELECTOR, timeout=180_000)


def first_render(browser, url: str) -> float:
    page = browser.new_page()
    start = time.perf_counter()
    page.goto(url)
    wait_idle(page)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def page_switches(browser, url: str) -> dict[str, list[float]]:
    """Click each sidebar link in turn, ROUNDS times; the first round warms the caches and is dropped."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    wait_idle(page)
    times: dict[str, list[float]] = {spec.title: [] for spec in PAGES}
    for round_no in range(ROUNDS + 1):
        for spec in PAGES:
            link = page.locator("[data-testid='stSidebarNav'] a").filter(has_text=spec.title).first
            start = time.perf_counter()
            link.click()
            wait_idle(page)
            if round_no:
                times[spec.title].append(time.perf_counter() - start)
    page.close()
    return times


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = {"MEDLENS_DB": f"{tmp}/medlens.db", "MEDLENS_MODEL_DIR": f"{tmp}/models",
               "MEDLENS_CACHE_DIR": f"{tmp}/cache"}
        subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=REPO_ROOT, env={**os.environ, **env},
                       check=True, capture_output=True)
        hello = Path(tmp) / "hello.py"
        hello.write_text("import streamlit as st\nst.title('hello')\n")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results = {}
            for name, script in (("baseline: one-line Streamlit script", hello), ("medlens", None)):
                server = AppServer(env, Path(tmp) / f"{name[:8]}.log", script=script)
                healthy = server.wait_healthy()
                first = first_render(browser, server.url)
                results[name] = (healthy, first)
                if script is None:
                    switches = page_switches(browser, server.url)
                server.stop()
            browser.close()

    base_first = results["baseline: one-line Streamlit script"][1]
    print(f"{'what':44s} {'server up (s)':>14s} {'first render (s)':>17s} {'x baseline':>11s}")
    for name, (healthy, first) in results.items():
        print(f"{name:44s} {healthy:14.2f} {first:17.2f} {first / base_first:11.1f}")
    print()
    print(f"{'page switch (median of %d, warm)' % ROUNDS:44s} {'seconds':>14s}")
    for title, values in switches.items():
        print(f"{title:44s} {statistics.median(values):14.3f}")
    worst = max(statistics.median(v) for v in switches.values())
    up, first = results["medlens"]
    print(f"\nfirst page after start: {up + first:.2f} s (target < 5 s); slowest warm switch: {worst:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
