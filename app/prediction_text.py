"""Predictions as text and tables for people: what `medlens predict` prints and the audit-log table."""

from __future__ import annotations

import math
from typing import Any

from decision_support.predict import PatientResult, PredictionResult


def _percent(value: float | None) -> str:
    return "not measured" if value is None or not math.isfinite(value) else f"{value:.0%}"


def _answer_lines(result: PredictionResult | PatientResult) -> list[str]:
    lines = [f"Prediction: {result.predicted_label} (calibrated probability {_percent(result.probability)})",
             "Probabilities: " + ", ".join(f"{k} {_percent(v)}" for k, v in result.probabilities.items())]
    shown = "{" + ", ".join(result.prediction_set) + "}" if result.prediction_set else "{} (empty)"
    lines.append(f"Prediction set at {result.confidence:.0%} confidence: {shown}")
    if result.coverage:
        cover = ", ".join(f"{k} {_percent(v)}" for k, v in result.coverage.items())
        lines.append(f"  Coverage on held-out subjects at {result.confidence:.0%}: {cover}")
    if result.reasons:
        lines.append("Top reasons:")
        lines += [f"  {i}. {reason}" for i, reason in enumerate(result.reasons, 1)]
    return lines


def format_result(result: PredictionResult) -> str:
    """One recording's result as plain text: findings first, then the prediction, reasons and warnings."""
    lines = [f"Recording: {result.input_name or 'recording'} (SHA-256 {result.input_sha256[:12]}...)",
             f"Model: {result.model_version}",
             f"Signal quality: {result.quality_verdict}"]
    if result.findings:
        lines.append("Findings: " + " ".join(result.findings))
    if result.abstained:
        lines.append("No prediction: the model abstained.")
        lines += [f"  - {reason}" for reason in result.abstain_reasons]
    else:
        lines += _answer_lines(result)
        if result.details:
            lines.append("Details (signal measures):")
            lines += [f"  - {detail}" for detail in result.details]
    if result.warnings:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in result.warnings]
    if result.population:
        lines.append(f"Training population: {result.population}")
    lines.append(f"Note: {result.note}")
    return "\n".join(lines)


def format_patient(result: PatientResult) -> str:
    """A patient's combined result, then each recording's."""
    lines = [f"Patient: {len(result.records)} recordings ({len(result.used)} used), model {result.model_version}"]
    if result.abstained:
        lines.append("No patient-level prediction:")
        lines += [f"  - {reason}" for reason in result.abstain_reasons]
    else:
        lines += _answer_lines(result)
        lines.append("  (Combined as the normalised geometric mean of the recordings' probabilities.)")
    if result.warnings:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in result.warnings]
    for i, record in enumerate(result.records, 1):
        lines += ["", f"--- Recording {i} of {len(result.records)} ---", format_result(record)]
    return "\n".join(lines)


def audit_frame(rows: list[dict]) -> Any:
    """Prediction-log rows as a table for display, newest first as given."""
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
