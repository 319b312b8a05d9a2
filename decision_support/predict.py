"""One call from a recording to a prediction a clinician can check, or to a reasoned refusal.

``predict_recording(recording, model)`` runs, in order:

1. **compatibility**: the sampling rate and channels must match what the model was trained on
   (spectral features such as median frequency mean something else at another rate);
2. **signal quality** (``signal_core.quality.assess_quality``): "fail" abstains with the quality reasons,
   "warn" predicts but carries the warnings;
3. **features** (``model.featurize``): features that cannot be computed abstain;
4. **out-of-distribution check** (``model.ood``): a recording unlike the training cohort abstains, naming
   the features furthest from it;
5. **calibrated probabilities**, the **conformal prediction set** at the chosen confidence with the
   coverage per class measured on held-out subjects, and the **SHAP explanation** with plain-language
   reasons.

The result records the input's SHA-256, the model version and whether the model was trained on simulated
data. Nothing here writes the database: the front doors (CLI, app) pass `audit_record(result, ...)` to
``knowledge.audit.log_prediction`` so abstentions are logged too.

Examples
--------
>>> result = predict_recording(recording, model, confidence=0.9)       # doctest: +SKIP
>>> result.predicted_label, result.prediction_set, result.reasons[0]   # doctest: +SKIP
('neurogenic', ['neurogenic'], 'Median frequency (MDF) on ch1 is 52 Hz, lower than ...')
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from decision_support.explain import (
    Explanation,
    cohort_percentile,
    describe_feature,
    explain_prediction,
    format_value,
    parse_feature_column,
    plain_reasons,
)
from decision_support.conformal import check_confidence
from decision_support.ood import MahalanobisOOD
from decision_support.registry import sha256_file
from signal_core.quality import QualityReport, assess_quality
from signal_core.recording import Recording

#: How far (relative) a recording's sampling rate may be from the training rate.
FS_TOLERANCE = 0.01
#: Reasons given with a prediction.
TOP_REASONS = 3
#: Features named when a recording is unlike the training cohort.
TOP_OUTLYING = 3

SIMULATED_MODEL_NOTE = "Simulated training data; education and research only, not a medical device."
NOT_A_DEVICE_NOTE = "Education and research only, not a medical device."


@dataclass
class PredictionResult:
    """What the model says about one recording, or why it declined to say anything."""

    quality: QualityReport | None
    abstained: bool
    abstain_reasons: list[str]
    probabilities: dict[str, float]
    predicted_label: str | None
    prediction_set: list[str]
    confidence: float
    ood_score: float | None
    is_outlier: bool
    explanation: Explanation | None
    reasons: list[str]
    model_version: str
    input_sha256: str
    simulated_model: bool
    coverage: dict[str, float] | None = None  # per class, measured on held-out subjects at `confidence`
    coverage_overall: float | None = None
    warnings: list[str] = field(default_factory=list)
    ood_threshold: float | None = None
    input_name: str = ""
    features: Any = field(default=None, repr=False)  # the one-row feature table (None when not computed)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def quality_verdict(self) -> str:
        return self.quality.verdict if self.quality is not None else "not checked"

    @property
    def probability(self) -> float | None:
        """Calibrated probability of the predicted class."""
        return self.probabilities.get(self.predicted_label) if self.predicted_label else None

    @property
    def note(self) -> str:
        return SIMULATED_MODEL_NOTE if self.simulated_model else NOT_A_DEVICE_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_name": self.input_name,
            "input_sha256": self.input_sha256,
            "model_version": self.model_version,
            "simulated_model": self.simulated_model,
            "note": self.note,
            "abstained": self.abstained,
            "abstain_reasons": list(self.abstain_reasons),
            "quality": self.quality.to_dict() if self.quality is not None else None,
            "warnings": list(self.warnings),
            "predicted_label": self.predicted_label,
            "probability": self.probability,
            "probabilities": {k: float(v) for k, v in self.probabilities.items()},
            "confidence": self.confidence,
            "prediction_set": list(self.prediction_set),
            "coverage": self.coverage,
            "coverage_overall": self.coverage_overall,
            "ood_score": self.ood_score,
            "ood_threshold": self.ood_threshold,
            "is_outlier": self.is_outlier,
            "reasons": list(self.reasons),
            "explanation": self.explanation.to_dict(k=10) if self.explanation is not None else None,
            "timings_s": dict(self.timings),
        }


# ----------------------------------------------------------------------------------------------------
# Hashes and model facts


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recording_sha256(recording: Recording) -> str:
    """A hash of what the model sees: samples, sampling rate and channel names (for in-memory recordings)."""
    digest = hashlib.sha256()
    # Hash the array's own buffer: .tobytes() would first copy the whole recording.
    digest.update(memoryview(np.ascontiguousarray(recording.data, dtype="<f8")).cast("B"))
    digest.update(repr((float(recording.fs), tuple(recording.channel_names))).encode())
    return digest.hexdigest()


def model_version(model: Any) -> str:
    meta = getattr(model, "metadata", {}) or {}
    return str(meta.get("version") or meta.get("model_version") or "unversioned")


def is_simulated(model: Any) -> bool:
    return bool((getattr(model, "metadata", {}) or {}).get("simulated", False))


def training_fs(model: Any) -> float | None:
    """The sampling rate the model's training recordings had, when the model records it."""
    settings = getattr(model, "settings", None)
    meta = getattr(model, "metadata", {}) or {}
    for value in (getattr(settings, "fs", None), meta.get("fs"), meta.get("sampling_rate_hz"),
                  cohort_parameters(model).get("fs_hz")):
        if isinstance(value, (list, tuple)):  # the rates seen in training: checkable only if there was one
            value = value[0] if len(set(value)) == 1 else None
        try:
            if value is not None and math.isfinite(float(value)) and float(value) > 0:
                return float(value)
        except (TypeError, ValueError):
            continue
    return None


