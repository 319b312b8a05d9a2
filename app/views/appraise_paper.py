"""Appraise a paper: what kind of study, pick a checklist, load the paper, check the evidence and the paper's
own numbers, answer, see the judgement, save. Drafts autosave to the knowledge base."""

from contextlib import closing

import streamlit as st

from app.components import numbers_view
from app.components.case_view import render_cases_for_item
from app.components.layout import page_boundary, page_header
from app.state_appraisal import (
    SAMPLE_PATH, STORE, autosave, checklist, current_paper, domain_values, domain_widgets, evidence, forget_paper,
    form_values, item_widgets, keep_pasted_text, keep_paper, paper_text, remembered, resume_draft,
    resume_from_upload, use_checklist,
)
from app.state_knowledge import knowledge_db, library_cases_by_item
from appraisal.checklists import available_ids
from appraisal.model import build_appraisal
from appraisal.report import export, filename
from appraisal.rules import JUDGEMENT_LABELS, RiskOfBiasResult, judge
from appraisal.study_facts import extract_facts
from appraisal.study_type import QUESTIONS, propose_checklists
from knowledge.appraisals import list_drafts

page_header(
    "Appraise a paper",
    "Answer a published checklist for one paper. medlens shows candidate sentences for each item and a "
    "suggested answer where the text is decisive; you decide. Your answers are kept while you work and saved "
    "as a draft in the knowledge base.",
)


def _load_sample() -> None:
    with open(SAMPLE_PATH, encoding="utf-8") as fh:
        st.session_state["paper_text"] = st.session_state.setdefault(STORE, {})["paper_text"] = fh.read()
    st.session_state[STORE]["paper_title"] = st.session_state["paper_title"] = "Sample paper (made-up teaching example)"


