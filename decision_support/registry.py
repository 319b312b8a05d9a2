"""Save and load trained models: skops for the fitted pipeline, JSON and Parquet for everything else.

A model folder holds:

- ``pipeline.skops``: the fitted scikit-learn pipeline (skops format, not pickle). On load, every type
  skops does not trust by default must be in ``ALLOWED_TYPES`` (an explicit allow-list); anything else is
  refused before any object is built. Uploaded files are never unpickled.
- ``reference.parquet``: the training cohort's recording-level features, labels and subjects.
- ``model.json``: feature names, classes, settings, metrics, model card, metadata (data hash, library
  versions, simulated or not), the conformal and out-of-distribution state as plain arrays, and the
  SHA-256 of the two files above and of the sidecar's own content (canonical JSON without the hashes),
  all checked on load: a tampered or truncated file, or a sidecar edited by hand (a class dropped, a
  safety gate disabled), is refused. The classes, features and gates must also agree with the pipeline.
- ``model_card.md``: the model card in Markdown, for people.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import skops.io as sio

from decision_support.conformal import ClassConditionalConformal
from decision_support.model_card import card_markdown
from decision_support.ood import MahalanobisOOD
from decision_support.trained import TrainedModel
from decision_support.transformers import FeatureSettings

FORMAT_VERSION = 3  # 2: OOD state holds feature quantiles; 3: the sidecar hashes itself
PIPELINE_FILE = "pipeline.skops"
REFERENCE_FILE = "reference.parquet"
SIDECAR_FILE = "model.json"
CARD_FILE = "model_card.md"

#: Types outside skops' default trust that a medlens pipeline may contain. Nothing else loads.
ALLOWED_TYPES: frozenset[str] = frozenset({
    "decision_support.models.SubjectCalibratedClassifier",
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfBinomialLoss",
})


def default_model_dir() -> Path:
    """``$MEDLENS_MODEL_DIR`` or ``./models``; the demo model lives in ``default_model_dir() / "demo"``."""
    return Path(os.environ.get("MEDLENS_MODEL_DIR") or "models")


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def jsonable(value: Any) -> Any:
    """Replace NaN and infinity by None (JSON has neither) and NumPy scalars by Python ones."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return jsonable(value.item())
    return value


def _nan_back(value: Any) -> Any:
    """JSON has no NaN: metrics saved as null come back as NaN where a number is expected."""
    if value is None:
        return float("nan")
    if isinstance(value, dict):
        return {k: _nan_back(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_back(v) for v in value]
    return value


def save_model(model: TrainedModel, folder: str | os.PathLike) -> Path:
    """Write the model folder atomically (a half-written folder never replaces a good one)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        sio.dump(model.pipeline, tmp / PIPELINE_FILE)
        model.reference.to_parquet(tmp / REFERENCE_FILE, index=False)
        sidecar = {
            "format_version": FORMAT_VERSION,
            "kind": model.kind,
            "feature_names": list(model.feature_names),
            "classes": list(model.classes),
            "settings": model.settings.to_dict(),
            "metrics": model.metrics,
            "card": model.card,
            "metadata": model.metadata,
            "conformal": model.conformal.to_state(),
            "ood": model.ood.to_state(),
            "feature_set": model.feature_set,
            "ood_policy": model.ood_policy,
            "patient_conformal": model.patient_conformal.to_state() if model.patient_conformal else None,
        }
        sidecar = jsonable(sidecar)
        sidecar["sha256"] = {PIPELINE_FILE: sha256_file(tmp / PIPELINE_FILE),
                             REFERENCE_FILE: sha256_file(tmp / REFERENCE_FILE), SIDECAR_FILE: sidecar_digest(sidecar)}
        (tmp / SIDECAR_FILE).write_text(json.dumps(sidecar, indent=1, allow_nan=False))
        (tmp / CARD_FILE).write_text(card_markdown(model.card))
        if folder.exists():
            backup = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(backup, ignore_errors=True)
            folder.rename(backup)
            tmp.rename(folder)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def sidecar_digest(sidecar: dict[str, Any]) -> str:
    """SHA-256 of the sidecar's content without its ``sha256`` block (sorted keys, compact JSON)."""
    content = {k: v for k, v in sidecar.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()).hexdigest()


def read_sidecar(folder: str | os.PathLike) -> dict[str, Any]:
    """The model's JSON sidecar (metrics, card, metadata) without loading the pipeline."""
    folder = Path(folder)
    path = folder / SIDECAR_FILE
    if not path.is_file():
        raise ValueError(f"{folder} is not a medlens model folder (no {SIDECAR_FILE}); train one with "
                         "`medlens model train` or run `medlens init` for the demo model")
    try:
        sidecar = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path} is damaged and cannot be read ({exc.__class__.__name__}); retrain the model") from None
    if not isinstance(sidecar, dict) or sidecar.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a model file this version of medlens can read (retrain it, or run "
                         "`medlens init` for the default models)")
    recorded = (sidecar.get("sha256") or {}).get(SIDECAR_FILE) if isinstance(sidecar.get("sha256"), dict) else None
    if recorded != sidecar_digest(sidecar):
        raise ValueError(f"{path} was changed after the model was saved (its content no longer matches the checksum "
                         "recorded then); refusing to use it, because classes, metrics or safety checks may no "
                         "longer describe the model. Retrain the model.")
    sidecar["metrics"] = _nan_back(sidecar.get("metrics", {}))
    return sidecar


