"""Cohort designs: who carries which label, and what a subject-grouped result then means.

- **between-subject**: every subject has one label (a diagnosis: healthy, myopathic, neurogenic). The
  model has to tell people apart.
- **within-subject**: every subject contributes several labels (gestures, efforts, tasks). The model has
  to tell one person's classes apart, and work on people it never saw.

In both, validation is subject-grouped: all recordings and sessions of a subject sit on one side of
every split, so each accuracy is that of the model on people it never saw. ``check_design`` infers or
checks the design and refuses cohorts that cannot be validated that way, with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BETWEEN = "between-subject"
WITHIN = "within-subject"
DESIGNS: dict[str, str] = {
    BETWEEN: ("Between-subject design: each subject has one label. Every result comes from subjects the model "
              "never saw, so it estimates how the model sorts a new person into a class."),
    WITHIN: ("Within-subject design: each subject contributes several labels. Every result still comes from "
             "subjects the model never saw (all their sessions held out together), so it estimates how a model "
             "trained on other people recognises a new person's classes without any labelled data from them."),
}
MIN_SUBJECTS = 3  # subject-grouped validation needs at least three subjects to hold any out honestly


@dataclass(frozen=True)
class DesignCheck:
    design: str
    n_subjects: int
    classes: list[str]
    subjects_per_class: dict[str, int]
    labels_per_subject: float  # mean number of distinct labels a subject has

    @property
    def text(self) -> str:
        return DESIGNS[self.design]

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design, "meaning": self.text, "n_subjects": self.n_subjects, "classes": self.classes,
                "subjects_per_class": self.subjects_per_class, "labels_per_subject": self.labels_per_subject}


def check_design(labels: Any, subjects: Any, design: str = "auto") -> DesignCheck:
    """Infer (``"auto"``) or check the design of rows with these labels and subject ids."""
    labels = np.asarray(labels).astype(str)
    subjects = np.asarray(subjects).astype(str)
    if labels.size != subjects.size:
        raise ValueError(f"{labels.size} labels but {subjects.size} subject ids")
    if design not in ("auto", BETWEEN, WITHIN, "between", "within"):
        raise ValueError(f"design must be auto, between or within, got {design!r}")
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        only = classes[0] if classes else "nothing"
        raise ValueError(f"the labels hold only one class ({only!r}); a model needs at least two classes to tell "
                         "apart. Check the label column, or the values treated as unlabelled")
    per_subject: dict[str, set] = {}
    for s, lab in zip(subjects.tolist(), labels.tolist()):
        per_subject.setdefault(s, set()).add(lab)
    mixed = sorted(s for s, labs in per_subject.items() if len(labs) > 1)
    inferred = WITHIN if mixed else BETWEEN
    wanted = {"between": BETWEEN, "within": WITHIN}.get(design, design)
    if wanted == "auto":
        wanted = inferred
    if wanted == BETWEEN and mixed:
        raise ValueError(f"subject(s) {', '.join(mixed[:5])} have more than one label, so this is a within-subject "
                         "cohort (every subject contributes several classes); choose the within-subject design")
    spc = {c: len({s for s, labs in per_subject.items() if c in labs}) for c in classes}
    if len(per_subject) < MIN_SUBJECTS:
        raise ValueError(f"the cohort has {len(per_subject)} subject(s); subject-grouped validation needs at least "
                         f"{MIN_SUBJECTS}")
    few = {c: n for c, n in spc.items() if n < (MIN_SUBJECTS if wanted == BETWEEN else 2)}
    if few:
        listing = ", ".join(f"{c} ({n})" for c, n in few.items())
        need = MIN_SUBJECTS if wanted == BETWEEN else 2
        raise ValueError(f"each label needs at least {need} different subjects for subject-grouped validation; "
                         f"too few: {listing}")
    mean_labels = float(np.mean([len(v) for v in per_subject.values()]))
    return DesignCheck(wanted, len(per_subject), classes, spc, mean_labels)
