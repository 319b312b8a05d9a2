"""MUAP reference values as data (``signal_core/references/muap_reference.csv``) and the comparison with them.

Every row carries its source (see ``references/README.md``). A muscle or age with no row gets no
comparison and a note saying so: medlens never guesses a reference range.

Examples
--------
>>> rows = reference_rows("Biceps brachii (long head) [code BB]", age=40)  # doctest: +SKIP
>>> [r.parameter for r in rows][:2]  # doctest: +SKIP
['duration_ms', 'amplitude_mv']
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE_FILE = Path(__file__).parent / "references" / "muap_reference.csv"

SOURCES: dict[str, str] = {
    "pattichis1995": (
        "Pattichis CS, Schizas CN, Middleton LT. Neural network models in EMG diagnosis. IEEE Trans Biomed "
        "Eng 1995;42(5):486-496; 12 normal subjects of the UCY eHealth Lab table, range = mean +- 2 SD of "
        "subject means (ages not stated)"
    ),
    "nfkn_knf": (
        "Norsk forening for klinisk nevrofysiologi (Norwegian Society of Clinical Neurophysiology), Retningslinjer "
        "for metoder i KNF, chapter 5, Referanseverdier for EMG og single fiber EMG, table of normal values for "
        "standard (multi-MUP) EMG, https://legeforeningen.no/Fagmed/Norsk-forening-for-klinisk-nevrofysiologi/"
        "metoder-prosedyrer/Retningslinjer-for-metoder-i-KNF---Elektronisk-versjon/"
        "Kapittel-5---Elektromyografi-og-repetitiv-nervestimulering/Referanseverdier-for-EMG-og-single-fiber-EMG/; "
        "mean +- SD as given there (read as the spread of muscles' mean values), range = mean +- 2 SD computed by "
        "medlens; ages and number of subjects not stated on the page"
    ),
}

#: Summary key compared for each reference parameter.
SUMMARY_KEY = {
    "duration_ms": "duration_ms_mean",
    "amplitude_mv": "amplitude_mv_mean",
    "spike_duration_ms": "spike_duration_ms_mean",
    "phases_mean": "phases_mean",
    "turns_mean": "turns_mean",
    "area_mv_ms": "area_mv_ms_mean",
}

#: Parameters whose reference was measured with a definition medlens does not share: never judged low/high.
DIFFERENT_DEFINITION = {"spike_duration_ms"}

#: Muscle names a user may type, mapped to the names in the table.
MUSCLE_ALIASES = {
    "bb": "biceps brachii", "biceps": "biceps brachii", "biceps brachii": "biceps brachii",
    "deltoid": "deltoid", "deltoideus": "deltoid", "deltoid muscle": "deltoid",
    "fdi": "first dorsal interosseous", "first dorsal interosseous": "first dorsal interosseous",
    "first dorsal interosseus": "first dorsal interosseous", "1st dorsal interosseous": "first dorsal interosseous",
    "interosseus dorsalis i": "first dorsal interosseous", "interosseous dorsalis i": "first dorsal interosseous",
    "interosseus dors. i": "first dorsal interosseous", "dorsal interosseous i": "first dorsal interosseous",
}


@dataclass(frozen=True)
class ReferenceRow:
    muscle: str
    age_min: float | None
    age_max: float | None
    parameter: str
    mean: float
    sd: float
    low: float
    high: float
    n_subjects: int | None  # None: not stated in the source
    source: str
    outlier_low: float | None = None  # limits for single MUAPs, where the source gives them
    outlier_high: float | None = None


@dataclass(frozen=True)
class ReferenceComparison:
    """One recording mean against its reference range. ``deviation`` is percent of the reference mean."""

    parameter: str
    value: float
    low: float
    high: float
    deviation: float
    verdict: str  # "low" | "normal" | "high" | "not measured" | "different definition"
    source: str

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "value": self.value, "low": self.low, "high": self.high,
                "deviation_pct": self.deviation, "verdict": self.verdict, "source": self.source}


#: More than this many single MUAPs beyond a parameter's outlier limits make the muscle abnormal (nfkn_knf,
#: whose limits assume the first 20 MUAPs of a muscle).
OUTLIER_RULE_MAX = 2


@dataclass(frozen=True)
class OutlierCount:
    """Single MUAPs beyond a parameter's outlier limits (the multi-MUP outlier rule)."""

    parameter: str
    low: float
    high: float
    n_below: int
    n_above: int
    n_muaps: int
    source: str

    @property
    def abnormal(self) -> bool:
        return self.n_below + self.n_above > OUTLIER_RULE_MAX

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "low": self.low, "high": self.high, "n_below": self.n_below,
                "n_above": self.n_above, "n_muaps": self.n_muaps, "abnormal": self.abnormal, "source": self.source}


