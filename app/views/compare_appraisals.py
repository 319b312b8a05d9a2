"""Compare appraisals: agreement between two reviewers, a consensus, and plots over many papers."""

from contextlib import closing

import pandas as pd
import streamlit as st

from app.components.layout import page_boundary, page_header
from appraisal.agreement import agreement_by_paper, compare, consensus, section_rows
from appraisal.checklists import answer_label
from appraisal.evidence import escape_markdown
from appraisal.model import Appraisal
from appraisal.plots import (
    FORMATS, StudyRow, figure_bytes, risk_of_bias_rows, summary_bars, summary_text, traffic_light,
    traffic_light_text,
)
from appraisal.report import filename

page_header(
    "Compare appraisals",
    "Load two or more appraisals (JSON files exported from 'Appraise a paper', or saved ones). See where two "
    "reviewers agree (percent agreement and Cohen's kappa), settle conflicts, and plot risk of bias across papers.",
)


def _saved() -> list[dict]:
    from app.state_knowledge import knowledge_db
    from knowledge.appraisals import list_appraisals

    with closing(knowledge_db()) as db:
        return list_appraisals(db)


@st.cache_data(max_entries=16, show_spinner=False)
def _plot_file(kind: str, fmt: str, columns: tuple, rows: tuple) -> bytes:
    """PNG/SVG bytes of a plot, drawn once per set of judgements (saving a figure takes a while)."""
    study_rows = [StudyRow(label, dict(judgements)) for label, judgements in rows]
    return figure_bytes((traffic_light if kind == "traffic-light" else summary_bars)(columns, study_rows), fmt)


def _load_saved(ids: list[int]) -> list[Appraisal]:
    from app.state_knowledge import knowledge_db
    from knowledge.appraisals import get_appraisal

    with closing(knowledge_db()) as db:
        return [Appraisal.from_dict(get_appraisal(db, i), source=f"saved appraisal {i}") for i in ids]


with page_boundary("the comparison page"):
    uploads = st.file_uploader("Appraisal files (JSON)", type=["json"], accept_multiple_files=True,
                               key="appraisal_uploads")
    saved = {r["id"]: f"#{r['id']} {r['paper_title']} ({r['checklist_id']}, {r['reviewer'] or 'no reviewer'})"
             for r in _saved()}
    picked = st.multiselect("...or pick saved appraisals", options=list(saved), format_func=saved.get,
                            key="saved_appraisals")
    loaded: list[Appraisal] = []
    for upload in uploads or []:
        try:
            loaded.append(Appraisal.from_json(upload.getvalue(), source=escape_markdown(upload.name)))
        except ValueError as exc:  # one bad file does not hide the others
            st.error(str(exc))
    loaded += _load_saved(picked)
    if len(loaded) < 2:
        st.info("Load at least two appraisals to compare them.")
        st.stop()
    labels = [f"{i + 1}. {a.paper.title or 'Untitled'} ({a.reviewer or 'no reviewer'}, {a.checklist_id})"
              for i, a in enumerate(loaded)]

    st.subheader("Agreement by paper")
    st.dataframe(pd.DataFrame(agreement_by_paper(loaded)), hide_index=True)

    st.subheader("Two reviewers of one paper")
    c1, c2 = st.columns(2)
    first = c1.selectbox("First reviewer", range(len(loaded)), format_func=labels.__getitem__, key="first", index=0)
    second = c2.selectbox("Second reviewer", range(len(loaded)), format_func=labels.__getitem__, key="second", index=1)
    try:
        result = compare(loaded[first], loaded[second])
    except ValueError as exc:
        st.warning(str(exc))
    else:
        st.markdown(f"**{result.overall.text}**")
        st.dataframe(pd.DataFrame(section_rows(result)), hide_index=True)
        third: dict[str, str] = {}
        if result.conflicts:
            st.markdown(f"**{len(result.conflicts)} conflicts.** Choose a third reviewer's answer to settle any "
                        "of them; the rest stay open in the consensus.")
            options = [None, *loaded[first].checklist().answer_options]
            for c in result.conflicts:
                label = f"{c.item_id} ({c.question}): {answer_label(c.first)} vs {answer_label(c.second)}"
                choice = st.selectbox(label, options, key=f"third_{c.item_id}",
                                      format_func=lambda x: "Leave open" if x is None else answer_label(x))
                if choice:
                    third[c.item_id] = choice
        agreed = consensus(loaded[first], loaded[second], third)
        st.caption(f"Consensus: {len(agreed.resolved)} settled by the third reviewer, "
                   f"{len(agreed.unresolved)} left open. Each comment keeps its author's name.")
        st.download_button("Download the consensus (JSON)", agreed.appraisal.to_json(),
                           file_name=filename(agreed.appraisal, "json"), key="download_consensus")

    st.subheader("Risk of bias across papers")
    try:
        columns, rows = risk_of_bias_rows(loaded)
    except ValueError as exc:
        st.info(str(exc))
    else:
        for name, fig, text in (("traffic-light", traffic_light(columns, rows), traffic_light_text(columns, rows)),
                                ("summary", summary_bars(columns, rows), summary_text(columns, rows))):
            st.pyplot(fig, clear_figure=False)
            st.text(text)
            for col, fmt in zip(st.columns(len(FORMATS)), FORMATS):
                frozen = tuple((r.label, tuple(r.judgements.items())) for r in rows)
                col.download_button(f"Download the {name} plot ({fmt.upper()})",
                                    _plot_file(name, fmt, tuple(columns), frozen),
                                    file_name=f"risk-of-bias-{name}.{fmt}", mime=FORMATS[fmt],
                                    key=f"download_{name}_{fmt}")
