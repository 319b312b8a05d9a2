"""Demo cohorts, dataset card and the demo model."""

from __future__ import annotations

import pytest

from decision_support import demo


def test_full_demo_cohort_design_meets_the_issue():
    for name in demo.DEMO_COHORTS:
        spec = demo.cohort_spec(name)
        assert spec.subjects_per_class >= 20 and spec.recordings_per_subject >= 2
    assert demo.cohort_spec("demo-needle").fs == 4000.0 and demo.cohort_spec("demo-needle").mode == "needle"
    assert demo.cohort_spec("demo-surface").mode == "surface"


def test_dataset_card_says_simulated_with_parameters_and_references():
    card = demo.dataset_card("demo-needle")
    assert card["simulated"] is True and card["summary"].startswith("SIMULATED")
    assert card["parameters"]["fs_hz"] == 4000.0 and card["parameters"]["subjects_per_class"] == 20
    assert any("doi:" in ref for ref in card["references"])
    md = demo.dataset_card_markdown(card)
    assert "Simulated data" in md and "## Limitations" in md


def test_demo_table_has_subject_variation_and_no_shared_subjects():
    table = demo.demo_feature_table("demo-surface", quick=True)
    assert table["subject"].nunique() == 12
    assert (table.groupby("subject")["label"].nunique() == 1).all()
    assert table.groupby("label")["MNF_median"].std().gt(0).all()


def test_demo_recordings_are_not_training_subjects():
    rec = demo.demo_recording("neurogenic", 0, seconds=1.0)
    assert rec.metadata.get("simulated") is True
    training_seeds = {demo._subject_seed(c, i) for c in ("healthy", "myopathic", "neurogenic") for i in range(20)}
    assert min(training_seeds) >= demo.TRAINING_SEED_BASE > 1 + 100 * 2 + 999


def test_ensure_demo_model_reuses_an_existing_model(quick_model_dir):
    import shutil
    import tempfile
    from pathlib import Path

    target = Path(tempfile.mkdtemp()) / "demo"
    shutil.copytree(quick_model_dir, target)
    stamp = (target / "model.json").stat().st_mtime
    assert demo.ensure_demo_model(target) == target
    assert (target / "model.json").stat().st_mtime == stamp
    assert (target / "dataset_card.md").is_file()


def test_unknown_cohort_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown demo cohort"):
        demo.cohort_spec("demo-eeg")


@pytest.mark.slow
def test_full_demo_model_is_validated_honestly(tmp_path):
    """The shipped demo model: trained on the full simulated cohort, calibrated, sets near nominal coverage."""
    from decision_support.registry import load_model

    model = load_model(demo.ensure_demo_model(tmp_path / "demo"))
    assert model.kind == demo.DEMO_MODEL_KIND and model.metadata["n_subjects"] == 60
    assert model.metrics["point"]["macro_auc"] > 0.9
    assert 0.6 < model.metrics["abnormal"]["calibration"]["slope"] < 1.6
    for c, cov in model.conformal.coverage_at(0.9)["per_class"].items():
        assert cov > 0.8, (c, cov)
    for condition in ("healthy", "myopathic", "neurogenic"):
        row = model.featurize(demo.demo_recording(condition, 0))
        assert not model.ood.is_outlier(row)[0]
        assert model.classes[int(model.pipeline.predict_proba(row).argmax())] == condition
    assert (tmp_path / "demo" / "dataset_card.md").read_text().startswith("# Dataset card: demo-needle")