#: Words that name where or how a muscle was recorded, not which muscle: left out when matching a name
#: ("m. biceps brachii dx", "EMG R deltoid", "Biceps-L" and "musculus deltoideus sin." name known muscles).
MUSCLE_NOISE_WORDS = frozenset({
    "m", "mm", "mus", "musc", "musculus", "muscle", "muscles", "emg", "needle", "concentric", "channel",
    "left", "right", "l", "r", "lt", "rt", "li", "re", "dx", "sin", "dex", "dext", "dexter", "dextra", "sinister",
    "sinistra", "bilateral", "side", "long", "short", "head", "caput", "longum", "breve",
})


def _words(text: str) -> str:
    return " ".join(w for w in re.split(r"[^a-z0-9]+", text) if w and w not in MUSCLE_NOISE_WORDS)


#: The aliases keyed by their words alone (punctuation and noise words left out).
_ALIAS_WORDS = {_words(k): v for k, v in MUSCLE_ALIASES.items()}


def normalise_muscle(muscle: str | None) -> str | None:
    """'Biceps brachii (long head) [code BB]' -> 'biceps brachii'; 'm. biceps brachii dx' too.

    A known name is matched once brackets, punctuation, sides (left/right, dx/sin) and words such as
    "m.", "musculus" or "EMG" are left out; unknown names are returned lower-cased as given."""
    if muscle is None or not str(muscle).strip():
        return None
    text = re.sub(r"\[.*?\]|\(.*?\)", " ", str(muscle).lower())
    text = " ".join(text.replace("_", " ").split())
    return MUSCLE_ALIASES.get(text) or _ALIAS_WORDS.get(_words(text)) or text


def muscle_in_label(label: str | None) -> str | None:
    """The known muscle a channel label names ('EMG R deltoid' -> 'deltoid'), or None."""
    if label is None or not str(label).strip():
        return None
    text = re.sub(r"\[.*?\]|\(.*?\)", " ", str(label).lower()).replace("_", " ")
    return MUSCLE_ALIASES.get(" ".join(text.split())) or _ALIAS_WORDS.get(_words(text))


def recording_muscle(recording, channel: int = 0, muscle: str | None = None) -> tuple[str | None, list[str]]:
    """The muscle given, else the recording's ``metadata["muscle"]``, else one its channel label names
    (with a note saying so)."""
    if muscle is not None:
        return muscle, []
    if recording.metadata.get("muscle"):
        return str(recording.metadata["muscle"]), []
    names = recording.channel_names
    label = names[channel] if 0 <= channel < len(names) else None
    found = muscle_in_label(label)
    if found is None:
        return None, []
    return found, [f"Muscle taken from the channel label {label!r}: {found} (give --muscle to override)."]


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def load_reference_table() -> tuple[ReferenceRow, ...]:
    rows = []
    with REFERENCE_FILE.open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            rows.append(ReferenceRow(
                muscle=r["muscle"], age_min=_num(r["age_min"]), age_max=_num(r["age_max"]),
                parameter=r["parameter"], mean=float(r["mean"]), sd=float(r["sd"]), low=float(r["low"]),
                high=float(r["high"]), n_subjects=int(r["n_subjects"]) if r["n_subjects"].strip() else None, source=r["source"],
                outlier_low=_num(r.get("outlier_low") or ""), outlier_high=_num(r.get("outlier_high") or ""),
            ))
    return tuple(rows)


