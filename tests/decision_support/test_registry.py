"""Persistence: skops + JSON sidecar, checksums, allow-listed types only."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import skops.io as sio

from decision_support.registry import ALLOWED_TYPES, load_model, read_sidecar, save_model


@pytest.fixture
def model_copy(quick_model_dir, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(quick_model_dir, target)
    return target


def test_round_trip_preserves_predictions_sets_and_ood(quick_model, tmp_path):
    folder = save_model(quick_model, tmp_path / "again")
    loaded = load_model(folder)
    X = quick_model.reference[quick_model.feature_names]
    np.testing.assert_allclose(loaded.pipeline.predict_proba(X), quick_model.pipeline.predict_proba(X))
    assert (loaded.conformal.predict_set(X, 0.9) == quick_model.conformal.predict_set(X, 0.9)).all()
    np.testing.assert_allclose(loaded.ood.score(X), quick_model.ood.score(X))
    assert loaded.metadata["data_hash"] == quick_model.metadata["data_hash"]
    assert loaded.settings == quick_model.settings
    assert (folder / "model_card.md").read_text().startswith("# Model card")
    assert set(sio.get_untrusted_types(file=folder / "pipeline.skops")) <= ALLOWED_TYPES


def test_tampered_pipeline_is_refused(model_copy):
    path = model_copy / "pipeline.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match the checksum"):
        load_model(model_copy)


def test_corrupt_sidecar_and_missing_folder_are_clear_errors(model_copy, tmp_path):
    with pytest.raises(ValueError, match="not a medlens model folder"):
        load_model(tmp_path / "nothing")
    (model_copy / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="damaged"):
        read_sidecar(model_copy)


@pytest.mark.parametrize("lie", ["drop a class", "disable the OOD gate", "change a metric"])
def test_a_sidecar_that_lies_is_refused(model_copy, lie):
    sidecar = json.loads((model_copy / "model.json").read_text())
    if lie == "drop a class":
        sidecar["classes"] = sidecar["classes"][:-1]
    elif lie == "disable the OOD gate":
        sidecar["ood"]["threshold"] = 1e12
    else:
        sidecar["metrics"]["point"]["macro_auc"] = 0.999
    (model_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ValueError, match="changed after the model was saved"):
        load_model(model_copy)
    with pytest.raises(ValueError, match="changed after the model was saved"):
        read_sidecar(model_copy)


def test_a_recomputed_checksum_does_not_hide_a_dropped_class(model_copy):
    from decision_support.registry import sidecar_digest

    sidecar = json.loads((model_copy / "model.json").read_text())
    sidecar["classes"] = sidecar["classes"][:-1]
    sidecar["sha256"]["model.json"] = sidecar_digest(sidecar)
    (model_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ValueError, match="inconsistent"):
        load_model(model_copy)


def test_untrusted_types_are_refused_even_with_a_matching_checksum(model_copy):
    from collections import OrderedDict  # noqa: F401 - any type outside the allow-list

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    evil = Pipeline([("f", FunctionTransformer(func=print))])
    sio.dump(evil, model_copy / "pipeline.skops")
    sidecar = json.loads((model_copy / "model.json").read_text())
    import hashlib

    sidecar["sha256"]["pipeline.skops"] = hashlib.sha256((model_copy / "pipeline.skops").read_bytes()).hexdigest()
    (model_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ValueError, match="types medlens does not trust"):
        load_model(model_copy)


def test_save_replaces_an_existing_model_atomically(quick_model, tmp_path):
    folder = save_model(quick_model, tmp_path / "m")
    save_model(quick_model, folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    assert load_model(folder).version == quick_model.version


@pytest.mark.parametrize("kind", ["logistic", "lda", "hgb"])  # rf: the quick demo model above
def test_every_model_kind_saves_and_loads_with_only_allow_listed_types(kind, tmp_path):
    from decision_support.training import train_model
    from tests.decision_support.tabular import tabular_cohort

    table = tabular_cohort(4, 2, seed=7)
    model = train_model(table, kind=kind, n_boot=20)
    loaded = load_model(save_model(model, tmp_path / kind))
    X = table[model.feature_names]
    np.testing.assert_allclose(loaded.pipeline.predict_proba(X), model.pipeline.predict_proba(X))
