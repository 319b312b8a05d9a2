"""MUAP findings in a clinician's words, the overall pattern, and where the sampling rate limits a measure.

The pattern follows the textbook reading of MUAPs against reference values (Stålberg et al. 1986;
Daube and Rubin 2009): short and small MUAPs suggest a myopathic process, long and large ones a
neurogenic (reinnervated) one. Mean duration decides here, because amplitude depends strongly on how close
the needle sits to the fibres (the N2001 controls' MUAPs are half the amplitude of the reference study's);
an amplitude pointing the other way makes the pattern indeterminate. medlens names a pattern only against
a verified reference range; without one it says "indeterminate". This is decision support for education and research, not a diagnosis.
"""

from __future__ import annotations

import math

from signal_core.muap_reference import OUTLIER_RULE_MAX, OutlierCount, ReferenceComparison

#: Fewer MUAPs than this and the mean is uncertain (the reference study averaged 20 per muscle).
FEW_MUAPS = 10
FULL_BAND_FS = 20_000.0  # the reference study sampled at 20 kHz

LABELS = {
    "duration_ms": ("duration", "ms", "short", "long"),
    "amplitude_mv": ("amplitude", "mV", "small", "large"),
    "spike_duration_ms": ("spike duration", "ms", "short", "long"),
    "phases_mean": ("phases", "", "few", "many"),
    "turns_mean": ("turns", "", "few", "many"),
    "area_mv_ms": ("area", "mV·ms", "small", "large"),
}


def sampling_limits(fs: float) -> list[str]:
    """What the sampling rate limits, in plain words."""
    out = []
    if fs < FULL_BAND_FS:
        out.append(
            f"Sampled at {fs:g} Hz (one sample every {1000 / fs:.2g} ms; nothing above {fs / 2:g} Hz): the "
            "sharp main spike is smoothed, so amplitude, turns and spike duration read lower than at the "
            f"{FULL_BAND_FS / 1000:g} kHz of the reference study; duration and area change less."
        )
    if fs > 10_000.0:
        out.append(f"Sampled at {fs:g} Hz: analysed after a 5 kHz low-pass (zero phase), which removes the "
                   "broadband noise of an unfiltered full-rate recording; spikes lose little.")
    if fs < 4000.0:
        out.append(f"{fs:g} Hz is below the 4 kHz needed to see MUAP shapes at all; treat every value as rough.")
    return out


def _fmt(value: float, unit: str) -> str:
    digits = f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"
    return f"{digits} {unit}".strip()


def _phrase(c: ReferenceComparison, muscle: str | None) -> str | None:
    name, unit, low_word, high_word = LABELS[c.parameter]
    if c.verdict not in ("low", "high"):
        return None
    word = low_word if c.verdict == "low" else high_word
    return (f"MUAP {name} {word} (mean {_fmt(c.value, unit)}; reference {c.low:.3g}-{c.high:.3g} "
            f"{unit}{' for ' + muscle if muscle else ''}).").replace("  ", " ")


def findings_and_pattern(summary: dict[str, float], reference: list[ReferenceComparison], muscle: str | None,
                         note: str) -> tuple[list[str], str]:
    findings: list[str] = []
    n = int(summary.get("n_muaps", 0))
    poly = summary.get("polyphasic_pct", math.nan)
    lead = (f"{n} MUAP{'s' if n != 1 else ''}: mean duration {summary['duration_ms_mean']:.1f} ms, amplitude "
            f"{summary['amplitude_mv_mean']:.2f} mV, {summary['phases_mean']:.1f} phases, "
            f"{poly:.0f}% polyphasic.")
    findings.append(lead)
    by_param = {c.parameter: c for c in reference}
    abnormal = [p for p in (_phrase(c, muscle) for c in reference) if p]
    findings.extend(abnormal)
    if not reference:
        findings.append(note)
        pattern = "indeterminate"
    else:
        # Duration decides (it depends least on the needle's distance to the fibres); amplitude supports.
        dur = by_param.get("duration_ms")
        amp = by_param.get("amplitude_mv")
        if dur is None or dur.verdict == "not measured":
            pattern = "indeterminate"
        elif dur.verdict == "low":
            pattern = "indeterminate" if amp is not None and amp.verdict == "high" else "myopathic"
        elif dur.verdict == "high":
            pattern = "indeterminate" if amp is not None and amp.verdict == "low" else "neurogenic"
        else:
            pattern = "normal"
        words = {"myopathic": "a myopathic pattern (short MUAPs)",
                 "neurogenic": "a neurogenic pattern (long MUAPs, as after reinnervation)",
                 "normal": "MUAP duration within the reference range",
                 "indeterminate": "no clear pattern (duration and amplitude point in opposite directions)"}
        findings.append(f"Overall: {words[pattern]}.")
    if n < FEW_MUAPS:
        findings.append(f"Only {n} MUAP{'s' if n != 1 else ''} could be measured; the reference study averaged "
                        "20 per muscle, so the means are uncertain. Sample more needle positions.")
    return findings, pattern


def outlier_findings(outliers: list[OutlierCount]) -> list[str]:
    """One line on the single-MUAP outlier rule, where the muscle's reference gives outlier limits."""
    if not outliers:
        return []
    names = {"duration_ms": ("duration", "ms"), "amplitude_mv": ("amplitude", "mV")}
    parts = []
    for o in outliers:
        name, unit = names.get(o.parameter, (o.parameter, ""))
        parts.append(f"{name} {o.n_below} below and {o.n_above} above {o.low:g}-{o.high:g} {unit}")
    n = outliers[0].n_muaps
    abnormal = [names.get(o.parameter, (o.parameter,))[0] for o in outliers if o.abnormal]
    verdict = (f"more than {OUTLIER_RULE_MAX} beyond the limits for {' and '.join(abnormal)}: abnormal by that rule"
               if abnormal else f"no parameter has more than {OUTLIER_RULE_MAX} beyond the limits")
    caveat = f" The rule assumes 20 MUAPs; {n} were measured." if n < 20 else ""
    return [f"Single MUAPs against the outlier limits: {'; '.join(parts)} (of {n}); {verdict}.{caveat}"]
