"""Export and import cases as YAML or JSON.

An export is ``{"format": "medlens-cases", "format_version": 1, "exported_at": ..., "cases": [...]}``
where each case is exactly the seed YAML format, so an export re-imports losslessly. An import is one
transaction: every case is validated first, duplicates (same slug, or a DOI already in the library)
are reported and skipped rather than merged, and a failure part-way leaves the database as it was.

Imported cases belong to the importing user: ``author``, ``reviewer`` and ``status`` in the file are not
trusted. Cases come in as drafts (drafts in the file) or in review (everything else), authored by the
importer, so a reviewer other than the importer must publish them. Only an administrator can import a
reviewed library as it is (``trusted=True``, ``medlens kb import --trusted``), for example a backup.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from knowledge.audit import now_text
from knowledge.cases import get_case, insert_case, list_cases
from knowledge.db import write_transaction
from knowledge.guards import MAX_NESTING, check_nesting
from knowledge.models import Case, CaseValidationError, parse_case
from knowledge.users import require_role

FORMAT_NAME = "medlens-cases"
FORMAT_VERSION = 1
FORMATS = ("yaml", "json")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)  # {"slug", "kind": "slug"|"doi", "existing", "doi"?}
    sent_to_review: list[str] = field(default_factory=list)  # published cases imported for review

    @property
    def skipped(self) -> list[str]:
        return [d["slug"] for d in self.duplicates]

    def to_dict(self) -> dict:
        return {"created": self.created, "skipped": self.skipped, "duplicates": self.duplicates,
                "sent_to_review": self.sent_to_review}

    def summary(self) -> str:
        lines = [f"Imported {len(self.created)} cases; skipped {len(self.duplicates)} duplicates."]
        for d in self.duplicates:
            why = (f"a case with slug '{d['existing']}' already exists" if d["kind"] == "slug"
                   else f"DOI {d['doi']} is already in '{d['existing']}'")
            lines.append(f"  skipped {d['slug']}: {why}")
        if self.sent_to_review:
            lines.append(f"  {len(self.sent_to_review)} published cases were imported as 'in review': another "
                         "reviewer must publish them (an admin can keep a reviewed library as it is with --trusted).")
        return "\n".join(lines)


# ---------------------------------------------------------------- export


def export_cases(db: Database, *, slugs: Iterable[str] | None = None, category: str | None = None,
                 status: str | None = None, include_deleted: bool = False) -> list[dict[str, Any]]:
    """The selected cases as plain data in the case YAML format, ordered by slug."""
    wanted = set(slugs) if slugs else None
    rows = list_cases(db, status=status, category=category, include_deleted=include_deleted)
    if wanted is not None:
        missing = wanted - {r["slug"] for r in rows}
        if missing:
            raise ValueError(f"No case (matching the filters) called: {', '.join(sorted(missing))}.")
    return [get_case(db, r["slug"]).case.to_dict()
            for r in sorted(rows, key=lambda r: r["slug"]) if wanted is None or r["slug"] in wanted]


def dumps_cases(cases: list[dict[str, Any]], fmt: str = "yaml") -> str:
    """Serialise an export document."""
    doc = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "exported_at": now_text(), "cases": cases}
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    raise ValueError(f"Unknown export format {fmt!r}: choose yaml or json.")


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"Unknown format {fmt!r}: choose yaml or json.")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ValueError(f"Cannot tell the format of {path.name}: name it .yaml or .json, or pass --format.")


def export_to_file(db: Database, path: str | os.PathLike, *, fmt: str | None = None, **selection) -> int:
    """Write an export file; returns the number of cases written."""
    path = Path(path)
    fmt = _format_for(path, fmt)
    cases = export_cases(db, **selection)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name such as {path / ('cases.' + fmt)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    try:
        tmp.write_text(dumps_cases(cases, fmt), encoding="utf-8")
        tmp.replace(path)  # never leave a half-written export behind
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"{path}: could not write the export ({exc.strerror or exc}); nothing was written") from None
    return len(cases)


# ---------------------------------------------------------------- import


def loads_cases(text: str, fmt: str | None = None) -> list[Any]:
    """Parse an export document, a list of cases, or a single case (YAML is a superset of JSON)."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"The file is not valid {fmt or 'YAML/JSON'}: {exc}") from None
    except RecursionError:
        raise ValueError(f"The file is nested too deeply to be a medlens export (over {MAX_NESTING} levels).") from None
    check_nesting(data, "The file")
    if isinstance(data, dict) and "cases" in data:
        if data.get("format", FORMAT_NAME) != FORMAT_NAME:
            raise ValueError(f"This is a {data.get('format')!r} file, not a medlens case export.")
        data = data["cases"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("The file holds no cases: expected a medlens export, a list of cases or one case.")
    return data


def validate_all(items: list[Any]) -> list[Case]:
    cases, problems = [], []
    for i, item in enumerate(items, start=1):
        try:
            label = f"Case {i}" + (f" ('{item.get('slug')}')" if isinstance(item, dict) else "")
            cases.append(parse_case(item, what=label))
        except CaseValidationError as exc:
            problems.append(str(exc))
    if problems:
        raise CaseValidationError("Nothing was imported because some cases are not valid:\n" + "\n".join(problems))
    return cases


def _existing_doi(db: Database, doi: str) -> str | None:
    rows = list(db.query("SELECT c.slug FROM sources s JOIN cases c ON c.id = s.case_id "
                         "WHERE s.position = 0 AND lower(s.doi) = lower(?) LIMIT 1", [doi]))
    return rows[0]["slug"] if rows else None


def import_cases(db: Database, items: list[Any], *, user: str, trusted: bool = False) -> ImportReport:
    """Import cases in one transaction (see the module docstring). ``trusted`` (admins only) keeps the
    file's status, author and reviewer."""
    importer = require_role(db, user, "admin" if trusted else "curator")
    cases = validate_all(items)
    report = ImportReport()
    with write_transaction(db):
        seen_slugs: set[str] = set()
        seen_dois: dict[str, str] = {}
        for case in cases:
            duplicate = None
            if case.slug in seen_slugs or db["cases"].count_where("slug = ?", [case.slug]):
                duplicate = {"slug": case.slug, "kind": "slug", "existing": case.slug}
            elif case.sources[0].doi:
                # Related cases may cite the same papers among their sources; a case is a duplicate when
                # its primary (first) source is the primary source of a case already in the library.
                doi = case.sources[0].doi
                other = seen_dois.get(doi.lower()) or _existing_doi(db, doi)
                if other:
                    duplicate = {"slug": case.slug, "kind": "doi", "existing": other, "doi": doi}
            if duplicate:
                report.duplicates.append(duplicate)
                continue
            if not trusted:
                if case.status == "published":
                    report.sent_to_review.append(case.slug)
                status = "draft" if case.status == "draft" else "in_review"
                case = parse_case({**case.to_dict(), "status": status, "author": importer.name, "reviewer": None})
            insert_case(db, case, user=importer.name, message="Imported")
            report.created.append(case.slug)
            seen_slugs.add(case.slug)
            if case.sources[0].doi:
                seen_dois.setdefault(case.sources[0].doi.lower(), case.slug)
    return report


def import_from_file(db: Database, path: str | os.PathLike, *, user: str, fmt: str | None = None,
                     trusted: bool = False) -> ImportReport:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No file at {path}.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not a text file (expected YAML or JSON).") from None
    fmt = fmt or ("json" if path.suffix.lower() == ".json" else None)  # YAML also reads JSON
    try:
        items = loads_cases(text, fmt)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    return import_cases(db, items, user=user, trusted=trusted)
