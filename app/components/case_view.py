"""Render cases safely: every piece of user text is escaped so it shows as text, never as HTML."""

from __future__ import annotations

import re
from urllib.parse import quote

import pandas as pd
import streamlit as st

from knowledge.models import BODY_FIELDS, CATEGORIES, STATUSES

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>$-])")


def escape_html(text: str) -> str:
    """Neutralise HTML but keep Markdown (case bodies may use Markdown emphasis and lists)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body_markdown(text: str) -> str:
    """A case body as Markdown with HTML neutralised and images shown as links, never loaded: a body
    could otherwise make every reader's browser fetch a URL of the author's choosing.

    >>> body_markdown("See ![scan](https://example.org/x.png) <b>here</b>")
    'See &#33;[scan](https://example.org/x.png) &lt;b&gt;here&lt;/b&gt;'
    """
    return escape_html(text).replace("![", "&#33;[")


def escape_all(text: str) -> str:
    """Show text exactly as typed: neither HTML nor Markdown is interpreted (titles, snippets, names)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", escape_html(text)).replace("\n", " ")
    return re.sub(r"^(\d+)\.", r"\1\\.", escaped)  # "1979. ..." must not become a numbered list


def years(case) -> str:
    if case.year_end and case.year_end != case.year_start:
        return f"{case.year_start}-{case.year_end}"
    return str(case.year_start)


def title_with_year(title: str, year) -> str:
    """``Title (2021)`` for a button label, unless the title already ends with its year.

    >>> title_with_year("MYCIN's blinded evaluation (1979)", 1979)
    "MYCIN's blinded evaluation (1979)"
    >>> title_with_year("Zech et al.: pneumonia", 2018)
    'Zech et al.: pneumonia (2018)'
    """
    title = (title or "").strip()
    if not year or title.endswith(f"({year})"):
        return title
    return f"{title} ({year})"


def versions_label(count: int) -> str:
    return f"{count} version{'' if count == 1 else 's'}"


def source_line(source) -> str:
    parts = [escape_all(source.citation)]
    if source.doi:
        parts.append(f"[doi:{escape_all(source.doi)}](https://doi.org/{quote(source.doi, safe='/:;.-_')})")
    if source.pmid:
        parts.append(f"[PMID {source.pmid}](https://pubmed.ncbi.nlm.nih.gov/{quote(source.pmid)}/)")
    if source.url:
        parts.append(f"[{escape_all(source.url)}]({quote(source.url, safe=':/?&=#%.-_~+')})")
    return " · ".join(parts)


def render_case(record, *, show_status: bool = False) -> None:
    """The full case: header line, body fields, sources with links, tags."""
    case = record.case
    st.subheader(escape_all(case.title))
    meta = [CATEGORIES.get(case.category, case.category), years(case), f"version {record.version}"]
    if show_status:
        meta.insert(2, STATUSES[case.status])
    if case.reviewer and case.status == "published":
        meta.append(f"reviewed by {escape_all(case.reviewer)}")
    st.caption(" · ".join(meta))
    if record.deleted_at:
        st.warning("This case is deleted: it is hidden from the library until it is restored.")
    for name, label in BODY_FIELDS.items():
        text = getattr(case, name)
        if text.strip():
            st.markdown(f"**{label}**")
            st.markdown(body_markdown(text))
    st.markdown("**Sources**")
    st.markdown("\n".join(f"1. {source_line(s)}" for s in case.sources))
    if case.tags:
        st.caption("Tags: " + ", ".join(escape_all(t) for t in case.tags))
    render_checklist_links(case.checklist_items)


#: The Case library page's address; ``?case=slug`` opens one case directly.
CASE_LIBRARY_URL = "case_library"


def case_url(slug: str) -> str:
    """A relative link that opens the case on the Case library page (works under any base path)."""
    return f"{CASE_LIBRARY_URL}?case={quote(slug)}"


def render_checklist_links(links) -> None:
    """The checklist items a case illustrates (or that would have caught it), each with its one line of why."""
    from knowledge.links import checklist_item_label

    if not links:
        return
    st.markdown("**Checklist items this case illustrates**")
    st.markdown("\n".join(f"- **{escape_all(checklist_item_label(link.checklist, link.item, with_question=False))}**"
                          f" — {escape_all(link.why)}" for link in links))


