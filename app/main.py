"""Streamlit entry point: routes to the pages in app.navigation, nothing else."""

import sys
from pathlib import Path

# `streamlit run app/main.py` puts app/ (not the repo root) on sys.path; make the packages importable.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app.navigation import grouped_pages  # noqa: E402

st.set_page_config(page_title="medlens", page_icon=":material/stethoscope:", layout="wide")
_pages = {
    group: [st.Page(spec.path, title=spec.title, icon=spec.icon or None, default=spec.path == "views/home.py")
            for spec in specs]
    for group, specs in grouped_pages().items()
}
st.navigation(_pages).run()