def reference_rows(muscle: str | None, age: float | None = None) -> list[ReferenceRow]:
    """The rows for a muscle (and age, where the table has age bands); empty when there are none."""
    name = normalise_muscle(muscle)
    if name is None:
        return []
    out = []
    for row in load_reference_table():
        if row.muscle != name:
            continue
        if age is not None and ((row.age_min is not None and age < row.age_min)
                                or (row.age_max is not None and age > row.age_max)):
            continue
        out.append(row)
    return out


def compare(summary: dict[str, float], muscle: str | None, age: float | None) -> tuple[list[ReferenceComparison], str]:
    """The comparisons, and a note on what they rest on (or why there are none)."""
    rows = reference_rows(muscle, age)
    if not rows:
        if muscle is None:
            return [], "No muscle given, so no reference comparison (give the muscle, e.g. --muscle biceps)."
        where = f"{muscle}" + (f" at {age:g} years" if age is not None else "")
        return [], f"No verified reference for this muscle/age ({where}); parameters are shown without ranges."
    comparisons = []
    for row in rows:
        value = summary.get(SUMMARY_KEY[row.parameter], math.nan)
        if value is None or not math.isfinite(value):
            verdict, dev = "not measured", math.nan
        else:
            verdict = "low" if value < row.low else "high" if value > row.high else "normal"
            if row.parameter in DIFFERENT_DEFINITION:
                verdict = "different definition"
            dev = (value - row.mean) / row.mean * 100.0
        comparisons.append(ReferenceComparison(row.parameter, float(value), row.low, row.high, dev, verdict,
                                               SOURCES.get(row.source, row.source)))
    banded = any(r.age_min is not None or r.age_max is not None for r in rows)
    ages = "age-matched" if banded else "ages not stated"
    note = f"Reference: {rows[0].muscle}, {ages} ({SOURCES.get(rows[0].source, rows[0].source)})."
    if age is not None and not banded:
        note += (f" The ranges are the same at every age; at {age:g} years keep in mind that in normal muscle MUAP "
                 f"duration, amplitude and turns rise with age ({AGE_EFFECT_SOURCE}).")
    return comparisons, note


#: Why an age matters when the reference has no age bands (a verified abstract; no numbers are taken from it).
AGE_EFFECT_SOURCE = (
    "30 normal adults aged 20-80, biceps, triceps and tibialis anterior, automatic decomposition; 1988, "
    "PubMed 3178176, https://pubmed.ncbi.nlm.nih.gov/3178176/"
)

#: Parameters that rise with age in normal muscle (AGE_EFFECT_SOURCE).
AGE_DEPENDENT = ("duration_ms", "amplitude_mv", "turns_mean")


def age_caveat(age: float | None, comparisons: list[ReferenceComparison], muscle: str | None) -> str | None:
    """A findings line when an age-dependent parameter is judged low or high against ranges without ages."""
    if age is None or not comparisons:
        return None
    if any(r.age_min is not None or r.age_max is not None for r in reference_rows(muscle, age)):
        return None
    judged = [c for c in comparisons if c.parameter in AGE_DEPENDENT and c.verdict in ("low", "high")]
    if not judged:
        return None
    return (f"Age {age:g}: the reference ranges do not change with age, while MUAP duration, amplitude and turns rise "
            "with age in normal muscle (PubMed 3178176). A value just above a range counts for less in an older "
            "patient, and one just below it for more.")


def outlier_counts(values: dict[str, list[float]], muscle: str | None, age: float | None) -> list[OutlierCount]:
    """For each reference row with outlier limits: how many of the MUAPs' values lie below and above them."""
    out = []
    for row in reference_rows(muscle, age):
        if row.outlier_low is None or row.outlier_high is None or row.parameter not in values:
            continue
        v = [x for x in values[row.parameter] if x is not None and math.isfinite(x)]
        out.append(OutlierCount(row.parameter, row.outlier_low, row.outlier_high,
                                sum(x < row.outlier_low for x in v), sum(x > row.outlier_high for x in v), len(v),
                                SOURCES.get(row.source, row.source)))
    return out