def training_channels(model: Any) -> list[str]:
    """Channel names in the model's feature columns, in first-seen order."""
    channels: list[str] = []
    for column in model.feature_names:
        channel = parse_feature_column(column).channel
        if channel and channel not in channels:
            channels.append(channel)
    return channels


# ----------------------------------------------------------------------------------------------------
# The steps


def match_to_model(recording: Recording, model: Any) -> tuple[Recording | None, list[str], list[str]]:
    """``(recording to use, reasons to abstain, warnings)`` after checking sampling rate and channels."""
    problems: list[str] = []
    warnings: list[str] = []
    fs = training_fs(model)
    if fs is not None and abs(recording.fs - fs) > FS_TOLERANCE * fs:
        problems.append(
            f"The recording was sampled at {recording.fs:g} Hz but the model was trained on {fs:g} Hz recordings; "
            "frequency features (such as median frequency) are not comparable across sampling rates. "
            "Resample the recording to the training rate or use a model trained at this rate."
        )
    expected = training_channels(model)
    names = list(recording.channel_names)
    if not expected or names == expected:
        return (None if problems else recording), problems, warnings
    if all(name in names for name in expected):
        index = [names.index(name) for name in expected]
        unused = [n for n in names if n not in expected]
        warnings.append(f"Only channel(s) {', '.join(expected)} were used; the model ignores {', '.join(unused)}.")
        matched = Recording(recording.data[:, index], recording.fs, tuple(expected),
                            tuple(recording.units[i] for i in index), dict(recording.metadata))
    elif len(names) == len(expected):
        pairs = ", ".join(f"{a} as {b}" for a, b in zip(names, expected))
        warnings.append(f"Channels were matched to the model's by position ({pairs}).")
        matched = Recording(recording.data, recording.fs, tuple(expected), recording.units, dict(recording.metadata))
    else:
        problems.append(
            f"The model was trained on {len(expected)}-channel recordings ({', '.join(expected)}) but this recording "
            f"has {len(names)} channel(s) ({', '.join(names)}); the model cannot read it."
        )
        matched = None
    return (None if problems else matched), problems, warnings


def outlying_features(model: Any, X: Any, k: int = TOP_OUTLYING, *, amplitude_unit: str = "") -> list[str]:
    """Sentences about the ``k`` features furthest from the training cohort (robust z-scores)."""
    reference = model.reference[list(model.feature_names)]
    row = X[list(model.feature_names)].iloc[0].to_numpy(dtype=float)
    centre = reference.median().to_numpy(dtype=float)
    spread = (reference.quantile(0.75) - reference.quantile(0.25)).to_numpy(dtype=float) / 1.349
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, np.nanstd(reference.to_numpy(dtype=float), axis=0))
    spread = np.where(spread > 0, spread, 1.0)
    z = np.abs((row - centre) / spread)
    z = np.where(np.isfinite(z), z, np.inf)
    sentences = []
    for i in np.argsort(-z, kind="stable")[:k]:
        column = model.feature_names[i]
        phrase, unit, channel = describe_feature(column, amplitude_unit=amplitude_unit)
        where = f" on {channel}" if channel else ""
        percent, _ = cohort_percentile(model.reference, column, row[i], label=None)
        if not math.isfinite(row[i]):
            position = "could not be computed"
        elif percent >= 50:
            position = f"is {format_value(row[i], unit)}, higher than {percent:.0f}% of all training recordings"
        else:
            position = f"is {format_value(row[i], unit)}, lower than {100 - percent:.0f}% of all training recordings"
        sentences.append(f"{phrase}{where} {position} (about {min(z[i], 999):.0f} typical spreads from their middle).")
    return sentences


