"""Could any whole-number 2x2 table give the rounded numbers a paper reports? (GRIM-style, exact arithmetic.)

After Brown and Heathers, Soc Psychol Personal Sci 2017, doi:10.1177/1948550616673876: a value printed with
d decimals must equal some integer count divided by its denominator, rounded the same way. Every tie-breaking
rule in use is accepted: half-up (0.125 -> 0.13), half-to-even (0.125 -> 0.12), and half-down, which
floating-point rounding of a decimal such as 0.155 can produce; each candidate table says which it needs.

Cost does not grow with n: the counts that round to a reported value form one contiguous range, found with
integer arithmetic, so sensitivity and specificity alone are counted without listing anything. Only the
pairs needed to test PPV, NPV or accuracy are built, in blocks, up to a stated limit (`MAX_PAIRS`).

Values may be proportions (0.93) or percentages (93, "93%"); see `appraisal.reported`. When the paper gives
neither the number with the condition nor the prevalence, the prevalence is solved from PPV and/or NPV.

Examples
--------
>>> check_reported(500, 50, sensitivity=0.93, specificity=0.88, decimals=2).messages[0]
'With 50 people with the condition, sensitivity can only be 0.92 (46/50) or 0.94 (47/50) near the reported value; 0.93 is impossible.'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from appraisal._checks import _check_count
from appraisal.reported import Reported, as_reported, common_decimals, with_decimals

__all__ = [
    "CandidateTable",
    "ConsistencyReport",
    "ImpliedPrevalence",
    "check_reported",
    "consistent_tables",
    "count_range",
    "implied_prevalence",
    "matching_counts",
]

RULE_EXACT = "no ties"
RULE_HALF_UP = "half-up"
RULE_HALF_EVEN = "half-to-even"
RULE_HALF_DOWN = "half-down"
MAX_PAIRS = 20_000_000  # about a second of checking
CHUNK_PAIRS = 1_000_000
MAX_POSITIVE_CHOICES = 100_000
INT64_SAFE = 2**62
LABELS = {"ppv": "PPV", "npv": "NPV", "sensitivity": "sensitivity", "specificity": "specificity",
          "accuracy": "accuracy", "prevalence": "prevalence"}

ROUNDING_NOTE = (
    "Values are compared after rounding to the reported number of decimals. When a true value lies exactly "
    "halfway (1/8 = 0.125), both roundings are accepted: half-up (0.13) and half-to-even or half-down (0.12); "
    "each table says which one it needs ('no ties' when no value was halfway)."
)


# ---------------------------------------------------------------------------------------------- one value
def count_range(r: Reported, den: int) -> tuple[int, int, bool, bool]:
    """Counts k = first..last (inclusive; empty when first > last) with k/den rounding to `r`.

    Exact integers: k/den must lie in [(2V-1)/(2s), (2V+1)/(2s)], s = 10^decimals. The two flags say whether
    `first` and `last` sit exactly on a halfway point (a tie that needs half-up, or half-down/half-to-even).
    """
    if den <= 0:
        return 1, 0, False, False
    two_s = 2 * 10**r.decimals
    lo_num, hi_num = (2 * r.scaled - 1) * den, (2 * r.scaled + 1) * den
    first = max(0, -(-lo_num // two_s))
    last = min(den, hi_num // two_s)
    return first, last, first * two_s == lo_num, last * two_s == hi_num


def _round_rules(num, den, r: Reported):
    """Vectorised: does each num/den round to `r`? Returns (match, tie_up, tie_down) arrays."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    s = 10**r.decimals
    t = 2 * num * s
    lo = (2 * r.scaled - 1) * den
    hi = (2 * r.scaled + 1) * den
    defined = den > 0
    inside = defined & (t > lo) & (t < hi)
    tie_up = defined & (t == lo)
    tie_down = defined & (t == hi)
    return inside | tie_up | tie_down, tie_up, tie_down


def _rounding_label(up: bool, down: bool, down_odd: bool) -> str:
    if up and down:
        return "mixed"
    if up:
        return RULE_HALF_UP
    if down:
        return RULE_HALF_DOWN if down_odd else RULE_HALF_EVEN
    return RULE_EXACT


