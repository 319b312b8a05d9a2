"""The numbers checker: recomputed metrics, intervals, GRIM-style consistency, PPV at a prevalence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from appraisal.numbers import (
    check_reported,
    consistent_tables,
    matching_counts,
    predictive_values,
    prevalence_curve,
    table_metrics,
    wilson_interval,
)

# Altman DG, Bland JM. Diagnostic tests 1: sensitivity and specificity. BMJ 1994;308:1552,
# doi:10.1136/bmj.308.6943.1552. Liver scan against pathology: 231 true positives, 27 false negatives,
# 32 false positives, 54 true negatives (258 abnormal, 86 normal); sensitivity 231/258 = 0.90 and
# specificity 54/86 = 0.63 as printed in the note. PPV (231/263) and NPV (54/81) below are computed from
# the same table, not quoted from the companion note on predictive values (not checked).
LIVER = dict(tp=231, fn=27, fp=32, tn=54)


def test_altman_bland_liver_scan_worked_example():
    m = table_metrics(**LIVER)
    assert round(m["sensitivity"].value, 2) == 0.90
    assert round(m["specificity"].value, 2) == 0.63
    assert round(m["ppv"].value, 2) == 0.88
    assert round(m["npv"].value, 2) == 0.67
    assert m["sensitivity"].numerator == 231 and m["sensitivity"].denominator == 258
    assert m["accuracy"].value == pytest.approx(285 / 344)


def test_liver_scan_reported_numbers_are_consistent_and_recover_the_table():
    report = check_reported(344, 258, sensitivity=0.90, specificity=0.63, decimals=2, ppv=0.88, npv=0.67)
    assert report.consistent
    assert (231, 27, 32, 54) in [(t.tp, t.fn, t.fp, t.tn) for t in report.tables]


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (231, 258), (54, 86), (3, 1000), (999, 1000)])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_wilson_matches_statsmodels(k, n, level):
    lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
    ours = wilson_interval(k, n, level)
    assert ours == pytest.approx((lo, hi), abs=1e-12)


def test_metric_intervals_are_wilson_at_the_chosen_level():
    m = table_metrics(90, 10, 20, 180, level=0.90)
    for name, (k, n) in {"sensitivity": (90, 100), "specificity": (180, 200), "ppv": (90, 110),
                         "npv": (180, 190), "accuracy": (270, 300)}.items():
        lo, hi = proportion_confint(k, n, alpha=0.10, method="wilson")
        assert (m[name].lower, m[name].upper) == pytest.approx((lo, hi))


def test_likelihood_ratios_log_method_simel_1991():
    # LR+ = (90/100)/(20/200) = 9; SE(ln LR+) = sqrt(1/90 - 1/100 + 1/20 - 1/200)
    m = table_metrics(90, 10, 20, 180)
    lr = m["lr_positive"]
    se = math.sqrt(1 / 90 - 1 / 100 + 1 / 20 - 1 / 200)
    assert lr.value == pytest.approx(9.0)
    assert lr.lower == pytest.approx(9 * math.exp(-1.959963985 * se))
    assert lr.upper == pytest.approx(9 * math.exp(1.959963985 * se))
    lrn = m["lr_negative"]
    assert lrn.value == pytest.approx((10 / 100) / (180 / 200))
    dor = m["diagnostic_odds_ratio"]
    assert dor.value == pytest.approx(90 * 180 / (20 * 10))
    se_dor = math.sqrt(1 / 90 + 1 / 10 + 1 / 20 + 1 / 180)
    assert math.log(dor.upper / dor.value) == pytest.approx(1.959963985 * se_dor)
    assert m["youden_j"].value == pytest.approx(0.9 + 0.9 - 1)
    assert m["f1"].value == pytest.approx(180 / 210)
    assert m.notes == []


def test_zero_cell_uses_haldane_correction_only_where_needed():
    m = table_metrics(50, 0, 5, 45)  # no false negatives: LR- and DOR need the correction, LR+ does not
    assert m["lr_positive"].value == pytest.approx((50 / 50) / (5 / 50))
    assert m["lr_positive"].note == ""
    assert m["lr_negative"].value == pytest.approx((0.5 / 51) / (45.5 / 51))
    assert "Haldane" in m["lr_negative"].note
    assert "Haldane" in m["diagnostic_odds_ratio"].note
    assert len(m.notes) == 2
    assert m["sensitivity"].value == 1.0 and m["sensitivity"].upper == 1.0


def test_undefined_ppv_is_nan_with_a_note():
    m = table_metrics(0, 10, 0, 10)
    assert math.isnan(m["ppv"].value)
    assert "never positive" in m["ppv"].note
    assert m["ppv"].formatted() == "not defined"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(tp=-1, fn=1, fp=1, tn=1), "negative"),
        (dict(tp=1.5, fn=1, fp=1, tn=1), "whole number"),
        (dict(tp=0, fn=0, fp=1, tn=1), "sensitivity is not defined"),
        (dict(tp=1, fn=1, fp=0, tn=0), "specificity is not defined"),
        (dict(tp=1, fn=1, fp=1, tn=1, level=1.5), "confidence level"),
        (dict(tp="ten", fn=1, fp=1, tn=1), "whole number"),
    ],
)
def test_bad_tables_give_plain_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        table_metrics(**kwargs)


def test_impossible_sensitivity_is_explained_in_plain_words():
    report = check_reported(500, 50, sensitivity=0.93, specificity=0.88, decimals=2)
    assert not report.consistent and report.tables == []
    assert report.messages == [
        "With 50 people with the condition, sensitivity can only be 0.92 (46/50) or 0.94 (47/50) near the "
        "reported value; 0.93 is impossible."
    ]


def test_grim_example_from_brown_and_heathers_style_granularity():
    # GRIM (Brown and Heathers, Soc Psychol Personal Sci 2017, doi:10.1177/1948550616673876): with 20 integer
    # observations every mean has a second decimal of 0 or 5, so a reported 3.48 is impossible (the
    # fair-die example used to explain the test); 3.45 = 69/20 is possible.
    assert matching_counts(3.48, 20, 2) == []
    assert matching_counts(0.45, 20, 2) == [9]


def test_rounding_rule_is_reported():
    # 1/8 = 0.125 exactly: half-up gives 0.13, half-to-even gives 0.12
    assert matching_counts(0.13, 8, 2) == [1] and matching_counts(0.12, 8, 2) == [1]
    tables = consistent_tables(16, 8, sensitivity=0.12, specificity=0.5, decimals=2)
    assert [t.rounding for t in tables] == ["half-to-even"]
    tables = consistent_tables(16, 8, sensitivity=0.13, specificity=0.5, decimals=2)
    assert [t.rounding for t in tables] == ["half-up"]


def test_prevalence_instead_of_positives():
    report = check_reported(500, prevalence=0.1, sensitivity=0.9, specificity=0.88, decimals=2)
    assert report.consistent
    assert set(report.positives_considered) == set(range(48, 53))
    assert all(t.tp + t.fn in report.positives_considered for t in report.tables)


def test_reported_ppv_that_no_table_gives_is_flagged():
    report = check_reported(300, 100, sensitivity=0.9, specificity=0.9, decimals=2, ppv=0.5)
    assert not report.consistent
    assert "PPV 0.50" in report.messages[0]
    assert check_reported(300, 100, sensitivity=0.9, specificity=0.9, decimals=2, ppv=0.82).total_tables == 1


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(n=100, positives=0), "positives must be between"),
        (dict(n=100, positives=100), "positives must be between"),
        (dict(n=100, positives=10, prevalence=0.1), "either"),
        (dict(n=100, prevalence=0), "strictly between 0 and 1"),
        (dict(n=100, positives=10, decimals=9), "decimals"),
        (dict(n=100, positives=10, sensitivity=193), "percentage up to 100"),
        (dict(n=100, positives=10, sensitivity=0.925), "more than 2 decimal"),
        (dict(n=-5, positives=1), "negative"),
    ],
)
def test_bad_consistency_inputs(kwargs, match):
    args = dict(sensitivity=0.9, specificity=0.9, decimals=2) | kwargs
    with pytest.raises(ValueError, match=match):
        check_reported(**args)


@settings(max_examples=150, deadline=None)
@given(
    tp=st.integers(0, 400), fn=st.integers(0, 400), fp=st.integers(0, 400), tn=st.integers(0, 400),
    decimals=st.integers(0, 4),
)
def test_a_tables_own_rounded_metrics_are_always_consistent(tp, fn, fp, tn, decimals):
    if tp + fn == 0 or fp + tn == 0:
        return
    n, pos = tp + fn + fp + tn, tp + fn
    sens, spec = round(tp / pos, decimals), round(tn / (fp + tn), decimals)
    extra = {}
    if tp + fp:
        extra["ppv"] = round(tp / (tp + fp), decimals)
    report = check_reported(n, pos, sensitivity=sens, specificity=spec, decimals=decimals, limit=5, **extra)
    assert report.consistent and report.total_tables >= 1
    assert tp in matching_counts(sens, pos, decimals) and tn in matching_counts(spec, fp + tn, decimals)


def test_predictive_values_bayes_and_curve():
    ppv, npv = predictive_values(0.9, 0.9, 0.02)
    assert ppv == pytest.approx(0.9 * 0.02 / (0.9 * 0.02 + 0.1 * 0.98))
    assert npv == pytest.approx(0.9 * 0.98 / (0.9 * 0.98 + 0.1 * 0.02))
    curve = prevalence_curve(0.9, 0.9, 0.02, sensitivity_interval=(0.85, 0.94), specificity_interval=(0.86, 0.93))
    assert np.all(np.diff(curve.ppv) > 0) and np.all(np.diff(curve.npv) < 0)
    assert 0.02 in curve.prevalence
    assert curve.ppv_range_at[0] < curve.ppv_at < curve.ppv_range_at[1]
    assert "2%" in curve.summary and "false alarms" in curve.summary
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        prevalence_curve(0.9, 0.9, 0.0)


def test_large_n_is_counted_without_listing_everything():
    report = check_reported(100_000, 10_000, sensitivity=0.9, specificity=0.9, decimals=2, limit=50)
    assert report.consistent and len(report.tables) == 50
    assert report.total_tables == 101 * 901  # 8950..9050 of 10,000 and 80,550..81,450 of 90,000


def test_huge_searches_are_refused_plainly_and_plain_counts_stay_fast():
    with pytest.raises(ValueError, match="Too many candidate tables"):
        check_reported(200_000, prevalence=0.3, sensitivity=0.9, specificity=0.8, decimals=2, ppv=0.66)
    report = check_reported(100_000, 10_000, sensitivity=1, specificity=1, decimals=0, limit=3)
    assert report.total_tables == 5001 * 45001 and len(report.tables) == 3


# ---------------------------------------------------------------------------------------------- issue 11
from appraisal.consistency import count_range, implied_prevalence  # noqa: E402
from appraisal.detection import lesion_metrics, poisson_rate_interval  # noqa: E402
from appraisal.multiclass import confusion_matrix_metrics, parse_matrix  # noqa: E402
from appraisal.numbers_request import NumbersRequest, parse_interval, run_numbers  # noqa: E402
from appraisal.reported import as_reported  # noqa: E402
from appraisal.reported_checks import check_interval, clopper_pearson_interval, compare_with_counts  # noqa: E402


@pytest.mark.parametrize(
    "value,scaled,decimals,percent",
    [("91.1", 911, 3, True), ("91.1%", 911, 3, True), (91.1, 911, 3, True), ("0.90", 90, 2, False),
     (0.9, 9, 1, False), ("91,1%", 911, 3, True), ("100", 100, 2, True), (1, 1, 0, False)],
)
def test_reported_values_read_percentages_and_keep_their_precision(value, scaled, decimals, percent):
    r = as_reported(value, "x")
    assert (r.scaled, r.decimals, r.percent) == (scaled, decimals, percent)


@pytest.mark.parametrize("value,match", [("abc", "must be a number"), ("101", "percentage up to 100"),
                                         ("-0.2", "negative"), (float("nan"), "finite")])
def test_reported_values_refuse_nonsense(value, match):
    with pytest.raises(ValueError, match=match):
        as_reported(value, "sensitivity")


def test_percentages_and_proportions_give_the_same_verdict():
    a = check_reported(300, 100, sensitivity="90%", specificity="90.0%", accuracy="91.1%")
    b = check_reported(300, 100, sensitivity=0.90, specificity=0.900, accuracy=0.911)
    assert not a.consistent and not b.consistent
    assert a.inconsistent == b.inconsistent == ("accuracy",)
    assert "Accuracy 91.1% is inconsistent" in a.messages[0] and "would have to be 90.0%" in a.messages[0]


def test_count_range_is_exact_and_independent_of_n():
    assert count_range(as_reported("0.90", "s"), 100) == (90, 90, False, False)
    first, last, tie_first, tie_last = count_range(as_reported("0.13", "s"), 8)  # 1/8 = 0.125 is a tie
    assert (first, last, tie_first) == (1, 1, True)
    first, last, _, _ = count_range(as_reported("0.9", "s"), 30_000_000_000)
    assert (first, last) == (25_500_000_000, 28_500_000_000)


def test_huge_n_is_counted_in_constant_memory_and_pairs_are_refused_plainly():
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = check_reported(60_000_000_000, 30_000_000_000, sensitivity=0.9, specificity=0.9, limit=3)
    assert report.total_tables == 3_000_000_001**2 and len(report.tables) == 3
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB: no big arrays
    with pytest.raises(ValueError, match="Too many candidate tables"):
        check_reported(60_000_000_000, 30_000_000_000, sensitivity=0.9, specificity=0.9, accuracy=0.9)
    with pytest.raises(ValueError, match="Give the number with the condition"):
        check_reported(60_000_000_000, prevalence=0.5, sensitivity=0.9, specificity=0.9)


def test_prevalence_is_solved_from_ppv_and_npv():
    # Liver scan (Altman and Bland): the paper's PPV and NPV alone pin the number with the condition.
    report = check_reported(344, sensitivity=0.90, specificity=0.63, decimals=2, ppv=0.88, npv=0.67)
    assert report.consistent and 258 in report.positives_considered
    assert (231, 27, 32, 54) in [(t.tp, t.fn, t.fp, t.tn) for t in report.tables]
    assert report.implied.from_ppv == pytest.approx(0.75, abs=0.01)
    assert "PPV implies a prevalence" in report.messages[0]
    imp = implied_prevalence(0.9, 0.9, ppv=0.5, npv=0.5)  # PPV says 10%, NPV says 90%
    assert imp.range is None and "cannot both hold" in imp.summary()
    assert not check_reported(1000, sensitivity=0.9, specificity=0.9, ppv=0.5, npv=0.5).consistent


def test_inconsistent_extra_value_is_named_with_what_it_would_have_to_be():
    report = check_reported(344, 258, sensitivity=0.90, specificity=0.63, decimals=2, ppv=0.80)
    assert report.inconsistent == ("ppv",)
    assert "PPV 0.80 is inconsistent" in report.messages[0] and "would have to be 0.88" in report.messages[0]


def test_reported_values_against_counts_say_what_the_table_gives():
    checks = {c.name: c for c in compare_with_counts((90, 10, 20, 180), {
        "accuracy": "0.905", "sensitivity": "90%", "ppv": "0.818", "npv": "94.7", "f1": "0.86"})}
    assert not checks["accuracy"].consistent
    assert "270/300 = 0.900" in checks["accuracy"].message and "0.903 (271/300)" in checks["accuracy"].message
    assert all(checks[k].consistent for k in ("sensitivity", "ppv", "npv", "f1"))


def test_clopper_pearson_matches_statsmodels():
    for k, n in [(0, 10), (9, 10), (231, 258), (10, 10)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="beta")
        assert clopper_pearson_interval(k, n) == pytest.approx((lo, hi), abs=1e-10)


def test_interval_checks_name_the_method_or_say_neither():
    lo, hi = wilson_interval(231, 258)
    ok = check_interval("sensitivity", f"{lo:.3f}", f"{hi:.3f}", n=258, value="0.895")
    assert ok.consistent and "Wilson" in ok.matches
    lo, hi = proportion_confint(231, 258, method="beta")
    exact = check_interval("sensitivity", f"{lo:.3f}", f"{hi:.3f}", n=258, k=231)
    assert exact.matches == ("Clopper-Pearson",)
    wald = check_interval("sensitivity", "0.80", "0.99", n=100, value="0.91")
    assert not wald.consistent and "matches neither Wilson" in wald.message
    outside = check_interval("sensitivity", "0.50", "0.60", n=100, value="0.91")
    assert not outside.consistent and "outside its own interval" in outside.message
    with pytest.raises(ValueError, match="backwards"):
        check_interval("sensitivity", "0.9", "0.8", n=100, value="0.85")


def test_lesion_level_detection_has_no_true_negatives():
    d = lesion_metrics(80, 20, 30, 50, reported={"sensitivity": "80%", "ppv": "0.75", "fp_per_patient": "0.6"})
    assert d.sensitivity.value == 0.8 and d.fp_per_patient.value == 0.6
    assert [c["consistent"] for c in d.checks] == [True, False, True]
    assert "80/110" in d.checks[1]["message"]
    assert "no true negatives" in d.notes[0]
    # Exact Poisson limits for 30 events: 20.24 to 42.83 (chi-square method), per 50 patients.
    assert poisson_rate_interval(30, 50) == pytest.approx((20.24 / 50, 42.83 / 50), abs=2e-4)
    with pytest.raises(ValueError, match="no true negatives"):
        lesion_metrics(80, 20, 30, 50, reported={"specificity": "0.9"})


def test_multiclass_one_vs_rest_and_orientation_from_class_sizes():
    r = confusion_matrix_metrics([[45, 5, 0], [10, 38, 2], [0, 1, 49]], labels=["AF", "noise", "normal"],
                                 class_sizes=[50, 50, 50])
    assert r.fits_class_sizes and r.orientation.startswith("rows")
    af = r.classes[0]
    assert (af.table.tp, af.table.fn, af.table.fp, af.table.tn) == (45, 5, 10, 90)
    assert r.accuracy == pytest.approx(132 / 150)
    transposed = confusion_matrix_metrics(np.array(r.matrix).T.tolist(), class_sizes=[50, 50, 50])
    assert "transposed" in transposed.orientation and transposed.classes[0].table == af.table
    wrong = confusion_matrix_metrics(r.matrix, class_sizes=[60, 40, 50])
    assert wrong.fits_class_sizes is False and "Neither the row nor the column totals" in wrong.messages[0]
    assert parse_matrix("1 2\n3 4") == [[1, 2], [3, 4]]
    for bad, match in [([[1, 2], [3]], "square"), ([[1]], "at least 2")]:
        with pytest.raises(ValueError, match=match):
            confusion_matrix_metrics(bad)


def test_every_option_is_used_or_warned_about():
    result = run_numbers(NumbersRequest(tp=90, fn=10, fp=20, tn=180, accuracy="0.905", patients=3, f1="0.857"))
    assert result.inconsistent == ["accuracy"]
    assert result.warnings == ["--patients is not used when checking a 2x2 table; it was ignored."]
    lesion = run_numbers(NumbersRequest(tp=80, fn=20, fp=30, patients=50, specificity="0.9", npv="0.9"))
    assert [w.split()[0] for w in lesion.warnings] == ["--npv", "--specificity"]
    assert parse_interval("sensitivity=85%-95%") == ("sensitivity", "85%", "95%")
    assert parse_interval("ppv = 0.64 to 0.80") == ("ppv", "0.64", "0.80")
    with pytest.raises(ValueError, match="NAME=LOWER-UPPER"):
        parse_interval("0.8-0.9")
