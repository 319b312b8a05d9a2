"""Load the curated library (``knowledge/seed/<slug>.yaml``) into the database, idempotently.

Running it again creates nothing new. A seed file that changed since it was last loaded updates its
case as a new revision by the user ``medlens-seed`` (so the old text stays in the history), unless
curators changed the case in the app since the seed last loaded it: then curated edits win, the seed's
changes are not applied, and the report lists the fields each side changed. Cases soft-deleted in the
app stay deleted. All files are validated before anything is written, and the
load is one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlite_utils import Database

from knowledge.cases import field_diff, get_case, insert_case, replace_case
from knowledge.db import write_transaction
from knowledge.models import Case, CaseValidationError, parse_case
from knowledge.users import ensure_system_users

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_USER = "medlens-seed"


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (slug, why)
    users_created: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.skipped)

    def to_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": [{"slug": s, "why": w} for s, w in self.skipped], "users_created": self.users_created}


def read_case_file(path: Path) -> Case:
    """Parse and validate one seed YAML file; the slug must equal the file name."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CaseValidationError(f"{path.name} is not readable YAML: {exc}") from None
    case = parse_case(data, what=path.name)
    if case.slug != path.stem:
        raise CaseValidationError(f"{path.name} is not valid: field 'slug': '{case.slug}' must equal the file name "
                                  f"'{path.stem}'", [("slug", "must equal the file name")])
    return case


def read_seed_folder(folder: Path | None = None) -> list[Case]:
    """Every case in the folder, validated; one error listing every bad file if any is bad."""
    folder = Path(folder or SEED_DIR)
    if not folder.is_dir():
        raise ValueError(f"The seed folder {folder} does not exist.")
    cases, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            cases.append(read_case_file(path))
        except CaseValidationError as exc:
            problems.append(str(exc))
    if problems:
        raise CaseValidationError("Some seed cases are not valid, nothing was loaded:\n" + "\n".join(problems))
    return cases


def _last_seed_snapshot(db: Database, slug: str) -> dict | None:
    rows = list(db.query(
        "SELECT r.snapshot_json FROM case_revisions r JOIN cases c ON c.id = r.case_id "
        "WHERE c.slug = ? AND r.user = ? ORDER BY r.version DESC LIMIT 1", [slug, SEED_USER]))
    return json.loads(rows[0]["snapshot_json"]) if rows else None


def load_seed(db: Database, folder: Path | None = None) -> SeedReport:
    """Create or update the seed cases; see the module docstring for the rules."""
    report = SeedReport(users_created=ensure_system_users(db))
    cases = read_seed_folder(folder)
    with write_transaction(db):
        for case in cases:
            existing = list(db.query("SELECT deleted_at FROM cases WHERE slug = ?", [case.slug]))
            if not existing:
                insert_case(db, case, user=SEED_USER, message=f"Loaded from seed file {case.slug}.yaml")
                report.created.append(case.slug)
                continue
            last = _last_seed_snapshot(db, case.slug)
            if last is None:
                report.skipped.append((case.slug, "a case with this slug was created in the app, not from the seed"))
            elif last == case.to_dict():
                report.unchanged.append(case.slug)
            elif existing[0]["deleted_at"]:
                report.skipped.append((case.slug, "deleted in the app; restore it to receive seed updates"))
            elif (current := get_case(db, case.slug).case.to_dict()) != last:
                curated = ", ".join(field_diff(last, current))
                seed_side = ", ".join(field_diff(last, case.to_dict()))
                report.skipped.append((case.slug, f"edited in the app since the last seed load ({curated}); curated "
                                                  f"edits win, so the seed file's changes ({seed_side}) were not "
                                                  "applied: merge them by hand if wanted"))
            else:
                replace_case(db, case, user=SEED_USER, message=f"Updated from seed file {case.slug}.yaml")
                report.updated.append(case.slug)
    return report
