"""From recordings to a prediction a clinician can check, or to a reasoned refusal. Prediction only.

``predict_recording(recording, model)`` runs, in order:

1. **compatibility** (``match_to_model``): the sampling rate and channels must fit the model. A clinical
   model resamples a faster recording down to its training rate (with a warning); a slower one is refused;
2. **signal quality** (``signal_core.quality.assess_quality``): mains hum holding 5% or more of a channel's
   power is first subtracted (``signal_core.filters.remove_hum``, with a warning that says so) when the
   model's features were computed that way (``FeatureSettings.remove_hum``), so a clinic's hum is not a
   reason to refuse; then "fail" abstains with the quality reasons, "warn" predicts but carries the warnings;
3. **measurement** (``TrainedModel.measure``): the features and, for a clinical model, the MUAP analysis. A
   recording in which no MUAP could be measured is refused with the analysis' own clinical reason;
4. **out-of-distribution check** (``model.ood``): with ``ood_policy="abstain"`` a recording beyond the
   threshold abstains; with ``"warn"`` (the default real model, which judges other muscles against their own
   references) it is predicted with a warning, and refused only beyond ``OOD_REFUSE_FACTOR`` times the
   threshold, i.e. when it is unlike anything the model knows;
5. **tempered, calibrated probabilities** (``TrainedModel.predict_proba``), the **conformal prediction set**
   with the coverage per class measured on held-out subjects, and the **SHAP explanation** with reasons.

``predict_patient(recordings, model)`` predicts each recording and combines the usable ones into one
patient-level answer (``decision_support.patient``). Nothing here writes the database or formats text:
``app.actions`` logs, ``app.prediction_text`` formats.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from decision_support.conformal import ClassConditionalConformal, check_confidence
from decision_support.patient import aggregate_proba
from decision_support.reasons import clinical_reasons, cohort_percentile, detail_reasons, plain_reasons
from decision_support.columns import describe_feature, format_value, parse_feature_column
from decision_support.registry import sha256_file
from decision_support.shap_explain import Explanation, explain_prediction
from decision_support.trained import TrainedModel
from signal_core.filters import remove_hum
from signal_core.quality import QualityReport, assess_quality
from signal_core.recording import Recording

#: How far (relative) a recording's sampling rate may be from the training rate.
FS_TOLERANCE = 0.01
#: Reasons given with a prediction.
TOP_REASONS = 3
#: Features named when a recording is unlike the training cohort.
TOP_OUTLYING = 3
#: With ``ood_policy="warn"``: refuse only beyond this many times the OOD threshold.
OOD_REFUSE_FACTOR = 2.0

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
    muap: Any = field(default=None, repr=False)  # signal_core.muap.MuapAnalysis for clinical models
    details: list[str] = field(default_factory=list)  # window-feature reasons (Hjorth, AR, spectra)
    population: str = ""
    recording: Recording | None = field(default=None, repr=False)

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

    @property
    def findings(self) -> list[str]:
        """The MUAP analysis' findings, EMG-report style (empty for window-feature models)."""
        return list(self.muap.findings) if self.muap is not None else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_name": self.input_name,
            "input_sha256": self.input_sha256,
            "model_version": self.model_version,
            "simulated_model": self.simulated_model,
            "training_population": self.population,
            "note": self.note,
            "abstained": self.abstained,
            "abstain_reasons": list(self.abstain_reasons),
            "quality": self.quality.to_dict() if self.quality is not None else None,
            "warnings": list(self.warnings),
            "findings": self.findings,
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
            "details": list(self.details),
            "explanation": self.explanation.to_dict(k=10) if self.explanation is not None else None,
            "timings_s": dict(self.timings),
        }


@dataclass
class PatientResult:
    """Several recordings of one patient combined (``decision_support.patient``), with each recording's result."""

    records: list[PredictionResult]
    abstained: bool
    abstain_reasons: list[str]
    probabilities: dict[str, float]
    predicted_label: str | None
    prediction_set: list[str]
    confidence: float
    coverage: dict[str, float] | None
    reasons: list[str]
    warnings: list[str]
    model_version: str
    simulated_model: bool
    population: str = ""
    explanation: Explanation | None = None

    @property
    def probability(self) -> float | None:
        return self.probabilities.get(self.predicted_label) if self.predicted_label else None

    @property
    def used(self) -> list[PredictionResult]:
        return [r for r in self.records if not r.abstained]

    @property
    def note(self) -> str:
        return SIMULATED_MODEL_NOTE if self.simulated_model else NOT_A_DEVICE_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": "patient",
            "n_recordings": len(self.records),
            "n_used": len(self.used),
            "model_version": self.model_version,
            "simulated_model": self.simulated_model,
            "training_population": self.population,
            "note": self.note,
            "abstained": self.abstained,
            "abstain_reasons": list(self.abstain_reasons),
            "predicted_label": self.predicted_label,
            "probability": self.probability,
            "probabilities": {k: float(v) for k, v in self.probabilities.items()},
            "confidence": self.confidence,
            "prediction_set": list(self.prediction_set),
            "coverage": self.coverage,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "aggregation": "normalised geometric mean of the recordings' probabilities (mean log-probability)",
            "records": [r.to_dict() for r in self.records],
        }