def load_model(folder: str | os.PathLike) -> TrainedModel:
    """Load a model folder, verifying file hashes and refusing any type outside ``ALLOWED_TYPES``."""
    folder = Path(folder)
    sidecar = read_sidecar(folder)
    for name in (PIPELINE_FILE, REFERENCE_FILE):
        path = folder / name
        if not path.is_file():
            raise ValueError(f"model file {path} is missing; retrain the model")
        if sha256_file(path) != sidecar.get("sha256", {}).get(name):
            raise ValueError(f"model file {path} does not match the checksum recorded when it was saved "
                             "(it was changed or damaged); refusing to load it")
    try:
        untrusted = sio.get_untrusted_types(file=folder / PIPELINE_FILE)
    except Exception as exc:  # noqa: BLE001 - skops raises various errors on corrupt archives
        raise ValueError(f"model file {folder / PIPELINE_FILE} cannot be read: {exc}") from None
    refused = sorted(set(untrusted) - ALLOWED_TYPES)
    if refused:
        raise ValueError(f"model file {folder / PIPELINE_FILE} contains types medlens does not trust "
                         f"({', '.join(refused)}); refusing to load it")
    try:
        pipeline = sio.load(folder / PIPELINE_FILE, trusted=list(untrusted))
        reference = pd.read_parquet(folder / REFERENCE_FILE)
        settings = FeatureSettings.from_dict(sidecar["settings"])
        conformal = ClassConditionalConformal.from_state(sidecar["conformal"], model=pipeline)
        ood = MahalanobisOOD.from_state(sidecar["ood"])
        patient_state = sidecar.get("patient_conformal")
        patient = ClassConditionalConformal.from_state(patient_state, model=pipeline) if patient_state else None
        model = TrainedModel(pipeline=pipeline, kind=sidecar["kind"], feature_names=list(sidecar["feature_names"]),
                             classes=list(sidecar["classes"]), settings=settings, reference=reference,
                             conformal=conformal, ood=ood, metrics=sidecar["metrics"],
                             card=sidecar.get("card", {}), metadata=sidecar.get("metadata", {}),
                             feature_set=sidecar.get("feature_set", "window"),
                             ood_policy=sidecar.get("ood_policy", "abstain"), patient_conformal=patient)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"model folder {folder} is incomplete ({exc}); retrain the model") from None
    check_consistent(model, folder)
    return model


def check_consistent(model: TrainedModel, folder: str | os.PathLike) -> None:
    """The sidecar's classes, features and gates must be those of the fitted pipeline."""
    fitted = [str(c) for c in getattr(model.pipeline, "classes_", [])]
    problems = []
    if fitted != [str(c) for c in model.classes] or list(model.conformal.classes) != fitted:
        problems.append(f"classes {model.classes} do not match the fitted model's {fitted}")
    if int(getattr(model.pipeline, "n_features_in_", len(model.feature_names))) != len(model.feature_names):
        problems.append("the feature list does not match the fitted model")
    if list(model.ood.feature_names) != list(model.feature_names):
        problems.append("the out-of-distribution check does not cover the model's features")
    if problems:
        raise ValueError(f"model folder {folder} is inconsistent ({'; '.join(problems)}); refusing to load it")
