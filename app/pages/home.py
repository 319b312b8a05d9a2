"""Home: what medlens does, and the pages that work today."""

import streamlit as st

from app.components.layout import page_header
from app.navigation import grouped_pages

page_header(
    "medlens",
    "Read machine-learning-in-medicine papers critically, learn from real cases, "
    "and explore a transparent EMG decision-support demo.",
)

st.markdown(
    "medlens helps with three jobs: **appraise a paper** against published checklists, **check an explained "
    "prediction** on an EMG recording, and **curate cases** about machine learning in medicine."
)

for group, specs in grouped_pages().items():
    pages = [s for s in specs if s.path != "pages/home.py"]
    if not pages:
        continue
    st.subheader(group or "Start")
    for spec in pages:
        st.page_link(spec.path, label=spec.title, icon=spec.icon or None)
        st.caption(spec.summary)