# ----------------------------------------------------------------------------------------------------
# Hashes


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recording_sha256(recording: Recording) -> str:
    """A hash of what the model sees: samples, sampling rate and channel names (for in-memory recordings)."""
    digest = hashlib.sha256()
    # Hash the array's own buffer: .tobytes() would first copy the whole recording.
    digest.update(memoryview(np.ascontiguousarray(recording.data, dtype="<f8")).cast("B"))
    digest.update(repr((float(recording.fs), tuple(recording.channel_names))).encode())
    return digest.hexdigest()


def training_channels(model: TrainedModel) -> list[str]:
    """Channel names in the model's feature columns, in first-seen order (empty for pooled features)."""
    channels: list[str] = []
    for column in model.feature_names:
        channel = parse_feature_column(column).channel
        if channel and channel not in channels:
            channels.append(channel)
    return channels


# ----------------------------------------------------------------------------------------------------
# The steps


def _resampled(recording: Recording, fs: float) -> Recording:
    from fractions import Fraction

    from scipy.signal import resample_poly

    ratio = Fraction(fs / recording.fs).limit_denominator(1000)
    data = resample_poly(recording.data, ratio.numerator, ratio.denominator, axis=0)
    return Recording(np.ascontiguousarray(data), fs, recording.channel_names, recording.units,
                     {**recording.metadata, "resampled_from_hz": recording.fs})


