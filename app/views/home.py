"""Home: the three jobs, the library's numbers, and the pages that work today."""

import streamlit as st

from app.components.layout import page_boundary, page_header
from app.navigation import grouped_pages
from app.state_knowledge import knowledge_db
from appraisal.checklists import list_checklists
from knowledge.stats import library_numbers

page_header(
    "medlens",
    "Read machine-learning-in-medicine papers critically, learn from real cases, "
    "and explore a transparent EMG decision-support demo.",
)

st.markdown(
    "medlens helps with three jobs: **appraise a paper** against published checklists, **check an explained "
    "prediction** on an EMG recording, and **curate cases** about machine learning in medicine."
)

with page_boundary("the library's numbers"):
    db = knowledge_db()
    try:
        numbers = library_numbers(db)
    finally:
        db.close()
    checklists = list_checklists()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Published cases", numbers.published_cases)
    c2.metric("Checklists", len(checklists))
    c3.metric("Saved appraisals", numbers.appraisals)
    c4.metric("Predictions logged", numbers.predictions_logged)
    st.caption(
        "Cases by topic: " + "; ".join(f"{label} {n}" for label, n in numbers.cases_by_category.items())
        + ". Checklists: " + ", ".join(c.name for c in checklists) + "."
    )

for group, specs in grouped_pages().items():
    pages = [s for s in specs if s.path != "views/home.py"]
    if not pages:
        continue
    st.subheader(group or "Start")
    for spec in pages:
        st.page_link(spec.path, label=spec.title, icon=spec.icon or None)
        st.caption(spec.summary)
