"""Curate: log in, write drafts, edit safely alongside others, review, publish, delete and restore."""

import streamlit as st

from app.components.case_view import (
    FORM_PROBLEM, case_form_values, escape_all, form_state, render_case, render_diff, render_field_errors,
    render_history,
)
from app.components.layout import page_boundary, page_header
from app.state_knowledge import SESSION_USER, current_user, knowledge_db
from knowledge import cases as kc
from knowledge.models import STATUSES, CaseValidationError
from knowledge.users import authenticate

page_header("Curate", "Write and review cases for the library. Every saved edit is kept and can be restored.")
NEW = "(write a new case)"


def flash(message: str, pick: str | None = None) -> None:
    st.session_state["curate_flash"] = message
    if pick:
        st.session_state["curate_pick_next"] = pick  # a widget's value can only be set before it is drawn
    st.session_state.pop("edit_loaded", None)  # reload the form (and the status line) from the saved case
    st.rerun()


def checked(values: dict) -> dict:
    """The form's values, or stop with one message per bad field (in the form's words)."""
    if FORM_PROBLEM in values:
        raise values.pop(FORM_PROBLEM)
    return values


with page_boundary("the curation page"):
    db = knowledge_db()
    user = current_user()
    if user is None:
        st.info("Reading the library needs no login. To write or review cases, log in with your medlens account "
                "(an admin creates one with `medlens user add NAME --role curator`).")
        name = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        if st.button("Log in", key="login_button", type="primary"):
            account = authenticate(db, name, password)
            if not account.can("curator"):
                raise ValueError("Your account can read the library but not curate it.")
            st.session_state[SESSION_USER] = {"name": account.name, "role": account.role}
            st.rerun()
        st.stop()

    top, out = st.columns([4, 1])
    top.caption(f"Logged in as **{escape_all(user['name'])}** ({user['role']}).")
    if out.button("Log out", key="logout_button"):
        st.session_state.pop(SESSION_USER)
        st.rerun()
    if "curate_flash" in st.session_state:
        st.success(st.session_state.pop("curate_flash"))

    if user["role"] in ("reviewer", "admin"):
        queue = kc.review_queue(db, user["name"])
        with st.expander(f"Awaiting your review ({len(queue)})", expanded=bool(queue)):
            if not queue:
                st.caption("Nothing is waiting for you: no one else's case is in review.")
            for r in queue:
                left, right = st.columns([4, 1])
                left.markdown(f"**{escape_all(r['title'])}** · by {escape_all(r['author'])} · "
                              f"waiting since {r['updated_at'][:16].replace('T', ' ')}")
                if right.button("Review", key=f"review_{r['slug']}"):
                    flash(f"Opened '{r['slug']}' for review: read it, then publish or return it to draft.",
                          pick=r["slug"])

    if "curate_pick_next" in st.session_state:
        st.session_state["curate_pick"] = st.session_state.pop("curate_pick_next")
    rows = kc.list_cases(db, include_deleted=True)
    labels = {r["slug"]: f"{r['title']} [{STATUSES[r['status']]}{', deleted' if r['deleted_at'] else ''}]"
              for r in rows}
    slug = st.selectbox("Case", [NEW, *sorted(labels, key=lambda s: labels[s].lower())], key="curate_pick",
                        format_func=lambda s: labels.get(s, s))

    try:
        if slug == NEW:
            st.session_state.setdefault("new_year_start", 2020)
            new_slug = st.text_input("Short name (slug), e.g. sepsis-model-external-validation", key="new_slug")
            values = case_form_values("new")
            if st.button("Create draft", key="create_button", type="primary"):
                kc.create_case(db, {**checked(values), "slug": new_slug.strip()}, user=user["name"])
                flash(f"Draft '{new_slug.strip()}' created. Fill in every section, then submit it for review.",
                      pick=new_slug.strip())
            st.stop()

        record = kc.get_case(db, slug)
        if st.session_state.get("edit_loaded") != slug:
            st.session_state.update(form_state("edit", record.case), edit_loaded=slug, edit_base=record.version)
        base = st.session_state["edit_base"]
        st.caption(f"{STATUSES[record.case.status]} · author {escape_all(record.case.author)} · version "
                   f"{record.version} (you are editing version {base})")

        actions = st.columns(5)
        if record.deleted_at:
            if actions[0].button("Restore", key="restore_button"):
                kc.restore_case(db, slug, user=user["name"])
                flash("Case restored.")
        else:
            if record.case.status == "draft" and actions[0].button("Submit for review", key="submit_button"):
                kc.submit_for_review(db, slug, user=user["name"], base_version=base)
                flash("Submitted for review.")
            if record.case.status == "in_review" and user["role"] in ("reviewer", "admin"):
                if actions[1].button("Publish", key="publish_button", type="primary"):
                    kc.publish_case(db, slug, user=user["name"], base_version=base)
                    flash("Published: it is now in the case library.")
            if record.case.status != "draft" and user["role"] in ("reviewer", "admin"):
                if actions[2].button("Return to draft", key="return_button"):
                    kc.request_changes(db, slug, user=user["name"], base_version=base)
                    flash("Returned to draft.")
            if actions[4].button("Delete", key="delete_button"):
                kc.delete_case(db, slug, user=user["name"])
                flash("Deleted. It can be restored from this page.")

        edit_tab, preview_tab, history_tab = st.tabs(["Edit", "Preview", "History"])
        with edit_tab:
            values = case_form_values("edit")
            message = st.text_input("What did you change? (optional)", key="edit_message")
            if record.case.status == "published":
                st.caption("Saving an edit sends this published case back to review until a reviewer publishes it.")
            if st.button("Save", key="save_button", type="primary", disabled=bool(record.deleted_at)):
                try:
                    kc.update_case(db, slug, checked(values), base_version=base, user=user["name"],
                                   message=message or "Edited")
                    flash("Saved.")
                except kc.EditConflict as conflict:
                    st.error(str(conflict))
                    st.markdown("**Changed by someone else meanwhile:**")
                    render_diff(conflict.changes)
                    with st.expander("Your unsaved edit (copy what you need before reloading)", expanded=True):
                        for field, value in values.items():
                            st.text(f"{field}: {value}")
            if base != record.version and st.button("Load the latest version", key="reload_button"):
                flash("Loaded the latest version.")
        with preview_tab:
            render_case(record, show_status=True)
        with history_tab:
            revisions = kc.case_history(db, slug)
            render_history(revisions)
            # Keyed by the current version, so the diff opens at the newest version whenever the case changes.
            version = st.selectbox("Show the changes made in version", [r.version for r in revisions],
                                   key=f"history_version_{slug}_{record.version}")
            render_diff(kc.revision_diff(db, slug, version))
            if st.button(f"Restore the text of version {version}", key="restore_revision_button",
                         disabled=bool(record.deleted_at)):
                kc.restore_revision(db, slug, version, user=user["name"], base_version=base)
                flash(f"Restored the text of version {version} as a new version.")
    except CaseValidationError as invalid:
        render_field_errors(invalid)
