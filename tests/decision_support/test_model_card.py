"""Model cards: every Mitchell et al. section, numbers from the run, simulated and not-a-device notes."""

from __future__ import annotations

import pytest

from decision_support.model_card import MODEL_CARD_REFERENCE, SECTION_TITLES, SECTIONS, card_markdown


def test_card_has_every_section_and_the_intended_use(quick_model):
    card = quick_model.card
    assert set(SECTIONS) <= set(card)
    assert "not a medical device" in " ".join(card["intended_use"]["out_of_scope"])
    assert "Education and research" in card["intended_use"]["primary_use"]
    assert card["training_data"]["simulated"] is True
    assert any("SIMULATED" in c for c in card["caveats_and_recommendations"])
    assert "10.1145/3287560.3287596" in MODEL_CARD_REFERENCE


def test_card_numbers_come_from_the_metrics(quick_model):
    card = quick_model.card
    auc = quick_model.metrics["point"]["macro_auc"]
    assert card["quantitative_analyses"]["macro_auc"].startswith(f"{auc:.2f}")
    assert card["evaluation_data"]["n_subjects"] == quick_model.metadata["n_subjects"]
    assert "mode" in card["quantitative_analyses"]["subgroups"] or "effort" in card["quantitative_analyses"]["subgroups"]


def test_markdown_renders_all_sections_in_order(quick_model):
    md = card_markdown(quick_model.card)
    positions = [md.index(f"## {SECTION_TITLES[s]}") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "Trained on simulated data" in md


@pytest.mark.slow
def test_card_says_which_features_the_model_reads(quick_model):
    """The demo model reads window features; the default reads the MUAP analysis' clinical columns only, and
    its card must not claim window features it does not use."""
    from decision_support.model_card import build_model_card
    from decision_support.registry import load_model
    from tests.decision_support.quick_model import default_model_folder

    demo = build_model_card(quick_model)["model_details"]["features"]
    assert "window features" in demo and "clinical" not in demo
    default = build_model_card(load_model(default_model_folder()))["model_details"]["features"]
    assert default.startswith("10 clinical features from the MUAP analysis") and "window features" not in default
