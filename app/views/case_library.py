"""Case library: search the published cases, read one with its sources, history and related cases.

``?case=<slug>`` opens a case directly, and opening a case puts its slug in the address bar to share.
"""

import streamlit as st

from app.components.case_view import (
    escape_all, render_case, render_history, title_with_year, versions_label, years,
)
from app.components.layout import page_boundary, page_header
from app.state_knowledge import knowledge_db
from knowledge.appraisals import appraisals_for_case
from knowledge.cases import CaseNotFound, case_history, get_case
from knowledge.models import CATEGORIES
from knowledge.search import all_tags, find_cases, query_words, related_cases

page_header(
    "Case library",
    "Real cases of machine learning and computing in medicine: what was claimed, how it was evaluated, "
    "and what happened. Every figure carries its source.",
)


def open_case(slug: str) -> None:
    st.session_state["case_open"] = slug
    st.query_params["case"] = slug  # the address bar now links to this case


with page_boundary("the case library"):
    db = knowledge_db()
    linked = st.query_params.get("case")
    if linked and st.session_state.get("case_link_seen") != linked:  # a shared link, once per link
        st.session_state.update(case_link_seen=linked, case_open=linked)
    query = st.text_input("Search the cases", key="case_search", placeholder="e.g. sepsis external validation")
    c1, c2, c3 = st.columns(3)
    category = c1.selectbox("Category", ["All", *CATEGORIES], key="case_category",
                            format_func=lambda c: CATEGORIES.get(c, "All categories"))
    tag = c2.selectbox("Tag", ["All", *all_tags(db)], key="case_tag")
    year_range = c3.slider("Years", 1950, 2030, (1950, 2030), key="case_years")
    filters = dict(category=None if category == "All" else category, tag=None if tag == "All" else tag, limit=100,
                   year_from=year_range[0] if year_range[0] > 1950 else None,
                   year_to=year_range[1] if year_range[1] < 2030 else None)
    outcome = find_cases(db, query, **filters)
    hits = outcome.hits

    results, reader = st.columns([2, 3], gap="large")
    with results:
        if outcome.suggestion:
            st.info(f"No case contains {', '.join(escape_all(w) for w in outcome.unknown)}. Showing results for "
                    f"**{escape_all(outcome.suggestion)}** instead.")
        count = f"{len(hits)} case{'' if len(hits) == 1 else 's'}"
        st.caption(count + (", newest first" if not query_words(query) else
                            " with some of your words (none has all of them)" if outcome.any_word
                            else ", best matches first"))
        if not hits:
            st.info("No cases match. Try fewer or different words, or widen the filters.")
        for hit in hits:
            st.markdown(f"**{escape_all(hit.title)}**")
            snippet = "".join(f"**{escape_all(t)}**" if match else escape_all(t) for t, match in hit.segments())
            st.caption(f"{CATEGORIES[hit.category]} · {hit.years} — {snippet}")
            st.button("Read this case", key=f"open_{hit.slug}", on_click=open_case, args=(hit.slug,))

    with reader:
        slug = st.session_state.get("case_open") or (hits[0].slug if hits else None)
        try:
            record = get_case(db, slug) if slug else None
        except CaseNotFound:
            st.warning(f"There is no case '{escape_all(slug)}' (the link may be mistyped or the case renamed).")
            record = None
        if record is not None:
            if record.case.status != "published" or record.deleted_at:
                st.info("This case is not in the published library.")
            else:
                render_case(record)
                related = related_cases(db, slug)
                if related:
                    st.markdown("**Related cases**")
                    for r in related:
                        st.button(escape_all(title_with_year(r["title"], r["year_start"])), key=f"related_{r['slug']}",
                                  on_click=open_case, args=(r["slug"],))
                saved = appraisals_for_case(db, slug)
                if saved:
                    st.markdown("**Saved appraisals of these papers**")
                    for a in saved:
                        st.caption(f"#{a['id']} · {escape_all(a['checklist_id'])} · {escape_all(a['paper_title'])}"
                                   f" · {escape_all(a['reviewer'] or 'no reviewer')} · {a['created_at'][:10]} "
                                   "(open it on the Compare appraisals page)")
                with st.expander(f"Revision history ({versions_label(record.version)})"):
                    render_history(case_history(db, slug))
            st.caption(f"Case id: `{slug}` · years {years(record.case)} · link: `?case={slug}` · "
                       "cite the sources above, not this page.")
