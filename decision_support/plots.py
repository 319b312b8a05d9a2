"""Explanation figures, each on its own ``matplotlib.figure.Figure`` (no pyplot state), each with a text summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from decision_support.columns import _feature_registry, describe_feature, format_value
from decision_support.shap_explain import SPACE_WORDS, Explanation, GlobalImportance

if TYPE_CHECKING:
    from decision_support.trained import TrainedModel

# ----------------------------------------------------------------------------------------------------
# Plots (own Figure objects; nothing global)


def waterfall_figure(explanation: Explanation, max_features: int = 8) -> Any:
    """A SHAP waterfall: from the training average (bottom) to this recording's output (top)."""
    from matplotlib.figure import Figure

    top = explanation.top(max_features)
    rest = [i for i in range(len(explanation.feature_names)) if i not in set(top)]
    rows = [(explanation.feature_names[i], float(explanation.values[i])) for i in top]
    if rest:
        rows.append((f"{len(rest)} other features", float(np.sum(explanation.values[rest]))))
    rows = rows[::-1]  # draw the largest at the top
    fig = Figure(figsize=(7.0, 0.45 * len(rows) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    position = explanation.base_value
    for y, (name, value) in enumerate(rows):
        color = "#c0392b" if value >= 0 else "#2471a3"
        ax.barh(y, value, left=position, color=color, height=0.6)
        ax.text(position + value, y, f" {value:+.3g}", va="center", ha="left" if value >= 0 else "right",
                fontsize=8)
        position += value
    ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    ax.axvline(explanation.base_value, color="grey", lw=0.8, ls="--")
    ax.axvline(explanation.model_output, color="black", lw=0.8)
    ax.set_xlabel(f"model output for {explanation.label} "
                  f"({SPACE_WORDS.get(explanation.output_space, explanation.output_space)})")
    ax.set_title(
        f"Base {explanation.base_value:.3g} (dashed) -> this recording {explanation.model_output:.3g} (solid)",
        fontsize=9,
    )
    return fig


def importance_figure(importance: GlobalImportance, max_features: int = 10) -> Any:
    """Bar plot of mean |SHAP| over the training table, largest at the top."""
    from matplotlib.figure import Figure

    names = list(importance.feature_names[:max_features])[::-1]
    values = list(importance.mean_abs[:max_features])[::-1]
    fig = Figure(figsize=(7.0, 0.4 * len(names) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(range(len(names)), values, color="#7f8c8d")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel(f"mean |SHAP value| ({SPACE_WORDS.get(importance.output_space, importance.output_space)}), "
                  f"{importance.n_rows} training recordings")
    return fig


# ----------------------------------------------------------------------------------------------------
# Where a recording sits against the training cohort


def cohort_figure(model: TrainedModel, explanation: Explanation, k: int = 3, *, amplitude_unit: str = "") -> Any:
    """One row per top feature: box plots of the training recordings by class, this recording as a red line."""
    from matplotlib.figure import Figure

    top = explanation.top(k)
    classes = [str(c) for c in model.classes]
    fig = Figure(figsize=(7.0, 1.5 * len(top) + 0.6), layout="constrained")
    axes = fig.subplots(len(top), 1, squeeze=False)[:, 0]
    registry = _feature_registry()
    for ax, i in zip(axes, top):
        column = explanation.feature_names[i]
        groups = [np.asarray(model.reference.loc[model.reference["label"] == c, column], dtype=float) for c in classes]
        groups = [g[np.isfinite(g)] for g in groups]
        ax.boxplot(groups, orientation="horizontal", widths=0.6, showfliers=True)
        ax.set_yticks(range(1, len(classes) + 1), classes, fontsize=8)
        ax.axvline(explanation.feature_values[i], color="#c0392b", lw=2, label="this recording")
        phrase, unit, channel = describe_feature(column, registry, amplitude_unit=amplitude_unit)
        title = phrase + (f" on {channel}" if channel else "") + (f" ({unit})" if unit else "")
        ax.set_title(title, fontsize=9, loc="left")
    axes[0].legend(loc="upper right", fontsize=7, frameon=False)
    return fig


def cohort_summary(model: TrainedModel, explanation: Explanation, k: int = 3, *, amplitude_unit: str = "") -> str:
    """A text version of `cohort_figure`: this recording's value and each class's training median and IQR."""
    registry = _feature_registry()
    sentences = []
    for i in explanation.top(k):
        column = explanation.feature_names[i]
        phrase, unit, channel = describe_feature(column, registry, amplitude_unit=amplitude_unit)
        parts = []
        for c in model.classes:
            values = np.asarray(model.reference.loc[model.reference["label"] == c, column], dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                q25, q50, q75 = np.percentile(values, [25, 50, 75])
                parts.append(f"{c} median {format_value(q50, unit)} (middle half {format_value(q25)} to "
                             f"{format_value(q75)})")
        where = f" on {channel}" if channel else ""
        sentences.append(f"{phrase}{where}: this recording {format_value(explanation.feature_values[i], unit)}; "
                         f"training recordings: {'; '.join(parts)}.")
    return " ".join(sentences)


# ----------------------------------------------------------------------------------------------------
# The recording itself: a sweep view of the trace, and the MUAPs the analysis found

SWEEP_S = 0.1  # 100 ms per sweep, a common needle-EMG display


def trace_figure(recording: Any, *, sweeps: int = 10, channel: int = 0) -> Any:
    """The first ``sweeps`` x 100 ms of one channel stacked top to bottom, like an EMG machine's sweep display."""
    from matplotlib.figure import Figure

    x = np.asarray(recording.data[:, channel], dtype=float)
    n = int(round(SWEEP_S * recording.fs))
    count = max(1, min(sweeps, x.size // max(n, 1)))
    rows = x[: count * n].reshape(count, n) if x.size >= n else x[None, :]
    spread = float(np.percentile(np.abs(rows), 99.5)) or 1.0
    fig = Figure(figsize=(6.0, 0.45 * count + 1.0), layout="constrained")
    ax = fig.add_subplot()
    t = np.arange(rows.shape[1]) / recording.fs * 1000.0
    for i, row in enumerate(rows):
        ax.plot(t, row / (2.2 * spread) - i, color="black", lw=0.6)
    ax.set_yticks(-np.arange(count), [f"{i * SWEEP_S:.1f} s" for i in range(count)], fontsize=7)
    ax.set_xlabel("time within sweep (ms)")
    unit = recording.units[channel] if recording.units else ""
    ax.set_title(f"{count} sweeps of {SWEEP_S * 1000:.0f} ms; scale: {2.2 * spread:.2g} {unit} per row", fontsize=9)
    return fig


def trace_summary(recording: Any, *, sweeps: int = 10, channel: int = 0) -> str:
    x = np.asarray(recording.data[:, channel], dtype=float)
    unit = recording.units[channel] if recording.units else "signal units"
    return (f"The first {min(sweeps * SWEEP_S, recording.duration_s):.1f} s of channel {channel + 1} in 100 ms sweeps; "
            f"the largest deflection in the whole recording is {np.max(np.abs(x)):.3g} {unit}.")


def muap_gallery_figure(analysis: Any, max_muaps: int = 12) -> Any:
    """Each MUAP's averaged template on its own panel, with its duration, amplitude and phases."""
    from matplotlib.figure import Figure

    muaps = list(analysis.muaps)[:max_muaps]
    cols = min(4, max(1, len(muaps)))
    rows = max(1, -(-len(muaps) // cols))
    fig = Figure(figsize=(1.8 * cols + 0.4, 1.6 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for k, (ax, m) in enumerate(zip(axes, muaps), 1):
        t = (np.arange(m.template.size) - m.peak_index) / analysis.fs * 1000.0
        ax.plot(t, m.template, color="#1f4e79", lw=0.9)
        ax.axvspan(t[m.onset_index], t[min(m.end_index, m.template.size - 1)], color="#f4d03f", alpha=0.3)
        ax.set_title(f"#{k}: {m.duration_ms:.1f} ms, {m.amplitude_mv:.2f} mV, {m.phases} ph", fontsize=7)
        ax.set_axis_on()
        ax.tick_params(labelsize=6)
    return fig


def muap_gallery_summary(analysis: Any) -> str:
    if not analysis.muaps:
        return analysis.message or "No MUAPs were found."
    durations = ", ".join(f"{m.duration_ms:.1f}" for m in analysis.muaps[:12])
    return (f"{len(analysis.muaps)} MUAP templates (averaged discharges), shaded between their onset and end "
            f"markers. Durations in ms: {durations}.")
