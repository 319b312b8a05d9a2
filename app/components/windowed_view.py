"""Show the validation of a window-level model: medlens vs the reviewer's baseline, per subject, confusion."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def comparison_table(result: dict[str, Any]) -> pd.DataFrame:
    """One row per model: segment and window accuracy with intervals, per-subject spread."""
    from decision_support.windowed import BASELINE

    rows = []
    for name, m in (("medlens", result["ours"]), (f"baseline: {BASELINE}", result["baseline"])):
        if not m:
            continue
        s = m["per_subject_summary"]
        rows.append({"model": name, "segment accuracy": m["segment_accuracy"],
                     "95% CI low": m["segment_accuracy_ci"][0], "95% CI high": m["segment_accuracy_ci"][1],
                     "window accuracy": m["window_accuracy"], "worst subject": s["min"], "best subject": s["max"],
                     "SD across subjects": s["sd"]})
    return pd.DataFrame(rows)


def show_windowed_result(result: dict[str, Any]) -> None:
    """The whole validation of a ``WindowedResult.to_dict()`` on the page."""
    st.info(result["design"]["meaning"])
    st.caption(f"Data: {result['data']['text']}. Validation: {result['validation']}.")
    for w in result["warnings"]:
        st.warning(w)
    pct = st.column_config.NumberColumn(format="percent")
    table = comparison_table(result)
    st.dataframe(table, hide_index=True, key="train_windowed_table",
                 column_config={c: pct for c in table.columns if c != "model"})
    per_subject = pd.DataFrame({"subject": list(result["ours"]["per_subject"]),
                                "segment accuracy": list(result["ours"]["per_subject"].values())})
    c1, c2 = st.columns(2)
    c1.markdown("**Accuracy per held-out subject (medlens, segments)**")
    c1.dataframe(per_subject, hide_index=True, key="train_per_subject", column_config={"segment accuracy": pct})
    c2.markdown("**Confusion matrix of segments** (rows true, columns predicted)")
    c2.dataframe(pd.DataFrame(result["ours"]["confusion"], index=result["classes"], columns=result["classes"]),
                 key="train_confusion")
