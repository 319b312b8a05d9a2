"""The prediction audit log and stored appraisals."""

from __future__ import annotations

import csv
import io

import pytest

from knowledge import appraisals, audit, cases
from tests.knowledge.conftest import make_case


def _log(db, **overrides):
    kwargs = dict(user="clinician", model_version="emg-rf-1.0", input_name="demo.csv", input_sha256="0f" * 32,
                  quality_verdict="good", predicted_label="myopathic",
                  probabilities={"healthy": 0.1, "myopathic": 0.7, "neurogenic": 0.2},
                  prediction_set=["myopathic", "neurogenic"], top_reasons=["Short, small motor unit potentials"])
    kwargs.update(overrides)
    return audit.log_prediction(db, **kwargs)


def test_log_and_list_predictions(db):
    first = _log(db)
    second = _log(db, predicted_label=None, abstained=True, abstain_reasons=["Mains hum on channel 2"])
    rows = audit.list_predictions(db)
    assert [r["id"] for r in rows] == [second, first]
    assert rows[0]["abstained"] is True and rows[0]["abstain_reasons"] == ["Mains hum on channel 2"]
    assert rows[1]["probabilities"] == {"healthy": 0.1, "myopathic": 0.7, "neurogenic": 0.2}
    assert rows[1]["prediction_set"] == ["myopathic", "neurogenic"]


def test_export_predictions_csv(db, tmp_path):
    _log(db)
    _log(db, input_name="second, with comma.csv")
    assert audit.export_predictions_csv(db, tmp_path / "log.csv") == 2
    rows = list(csv.DictReader(io.StringIO((tmp_path / "log.csv").read_text())))
    assert [r["input_name"] for r in rows] == ["demo.csv", "second, with comma.csv"]
    assert rows[0]["abstained"] == "False" and '"myopathic": 0.7' in rows[0]["probabilities"]
    assert audit.predictions_csv_text(db).splitlines()[0].startswith("id,created_at,user")


def test_prediction_needs_model_version(db):
    with pytest.raises(ValueError, match="model version"):
        _log(db, model_version="")


APPRAISAL = {"schema_version": 1, "checklist_id": "probast", "reviewer": "bob",
             "paper": {"title": "TEST: an invented prognostic model paper", "doi": "10.9999/appraised"},
             "answers": {"1.1": {"answer": "yes", "quote": "TEST quote"}}}


def test_save_get_list_delete_appraisal(db):
    cases.create_case(db, make_case(), user="alice")
    linked = appraisals.save_appraisal(db, APPRAISAL, user="bob", case_slug="test-emg-carpal-tunnel")
    loose = appraisals.save_appraisal(db, {**APPRAISAL, "checklist_id": "tripod-ai"})
    assert appraisals.get_appraisal(db, linked) == APPRAISAL
    assert [a["id"] for a in appraisals.list_appraisals(db)] == [loose, linked]
    summary = appraisals.list_appraisals(db, case_slug="test-emg-carpal-tunnel")
    assert len(summary) == 1 and summary[0]["paper_doi"] == "10.9999/appraised" and summary[0]["reviewer"] == "bob"
    assert [a["id"] for a in appraisals.list_appraisals(db, checklist_id="tripod-ai")] == [loose]
    appraisals.delete_appraisal(db, loose, user="bob")
    assert [a["id"] for a in appraisals.list_appraisals(db)] == [linked]
    assert audit.change_log(db, table="appraisals")[0]["action"] == "delete"
    with pytest.raises(ValueError, match="no saved appraisal"):
        appraisals.get_appraisal(db, loose)


@pytest.mark.parametrize(("bad", "message"), [
    ({"paper": {"title": "x"}}, "checklist_id"),
    ({"checklist_id": "probast"}, "paper.title"),
    ({"checklist_id": "probast", "paper": {"title": "  "}}, "paper.title"),
    (["not", "a", "dict"], "JSON object"),
])
def test_invalid_appraisals(db, bad, message):
    with pytest.raises(ValueError, match=message):
        appraisals.save_appraisal(db, bad)


def test_appraisal_for_unknown_case(db):
    with pytest.raises(ValueError, match="no case 'nope'"):
        appraisals.save_appraisal(db, APPRAISAL, case_slug="nope")
    assert db["appraisals"].count == 0


def test_appraisals_for_case_by_link_or_cited_doi(db):
    cases.create_case(db, make_case(), user="alice")  # cites 10.9999/test-emg-carpal-tunnel
    paper = {"title": "TEST cited", "doi": "10.9999/TEST-EMG-carpal-tunnel"}  # DOIs compare case-insensitively
    cited = appraisals.save_appraisal(db, {**APPRAISAL, "paper": paper})
    linked = appraisals.save_appraisal(db, APPRAISAL, case_slug="test-emg-carpal-tunnel")
    appraisals.save_appraisal(db, {**APPRAISAL, "paper": {"title": "TEST unrelated", "doi": "10.9999/other"}})
    assert [a["id"] for a in appraisals.appraisals_for_case(db, "test-emg-carpal-tunnel")] == [linked, cited]
