"""The Train on your cohort page: trains a tiny model from a folder and from uploads; bad input is plain."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT
from tests.decision_support.files import write_cohort

PAGE = str(REPO_ROOT / "app" / "views" / "train_cohort.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_train_from_a_folder_saves_and_shows_metrics(tmp_path):
    manifest = write_cohort(tmp_path / "cohort", subjects=4, recordings=1, seconds=0.6)
    at = _page()
    at.text_input(key="train_path").set_value(str(manifest.parent))
    at.selectbox(key="train_kind").set_value("lda")
    at.text_input(key="train_name").set_value("tiny")
    at.button(key="train_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("Saved model **tiny**" in s.value for s in at.success)
    assert (Path(os.environ["MEDLENS_MODEL_DIR"]) / "tiny" / "model.json").is_file()
    table = at.dataframe[0].value
    assert "Macro ROC AUC (one-vs-rest)" in set(table["metric"])
    assert any("Brier score" in c.value for c in at.caption)  # the calibration summary under its plot


def test_bad_input_gives_plain_messages(tmp_path):
    at = _page()
    at.text_input(key="train_name").set_value("../escape")
    at.button(key="train_go").click().run()
    assert any("model name" in e.value for e in at.error)
    at.text_input(key="train_name").set_value("ok")
    at.text_input(key="train_path").set_value(str(tmp_path / "nothing"))
    at.button(key="train_go").click().run()
    assert any("not found" in e.value for e in at.error)


def test_a_within_subject_gesture_cohort_trains_on_windows_and_shows_the_baseline(tmp_path):
    from tests.decision_support.gesture_files import write_small_gesture_cohort

    manifest = write_small_gesture_cohort(tmp_path / "gestures", subjects=3)
    at = _page()
    at.text_input(key="train_path").set_value(str(manifest))
    at.selectbox(key="train_electrode").set_value("surface")
    at.text_input(key="train_label_column").set_value("gesture")
    at.text_input(key="train_name").set_value("gestures")
    at.button(key="train_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("Within-subject design" in i.value for i in at.info)
    models = at.dataframe[0].value
    assert models["model"].iloc[0] == "medlens" and models["model"].iloc[1].startswith("baseline: Random forest")
    assert set(at.dataframe[1].value["subject"]) == {"S01", "S02", "S03"}
    assert (Path(os.environ["MEDLENS_MODEL_DIR"]) / "gestures" / "model_card.md").is_file()
    # when every class but one is marked as 'no label', the message says so in plain words
    at.text_input(key="train_unlabelled").set_value("rest, fist")
    at.checkbox(key="train_replace").check()
    at.button(key="train_go").click().run()
    assert not at.exception
    assert any("only one class ('extension')" in e.value for e in at.error), [e.value for e in at.error]