def _abstain(base: dict, reasons: list[str], **extra: Any) -> PredictionResult:
    return PredictionResult(**{**base, "abstained": True, "abstain_reasons": reasons, **extra})


def predict_recording(recording: Recording, model: Any, *, confidence: float = 0.9, explain: bool = True,
                      input_sha256: str | None = None, input_name: str = "") -> PredictionResult:
    """Check, predict and explain one recording (see the module docstring for the steps).

    Raises ``ValueError`` only for a bad ``confidence``; every problem with the recording itself is an
    abstention with reasons, so it can be shown and logged.
    """
    confidence = check_confidence(confidence)
    timings: dict[str, float] = {}
    base: dict[str, Any] = {
        "quality": None, "abstained": False, "abstain_reasons": [], "probabilities": {}, "predicted_label": None,
        "prediction_set": [], "confidence": confidence, "ood_score": None, "is_outlier": False,
        "explanation": None, "reasons": [], "model_version": model_version(model),
        "input_sha256": input_sha256 or recording_sha256(recording), "simulated_model": is_simulated(model),
        "input_name": input_name, "timings": timings,
    }
    amplitude_unit = recording.units[0] if recording.units else ""

    started = time.perf_counter()
    quality = assess_quality(recording)
    timings["quality"] = time.perf_counter() - started
    base["quality"] = quality
    matched, problems, warnings = match_to_model(recording, model)
    base["warnings"] = warnings
    if problems:
        return _abstain(base, problems)
    if quality.verdict == "fail":
        return _abstain(base, ["The signal quality check failed, so the model was not asked.", *quality.reasons])
    if quality.verdict == "warn":
        warnings.extend(f"Signal quality: {reason}" for reason in quality.reasons)

    started = time.perf_counter()
    X = model.featurize(matched)
    timings["features"] = time.perf_counter() - started
    base["features"] = X
    values = X[list(model.feature_names)].to_numpy(dtype=float)[0]
    if not np.all(np.isfinite(values)):
        bad = [n for n, v in zip(model.feature_names, values) if not math.isfinite(v)]
        return _abstain(base, [
            f"{len(bad)} feature(s) could not be computed from this recording ({', '.join(bad[:5])}); "
            "the signal may be silent, clipped or too short.",
        ])

    started = time.perf_counter()
    score = float(model.ood.score(X)[0])
    threshold = float(getattr(model.ood, "threshold", float("nan")))
    if isinstance(model.ood, MahalanobisOOD):
        outlier = score > threshold  # what its is_outlier computes, without scoring the recording again
    else:
        outlier = bool(model.ood.is_outlier(X)[0])
    base.update(ood_score=score, ood_threshold=threshold, is_outlier=outlier)
    if outlier:
        timings["model"] = time.perf_counter() - started
        return _abstain(base, [
            f"This recording is unlike the recordings the model was trained on (distance {score:.1f}; "
            f"recordings above {threshold:.1f} are treated as unlike the training cohort). A prediction would be "
            "a guess outside what the model has seen. The features furthest from the training cohort:",
            *outlying_features(model, X, amplitude_unit=amplitude_unit),
        ])

    proba = np.asarray(model.pipeline.predict_proba(X[list(model.feature_names)]), dtype=float)[0]
    classes = [str(c) for c in model.classes]
    probabilities = {c: float(p) for c, p in zip(classes, proba)}
    predicted = classes[int(np.argmax(proba))]
    conformal = model.conformal
    if hasattr(conformal, "predict_set_proba"):
        inside = np.asarray(conformal.predict_set_proba(proba[None, :], confidence))[0]
    else:
        inside = np.asarray(conformal.predict_set(X, confidence))[0]
    prediction_set = [c for c, keep in zip(classes, inside) if keep]
    coverage, overall = coverage_at(conformal, confidence)
    timings["model"] = time.perf_counter() - started
    if not prediction_set:
        warnings.append(
            f"The prediction set is empty at {confidence:.0%} confidence: this recording fits even its most likely "
            f"class less well than {confidence:.0%} of that class's held-out training recordings did. When a model "
            f"separates its training classes almost perfectly (as on the simulated cohort), about "
            f"{1 - confidence:.0%} of sets are empty by design, because that is the only way the method can leave "
            "the true class out. Try a higher confidence, and read the probability together with the coverage."
        )
    elif predicted not in prediction_set:
        warnings.append(
            f"The most likely class ({predicted}) is not in the prediction set at {confidence:.0%} confidence "
            f"({', '.join(prediction_set)}): the model's ranking and its calibrated uncertainty disagree, so treat "
            "this result as uncertain."
        )
    if coverage is None:
        warnings.append(f"Coverage was not measured at {confidence:.0%} confidence for this model.")

    explanation = None
    reasons: list[str] = []
    if explain:
        started = time.perf_counter()
        explanation = explain_prediction(model, X, label=predicted)
        pooled = matched.n_channels > 1 and not training_channels(model)
        reasons = plain_reasons(explanation, model, k=TOP_REASONS, amplitude_unit=amplitude_unit, pooled=pooled)
        timings["shap"] = time.perf_counter() - started
    base.update(probabilities=probabilities, predicted_label=predicted, prediction_set=prediction_set,
                coverage=coverage, coverage_overall=overall, explanation=explanation, reasons=reasons)
    return PredictionResult(**base)


