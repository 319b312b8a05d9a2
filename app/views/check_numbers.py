"""Check reported numbers: counts, lesion-level detection, reported values alone, confusion matrices, and the
numbers of the paper loaded on the Appraise page. One code path with `medlens numbers`."""

import pandas as pd
import streamlit as st

from app.components import numbers_view as view
from app.components.layout import page_boundary, page_header
from app.state_appraisal import paper_text
from appraisal.numbers_request import NumbersRequest, run_numbers
from appraisal.study_facts import extract_facts

page_header(
    "Check reported numbers",
    "Recompute a paper's accuracy from its counts, check whether its printed percentages and intervals are "
    "even possible, and see what a positive result means at your own patients' prevalence. Values may be "
    "proportions (0.911) or percentages (91.1 or 91.1%).",
)
counts_tab, reported_tab, matrix_tab, paper_tab = st.tabs(
    ["From counts", "Are the reported numbers possible?", "Confusion matrix", "This paper's numbers"])


with counts_tab, page_boundary("the counts check"):
    kind = st.radio("The paper reports", ["a 2x2 table", "lesion-level detection (no true negatives)"],
                    key="count_kind", horizontal=True)
    lesions = kind.startswith("lesion")
    c1, c2 = st.columns(2)
    tp = c1.number_input("True positives (TP)", min_value=0, value=90, step=1, key="tp")
    fn = c2.number_input("False negatives (FN)", min_value=0, value=10, step=1, key="fn")
    fp = c1.number_input("False positives (FP)", min_value=0, value=20, step=1, key="fp")
    if lesions:
        patients = c2.number_input("Patients (or images) read", min_value=1, value=50, step=1, key="patients")
        names = ["sensitivity", "ppv", "fp_per_patient"]
    else:
        tn = c2.number_input("True negatives (TN)", min_value=0, value=180, step=1, key="tn")
        prevalence = st.number_input("Prevalence in your own patients (0-1)", min_value=0.0001, max_value=0.9999,
                                     value=0.02, step=0.01, format="%.4f", key="prevalence")
        names = ["sensitivity", "specificity", "ppv", "npv", "accuracy", "f1"]
    level = st.select_slider("Confidence level", options=[0.90, 0.95, 0.99], value=0.95, key="level")
    with st.expander("What the paper reports (optional): each value is checked against the counts"):
        reported = view.reported_inputs("count_", names)
        intervals = view.intervals("count_ci")
    # Once asked, keep the results live as the counts or the prevalence change.
    if st.button("Recompute", key="check_button", type="primary") or st.session_state.get("numbers_shown"):
        st.session_state["numbers_shown"] = True
        common = dict(tp=int(tp), fn=int(fn), fp=int(fp), level=level, ci=intervals, **reported)
        if lesions:
            result = run_numbers(NumbersRequest(patients=int(patients), **common))
            st.markdown("\n".join(f"- {line}" for line in result.lines[1:4]))
        else:
            result = run_numbers(NumbersRequest(tn=int(tn), prevalence=prevalence, **common))
            view.metrics_table(result.payload)
            curve = result.payload["prevalence"]
            st.subheader("What a result means at your prevalence")
            st.markdown(curve["summary"])
            chart = pd.DataFrame({"PPV": curve["ppv"], "NPV": curve["npv"]},
                                 index=pd.Index(curve["prevalence"], name="prevalence"))
            st.line_chart(chart, x_label="prevalence of the condition", y_label="predictive value")
        view.checks(result)

with reported_tab, page_boundary("the consistency check"):
    st.markdown("Enter what the paper reports; medlens lists every whole-number 2x2 table that reproduces it, or "
                "says which value cannot be right and what it would have to be.")
    c1, c2 = st.columns(2)
    n = c1.number_input("People in the table (N)", min_value=2, value=500, step=1, key="n")
    known = c2.radio("The paper gives", ["the number with the condition", "the prevalence",
                                         "neither (solve it from PPV or NPV)"], key="known")
    positives = prevalence_r = None
    if known == "the prevalence":
        prevalence_r = c2.text_input("Reported prevalence", value="0.10", key="reported_prevalence")
    elif known.startswith("the number"):
        positives = c2.number_input("People with the condition", min_value=1, value=50, step=1, key="positives")
    sens = c1.text_input("Reported sensitivity", value="0.93", key="sens")
    spec = c1.text_input("Reported specificity", value="0.88", key="spec")
    extra = view.reported_inputs("", ["ppv", "npv", "accuracy"])
    decimals = st.selectbox("Decimals the paper prints", ["as typed", 0, 1, 2, 3, 4], key="decimals")
    intervals_r = view.intervals("reported_ci")
    if st.button("Check consistency", key="consistency_button", type="primary"):
        result = run_numbers(NumbersRequest(
            n=int(n), positives=None if positives is None else int(positives), prevalence=prevalence_r,
            sensitivity=sens, specificity=spec, decimals=None if decimals == "as typed" else int(decimals),
            ci=intervals_r, **extra))
        report = result.payload
        for message in report["messages"]:
            (st.success if report["consistent"] else st.error)(message)
        if report["tables"]:
            st.dataframe(pd.DataFrame(report["tables"]), hide_index=True)
        view.checks(result)
        st.caption(report["rounding_note"])

with matrix_tab, page_boundary("the confusion matrix"):
    matrix = st.text_area("Confusion matrix: one row per line, cells separated by commas (rows = reference "
                          "standard)", value="45, 5, 0\n10, 38, 2\n0, 1, 49", key="matrix")
    c1, c2 = st.columns(2)
    labels = c1.text_input("Class labels (comma-separated, optional)", key="labels")
    sizes = c2.text_input("Class sizes the paper states (comma-separated, optional)", key="class_sizes")
    if st.button("Per-class metrics", key="matrix_button", type="primary"):
        result = run_numbers(NumbersRequest(matrix=matrix, labels=labels or None, class_sizes=sizes or None))
        for message in result.payload["messages"]:
            (st.error if result.payload["fits_class_sizes"] is False else st.info)(message)
        st.markdown(f"Overall accuracy **{result.payload['accuracy']:.3f}**; {result.payload['orientation']}.")
        st.dataframe(pd.DataFrame(result.payload["classes"]), hide_index=True)

with paper_tab, page_boundary("this paper's numbers"):
    loaded = paper_text()
    st.caption("The paper loaded on the Appraise a paper page." if loaded else
               "No paper loaded on the Appraise a paper page: paste its text here.")
    text = st.text_area("Paper text", value=loaded or "", height=150, key="facts_text")
    view.paper_facts(extract_facts(text) if text.strip() else [])