def matching_counts(value, denominator: int, decimals: int | None = None) -> list[int]:
    """Counts k in 0..denominator with k/denominator rounding to `value` (any tie rule).

    GRIM-style: an empty list means the reported value is impossible for that denominator.

    >>> matching_counts(0.93, 50, 2), matching_counts(0.92, 50, 2), matching_counts("92%", 50)
    ([], [46], [46])
    """
    den = _check_count(denominator, "denominator")
    first, last, _, _ = count_range(as_reported(value, "value", decimals), den)
    if last - first > 1_000_000:
        raise ValueError(f"More than a million counts match; use count_range for a denominator of {den:,}.")
    return list(range(first, last + 1))


def _nearest(r: Reported, den: int) -> list[tuple[int, str]]:
    """The achievable counts just below and just above a reported value, with how they would print."""
    two_s = 2 * 10**r.decimals
    out = []
    k_lo = ((2 * r.scaled - 1) * den - 1) // two_s  # largest k with k/den below the rounding interval
    if 0 <= k_lo <= den:
        out.append((k_lo, r.formatted(k_lo / den)))
    k_hi = ((2 * r.scaled + 1) * den) // two_s + 1  # smallest k above it
    if 0 <= k_hi <= den:
        out.append((k_hi, r.formatted(k_hi / den)))
    return out


def _why_impossible(r: Reported, den: int, who: str) -> str:
    options = [f"{shown} ({k}/{den})" for k, shown in _nearest(r, den)]
    options_text = " or ".join(options) if options else "no nearby value"
    return (
        f"With {den} {who}, {LABELS.get(r.name, r.name)} can only be {options_text} near the reported value; "
        f"{r.show()} is impossible."
    )


# ---------------------------------------------------------------------------------------------- prevalence
def _bounds(r: Reported) -> tuple[float, float]:
    """The interval of true values that print as `r`."""
    half = 0.5 / 10**r.decimals
    return max(0.0, r.value - half), min(1.0, r.value + half)


def _odds_to_prevalence(numerator: float, denominator: float) -> float:
    if denominator <= 0:
        return 1.0
    odds = numerator / denominator
    return odds / (1 + odds)


@dataclass(frozen=True)
class ImpliedPrevalence:
    """Prevalence solved from PPV and/or NPV with sensitivity and specificity (Bayes' theorem)."""

    from_ppv: float | None
    from_ppv_range: tuple[float, float] | None
    from_npv: float | None
    from_npv_range: tuple[float, float] | None

    @property
    def range(self) -> tuple[float, float] | None:
        """Prevalences compatible with every given value after rounding; None if they contradict each other."""
        ranges = [r for r in (self.from_ppv_range, self.from_npv_range) if r is not None]
        lo, hi = max(r[0] for r in ranges), min(r[1] for r in ranges)
        return (lo, hi) if lo <= hi else None

    def summary(self) -> str:
        parts = []
        if self.from_ppv is not None:
            parts.append(f"PPV implies a prevalence of {self.from_ppv:.3f} ({self.from_ppv_range[0]:.3f} to "
                         f"{self.from_ppv_range[1]:.3f} allowing for rounding)")
        if self.from_npv is not None:
            parts.append(f"NPV implies {self.from_npv:.3f} ({self.from_npv_range[0]:.3f} to "
                         f"{self.from_npv_range[1]:.3f})")
        text = "; ".join(parts) + "."
        if self.range is None:
            text += " These cannot both hold: PPV and NPV disagree about how common the condition is."
        return text[0].upper() + text[1:]


