"""Audit log: every prediction and refusal the decision-support demo made, newest first, exportable."""

import streamlit as st

from app.components.layout import page_boundary, page_header
from app.state_knowledge import knowledge_db
from app.prediction_text import audit_frame
from knowledge.audit import OUTCOMES, filter_audit_rows, list_predictions, predictions_csv_text

SHOWN = 1000

page_header(
    "Audit log",
    "Every prediction made on the Decision support page or with `medlens predict`, including the ones where "
    "the model abstained: when, by whom, on which file (SHA-256), with which model version and what it said.",
)

with page_boundary("the Audit log page"):
    db = knowledge_db()
    try:
        rows = list_predictions(db, limit=SHOWN)
        csv_text = predictions_csv_text(db) if rows else ""
    finally:
        db.close()
    if not rows:
        st.info("No predictions are logged yet. Make one on the **Decision support** page (or run "
                "`medlens predict RECORDING`); every prediction and every refusal will appear here.")
    else:
        c1, c2, c3 = st.columns(3)
        users = c1.multiselect("User", sorted({r["user"] for r in rows}), key="audit_users")
        outcome = c2.selectbox("Outcome", OUTCOMES, key="audit_outcome", format_func=str.capitalize)
        versions = c3.multiselect("Model version", sorted({r["model_version"] for r in rows}), key="audit_models")
        text = st.text_input("Search recordings, labels and reasons", key="audit_search", max_chars=200)
        kept = filter_audit_rows(rows, users=users, outcome=outcome, model_versions=versions, text=text)
        st.caption(f"{len(kept)} of {len(rows)} logged prediction(s)"
                   + (f" (the newest {SHOWN} are shown; the download has all)" if len(rows) == SHOWN else ""))
        st.dataframe(audit_frame(kept), hide_index=True,
                     column_config={"probability": st.column_config.NumberColumn(format="percent")})
        st.download_button("Download the whole log (CSV)", csv_text, file_name="medlens-predictions.csv",
                           mime="text/csv", key="audit_download")
