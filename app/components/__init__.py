"""Shared rendering helpers for the Streamlit pages."""
