"""Words for checklist links: which checklist item a case names, shown the same way in the app and the CLI.

>>> checklist_item_label("probast", "4.1")
'PROBAST 4.1 (Were there enough participants with the outcome for the analysis?)'
"""

from __future__ import annotations

from appraisal.checklists import ChecklistError, load_checklist


def checklist_item_label(checklist: str, item: str, *, with_question: bool = True) -> str:
    """``"PROBAST 4.1 (question)"``; ids as they are if the checklist cannot be read."""
    try:
        found = load_checklist(checklist)
        question = found.item(item).question
    except (ChecklistError, KeyError):
        return f"{checklist} {item}"
    return f"{found.name} {item}" + (f" ({question})" if with_question else "")
