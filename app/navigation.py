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
    PageSpec("views/home.py", "Home", "", "What medlens does and where to start.", ":material/home:"),
    PageSpec(
        "views/appraise_paper.py", "Appraise a paper", "Appraise a paper",
        "Answer PROBAST, TRIPOD+AI or a short clinician's framework for one paper, with evidence sentences "
        "and the judgement by the tool's rules; save and export.",
        ":material/fact_check:",
    ),
    PageSpec(
        "views/compare_appraisals.py", "Compare appraisals", "Appraise a paper",
        "Two reviewers' agreement (kappa), conflicts and a consensus; traffic-light plots across papers.",
        ":material/compare_arrows:",
    ),
    PageSpec(
        "views/check_numbers.py", "Check reported numbers", "Appraise a paper",
        "Recompute a 2x2 table with intervals, PPV at your prevalence, and whether reported values are possible.",
        ":material/calculate:",
    ),
    PageSpec(
        "views/signal_explorer.py", "Signal explorer", "Check an explained prediction",
        "Open or simulate an EMG recording; see its channels, signal quality and features.",
        ":material/monitor_heart:",
    ),
    PageSpec(
        "views/explained_prediction.py", "Decision support", "Check an explained prediction",
        "A calibrated prediction with a prediction set and plain-language reasons for a demo or uploaded "
        "EMG recording; it abstains on poor or unfamiliar signals.",
        ":material/psychology:",
    ),
    PageSpec(
        "views/audit_log.py", "Audit log", "Check an explained prediction",
        "Every prediction and refusal, newest first, with filters and a CSV download.",
        ":material/receipt_long:",
    ),
    PageSpec(
        "views/model_report.py", "Model report", "Check an explained prediction",
        "How a model was validated on subjects it never saw: metrics with intervals, calibration, decision "
        "curve, prediction-set coverage, and its model card.",
        ":material/analytics:",
    ),
    PageSpec(
        "views/train_cohort.py", "Train on your cohort", "Check an explained prediction",
        "Train and validate a model on your own labelled EMG recordings, with a model card.",
        ":material/model_training:",
    ),
    PageSpec(
        "views/case_library.py", "Case library", "Curate cases",
        "Search real cases of ML in medicine: what was claimed, how it was evaluated, what happened.",
        ":material/menu_book:",
    ),
    PageSpec(
        "views/curate.py", "Curate", "Curate cases",
        "Log in to write, edit, review and publish cases, with full revision history.",
        ":material/edit_note:",
    ),
    PageSpec(
        "views/practise.py", "Practise", "Curate cases",
        "Read what was done in a real case, choose the checklist questions it fails, and compare with the "
        "curators item by item; your progress is kept.",
        ":material/school:",
    ),
]

GROUP_ORDER = ["", "Appraise a paper", "Check an explained prediction", "Curate cases"]


def grouped_pages() -> dict[str, list[PageSpec]]:
    """Pages by navigation group, groups in GROUP_ORDER then any others in first-seen order."""
    groups: dict[str, list[PageSpec]] = {g: [] for g in GROUP_ORDER}
    for spec in PAGES:
        groups.setdefault(spec.group, []).append(spec)
    return {g: specs for g, specs in groups.items() if specs}
