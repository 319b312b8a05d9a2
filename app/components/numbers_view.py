"""Rendering for the numbers checker and the paper's own numbers (used by the Check numbers page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from appraisal.numbers import METRIC_LABELS
from appraisal.study_facts import check_facts, summary_line


def metrics_table(payload: dict) -> None:
    level = payload.get("level", 0.95)
    rows = [{"measure": METRIC_LABELS.get(k, k),
             "value": "not defined" if m["value"] is None or m["value"] != m["value"] else f"{m['value']:.3f}",
             f"{round(level * 100)}% interval": f"{m['lower']:.3f} to {m['upper']:.3f}" if m["lower"] is not None else "-",
             "method": m["method"]}
            for k, m in payload["metrics"].items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def checks(result) -> None:
    """Every check as a coloured line; warnings for values that were given but not used."""
    for w in result.warnings:
        st.warning(w)
    payload = result.payload
    for c in payload.get("reported_checks", []) + payload.get("checks", []):
        (st.success if c["consistent"] else st.error)(c["message"])
    for c in payload.get("interval_checks", []):
        (st.success if c["consistent"] else st.warning)(c["message"])
    if result.inconsistent:
        st.error(f"Inconsistent: {', '.join(result.inconsistent)}.")


def paper_facts(facts) -> None:
    if not facts:
        st.info("No numbers were found in this text (patients, events, metrics with intervals, validation design).")
        return
    results = check_facts(facts)
    bad = [c for c in results if not c.consistent]
    (st.error if bad else st.success)(summary_line(results))
    for c in bad:
        st.error(c.message)
    st.dataframe(pd.DataFrame([{"fact": f.label, "value": f.text, "where": f.where, "sentence": f.sentence}
                               for f in facts]), hide_index=True)
    st.caption("Found by patterns over sentences and table rows; check each against the paper. Send a "
               "metric to the checks above with the denominator the paper states.")
