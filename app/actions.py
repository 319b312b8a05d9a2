"""What a page and a CLI command both do: predict on one patient's recordings and log every result.

One path for both front doors (``medlens predict`` and the Decision support page): load the recordings (or
take them in memory), predict each, combine them into a patient-level answer when there are several, and
write every recording's result, refusals included, to the audit log.

>>> outcome = predict_and_log([RecordingInput.from_path("a.hea")], model, user="dr.a")  # doctest: +SKIP
>>> outcome.patient is None, outcome.audit_ids                                           # doctest: +SKIP
(True, [17])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.prediction_log import AUDIT_WRITE_ERRORS, audit_problem
from decision_support.predict import (
    PatientResult,
    PredictionResult,
    file_sha256,
    predict_patient,
    predict_recording,
    sha256_bytes,
    with_patient_facts,
)
from decision_support.trained import TrainedModel
from signal_core.recording import Recording


@dataclass(frozen=True)
class RecordingInput:
    """A recording to predict on, with the name and SHA-256 the audit log records."""

    recording: Recording
    name: str
    sha256: str

    @classmethod
    def from_path(cls, path: str | os.PathLike, fs: float | None = None) -> RecordingInput:
        from signal_core.io import load_recording

        path = Path(path)
        return cls(load_recording(path, fs), path.name, file_sha256(path))

    @classmethod
    def from_upload(cls, files: dict[str, bytes], fs: float | None = None) -> list[RecordingInput]:
        """Uploaded files -> recordings; a WFDB record needs its .hea and .dat uploaded together."""
        from signal_core.io import load_recording_bytes

        inputs, used = [], set()
        names = {Path(n).name: n for n in files}
        for name in sorted(names):
            if name in used:
                continue
            stem, suffix = Path(name).stem, Path(name).suffix.lower()
            if suffix in (".hea", ".dat"):
                pair = {s: names.get(f"{stem}{s}") for s in (".hea", ".dat")}
                if pair[".hea"] is None or pair[".dat"] is None:
                    missing = ".dat" if pair[".dat"] is None else ".hea"
                    raise ValueError(f"{name}: a WFDB record needs its {stem}.hea and {stem}.dat uploaded together; "
                                     f"{stem}{missing} is missing")
                header, signal = files[pair[".hea"]], files[pair[".dat"]]
                recording = load_recording_bytes(header, f"{stem}.hea", fs, companions={f"{stem}.dat": signal})
                used.update({f"{stem}.hea", f"{stem}.dat"})
                inputs.append(cls(recording, f"{stem}.hea", sha256_bytes(header + signal)))
            else:
                data = files[names[name]]
                used.add(name)
                inputs.append(cls(load_recording_bytes(data, name, fs), name, sha256_bytes(data)))
        return inputs


@dataclass
class Outcome:
    """Each recording's result, the patient-level result (several recordings only) and the audit-log ids."""

    results: list[PredictionResult]
    patient: PatientResult | None
    audit_ids: list[int | None]
    #: Why the audit-log write failed (the results are still shown, with a warning); None when logged.
    audit_problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.patient is None:
            return {**self.results[0].to_dict(), "audit_id": self.audit_ids[0], "audit_error": self.audit_problem}
        records = [{**r.to_dict(), "audit_id": i} for r, i in zip(self.results, self.audit_ids)]
        return {**self.patient.to_dict(), "records": records, "audit_error": self.audit_problem}


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


def log_results(results: list[PredictionResult], user: str, db_path: str | os.PathLike | None = None) -> list[int]:
    """Write every result to the audit log (one transaction per row); returns their ids."""
    from knowledge.audit import log_prediction
    from knowledge.db import open_db

    db = open_db(db_path) if db_path is not None else open_db()
    try:
        return [log_prediction(db, **audit_record(r, user, r.input_name)) for r in results]
    finally:
        db.close()


def predict_and_log(inputs: list[RecordingInput], model: TrainedModel, *, user: str, confidence: float = 0.9,
                    explain: bool = True, muscle: str | None = None, age: float | None = None,
                    db_path: str | os.PathLike | None = None) -> Outcome:
    """Predict each recording (one patient, one muscle), combine several into a patient-level answer, log all."""
    if not inputs:
        raise ValueError("give at least one recording")
    results = [predict_recording(with_patient_facts(item.recording, muscle=muscle, age=age), model,
                                 confidence=confidence, explain=explain, input_sha256=item.sha256,
                                 input_name=item.name) for item in inputs]
    patient = predict_patient(results, model) if len(results) > 1 else None
    try:
        return Outcome(results, patient, log_results(results, user, db_path))
    except AUDIT_WRITE_ERRORS as exc:  # never lose a prediction because the log could not be written
        return Outcome(results, patient, [None] * len(results), audit_problem(exc))
