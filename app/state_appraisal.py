"""Streamlit helpers for the appraisal pages: cached loaders and widgets whose values survive reruns.

Streamlit forgets a widget's value when the widget is not drawn in a run (another checklist chosen,
another page visited). Every appraisal widget therefore mirrors its value into one session-state store
and is re-seeded from it, so a reviewer never loses an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from appraisal.checklists import Checklist, ChecklistItem, answer_label, load_checklist
from appraisal.evidence import NOT_FOUND_MESSAGE, ItemEvidence, assess_evidence, escape_markdown
from appraisal.paper_meta import document_text, guess_doi, guess_title
from appraisal.study_type import guess_study_kind
from appraisal.text import load_document

STORE = "appraisal_store"
SAMPLE_PATH = Path(__file__).resolve().parent.parent / "appraisal" / "samples" / "sample_paper.md"


@st.cache_resource
def checklist(checklist_id: str) -> Checklist:
    return load_checklist(checklist_id)


@st.cache_data(show_spinner="Reading the paper and looking for evidence...", max_entries=8)
def evidence(content: bytes | str, filename: str | None, checklist_id: str) -> tuple[str, dict]:
    """(document summary, item id -> ItemEvidence: status, top-3 candidates, suggestion); cached per paper and checklist."""
    document = load_document(content, filename=filename)
    found = assess_evidence(document, load_checklist(checklist_id), top_k=3)
    pages = f", {document.pages} pages" if document.pages else ""
    return f"{escape_markdown(document.name)}: {len(document.sentences)} sentences{pages}", found


def remembered(widget: Callable[..., Any], label: str, key: str, **kwargs: Any) -> Any:
    """Draw a widget whose value is kept in the session store (restored if Streamlit dropped it)."""
    store = st.session_state.setdefault(STORE, {})
    if key not in st.session_state and key in store:
        st.session_state[key] = store[key]
    value = widget(label, key=key, **kwargs)
    store[key] = value
    return value


def stored(key: str, default: Any = None) -> Any:
    return st.session_state.get(STORE, {}).get(key, default)


def _remember_now(key: str, item_id: str | None = None) -> None:
    """on_change: copy the new value into the store before the rerun (so an item's header shows the answer
    at once) and keep that item open."""
    st.session_state.setdefault(STORE, {})[key] = st.session_state.get(key)
    if item_id is not None:
        st.session_state["open_item"] = item_id


# ---------------------------------------------------------------------------------------------- the paper
def _set(key: str, value: Any) -> None:
    st.session_state[key] = value
    st.session_state.setdefault(STORE, {})[key] = value


def _fill_from_paper(content: bytes | str, name: str | None) -> None:
    """Title and DOI from the paper, where the reader has not typed them."""
    try:
        document = load_document(content, filename=name)
    except ValueError:
        return  # the page says why when it loads the paper
    for key, value in (("paper_title", guess_title(document)), ("paper_doi", guess_doi(document))):
        if value and not stored(key):
            _set(key, value)
    guess = guess_study_kind(content if isinstance(content, str) else document_text(document))
    for key, value in guess.answers.items():  # the "what kind of study?" step starts from the paper's wording
        st.session_state[f"kind_{key}"] = value
    st.session_state["kind_guessed"] = True


def keep_paper() -> None:
    """on_change of the uploader: keep the file in the store, so it survives page switches."""
    upload = st.session_state.get("paper_upload")
    if upload is not None:
        store = st.session_state.setdefault(STORE, {})
        store["paper_bytes"], store["paper_name"] = upload.getvalue(), upload.name
        _fill_from_paper(store["paper_bytes"], upload.name)


def keep_pasted_text() -> None:
    _remember_now("paper_text")
    text = st.session_state.get("paper_text") or ""
    if text.strip():
        _fill_from_paper(text, None)


def forget_paper() -> None:
    store = st.session_state.setdefault(STORE, {})
    for key in ("paper_bytes", "paper_name", "paper_text"):
        store.pop(key, None)
    st.session_state["paper_text"] = ""


def current_paper() -> tuple[bytes | str, str | None] | None:
    """The paper being appraised: a fresh upload, else the kept upload, else the pasted text."""
    upload = st.session_state.get("paper_upload")
    if upload is not None:
        return upload.getvalue(), upload.name
    if stored("paper_bytes"):
        return stored("paper_bytes"), stored("paper_name")
    text = st.session_state.get("paper_text") or stored("paper_text") or ""
    return (text, None) if text.strip() else None


@st.cache_data(show_spinner=False, max_entries=4)
def _plain_text(content: bytes | str, filename: str | None) -> str:
    if isinstance(content, str):
        return content  # keeps "Table N (values):" blocks as they are
    return document_text(load_document(content, filename=filename))


def paper_text() -> str | None:
    """The loaded paper as text (for its numbers); None when no paper is loaded or it cannot be read."""
    paper = current_paper()
    if paper is None:
        return None
    try:
        return _plain_text(*paper)
    except ValueError:
        return None


def autosave(appraisal) -> str | None:
    """Save the draft to the knowledge base whenever it changed; returns a line to show, or None."""
    import json
    from contextlib import closing

    from app.state_knowledge import knowledge_db
    from knowledge.appraisals import save_draft

    if not appraisal.paper.title.strip() or not appraisal.answers:
        return None
    data = appraisal.to_dict()
    fingerprint = json.dumps({k: v for k, v in data.items() if k != "created"}, sort_keys=True, default=str)
    if st.session_state.get("draft_fingerprint") != fingerprint:
        with closing(knowledge_db()) as db:
            save_draft(db, data)
        st.session_state["draft_fingerprint"] = fingerprint
    return "Draft saved to the knowledge base; continue it later from the list at the top of this page."


def resume_draft() -> None:
    """on_click: fill the form from the chosen draft in the knowledge base."""
    from contextlib import closing

    from app.state_knowledge import knowledge_db
    from appraisal.model import Appraisal
    from knowledge.appraisals import load_draft

    key = st.session_state.get("draft_choice")
    try:
        with closing(knowledge_db()) as db:
            resume(Appraisal.from_dict(load_draft(db, key), source="the draft"))
        st.session_state["resume_error"] = ""
    except ValueError as exc:
        st.session_state["resume_error"] = str(exc)


def use_checklist(checklist_id: str) -> None:
    _set("checklist", checklist_id)


def _use_quote(item_id: str, text: str, location: str) -> None:
    st.session_state[f"quote_{item_id}"] = text
    st.session_state[f"location_{item_id}"] = location
    st.session_state.setdefault(STORE, {}).update({f"quote_{item_id}": text, f"location_{item_id}": location})
    st.session_state["open_item"] = item_id


def _evidence_summary(found: ItemEvidence) -> list:
    """Show whether the paper reports the item and the suggested answer; return the sentences to list."""
    if found.not_found:
        st.warning(f"{NOT_FOUND_MESSAGE}. {escape_markdown(found.reason.removeprefix(NOT_FOUND_MESSAGE + '.').strip())}",
                   icon=":material/search_off:")
    elif found.status == "unclear":
        st.caption(f"Unclear: {escape_markdown(found.reason)}")
    else:
        st.caption(f"Reported: {escape_markdown(found.reason)}")
    if found.suggestion is not None:
        s = found.suggestion
        st.info(f"Suggestion only, please check: **{answer_label(s.answer)}** ({s.confidence:.0%}). "
                f"{escape_markdown(s.reason)}", icon=":material/lightbulb:")
    return [] if found.not_found else found.candidates


def item_widgets(cl: Checklist, item: ChecklistItem, candidates) -> None:
    """One checklist item: the question, evidence candidates, the answer and the reviewer's notes."""
    answer = stored(f"answer_{item.id}")
    title = f"{item.id}. {item.topic or item.question} \u2014 {answer_label(answer)}"
    keep = {"on_change": _remember_now}
    with st.expander(title, expanded=st.session_state.get("open_item") == item.id):
        st.markdown(f"**{item.question}**")
        st.caption(f"Good reporting: {item.guidance}")
        found = candidates if isinstance(candidates, ItemEvidence) else None
        candidates = _evidence_summary(found) if found is not None else candidates
        for rank, cand in enumerate(candidates, start=1):
            st.markdown(f"{rank}. {cand.highlighted}")
            st.caption(escape_markdown(cand.location))
            st.button("Use this sentence as the quote", key=f"use_{item.id}_{rank}", on_click=_use_quote,
                      args=(item.id, cand.sentence.text, cand.location))
        if not candidates and found is None:
            st.caption("No candidate sentences (load a paper to see them).")
        options = [None, *cl.answer_options]
        remembered(st.radio, "Answer", f"answer_{item.id}", options=options, horizontal=True,
                   format_func=answer_label, **keep, args=(f"answer_{item.id}", item.id))
        remembered(st.text_area, "Quote from the paper", f"quote_{item.id}", height=68, **keep,
                   args=(f"quote_{item.id}", item.id))
        remembered(st.text_input, "Where (section, page)", f"location_{item.id}", **keep,
                   args=(f"location_{item.id}", item.id))
        remembered(st.text_input, "Comment", f"comment_{item.id}", **keep, args=(f"comment_{item.id}", item.id))