def match_to_model(recording: Recording, model: TrainedModel) -> tuple[Recording | None, list[str], list[str]]:
    """``(recording to use, reasons to abstain, warnings)`` after checking sampling rate and channels."""
    problems: list[str] = []
    warnings: list[str] = []
    fs = model.training_fs
    if fs is not None and abs(recording.fs - fs) > FS_TOLERANCE * fs:
        if model.feature_set == "clinical" and recording.fs > fs:
            warnings.append(f"The recording was sampled at {recording.fs:g} Hz; it was resampled to the training "
                            f"rate of {fs:g} Hz (anti-alias filtered) before measuring.")
            recording = _resampled(recording, fs)
        else:
            problems.append(
                f"The recording was sampled at {recording.fs:g} Hz but the model was trained on {fs:g} Hz "
                "recordings; frequency features (such as median frequency) are not comparable across sampling "
                "rates. Resample the recording to the training rate or use a model trained at this rate."
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


def outlying_features(model: TrainedModel, X: Any, k: int = TOP_OUTLYING, *, amplitude_unit: str = "") -> list[str]:
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


def _prediction_set(conformal: ClassConditionalConformal, proba: np.ndarray, confidence: float, classes: list[str],
                    predicted: str, warnings: list[str], what: str = "recording") -> list[str]:
    inside = np.asarray(conformal.predict_set_proba(proba[None, :], confidence))[0]
    prediction_set = [c for c, keep in zip(classes, inside) if keep]
    if not prediction_set:
        warnings.append(
            f"The prediction set is empty at {confidence:.0%} confidence: this {what} fits even its most likely "
            f"class less well than {confidence:.0%} of that class's held-out training examples did. When a model "
            f"separates its training classes almost perfectly, about {1 - confidence:.0%} of sets are empty by "
            "design, because that is the only way the method can leave the true class out. Try a higher "
            "confidence, and read the probability together with the coverage."
        )
    elif predicted not in prediction_set:
        warnings.append(
            f"The most likely class ({predicted}) is not in the prediction set at {confidence:.0%} confidence "
            f"({', '.join(prediction_set)}): the model's ranking and its calibrated uncertainty disagree, so treat "
            "this result as uncertain."
        )
    return prediction_set


def coverage_at(conformal: ClassConditionalConformal | None, confidence: float, warnings: list[str] | None = None
                ) -> tuple[dict[str, float] | None, float | None]:
    """Coverage per class (and overall) measured on held-out subjects at ``confidence``, if measured.

    Classes whose measured coverage falls below the nominal level (by more than 2 points) are flagged in
    ``warnings``.
    """
    table = conformal.coverage_at(confidence) if conformal is not None else None
    if not table:
        if warnings is not None:
            warnings.append(f"Coverage was not measured at {confidence:.0%} confidence for this model.")
        return None, None
    per_class = {str(k): float(v) for k, v in (table.get("per_class") or {}).items()}
    low = [f"{c} {v:.0%}" for c, v in per_class.items() if math.isfinite(v) and v < confidence - 0.02]
    if low and warnings is not None:
        warnings.append(f"On held-out subjects the {confidence:.0%} prediction sets held the true class less often "
                        f"than promised for: {', '.join(low)}. Treat those classes' sets as less certain.")
    overall = table.get("overall")
    return per_class, (float(overall) if overall is not None else None)


def measured_confidences(model: TrainedModel) -> list[float]:
    """The confidence levels at which the model's coverage was measured (e.g. 0.8, 0.9, 0.95)."""
    levels = []
    for key in model.conformal.coverage or {}:
        try:
            levels.append(float(key))
        except ValueError:
            continue
    return sorted(levels)


def _check_ood(model: TrainedModel, X: Any, base: dict, warnings: list[str], amplitude_unit: str) -> list[str]:
    """Reasons to refuse as unlike the training data (empty when the recording may be predicted)."""
    score = float(model.ood.score(X)[0])
    threshold = float(model.ood.threshold)
    outlier = score > threshold
    base.update(ood_score=score, ood_threshold=threshold, is_outlier=outlier)
    if not outlier:
        return []
    furthest = outlying_features(model, X, amplitude_unit=amplitude_unit)
    if model.ood_policy == "warn" and score <= OOD_REFUSE_FACTOR * threshold:
        warnings.append(
            f"This recording differs from the training recordings (distance {score:.1f}; typical training recordings "
            f"stay below {threshold:.1f}). It was still judged, against its own muscle's reference values where "
            "MUAP parameters are used; read the result with extra caution. Furthest from the training cohort: "
            + " ".join(furthest)
        )
        return []
    limit = threshold * (OOD_REFUSE_FACTOR if model.ood_policy == "warn" else 1.0)
    return [
        f"This recording is unlike anything the model was trained on (distance {score:.1f}; recordings above "
        f"{limit:.1f} are refused). A prediction would be a guess outside what the model has seen. The features "
        "furthest from the training cohort:",
        *furthest,
    ]


def without_hum(recording: Recording, model: TrainedModel) -> tuple[Recording, list[str]]:
    """The recording with marked mains hum subtracted, as the model's features were made, and what was removed.

    Only when the model's settings remove hum (models saved before hum removal keep their own features);
    a recording with missing samples or under 16 samples is left to the quality check.
    """
    settings = getattr(model, "settings", None)
    if not getattr(settings, "remove_hum", False) or recording.n_samples < 16 or not np.isfinite(recording.data).all():
        return recording, []
    data, removed = remove_hum(recording.data, recording.fs)
    if not removed:
        return recording, []
    notes = [f"Mains hum at {hz:g} Hz ({share:.0%} of the power of channel {recording.channel_names[c]}) was subtracted "
             f"before the quality check and the measurements (sinusoids fitted at {hz:g} Hz and its harmonics, as "
             "for the training recordings); check the needle's ground and cables." for c, hz, share in removed]
    return replace(recording, data=data), notes


def predict_recording(recording: Recording, model: TrainedModel, *, confidence: float = 0.9, explain: bool = True,
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
        "explanation": None, "reasons": [], "model_version": model.version,
        "input_sha256": input_sha256 or recording_sha256(recording), "simulated_model": model.simulated,
        "input_name": input_name, "timings": timings, "population": model.population, "recording": recording,
    }
    amplitude_unit = recording.units[0] if recording.units else ""

    started = time.perf_counter()
    analysed, hum_notes = without_hum(recording, model)
    quality = assess_quality(analysed)
    timings["quality"] = time.perf_counter() - started
    base["quality"] = quality
    matched, problems, warnings = match_to_model(analysed, model)
    warnings[:0] = hum_notes
    base["warnings"] = warnings
    if problems:
        return _abstain(base, problems)
    if quality.verdict == "fail":
        return _abstain(base, ["The signal quality check failed, so the model was not asked.", *quality.reasons])
    if quality.verdict == "warn":
        warnings.extend(f"Signal quality: {reason}" for reason in quality.reasons)

    started = time.perf_counter()
    measurement = model.measure(matched)
    X = measurement.features
    timings["features"] = time.perf_counter() - started
    base.update(features=X, muap=measurement.muap)
    if measurement.muap is not None and measurement.muap.unit_note:
        warnings.append(measurement.muap.unit_note)  # amplitudes are judged in mV: say how the unit was read
    if measurement.muap is not None and measurement.muap.message:
        return _abstain(base, [measurement.muap.message])
    values = X.to_numpy(dtype=float)[0]
    bad = [n for n, v in zip(model.feature_names, values) if not math.isfinite(v)]
    if bad and model.feature_set != "clinical":
        return _abstain(base, [
            f"{len(bad)} feature(s) could not be computed from this recording ({', '.join(bad[:5])}); "
            "the signal may be silent, clipped or too short.",
        ])
    if bad:
        names = sorted({describe_feature(b)[0].split(",")[0] for b in bad})
        warnings.append(f"Not measurable in this recording: {', '.join(names)}; the training cohort's typical "
                        "value was used in their place.")
        X = X.fillna(model.reference[model.feature_names].median())
        base["features"] = X

    started = time.perf_counter()
    refuse = _check_ood(model, X, base, warnings, amplitude_unit)
    if refuse:
        timings["model"] = time.perf_counter() - started
        return _abstain(base, refuse)
    proba = model.predict_proba(X)[0]
    classes = [str(c) for c in model.classes]
    probabilities = {c: float(p) for c, p in zip(classes, proba)}
    predicted = classes[int(np.argmax(proba))]
    prediction_set = _prediction_set(model.conformal, proba, confidence, classes, predicted, warnings)
    coverage, overall = coverage_at(model.conformal, confidence, warnings)
    timings["model"] = time.perf_counter() - started

    explanation = None
    reasons: list[str] = []
    details: list[str] = []
    if explain:
        started = time.perf_counter()
        explanation = explain_prediction(model, X, label=predicted)
        if model.feature_set == "clinical":
            reasons = clinical_reasons(explanation, model, k=TOP_REASONS, muap=measurement.muap)
            details = detail_reasons(explanation, model, k=TOP_REASONS, amplitude_unit=amplitude_unit)
        else:
            pooled = matched.n_channels > 1 and not training_channels(model)
            reasons = plain_reasons(explanation, model, k=TOP_REASONS, amplitude_unit=amplitude_unit, pooled=pooled)
        timings["shap"] = time.perf_counter() - started
    base.update(probabilities=probabilities, predicted_label=predicted, prediction_set=prediction_set,
                coverage=coverage, coverage_overall=overall, explanation=explanation, reasons=reasons,
                details=details)
    return PredictionResult(**base)


def _mean_explanation(results: list[PredictionResult], label: str) -> Explanation | None:
    """The recordings' explanations towards ``label``, averaged (SHAP values and outputs are additive)."""
    parts = [r.explanation for r in results if r.explanation is not None]
    if not parts:
        return None
    k = list(parts[0].classes).index(label)
    all_values = np.mean([e.all_values for e in parts], axis=0)
    return Explanation(
        feature_names=parts[0].feature_names, values=all_values[:, k],
        feature_values=np.median([e.feature_values for e in parts], axis=0),
        base_value=float(parts[0].all_base_values[k]),
        model_output=float(np.mean([e.base_value + e.values.sum() if e.label == label
                                    else e.all_base_values[k] + e.all_values[:, k].sum() for e in parts])),
        label=label, output_space=parts[0].output_space, all_values=all_values,
        all_base_values=parts[0].all_base_values, classes=parts[0].classes)


def predict_patient(results: list[PredictionResult], model: TrainedModel) -> PatientResult:
    """Combine one patient's recording results into one patient-level answer (see ``decision_support.patient``)."""
    if not results:
        raise ValueError("give at least one recording of the patient")
    confidence = results[0].confidence
    used = [r for r in results if not r.abstained]
    common = {"records": results, "confidence": confidence, "model_version": model.version,
              "simulated_model": model.simulated, "population": model.population}
    if not used:
        reasons = [f"{r.input_name or f'recording {i}'}: {r.abstain_reasons[0]}" for i, r in enumerate(results, 1)]
        return PatientResult(abstained=True, abstain_reasons=["Every recording was refused, so there is no "
                                                              "patient-level answer.", *reasons],
                             probabilities={}, predicted_label=None, prediction_set=[], coverage=None, reasons=[],
                             warnings=[], **common)
    classes = [str(c) for c in model.classes]
    proba = aggregate_proba(np.array([[r.probabilities[c] for c in classes] for r in used]))
    predicted = classes[int(np.argmax(proba))]
    warnings: list[str] = []
    if len(used) < len(results):
        warnings.append(f"{len(results) - len(used)} of {len(results)} recordings were refused and left out of the "
                        "patient-level answer (see each recording's reasons).")
    conformal = model.patient_conformal or model.conformal
    prediction_set = _prediction_set(conformal, proba, confidence, classes, predicted, warnings, what="patient")
    coverage, _ = coverage_at(conformal, confidence, warnings)
    explanation = _mean_explanation(used, predicted)
    reasons: list[str] = []
    if explanation is not None:
        if model.feature_set == "clinical":
            muap = next((r.muap for r in used if r.muap is not None and r.muap.reference), None)  # same muscle
            reasons = clinical_reasons(explanation, model, k=TOP_REASONS, muap=muap,
                                       what=f"median of {len(used)} recordings")
        else:
            reasons = plain_reasons(explanation, model, k=TOP_REASONS)
    return PatientResult(abstained=False, abstain_reasons=[], probabilities=dict(zip(classes, map(float, proba))),
                         predicted_label=predicted, prediction_set=prediction_set, coverage=coverage, reasons=reasons,
                         warnings=warnings, explanation=explanation, **common)


# ----------------------------------------------------------------------------------------------------
# Files and uploads


def file_sha256(path: Path) -> str:
    """SHA-256 of a stored recording (for WFDB, of the header and the signal file together)."""
    files = [path]
    if path.suffix.lower() in (".hea", ".dat"):
        files = [p for p in (path.with_suffix(".hea"), path.with_suffix(".dat")) if p.exists()]
    if len(files) == 1:
        return sha256_file(files[0])
    return sha256_bytes(b"".join(bytes.fromhex(sha256_file(p)) for p in files))


def with_patient_facts(recording: Recording, *, muscle: str | None = None, age: float | None = None) -> Recording:
    """The recording with the muscle and age (for reference ranges) in its metadata, when given."""
    extra = {k: v for k, v in (("muscle", muscle), ("age", age)) if v not in (None, "")}
    if not extra:
        return recording
    return Recording(recording.data, recording.fs, recording.channel_names, recording.units,
                     {**recording.metadata, **extra})


def predict_file(path: str | os.PathLike, model: TrainedModel, *, fs: float | None = None, confidence: float = 0.9,
                 explain: bool = True, muscle: str | None = None, age: float | None = None) -> PredictionResult:
    """Load a recording with ``signal_core.io`` (CSV, NPY/NPZ, WFDB, EDF/BDF) and predict."""
    from signal_core.io import load_recording

    path = Path(path)
    recording = with_patient_facts(load_recording(path, fs), muscle=muscle, age=age)
    return predict_recording(recording, model, confidence=confidence, explain=explain,
                             input_sha256=file_sha256(path), input_name=path.name)


def predict_bytes(data: bytes, filename: str, model: TrainedModel, *, fs: float | None = None,
                  confidence: float = 0.9, explain: bool = True, muscle: str | None = None,
                  age: float | None = None) -> PredictionResult:
    """Predict on an uploaded file held in memory (nothing uploaded is ever unpickled)."""
    from signal_core.io import load_recording_bytes

    recording = with_patient_facts(load_recording_bytes(data, filename, fs), muscle=muscle, age=age)
    return predict_recording(recording, model, confidence=confidence, explain=explain,
                             input_sha256=sha256_bytes(data), input_name=Path(str(filename)).name)


def simulate_demo_recording(model: TrainedModel, condition: str, index: int = 0, *, seconds: float = 10.0) -> Recording:
    """A simulated recording shaped like the model's training cohort (rate, electrode mode, channels), from a
    simulated subject who is not in the demo training cohort (``decision_support.demo.demo_recording``)."""
    from decision_support.demo import demo_recording

    card = model.metadata.get("dataset_card")
    params = dict(card.get("parameters") or {}) if isinstance(card, dict) else {}
    mode = str(params.get("mode") or "needle")
    n_channels = int(params.get("n_channels") or len(training_channels(model)) or 1)
    return demo_recording(condition, int(index), seconds=seconds, mode=mode, fs=model.training_fs,
                          n_channels=n_channels)
