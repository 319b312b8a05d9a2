"""The model card of a window-level model (Markdown), in the sections of Mitchell et al. (see model_card).

Every number comes from the ``WindowedModel`` it describes; nothing is typed in by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from decision_support.model_card import MODEL_CARD_REFERENCE, SECTION_TITLES

if TYPE_CHECKING:
    from decision_support.windowed import WindowedModel


def _pct(x: float) -> str:
    return "n/a" if x != x else f"{x:.0%}"


def _acc(m: dict, level: str) -> str:
    lo, hi = m[f"{level}_accuracy_ci"]
    return f"{_pct(m[f'{level}_accuracy'])} (95% CI {_pct(lo)} to {_pct(hi)})"


def card_sections(model: WindowedModel) -> dict[str, list[str]]:
    """The card's sections as lists of Markdown lines (keys as ``model_card.SECTIONS``)."""
    from decision_support.windowed import BASELINE, CANDIDATES, VALIDATION_TEXT

    r, meta, s = model.result, model.metadata, model.settings
    o, b = r.ours, r.baseline
    data = r.data
    spread = o["per_subject_summary"]
    how = ("chosen by the inner folds" if r.per_subject_norm is None else "asked for" if r.per_subject_norm
           else "not used")
    norm = (f"Per-subject normalisation {how}; the final model {'uses' if model.normalise else 'does not use'} it"
            + (": each feature is standardised over the subject's own windows (no labels used), so a new person "
               "needs a batch of their recordings (ideally covering the classes) before predicting."
               if model.normalise else "."))
    sections = {
        "model_details": [
            f"- Version {meta['version']}, created {meta['created']}; classifier: {CANDIDATES[model.kind]} (chosen by "
            "inner subject-grouped cross-validation).",
            f"- Features: {', '.join(s['features'])} per channel ({s['electrode']} EMG set), windows of "
            f"{s['window_s']:g} s every {s['step_s']:g} s after a {s['highpass_hz']:g} Hz high-pass"
            + (" and, on channels with marked mains hum, its subtraction." if s.get("remove_hum") else "."),
            f"- Window-level predictions; a segment's prediction is the mean of its windows' probabilities. {norm}",
        ],
        "intended_use": [
            "- Education and research on EMG pattern recognition; not a medical device and not for clinical decisions.",
        ],
        "factors": [f"- {r.design.text}"],
        "metrics": [
            "- Accuracy of windows and of segments on held-out subjects, with 95% intervals from a bootstrap over "
            "subjects; accuracy per subject (its spread matters as much as the mean); confusion matrix of segments.",
        ],
        "evaluation_data": [f"- Validation: {VALIDATION_TEXT}; {r.n_folds} outer folds.",
                            f"- Classifier chosen per outer fold: {', '.join(r.chosen_per_fold)}."],
        "training_data": [
            f"- Cohort {meta['cohort_name']} ({'SIMULATED' if meta.get('simulated') else 'user-provided'}): "
            f"{data['subjects']} subjects, {data['sessions']} sessions, {data['files']} files at {data['fs']:g} Hz, "
            f"{data['n_channels']} channels. {data['text']}.",
            f"- Classes: {', '.join(r.classes)}.",
        ] + [f"- Warning: {w}" for w in r.warnings],
        "quantitative_analyses": [
            f"- medlens, segments: {_acc(o, 'segment')}; windows: {_acc(o, 'window')}; balanced segment accuracy "
            f"{_pct(o['segment_balanced_accuracy'])}.",
            f"- Per subject (segments): mean {_pct(spread['mean'])}, SD {_pct(spread['sd'])}, from {_pct(spread['min'])} "
            f"to {_pct(spread['max'])} (median {_pct(spread['median'])}).",
        ],
        "ethical_considerations": [
            "- Subjects in a cohort are rarely representative of all users (age, sex, limb differences, pathology); "
            "check the per-subject spread before trusting the mean.",
        ],
        "caveats_and_recommendations": [
            "- Accuracy on one cohort does not transfer to other devices, electrode placements or sampling rates.",
        ],
    }
    if b:
        sections["quantitative_analyses"].append(
            f"- Reviewer's baseline ({BASELINE}), same folds: segments {_acc(b, 'segment')}; windows "
            f"{_acc(b, 'window')}; per subject from {_pct(b['per_subject_summary']['min'])} to "
            f"{_pct(b['per_subject_summary']['max'])}.")
    header = " | ".join(r.classes)
    sections["quantitative_analyses"] += ["", "Confusion matrix of segments (rows true, columns predicted):", "",
                                          f"| true \\ predicted | {header} |",
                                          "|---" * (len(r.classes) + 1) + "|"]
    for c, row in zip(r.classes, o["confusion"]):
        sections["quantitative_analyses"].append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    return sections


def card_markdown_for(model: WindowedModel) -> str:
    lines = [f"# Model card: {model.metadata['version']}", ""]
    if model.metadata.get("simulated"):
        lines += ["**Trained and validated on SIMULATED data.**", ""]
    for key, body in card_sections(model).items():
        lines += [f"## {SECTION_TITLES[key]}", "", *body, ""]
    lines += [f"Sections after {MODEL_CARD_REFERENCE}", ""]
    return "\n".join(lines)
