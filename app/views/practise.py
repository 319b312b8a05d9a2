"""Practise: read what was done in a real case, choose the checklist items it fails, compare with the curators."""

import streamlit as st

from app.components.case_view import body_markdown, escape_all
from app.components.layout import page_boundary, page_header
from app.state_knowledge import current_user, knowledge_db
from appraisal.checklists import load_checklist
from knowledge.cases import get_case
from knowledge.practice import PRACTICE_CHECKLIST, practice_cases, practice_text, progress, record_attempt, score_choice

page_header(
    "Practise",
    "Pick a case, read what was done (the curators' lessons are hidden), and choose which questions of the "
    "clinician's framework it fails. Then compare your choice with the curators', item by item.",
)
ICONS = {"found": ":material/check_circle:", "missed": ":material/cancel:", "extra": ":material/help:",
         "agreed": ":material/check:"}

with page_boundary("the practice page"):
    db = knowledge_db()
    account = current_user()
    learner = account["name"] if account else st.text_input("Your name (your progress is kept under it)",
                                                            key="practise_name", max_chars=80)
    rows = practice_cases(db)
    titles = {r["slug"]: f"{r['title']}" for r in rows}
    slug = st.selectbox("Case", list(titles), key="practise_case", format_func=titles.get)
    if slug:
        case = get_case(db, slug).case
        with st.container(border=True):
            st.subheader(escape_all(case.title))
            for label, text in practice_text(case).items():
                st.markdown(f"**{label}**")
                st.markdown(body_markdown(text))
        checklist = load_checklist(PRACTICE_CHECKLIST)
        st.markdown("**Which of these does the case fail?** Tick every question you would answer 'no' or "
                    "'not shown' for.")
        chosen = [item.id for item in checklist.answerable_items
                  if st.checkbox(f"{item.id}. {item.question}", key=f"practise_{slug}_{item.id}")]
        if st.button("Check my answer", key="practise_check", type="primary"):
            result = record_attempt(db, learner, case, score_choice(case, PRACTICE_CHECKLIST, chosen))
            st.session_state["practise_result"] = result
        result = st.session_state.get("practise_result")
        if result is not None and result.slug == slug:
            st.metric("Your score (agreement with the curators)", f"{result.score:.0%}")
            for f in result.feedback:
                if f.verdict != "agreed" or f.item in result.chosen:
                    st.markdown(f"{ICONS[f.verdict]} **{f.item}** {escape_all(f.message)}")
            st.caption(f"Read the whole case with its lessons: [open it in the library](case_library?case={slug}).")
    if learner and learner.strip():
        mine = progress(db, learner)
        if mine.attempts:
            st.caption(f"Your progress: {mine.attempts} attempt{'s' if mine.attempts != 1 else ''} on "
                       f"{mine.cases_tried} case{'s' if mine.cases_tried != 1 else ''}, mean score "
                       f"{mine.mean_score:.0%}.")