def render_cases_for_item(rows: list[dict], *, key: str) -> None:
    """A small "cases where this went wrong" popover under a checklist item (nothing when no case links it)."""
    if not rows:
        return
    with st.popover(f"Cases where this went wrong ({len(rows)})", key=key):
        for r in rows:
            st.markdown(f"[{escape_all(r['title'])}]({case_url(r['slug'])}) ({r['year_start']}): {escape_all(r['why'])}")


def render_history(revisions) -> None:
    frame = pd.DataFrame([{"version": r.version, "saved": r.created_at[:19].replace("T", " "), "by": r.user,
                           "note": r.message, "fields changed": ", ".join(r.changed_fields)} for r in revisions])
    st.dataframe(frame, hide_index=True)


def _diff_value(value) -> str:
    if isinstance(value, list):
        lines = []
        for v in value:
            if isinstance(v, dict) and "citation" in v:
                lines.append(str(v["citation"]))
            elif isinstance(v, dict) and "item" in v:
                lines.append(f"{v.get('checklist')} {v.get('item')}: {v.get('why')}")
            else:
                lines.append(str(v))
        return "\n".join(lines)
    return "" if value is None else str(value)


def render_diff(diff: dict) -> None:
    """A field-by-field before/after table with the fields' names in words (values shown as text)."""
    from knowledge.models import FIELD_LABELS

    if not diff:
        st.caption("Nothing changed in the case's text in this version.")
        return
    frame = pd.DataFrame([{"field": FIELD_LABELS.get(f, f), "before": _diff_value(c["old"]),
                           "after": _diff_value(c["new"])} for f, c in diff.items()])
    st.dataframe(frame, hide_index=True)


def render_field_errors(error) -> None:
    """A validation error as one line per field, in the words the form uses."""
    st.error("Not saved. Please fix:\n" + "\n".join(f"- **{escape_all(label)}**: {escape_all(message)}"
                                                   for label, message in error.field_messages()))


#: Set in the values of ``case_form_values`` when a typed line could not be read; pop it and show it before saving.
FORM_PROBLEM = "_problem"


def case_form_values(prefix: str) -> dict:
    """Render the editable case fields with keys ``{prefix}_{field}``; return the values as case data.

    Pre-fill by setting ``st.session_state[f"{prefix}_{field}"]`` before calling (see ``form_state``).
    """
    from knowledge.models import CaseValidationError, parse_links_text, parse_sources_text

    values = {"title": st.text_input("Title", key=f"{prefix}_title")}
    c1, c2, c3 = st.columns([2, 1, 1])
    values["category"] = c1.selectbox("Category", list(CATEGORIES), key=f"{prefix}_category",
                                      format_func=CATEGORIES.get)
    values["year_start"] = c2.number_input("Year", 1900, 2100, step=1, key=f"{prefix}_year_start")
    unset = {} if f"{prefix}_year_end" in st.session_state else {"value": None}
    values["year_end"] = c3.number_input("Until (optional)", 1900, 2100, step=1, key=f"{prefix}_year_end", **unset)
    for name, label in BODY_FIELDS.items():
        values[name] = st.text_area(label, key=f"{prefix}_{name}", height=80 if name == "summary" else 110)
    values["sources"] = parse_sources_text(st.text_area(
        "Sources, one per line: citation | DOI | PMID | URL (at least one DOI or URL)", key=f"{prefix}_sources"))
    values["tags"] = st.text_input("Tags, comma separated (lowercase-hyphenated)", key=f"{prefix}_tags")
    links_text = st.text_area("Checklist items, one per line: checklist | item | why (e.g. clinician-framework | "
                              "Q4 | Never tested at another hospital.)", key=f"{prefix}_checklist_items")
    try:
        values["checklist_items"] = parse_links_text(links_text)
    except CaseValidationError as exc:  # reported when saving, with the other fields' problems
        values["checklist_items"], values[FORM_PROBLEM] = [], exc
    for key in ("year_start", "year_end"):
        values[key] = None if values[key] is None else int(values[key])
    return values


def form_state(prefix: str, case) -> dict:
    """Session-state entries that pre-fill ``case_form_values(prefix)`` with ``case``."""
    from knowledge.models import links_to_text, sources_to_text

    state = {f"{prefix}_{f}": getattr(case, f) for f in ("title", "category", "year_start", "year_end", *BODY_FIELDS)}
    state[f"{prefix}_sources"] = sources_to_text(case.sources)
    state[f"{prefix}_tags"] = ", ".join(case.tags)
    state[f"{prefix}_checklist_items"] = links_to_text(case.checklist_items)
    return state
