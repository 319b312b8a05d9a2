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
        (dict(n=100, prevalence=1.2), "strictly between 0 and 1"),
        (dict(n=100, positives=10, decimals=9), "decimals"),
        (dict(n=100, positives=10, sensitivity=93), "write 93% as 0.93"),
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