def form_values(cl: Checklist) -> dict[str, dict[str, Any]]:
    """Answers, quotes, locations and comments from the store, ready for appraisal.model.build_appraisal."""
    out: dict[str, dict[str, Any]] = {"answers": {}, "quotes": {}, "locations": {}, "comments": {}}
    for item in cl.answerable_items:
        for field, key in (("answers", "answer"), ("quotes", "quote"), ("locations", "location"),
                           ("comments", "comment")):
            value = stored(f"{key}_{item.id}")
            if value:
                out[field][item.id] = value
    return out


def _judgement_label(value: str | None, empty: str) -> str:
    return empty if value is None else value


def domain_widgets(section) -> None:
    """A reviewer override (with its reason) and, for PROBAST domains 1-3, the applicability judgement."""
    options = [None, "low", "high", "unclear"]
    c1, c2 = st.columns(2)
    remembered(c1.selectbox, f"Override the {section.title} judgement", f"override_{section.id}", options=options,
               format_func=lambda x: _judgement_label(x, "No override (use the rule)"))
    remembered(c2.text_input, "Reason for the override (required)", f"override_reason_{section.id}")
    if section.applicability:
        remembered(st.selectbox, f"Concern about applicability: {section.title}", f"applicability_{section.id}",
                   options=options, format_func=lambda x: _judgement_label(x, "Not judged yet"))


