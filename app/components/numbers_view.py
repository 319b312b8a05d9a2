"""Rendering for the numbers checker and the paper's own numbers (used by the Check numbers page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from appraisal.numbers import METRIC_LABELS
from appraisal.reported_checks import check_interval
from appraisal.numbers_request import NumbersRequest, run_numbers
from appraisal.study_facts import check_facts, metric_groups, summary_line


def reported_inputs(prefix: str, names: list[str]) -> dict:
    """Text boxes for values as the paper prints them (0.911, 91.1 or 91.1%); empty ones are None."""
    cols = st.columns(3)
    return {n: (cols[i % 3].text_input(f"Reported {n.replace('_', ' ')}", key=f"{prefix}{n}").strip() or None)
            for i, n in enumerate(names)}


def intervals(key: str) -> list[str]:
    text = st.text_input("Reported intervals (optional), e.g. sensitivity=0.85-0.95; ppv=0.70-0.80", key=key)
    return [part for part in (p.strip() for p in text.split(";")) if part]


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
    st.caption("Found by patterns over sentences and table rows; check each against the paper.")
    interval_against_n(facts)
    group_against_n(facts)


def group_against_n(facts) -> None:
    """Sensitivity, specificity and PPV/NPV/accuracy printed together: are they possible for the n you give?"""
    groups = metric_groups(facts)
    if not groups:
        return
    st.markdown("**Check values reported together** (GRIM-style: is any whole-number 2x2 table possible?)")
    c1, c2 = st.columns([3, 1])
    i = c1.selectbox("Values", range(len(groups)), key="group_choice", format_func=lambda k: f"{groups[k][0]}: " + ", ".join(
        f"{name} {value}" for name, value in groups[k][1].items()))
    n = c2.number_input("Everyone in the table (n)", min_value=2, value=100, step=1, key="group_n")
    if st.button("Check these values", key="group_check"):
        result = run_numbers(NumbersRequest(n=int(n), **groups[i][1]))
        for message in result.payload["messages"]:
            (st.success if result.payload["consistent"] else st.error)(message)
        for warning in result.warnings:
            st.warning(warning)


def interval_against_n(facts) -> None:
    """Feed one of the paper's intervals to the numbers checker with the denominator the reader confirms."""
    with_ci = [f for f in facts if f.kind == "metric" and f.lower is not None and f.name != "auc"]
    if not with_ci:
        return
    st.markdown("**Check one of these intervals against its n** (Wilson and Clopper-Pearson)")
    counts = [f.value for f in facts if f.kind in ("events", "patients") and f.value]
    c1, c2 = st.columns([3, 1])
    i = c1.selectbox("Reported value", range(len(with_ci)), key="fact_choice",
                     format_func=lambda k: f"{with_ci[k].label} {with_ci[k].text} ({with_ci[k].where})")
    n = c2.number_input("Its n", min_value=1, value=int(counts[0]) if counts else 100, step=1, key="fact_n",
                        help="The denominator: people with the condition for sensitivity, without it for "
                             "specificity, positive results for PPV, everyone for accuracy.")
    if st.button("Check this interval", key="fact_check"):
        fact = with_ci[i]
        point, lower, upper = fact.printed()
        result = check_interval(fact.name, lower, upper, n=int(n), value=point)
        (st.success if result.consistent else st.warning)(result.message)
