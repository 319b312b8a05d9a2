"""Headline numbers of the knowledge base, for the Home page and `medlens init`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from knowledge.models import CATEGORIES
from knowledge.search import facet_counts


@dataclass(frozen=True)
class LibraryNumbers:
    published_cases: int
    cases_by_category: dict[str, int]  # category label -> published cases
    cases_in_progress: int  # drafts and cases in review
    appraisals: int
    predictions_logged: int


def library_numbers(db: Database) -> LibraryNumbers:
    by_category = facet_counts(db, "category")
    by_status = facet_counts(db, "status", status=None)
    return LibraryNumbers(
        published_cases=sum(by_category.values()),
        cases_by_category={CATEGORIES.get(k, k): v for k, v in by_category.items()},
        cases_in_progress=sum(n for s, n in by_status.items() if s != "published"),
        appraisals=db["appraisals"].count,
        predictions_logged=db["predictions"].count,
    )