def coverage_at(conformal: Any, confidence: float) -> tuple[dict[str, float] | None, float | None]:
    """Coverage per class (and overall) measured on held-out subjects at ``confidence``, if measured."""
    table = None
    if hasattr(conformal, "coverage_at"):
        table = conformal.coverage_at(confidence)
    elif isinstance(getattr(conformal, "coverage", None), dict):
        table = conformal.coverage.get(f"{float(confidence):.2f}")
    if not table:
        return None, None
    per_class = {str(k): float(v) for k, v in (table.get("per_class") or {}).items()}
    overall = table.get("overall")
    return per_class, (float(overall) if overall is not None else None)


def measured_confidences(model: Any) -> list[float]:
    """The confidence levels at which the model's coverage was measured (e.g. 0.8, 0.9, 0.95)."""
    coverage = getattr(model.conformal, "coverage", None) or {}
    levels = []
    for key in coverage:
        try:
            levels.append(float(key))
        except ValueError:
            continue
    return sorted(levels)


# ----------------------------------------------------------------------------------------------------
# Files, uploads and demo recordings


def cohort_parameters(model: Any) -> dict[str, Any]:
    """The training cohort's design as recorded in the model (dataset card parameters; may be empty)."""
    meta = getattr(model, "metadata", {}) or {}
    card = meta.get("dataset_card") if isinstance(meta.get("dataset_card"), dict) else {}
    return dict(card.get("parameters") or {})


def simulate_demo_recording(model: Any, condition: str, index: int = 0, *, seconds: float = 10.0) -> Recording:
    """A simulated recording shaped like the model's training cohort (rate, electrode mode, channels), from a
    simulated subject who is not in the demo training cohort (``decision_support.demo.demo_recording``)."""
    from decision_support.demo import demo_recording

    params = cohort_parameters(model)
    mode = str(params.get("mode") or "needle")
    n_channels = int(params.get("n_channels") or len(training_channels(model)) or 1)
    return demo_recording(condition, int(index), seconds=seconds, mode=mode, fs=training_fs(model),
                          n_channels=n_channels)


def predict_file(path: str | os.PathLike, model: Any, *, fs: float | None = None, confidence: float = 0.9,
                 explain: bool = True) -> PredictionResult:
    """Load a recording with ``signal_core.io`` (CSV, NPY/NPZ, WFDB, EDF/BDF) and predict.

    The SHA-256 is that of the file as stored (for WFDB, the header and the signal file together).
    """
    from signal_core.io import load_recording

    path = Path(path)
    recording = load_recording(path, fs)
    files = [path]
    if path.suffix.lower() in (".hea", ".dat"):
        files = [p for p in (path.with_suffix(".hea"), path.with_suffix(".dat")) if p.exists()]
    digest = sha256_file(files[0]) if len(files) == 1 else sha256_bytes(b"".join(bytes.fromhex(sha256_file(p)) for p in files))
    return predict_recording(recording, model, confidence=confidence, explain=explain, input_sha256=digest,
                             input_name=path.name)


def predict_bytes(data: bytes, filename: str, model: Any, *, fs: float | None = None, confidence: float = 0.9,
                  explain: bool = True) -> PredictionResult:
    """Predict on an uploaded file held in memory (nothing uploaded is ever unpickled)."""
    from signal_core.io import load_recording_bytes

    recording = load_recording_bytes(data, filename, fs)
    return predict_recording(recording, model, confidence=confidence, explain=explain,
                             input_sha256=sha256_bytes(data), input_name=Path(str(filename)).name)


