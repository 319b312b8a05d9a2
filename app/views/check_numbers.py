"""Check reported numbers: recompute a 2x2 table, PPV/NPV at your prevalence, and GRIM-style consistency."""

import pandas as pd
import streamlit as st

from app.components.layout import page_boundary, page_header
from appraisal.numbers import METRIC_LABELS, check_reported, prevalence_curve, table_metrics

page_header(
    "Check reported numbers",
    "Recompute sensitivity, specificity and friends from a paper's 2x2 table, see what a positive result "
    "means at your own patients' prevalence, and check whether reported percentages are even possible.",
)

table_tab, consistency_tab = st.tabs(["From a 2x2 table", "Are the reported numbers possible?"])

with table_tab, page_boundary("the 2x2 table check"):
    st.markdown("Enter the counts from the paper (reference standard in the rows, index test in the columns).")
    c1, c2 = st.columns(2)
    tp = c1.number_input("True positives (TP)", min_value=0, value=90, step=1, key="tp")
    fn = c2.number_input("False negatives (FN)", min_value=0, value=10, step=1, key="fn")
    fp = c1.number_input("False positives (FP)", min_value=0, value=20, step=1, key="fp")
    tn = c2.number_input("True negatives (TN)", min_value=0, value=180, step=1, key="tn")
    prevalence = st.number_input(
        "Prevalence in your own patients (0-1)", min_value=0.0001, max_value=0.9999, value=0.02,
        step=0.01, format="%.4f", key="prevalence",
    )
    level = st.select_slider("Confidence level", options=[0.90, 0.95, 0.99], value=0.95, key="level")
    # Once asked, keep the results live as the counts or the prevalence change.
    if st.button("Recompute", key="check_button", type="primary") or st.session_state.get("numbers_shown"):
        st.session_state["numbers_shown"] = True
        metrics = table_metrics(int(tp), int(fn), int(fp), int(tn), level=level)
        rows = [
            {"measure": METRIC_LABELS[k], "value": e.formatted().split(" (")[0],
             f"{round(level * 100)}% interval": (f"{e.lower:.3f} to {e.upper:.3f}" if e.lower is not None else "-"),
             "method": e.method}
            for k, e in metrics.estimates.items()
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        for note in metrics.notes:
            st.caption(note)
        sens, spec = metrics["sensitivity"], metrics["specificity"]
        curve = prevalence_curve(
            sens.value, spec.value, prevalence,
            sensitivity_interval=(sens.lower, sens.upper), specificity_interval=(spec.lower, spec.upper),
        )
        st.subheader("What a result means at your prevalence")
        st.markdown(curve.summary)
        chart = pd.DataFrame({"PPV": curve.ppv, "NPV": curve.npv}, index=pd.Index(curve.prevalence, name="prevalence"))
        st.line_chart(chart, x_label="prevalence of the condition", y_label="predictive value")
        st.caption(
            "PPV and NPV by Bayes' theorem from the table's sensitivity and specificity. Intervals: Wilson for "
            "proportions, log method for likelihood ratios (Simel et al., J Clin Epidemiol 1991)."
        )

with consistency_tab, page_boundary("the consistency check"):
    st.markdown(
        "Papers often report only rounded percentages. Enter what the paper reports; medlens lists every "
        "whole-number 2x2 table that reproduces them, or explains why none can."
    )
    c1, c2 = st.columns(2)
    n = c1.number_input("People in the table (N)", min_value=2, value=500, step=1, key="n")
    known = c2.radio("The paper gives", ["the number with the condition", "the prevalence"], key="known", horizontal=True)
    if known == "the prevalence":
        prevalence_r = c2.number_input("Reported prevalence (0-1)", 0.0001, 0.9999, value=0.10, format="%.4f", key="reported_prevalence")
        positives = None
    else:
        positives = c2.number_input("People with the condition", min_value=1, value=50, step=1, key="positives")
        prevalence_r = None
    sens_r = c1.number_input("Reported sensitivity (0-1)", 0.0, 1.0, value=0.93, step=0.01, format="%.4f", key="sens")
    spec_r = c2.number_input("Reported specificity (0-1)", 0.0, 1.0, value=0.88, step=0.01, format="%.4f", key="spec")
    ppv_r = c1.number_input("Reported PPV (0-1, optional)", 0.0, 1.0, value=None, format="%.4f", key="ppv")
    decimals = c2.number_input("Decimal places reported", min_value=0, max_value=6, value=2, step=1, key="decimals")
    if st.button("Check consistency", key="consistency_button", type="primary"):
        report = check_reported(
            int(n), None if positives is None else int(positives), prevalence_r,
            sensitivity=round(sens_r, 6), specificity=round(spec_r, 6), decimals=int(decimals),
            ppv=None if ppv_r is None else round(ppv_r, 6),
        )
        for message in report.messages:
            (st.success if report.consistent else st.error)(message)
        if report.tables:
            st.dataframe(pd.DataFrame([t.__dict__ for t in report.tables]), hide_index=True)
        st.caption(report.rounding_note)