def implied_prevalence(sensitivity, specificity, ppv=None, npv=None) -> ImpliedPrevalence:
    """The prevalence a paper's PPV (or NPV) implies, from p/(1-p) = PPV(1-spec) / (sens(1-PPV)).

    From NPV: p/(1-p) = spec(1-NPV) / (NPV(1-sens)). Ranges use the ends of each value's rounding interval.

    >>> round(implied_prevalence(0.9, 0.9, ppv=0.5).from_ppv, 3)
    0.1
    """
    if ppv is None and npv is None:
        raise ValueError("Give PPV or NPV (or both) to solve the prevalence.")
    s_r, c_r = as_reported(sensitivity, "sensitivity"), as_reported(specificity, "specificity")
    s, c = s_r.value, c_r.value
    (s_lo, s_hi), (c_lo, c_hi) = _bounds(s_r), _bounds(c_r)
    from_ppv = from_npv = ppv_range = npv_range = None
    if ppv is not None:
        p_r = as_reported(ppv, "ppv")
        v, (v_lo, v_hi) = p_r.value, _bounds(p_r)
        from_ppv = _odds_to_prevalence(v * (1 - c), s * (1 - v))
        ppv_range = (_odds_to_prevalence(v_lo * (1 - c_hi), s_hi * (1 - v_lo)),
                     _odds_to_prevalence(v_hi * (1 - c_lo), s_lo * (1 - v_hi)))
    if npv is not None:
        n_r = as_reported(npv, "npv")
        v, (v_lo, v_hi) = n_r.value, _bounds(n_r)
        from_npv = _odds_to_prevalence(c * (1 - v), v * (1 - s))
        npv_range = (_odds_to_prevalence(c_lo * (1 - v_hi), v_hi * (1 - s_lo)),
                     _odds_to_prevalence(c_hi * (1 - v_lo), v_lo * (1 - s_hi)))
    return ImpliedPrevalence(from_ppv, ppv_range, from_npv, npv_range)


# ---------------------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class CandidateTable:
    tp: int
    fn: int
    fp: int
    tn: int
    rounding: str  # which tie-breaking the reported values need: "no ties", "half-up", "half-to-even", ...

    @property
    def table(self):
        from appraisal.numbers import TwoByTwo

        return TwoByTwo(self.tp, self.fn, self.fp, self.tn)


@dataclass(frozen=True)
class ConsistencyReport:
    consistent: bool
    n: int
    positives_considered: range
    tables: list[CandidateTable]
    total_tables: int
    messages: list[str]
    rounding_note: str
    inconsistent: tuple[str, ...] = ()  # names of the reported values found inconsistent
    implied: ImpliedPrevalence | None = None

    def to_dict(self) -> dict:
        pos = self.positives_considered
        return {
            "consistent": self.consistent,
            "n": self.n,
            "positives_range": [pos.start, pos.stop - 1] if len(pos) else [],
            "positives_considered": list(pos) if len(pos) <= 1000 else None,
            "total_tables": self.total_tables,
            "tables": [asdict(t) for t in self.tables],
            "messages": list(self.messages),
            "inconsistent": list(self.inconsistent),
            "implied_prevalence": None if self.implied is None else asdict(self.implied),
            "rounding_note": self.rounding_note,
        }


def _positives(n: int, positives, prevalence, sens: Reported, spec: Reported, extra: dict, decimals):
    """The numbers with the condition to consider, as a range; and the implied prevalence when solved."""
    if positives is not None and prevalence is not None:
        raise ValueError("Give either the number of people with the condition (positives) or the prevalence, not both.")
    implied = None
    if positives is not None:
        p = _check_count(positives, "positives")
        if not 0 < p < n:
            raise ValueError(
                f"positives must be between 1 and {n - 1} (the number with the condition among {n}), got {p}."
            )
        choices = range(p, p + 1)
    elif prevalence is not None:
        prev = as_reported(prevalence, "prevalence", decimals)
        if not 0 < prev.value < 1:
            raise ValueError(f"prevalence must be strictly between 0 and 1 (for example 0.02 for 2%), got {prevalence}.")
        first, last, _, _ = count_range(prev, n)
        choices = range(max(1, first), min(n - 1, last) + 1)
        if not choices:
            raise ValueError(f"No whole number of people out of {n} gives a prevalence of {prev.show()}.")
    elif "ppv" in extra or "npv" in extra:
        implied = implied_prevalence(sens, spec, extra.get("ppv"), extra.get("npv"))
        both = implied.range
        if both is None:
            return range(0), implied
        lo, hi = both
        choices = range(max(1, int(np.floor(n * lo - 1e-9 * n)) - 1), min(n - 1, int(np.ceil(n * hi + 1e-9 * n)) + 1) + 1)
    else:
        raise ValueError(
            "Give the number of people with the condition (positives) or the prevalence; or give PPV or NPV so "
            "that the prevalence can be solved."
        )
    if len(choices) > MAX_POSITIVE_CHOICES:
        raise ValueError(
            f"The prevalence leaves {len(choices):,} possible numbers of people with the condition; that is too "
            "many to check one by one. Give the number with the condition (positives) instead."
        )
    return choices, implied