# ----------------------------------------------------------------------------------------------------
# The audit log and text


def audit_record(result: PredictionResult, user: str = "", input_name: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``knowledge.audit.log_prediction(db, **audit_record(...))``."""
    return {
        "user": user or "anonymous",
        "model_version": result.model_version,
        "input_name": input_name if input_name is not None else (result.input_name or "recording"),
        "input_sha256": result.input_sha256,
        "quality_verdict": result.quality_verdict,
        "predicted_label": None if result.abstained else result.predicted_label,
        "probabilities": dict(result.probabilities),
        "prediction_set": list(result.prediction_set),
        "top_reasons": list(result.reasons),
        "abstained": bool(result.abstained),
        "abstain_reasons": list(result.abstain_reasons),
    }


def _percent(value: float | None) -> str:
    return "not measured" if value is None or not math.isfinite(value) else f"{value:.0%}"


def format_result(result: PredictionResult) -> str:
    """The result as plain text (what `medlens predict` prints)."""
    lines = [f"Recording: {result.input_name or 'recording'} (SHA-256 {result.input_sha256[:12]}...)",
             f"Model: {result.model_version}",
             f"Signal quality: {result.quality_verdict}"]
    if result.abstained:
        lines.append("No prediction: the model abstained.")
        lines += [f"  - {reason}" for reason in result.abstain_reasons]
    else:
        lines.append(f"Prediction: {result.predicted_label} (calibrated probability {_percent(result.probability)})")
        lines.append("Probabilities: " + ", ".join(f"{k} {_percent(v)}" for k, v in result.probabilities.items()))
        shown = "{" + ", ".join(result.prediction_set) + "}" if result.prediction_set else "{} (empty)"
        lines.append(f"Prediction set at {result.confidence:.0%} confidence: {shown}")
        if result.coverage:
            cover = ", ".join(f"{k} {_percent(v)}" for k, v in result.coverage.items())
            lines.append(f"  Coverage on held-out subjects at {result.confidence:.0%}: {cover}")
        if result.reasons:
            lines.append("Top reasons:")
            lines += [f"  {i}. {reason}" for i, reason in enumerate(result.reasons, 1)]
    if result.warnings:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in result.warnings]
    lines.append(f"Note: {result.note}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------
# Reading the audit log (rows come from knowledge.audit.list_predictions; nothing is written here)

OUTCOMES = ("all", "predictions", "abstentions")


def filter_audit_rows(rows: list[dict], *, users: Any = (), outcome: str = "all", model_versions: Any = (),
                      text: str = "") -> list[dict]:
    """Audit rows matching every filter given: users, outcome ("all", "predictions", "abstentions"),
    model versions, and ``text`` found (case-insensitively) in the input name, label or reasons."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    needle = str(text or "").strip().lower()
    kept = []
    for row in rows:
        if users and row.get("user") not in set(users):
            continue
        if model_versions and row.get("model_version") not in set(model_versions):
            continue
        if outcome == "predictions" and row.get("abstained") or outcome == "abstentions" and not row.get("abstained"):
            continue
        if needle:
            haystack = " ".join([str(row.get("input_name") or ""), str(row.get("predicted_label") or ""),
                                 *map(str, row.get("top_reasons") or ()), *map(str, row.get("abstain_reasons") or ())])
            if needle not in haystack.lower():
                continue
        kept.append(row)
    return kept


def audit_frame(rows: list[dict]) -> Any:
    """The audit rows as a table for display, newest first as given."""
    import pandas as pd

    records = []
    for row in rows:
        probabilities = row.get("probabilities") or {}
        label = row.get("predicted_label")
        records.append({
            "time (UTC)": str(row.get("created_at", ""))[:19].replace("T", " "),
            "user": row.get("user"),
            "recording": row.get("input_name"),
            "quality": row.get("quality_verdict"),
            "outcome": "abstained" if row.get("abstained") else label,
            "probability": probabilities.get(label) if label else None,
            "prediction set": ", ".join(row.get("prediction_set") or []),
            "top reason": (row.get("abstain_reasons") or [""])[0] if row.get("abstained")
            else (row.get("top_reasons") or [""])[0],
            "model version": row.get("model_version"),
            "SHA-256": str(row.get("input_sha256", ""))[:16],
        })
    return pd.DataFrame.from_records(records, columns=[
        "time (UTC)", "user", "recording", "quality", "outcome", "probability", "prediction set", "top reason",
        "model version", "SHA-256"])
