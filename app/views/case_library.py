"""Case library: search the published cases, read one with its sources, history and related cases."""

import streamlit as st

from app.components.case_view import escape_all, render_case, render_history, years
from app.components.layout import page_boundary, page_header
from app.state_knowledge import knowledge_db
from knowledge.appraisals import appraisals_for_case
from knowledge.cases import case_history, get_case
from knowledge.models import CATEGORIES
from knowledge.search import all_tags, query_words, related_cases, search_cases

page_header(
    "Case library",
    "Real cases of machine learning and computing in medicine: what was claimed, how it was evaluated, "
    "and what happened. Every figure carries its source.",
)

with page_boundary("the case library"):
    db = knowledge_db()
    query = st.text_input("Search the cases", key="case_search", placeholder="e.g. sepsis external validation")
    c1, c2, c3 = st.columns(3)
    category = c1.selectbox("Category", ["All", *CATEGORIES], key="case_category",
                            format_func=lambda c: CATEGORIES.get(c, "All categories"))
    tag = c2.selectbox("Tag", ["All", *all_tags(db)], key="case_tag")
    year_range = c3.slider("Years", 1950, 2030, (1950, 2030), key="case_years")
    filters = dict(category=None if category == "All" else category, tag=None if tag == "All" else tag, limit=100,
                   year_from=year_range[0] if year_range[0] > 1950 else None,
                   year_to=year_range[1] if year_range[1] < 2030 else None)
    hits, any_word = search_cases(db, query, **filters), False
    if not hits and len(query_words(query)) > 1:
        hits, any_word = search_cases(db, query, any_word=True, **filters), True

    results, reader = st.columns([2, 3], gap="large")
    with results:
        count = f"{len(hits)} case{'' if len(hits) == 1 else 's'}"
        st.caption(count + (", newest first" if not query_words(query) else
                            " with some of your words (none has all of them)" if any_word else ", best matches first"))
        if not hits:
            st.info("No cases match. Try fewer or different words, or widen the filters.")
        for hit in hits:
            st.markdown(f"**{escape_all(hit.title)}**")
            snippet = "".join(f"**{escape_all(t)}**" if match else escape_all(t) for t, match in hit.segments())
            st.caption(f"{CATEGORIES[hit.category]} · {hit.years} — {snippet}")
            if st.button("Read this case", key=f"open_{hit.slug}"):
                st.session_state["case_open"] = hit.slug

    with reader:
        slug = st.session_state.get("case_open") or (hits[0].slug if hits else None)
        if slug:
            record = get_case(db, slug)
            if record.case.status != "published" or record.deleted_at:
                st.info("This case is not in the published library.")
            else:
                render_case(record)
                related = related_cases(db, slug)
                if related:
                    st.markdown("**Related cases**")
                    for r in related:
                        label = f"{escape_all(r['title'])} ({r['year_start']})"
                        if st.button(label, key=f"related_{r['slug']}"):
                            st.session_state["case_open"] = r["slug"]
                            st.rerun()
                saved = appraisals_for_case(db, slug)
                if saved:
                    st.markdown("**Saved appraisals of these papers**")
                    for a in saved:
                        st.caption(f"#{a['id']} · {escape_all(a['checklist_id'])} · {escape_all(a['paper_title'])}"
                                   f" · {escape_all(a['reviewer'] or 'no reviewer')} · {a['created_at'][:10]} "
                                   "(open it on the Compare appraisals page)")
                with st.expander(f"Revision history ({record.version} versions)"):
                    render_history(case_history(db, slug))
            st.caption(f"Case id: `{slug}` · years {years(record.case)} · cite the sources above, not this page.")