def _value_of(name: str, tp, fn, fp, tn, n):
    if name == "ppv":
        return tp, tp + fp
    if name == "npv":
        return tn, tn + fn
    return tp + tn, np.full_like(tp, n)


class _Search:
    """Tables matching sensitivity and specificity, then filtered by the extra values, in bounded blocks."""

    def __init__(self, n, sens: Reported, spec: Reported, extra: dict[str, Reported], limit: int):
        self.n, self.sens, self.spec, self.extra, self.limit = n, sens, spec, extra, limit
        self.tables: list[CandidateTable] = []
        self.total = 0
        self.per_p: list[tuple[int, bool, bool]] = []
        self.alone = {k: False for k in extra}  # does each extra value fit some sens/spec table on its own?
        self.span = {k: [np.inf, -np.inf] for k in extra}  # its range over the sens/spec tables

    def _flags(self, values, first, last, tie_first, tie_last):
        return (values == first) & tie_first, (values == last) & tie_last

    def run(self, choices: range) -> None:
        blocks = []
        for p in choices:
            q = self.n - p
            s_first, s_last, s_tf, s_tl = count_range(self.sens, p)
            c_first, c_last, c_tf, c_tl = count_range(self.spec, q)
            ok_s, ok_c = s_first <= s_last, c_first <= c_last
            if len(self.per_p) < 10 * MAX_POSITIVE_CHOICES:
                self.per_p.append((p, ok_s, ok_c))
            if ok_s and ok_c:
                blocks.append((p, q, (s_first, s_last, s_tf, s_tl), (c_first, c_last, c_tf, c_tl)))
        if not self.extra:
            for p, q, s_rng, c_rng in blocks:
                self._count_all(p, q, s_rng, c_rng)
            return
        pairs = sum((s[1] - s[0] + 1) * (c[1] - c[0] + 1) for _, _, s, c in blocks)
        if pairs > MAX_PAIRS:
            raise ValueError(
                f"Too many candidate tables ({pairs:,}) to check PPV, NPV or accuracy against one by one; leave "
                "them out, or give the number with the condition if you gave the prevalence."
            )
        max_dec = max(r.decimals for r in (self.sens, self.spec, *self.extra.values()))
        if 4 * self.n * 10**max_dec >= INT64_SAFE:
            raise ValueError(
                f"n = {self.n:,} is too large to check PPV, NPV or accuracy at {max_dec} decimals; leave them out "
                "or check them with fewer decimals."
            )
        for p, q, s_rng, c_rng in blocks:
            self._check_block(p, q, s_rng, c_rng)

    def _count_all(self, p, q, s_rng, c_rng) -> None:
        (s_first, s_last, s_tf, s_tl), (c_first, c_last, c_tf, c_tl) = s_rng, c_rng
        self.total += (s_last - s_first + 1) * (c_last - c_first + 1)
        odd_s, odd_c = self.sens.scaled % 2 == 1, self.spec.scaled % 2 == 1
        for tp in range(s_first, min(s_last + 1, s_first + self.limit)):
            if len(self.tables) >= self.limit:
                return
            for tn in range(c_first, min(c_last + 1, c_first + self.limit - len(self.tables))):
                su, sd = tp == s_first and s_tf, tp == s_last and s_tl
                cu, cd = tn == c_first and c_tf, tn == c_last and c_tl
                rule = _rounding_label(su or cu, sd or cd, (sd and odd_s) or (cd and odd_c))
                self.tables.append(CandidateTable(tp, p - tp, q - tn, tn, rule))

    def _check_block(self, p, q, s_rng, c_rng) -> None:
        (s_first, s_last, s_tf, s_tl), (c_first, c_last, c_tf, c_tl) = s_rng, c_rng
        tn_all = np.arange(c_first, c_last + 1, dtype=np.int64)
        cu, cd = self._flags(tn_all, c_first, c_last, c_tf, c_tl)
        step = max(1, CHUNK_PAIRS // tn_all.size)
        for start in range(s_first, s_last + 1, step):  # bounded memory
            tp = np.arange(start, min(s_last, start + step - 1) + 1, dtype=np.int64)
            su, sd = self._flags(tp, s_first, s_last, s_tf, s_tl)
            TP, TN = np.meshgrid(tp, tn_all, indexing="ij")
            FN, FP = p - TP, q - TN
            ok = np.ones(TP.shape, dtype=bool)
            up = su[:, None] | cu[None, :]
            down = sd[:, None] | cd[None, :]
            down_odd = (sd[:, None] & bool(self.sens.scaled % 2)) | (cd[None, :] & bool(self.spec.scaled % 2))
            for name, r in self.extra.items():
                num, den = _value_of(name, TP, FN, FP, TN, self.n)
                em, eu, ed = _round_rules(num, den, r)
                self.alone[name] |= bool(em.any())
                with np.errstate(invalid="ignore", divide="ignore"):
                    values = np.where(den > 0, num / np.maximum(den, 1), np.nan)
                if np.isfinite(values).any():
                    self.span[name][0] = min(self.span[name][0], float(np.nanmin(values)))
                    self.span[name][1] = max(self.span[name][1], float(np.nanmax(values)))
                ok &= em
                up, down, down_odd = up | eu, down | ed, down_odd | (ed & bool(r.scaled % 2))
            self.total += int(ok.sum())
            if len(self.tables) < self.limit:
                for i, j in np.argwhere(ok)[: self.limit - len(self.tables)]:
                    rule = _rounding_label(bool(up[i, j]), bool(down[i, j]), bool(down_odd[i, j]))
                    self.tables.append(
                        CandidateTable(int(TP[i, j]), int(FN[i, j]), int(FP[i, j]), int(TN[i, j]), rule)
                    )


def consistent_tables(
    n: int,
    positives: int | None = None,
    prevalence=None,
    *,
    sensitivity,
    specificity,
    decimals: int | None = None,
    ppv=None,
    npv=None,
    accuracy=None,
    limit: int = 1000,
) -> list[CandidateTable]:
    """All integer 2x2 tables (up to `limit`) that reproduce the reported rounded values.

    >>> [(t.tp, t.fn, t.fp, t.tn) for t in consistent_tables(100, 20, sensitivity=0.9, specificity=0.95, decimals=2)]
    [(18, 2, 4, 76)]
    """
    return check_reported(
        n, positives, prevalence, sensitivity=sensitivity, specificity=specificity, decimals=decimals,
        ppv=ppv, npv=npv, accuracy=accuracy, limit=limit,
    ).tables


def _messages_when_impossible(search: _Search, choices: range, prevalence_text: str) -> tuple[list[str], list[str]]:
    sens, spec, n = search.sens, search.spec, search.n
    messages, bad = [], []
    sens_ok = {p for p, s, _ in search.per_p if s}
    spec_ok = {p for p, _, c in search.per_p if c}
    if len(choices) == 1:
        p = choices[0]
        if not sens_ok:
            messages.append(_why_impossible(sens, p, "people with the condition"))
            bad.append("sensitivity")
        if not spec_ok:
            messages.append(_why_impossible(spec, n - p, "people without the condition"))
            bad.append("specificity")
    else:
        span = f"{choices[0]} to {choices[-1]} people with the condition"
        for r, ok, name in ((sens, sens_ok, "sensitivity"), (spec, spec_ok, "specificity")):
            if not ok:
                messages.append(f"With {prevalence_text} of {n} people ({span}), no count gives {name} {r.show()}; "
                                "it is impossible.")
                bad.append(name)
        if sens_ok and spec_ok and not sens_ok & spec_ok:
            messages.append(
                f"Sensitivity {sens.show()} and specificity {spec.show()} are each possible, but never with the "
                f"same number of people with the condition ({span})."
            )
            bad.extend(["sensitivity", "specificity"])
    if not messages and search.extra:
        alone_bad = [k for k, ok in search.alone.items() if not ok]
        for name in alone_bad:
            r, (lo, hi) = search.extra[name], search.span[name]
            if not np.isfinite(lo):
                would = "no table gives it"
            elif r.formatted(lo) == r.formatted(hi):
                would = f"it would have to be {r.formatted(lo)}"
            else:
                would = f"it would have to be between {r.formatted(lo)} and {r.formatted(hi)}"
            messages.append(
                f"{LABELS[name].upper() if name in ('ppv', 'npv') else name.capitalize()} {r.show()} is inconsistent: "
                f"no table with sensitivity {sens.show()} and specificity {spec.show()} gives it; {would}."
            )
            bad.append(name)
        if not alone_bad:
            named = ", ".join(f"{LABELS[k]} {r.show()}" for k, r in search.extra.items())
            messages.append(
                f"Tables exist that give sensitivity {sens.show()} and specificity {spec.show()}, and each of "
                f"{named} on its own, but no table gives them all together; at least one is inconsistent."
            )
            bad.extend(search.extra)
    return messages, bad


def check_reported(
    n: int,
    positives: int | None = None,
    prevalence=None,
    *,
    sensitivity,
    specificity,
    decimals: int | None = None,
    ppv=None,
    npv=None,
    accuracy=None,
    limit: int = 1000,
) -> ConsistencyReport:
    """Can any integer 2x2 table produce the reported, rounded numbers? Says which value is not, in plain words.

    Give `n` (everyone in the table) and `positives` (people with the condition) or the reported `prevalence`,
    or neither when PPV or NPV is given (the prevalence is then solved from them). `sensitivity`,
    `specificity`, `ppv`, `npv`, `accuracy` as reported: proportions or percentages, floats or strings
    ("0.90" keeps its 2 decimals). `decimals`: decimals printed in the paper; None reads them from the values,
    all at the finest precision given (a paper prints one precision, so 0.9 next to 0.88 is read as 0.90).
    """
    n = _check_count(n, "n (the number of people)")
    if n < 2:
        raise ValueError("n must be at least 2: a table needs people with and without the condition.")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of tables, got {limit!r}.")
    sens = as_reported(sensitivity, "sensitivity", decimals)
    spec = as_reported(specificity, "specificity", decimals)
    extra = {name: as_reported(v, name, decimals) for name, v in (("ppv", ppv), ("npv", npv), ("accuracy", accuracy))
             if v is not None}
    if decimals is None:  # papers print one precision: 0.9 next to 0.88 is read as 0.90
        common = common_decimals([sens, spec, *extra.values()])
        sens, spec = with_decimals(sens, common), with_decimals(spec, common)
        extra = {k: with_decimals(v, common) for k, v in extra.items()}
        if prevalence is not None and not isinstance(prevalence, Reported):
            prevalence = with_decimals(as_reported(prevalence, "prevalence"), common)
    choices, implied = _positives(n, positives, prevalence, sens, spec, extra, decimals)
    search = _Search(n, sens, spec, extra, limit)
    messages: list[str] = []
    bad: list[str] = []
    if implied is not None:
        messages.append(implied.summary())
        if implied.range is None:
            bad.extend(["ppv", "npv"])
    if choices:
        search.run(choices)
    if search.total == 0:
        if choices:
            prevalence_text = f"prevalence {as_reported(prevalence, 'prevalence').show()}" if prevalence is not None \
                else "the prevalence implied by PPV/NPV"
            more, more_bad = _messages_when_impossible(search, choices, prevalence_text)
            messages.extend(more)
            bad.extend(more_bad)
    else:
        what = "table reproduces" if search.total == 1 else "tables reproduce"
        messages.append(
            f"{search.total:,} whole-number 2x2 {what} the reported numbers; they are consistent."
            + (f" The first {len(search.tables)} are listed." if search.total > len(search.tables) else "")
        )
    return ConsistencyReport(
        search.total > 0, n, choices, search.tables, search.total, messages, ROUNDING_NOTE,
        tuple(dict.fromkeys(bad)), implied,
    )