def domain_values(cl: Checklist) -> dict[str, dict]:
    """Overrides and applicability judgements from the store, for appraisal.model.build_appraisal."""
    if not cl.is_risk_of_bias:
        return {"domain_overrides": {}, "applicability": {}}
    overrides = {s.id: {"judgement": stored(f"override_{s.id}"), "reason": stored(f"override_reason_{s.id}", "")}
                 for s in cl.sections if stored(f"override_{s.id}")}
    applicability = {s.id: {"judgement": stored(f"applicability_{s.id}")}
                     for s in cl.sections if s.applicability and stored(f"applicability_{s.id}")}
    return {"domain_overrides": overrides, "applicability": applicability}


def resume(appraisal) -> None:
    """Fill the form from a saved appraisal (an on_click callback: runs before the widgets are drawn)."""
    values: dict[str, Any] = {
        "checklist": appraisal.checklist_id, "paper_title": appraisal.paper.title,
        "paper_authors": "; ".join(appraisal.paper.authors), "paper_year": appraisal.paper.year or 0,
        "paper_doi": appraisal.paper.doi or "", "reviewer": appraisal.reviewer, "study_type": appraisal.study_type,
        "external_validation": appraisal.external_validation,
        "very_large_data": appraisal.very_large_data_internally_validated,
    }
    for item_id, entry in appraisal.answers.items():
        values.update({f"answer_{item_id}": entry.answer, f"quote_{item_id}": entry.evidence_quote,
                       f"location_{item_id}": entry.evidence_location, f"comment_{item_id}": entry.comment})
    for domain, override in appraisal.domain_overrides.items():
        values.update({f"override_{domain}": override.judgement, f"override_reason_{domain}": override.reason})
    for domain, entry in appraisal.applicability.items():
        values[f"applicability_{domain}"] = entry.judgement
    st.session_state.setdefault(STORE, {}).update(values)
    st.session_state.update(values)


def resume_from_upload() -> None:
    from appraisal.model import Appraisal

    upload = st.session_state.get("resume_upload")
    if upload is None:
        st.session_state["resume_error"] = "Choose an appraisal JSON file first."
        return
    try:
        resume(Appraisal.from_json(upload.getvalue(), source=escape_markdown(upload.name)))
        st.session_state["resume_error"] = ""
    except ValueError as exc:
        st.session_state["resume_error"] = str(exc)
