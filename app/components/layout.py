"""Page furniture shared by every page: header, error boundary, and the safety notes."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

log = logging.getLogger("medlens.app")

SIMULATED_NOTE = (
    "The default EMG cohort is **simulated** by medlens' motor-unit simulator, not recorded from patients. "
    "Results shown here describe simulated data."
)
NOT_A_DEVICE_NOTE = (
    "For education and research only. This is **not a medical device** and must not be used to diagnose "
    "or treat anyone."
)


def page_header(title: str, intro: str) -> None:
    st.title(title)
    st.caption(intro)


def simulated_data_note() -> None:
    st.info(SIMULATED_NOTE, icon=":material/science:")


def not_a_device_note() -> None:
    st.warning(NOT_A_DEVICE_NOTE, icon=":material/gpp_maybe:")


@contextmanager
def page_boundary(what: str = "this page") -> Iterator[None]:
    """Catch any error at the page boundary: a short message for the user, the traceback to the log.

    ValueError (and its subclasses such as SignalError) carry messages written for users and are shown
    as they are; anything else is an unexpected failure and gets a generic message.
    """
    try:
        yield
    except (StopException, RerunException):  # Streamlit's own control flow, not errors
        raise
    except ValueError as exc:
        log.warning("user-facing error on %s: %s", what, exc)
        st.error(f"{exc}", icon=":material/error:")
    except sqlite3.Error as exc:  # locked for more than 15 s, read-only, disk full: say which, calmly
        from knowledge.guards import explain_db_error

        log.warning("database error on %s: %s", what, exc)
        st.error(explain_db_error(exc), icon=":material/error:")
    except RecursionError:
        log.warning("deeply nested input on %s", what)
        st.error("The file is nested too deeply to read safely; nothing was changed.", icon=":material/error:")
    except Exception:  # noqa: BLE001 - the boundary exists to catch everything
        log.exception("unexpected error on %s", what)
        st.error(
            f"Something went wrong on {what}. Nothing you saved was lost. "
            "Try again; if it keeps happening, reload the page and report it with the time it happened.",
            icon=":material/error:",
        )
