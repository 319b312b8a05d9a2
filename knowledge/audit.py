"""Audit trails: the append-only change log of every write, and the log of every prediction.

Both tables refuse UPDATE and DELETE (triggers raise), so history cannot be rewritten from here or
from any other SQLite client.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import IO, Any

from sqlite_utils import Database

from knowledge.db import write_transaction

PREDICTION_COLUMNS = (
    "id", "created_at", "user", "model_version", "input_name", "input_sha256", "quality_verdict",
    "predicted_label", "probabilities", "prediction_set", "top_reasons", "abstained", "abstain_reasons",
)


def now_text() -> str:
    """UTC timestamp with microseconds, ISO 8601 (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def record_change(db: Database, *, user: str, table: str, row_id: int | None, action: str,
                  details: str = "") -> None:
    """Append one entry to the change log (call inside the write's own transaction)."""
    db.execute(
        "INSERT INTO change_log (at, user, table_name, row_id, action, details) VALUES (?, ?, ?, ?, ?, ?)",
        [now_text(), user, table, row_id, action, details],
    )


def change_log(db: Database, *, table: str | None = None, row_id: int | None = None, limit: int = 200) -> list[dict]:
    """Most recent change-log entries first."""
    where, params = [], []
    if table:
        where.append("table_name = ?")
        params.append(table)
    if row_id is not None:
        where.append("row_id = ?")
        params.append(row_id)
    sql = "SELECT * FROM change_log" + (" WHERE " + " AND ".join(where) if where else "")
    return [dict(r) for r in db.query(sql + " ORDER BY id DESC LIMIT ?", [*params, int(limit)])]


def log_prediction(
    db: Database, *, user: str, model_version: str, input_name: str, input_sha256: str,
    quality_verdict: str, predicted_label: str | None, probabilities: dict, prediction_set: Sequence,
    top_reasons: Sequence[str], abstained: bool = False, abstain_reasons: Sequence[str] = (),
) -> int:
    """Append one prediction to the audit log and return its id.

    Probabilities are stored as JSON ``{label: probability}``; lists as JSON arrays.
    """
    if not model_version or not input_sha256:
        raise ValueError("A logged prediction needs the model version and the input's SHA-256.")
    row = {
        # Names typed by users are bounded (truncated, never refused: the prediction must be logged).
        "created_at": now_text(), "user": (user or "anonymous")[:80], "model_version": model_version,
        "input_name": str(input_name)[:260], "input_sha256": input_sha256, "quality_verdict": quality_verdict,
        "predicted_label": predicted_label,
        "probabilities_json": json.dumps({str(k): float(v) for k, v in dict(probabilities).items()}),
        "prediction_set_json": json.dumps([str(x) for x in prediction_set]),
        "top_reasons_json": json.dumps([str(x) for x in top_reasons]),
        "abstained": int(bool(abstained)),
        "abstain_reasons_json": json.dumps([str(x) for x in abstain_reasons]),
    }
    with write_transaction(db):
        return int(db["predictions"].insert(row).last_pk)


def _decode(row: dict) -> dict:
    return {
        "id": row["id"], "created_at": row["created_at"], "user": row["user"],
        "model_version": row["model_version"], "input_name": row["input_name"],
        "input_sha256": row["input_sha256"], "quality_verdict": row["quality_verdict"],
        "predicted_label": row["predicted_label"],
        "probabilities": json.loads(row["probabilities_json"]),
        "prediction_set": json.loads(row["prediction_set_json"]),
        "top_reasons": json.loads(row["top_reasons_json"]),
        "abstained": bool(row["abstained"]),
        "abstain_reasons": json.loads(row["abstain_reasons_json"]),
    }


def list_predictions(db: Database, limit: int = 200) -> list[dict]:
    """The most recent predictions first, JSON columns decoded."""
    return [_decode(dict(r)) for r in db.query("SELECT * FROM predictions ORDER BY id DESC LIMIT ?", [int(limit)])]


def export_predictions_csv(db: Database, path_or_file: str | os.PathLike | IO[str]) -> int:
    """Write the whole prediction log as CSV (oldest first); returns the number of rows written."""
    own = not hasattr(path_or_file, "write")
    handle = open(path_or_file, "w", newline="", encoding="utf-8") if own else path_or_file  # noqa: SIM115
    try:
        writer = csv.DictWriter(handle, fieldnames=PREDICTION_COLUMNS)
        writer.writeheader()
        count = 0
        for raw in db.query("SELECT * FROM predictions ORDER BY id"):
            row = _decode(dict(raw))
            for key in ("probabilities", "prediction_set", "top_reasons", "abstain_reasons"):
                row[key] = json.dumps(row[key])
            writer.writerow(row)
            count += 1
        return count
    finally:
        if own:
            handle.close()


def predictions_csv_text(db: Database) -> str:
    """The CSV export as a string (for download buttons)."""
    buffer = io.StringIO()
    export_predictions_csv(db, buffer)
    return buffer.getvalue()


#: Outcome filters of the prediction log.
OUTCOMES = ("all", "predictions", "abstentions")


def filter_audit_rows(rows: list[dict], *, users: Any = (), outcome: str = "all", model_versions: Any = (),
                      text: str = "") -> list[dict]:
    """Prediction-log rows matching every filter given: users, outcome ("all", "predictions", "abstentions"),
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