with page_boundary("the appraisal page"):
    with st.expander("Continue a draft or a saved appraisal"):
        with closing(knowledge_db()) as db:
            drafts = {d["key"]: f"{d['paper_title']} ({d['checklist_id']}, {d['reviewer'] or 'no reviewer'}, "
                                f"{d['updated_at']})" for d in list_drafts(db)}
        if drafts:
            st.selectbox("Drafts in the knowledge base", list(drafts), format_func=drafts.get, key="draft_choice")
            st.button("Continue this draft", key="resume_draft", on_click=resume_draft)
        st.file_uploader("...or an appraisal JSON exported from this page", type=["json"], key="resume_upload")
        st.button("Continue this appraisal", key="resume", on_click=resume_from_upload)
        if st.session_state.get("resume_error"):
            st.error(st.session_state["resume_error"])
    text_now = paper_text() or ""
    with st.expander("What kind of study is this?"):
        answers = {k: st.checkbox(q, key=f"kind_{k}") for k, q in QUESTIONS.items()}
        if st.session_state.get("kind_guessed"):
            st.caption("Ticked from the paper's wording when it was loaded; change them if they are wrong.")
        for p in propose_checklists(**answers):
            c1, c2 = st.columns([3, 1])
            c1.markdown(f"**{checklist(p.checklist_id).name}**: {p.reason}")
            c2.button("Use it", key=f"use_checklist_{p.checklist_id}", on_click=use_checklist, args=(p.checklist_id,))
    # The short clinician's framework first: the gentlest start for a medic new to appraisal.
    names = {cid: checklist(cid).name for cid in sorted(available_ids(), key=lambda c: c != "clinician-framework")}
    cid = remembered(st.selectbox, "Checklist", "checklist", options=list(names), format_func=names.get)
    cl = checklist(cid)
    st.caption(f"{cl.citation}" + (f" doi:{cl.doi}" if cl.doi else ""))
    with st.expander("The paper", expanded=True):
        c1, c2 = st.columns(2)
        title = remembered(c1.text_input, "Title", "paper_title")
        authors = remembered(c2.text_input, "Authors (separate with ;)", "paper_authors")
        year = remembered(c1.number_input, "Year (0 if unknown)", "paper_year", min_value=0, max_value=2200, step=1)
        doi = remembered(c2.text_input, "DOI", "paper_doi")
        reviewer = remembered(c1.text_input, "Your name (reviewer)", "reviewer")
        study_type = remembered(c2.radio, "The study", "study_type", options=["development", "evaluation", "both"],
                                horizontal=True, help="Development, external evaluation (validation), or both.")
        external = remembered(st.checkbox, "The model was externally validated", "external_validation")
        large = remembered(st.checkbox, "Very large data with internal validation", "very_large_data")
        st.file_uploader("Upload the paper (PDF, text or Markdown)", type=["pdf", "txt", "md"], key="paper_upload",
                         on_change=keep_paper)
        remembered(st.text_area, "...or paste its text", "paper_text", height=120, on_change=keep_pasted_text)
        c1, c2 = st.columns(2)
        c1.button("Load the sample paper", key="load_sample", on_click=_load_sample)
        c2.button("Forget this paper", key="forget_paper", on_click=forget_paper)
    found: dict = {}
    paper = current_paper()
    if paper is not None:
        try:
            label, found = evidence(paper[0], paper[1], cid)
            st.caption(f"Loaded {label}.")
        except ValueError as exc:  # unreadable, scanned or encrypted papers: say why, keep the answers
            st.error(str(exc))
    if text_now:
        with st.expander("This paper's own numbers"):
            numbers_view.paper_facts(extract_facts(text_now))
    summary_box = st.container(border=True)
    went_wrong = library_cases_by_item(cl.id)  # case library: cases where each item went wrong
    for section in [s for s in cl.sections if s.applies(study_type)]:
        items = [i for i in cl.items_in(section.id) if i.applies(study_type)]
        if items:
            st.subheader(section.title)
        for item in items:
            item_widgets(cl, item, found.get(item.id, []))
            render_cases_for_item(went_wrong.get(item.id, []), key=f"went_wrong_{item.id}")  # teaching cases
        if cl.is_risk_of_bias:
            domain_widgets(section)
    meta = {"title": title, "authors": [a.strip() for a in authors.split(";") if a.strip()],
            "year": int(year) or None, "doi": doi or None}
    with summary_box:
        try:
            appraisal = build_appraisal(cl, **form_values(cl), paper=meta, reviewer=reviewer, study_type=study_type,
                                        external_validation=external, very_large_data_internally_validated=large,
                                        **domain_values(cl))
        except ValueError as exc:
            st.warning(f"{exc} Your answers are kept; fix this to see the judgement.")
            st.stop()
        result = judge(appraisal, cl)
        st.markdown(f"**{result.headline}**")
        st.progress(result.completeness.fraction, text=result.completeness.text)
        if isinstance(result, RiskOfBiasResult):
            for d in result.domains:
                st.markdown(f"- **{d.title}: {JUDGEMENT_LABELS[d.judgement]}.** {d.reason}")
            st.markdown(f"- **Overall: {JUDGEMENT_LABELS[result.overall]}.** {result.overall_reason}")
        note = autosave(appraisal)
        if note:
            st.caption(note)
        c1, c2, c3, c4 = st.columns(4)
        for col, fmt in ((c1, "md"), (c2, "html"), (c3, "json")):
            col.download_button(f"Download {fmt.upper()}", export(appraisal, fmt, cl),
                                file_name=filename(appraisal, fmt), key=f"download_{fmt}")
        if c4.button("Save to the knowledge base", key="save_appraisal", type="primary"):
            from knowledge.appraisals import save_appraisal

            try:
                with closing(knowledge_db()) as db:
                    new_id = save_appraisal(db, appraisal.to_dict(), user=reviewer or None)
                st.success(f"Saved as appraisal number {new_id}.")
            except ValueError as exc:
                st.error(str(exc))
