"""The app's pages as data: the navigation, the Home page and the tests all iterate over PAGES.

Add a page here only when it really works (it renders, its main interaction is tested).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app/
    title: str
    group: str  # navigation section; "" for the top
    summary: str  # one line for the Home page
    icon: str = ""


PAGES: list[PageSpec] = [
    PageSpec("pages/home.py", "Home", "", "What medlens does and where to start.", ":material/home:"),
]

GROUP_ORDER = ["", "Appraise a paper", "Check an explained prediction", "Curate cases"]


def grouped_pages() -> dict[str, list[PageSpec]]:
    """Pages by navigation group, groups in GROUP_ORDER then any others in first-seen order."""
    groups: dict[str, list[PageSpec]] = {g: [] for g in GROUP_ORDER}
    for spec in PAGES:
        groups.setdefault(spec.group, []).append(spec)
    return {g: specs for g, specs in groups.items() if specs}
