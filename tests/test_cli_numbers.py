"""`medlens numbers`: the CLI front door to appraisal.numbers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()


def test_counts_table_output():
    result = runner.invoke(cli, ["numbers", "--tp", "90", "--fn", "10", "--fp", "20", "--tn", "180"])
    assert result.exit_code == 0, result.output
    assert "Sensitivity" in result.output and "0.900" in result.output
    assert "Positive likelihood ratio (LR+)" in result.output and "9.000" in result.output


def test_counts_json_with_prevalence():
    result = runner.invoke(
        cli, ["numbers", "--tp", "90", "--fn", "10", "--fp", "20", "--tn", "180", "--prevalence", "0.02",
              "--level", "0.9", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["level"] == 0.9
    assert data["metrics"]["ppv"]["value"] == 90 / 110
    assert abs(data["prevalence"]["ppv_at"] - 0.9 * 0.02 / (0.9 * 0.02 + 0.1 * 0.98)) < 1e-12
    assert "2%" in data["prevalence"]["summary"]


def test_consistency_impossible_sensitivity():
    result = runner.invoke(
        cli, ["numbers", "--n", "500", "--positives", "50", "--sensitivity", "0.93", "--specificity", "0.88",
              "--decimals", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "Consistent: NO" in result.output
    assert "0.93 is impossible" in result.output


def test_consistency_json_with_prevalence():
    result = runner.invoke(
        cli, ["numbers", "--n", "500", "--prevalence", "0.1", "--sensitivity", "0.9", "--specificity", "0.88",
              "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["consistent"] is True
    for t in data["tables"]:
        assert t["tp"] + t["fn"] + t["fp"] + t["tn"] == 500
        assert round(t["tp"] / (t["tp"] + t["fn"]), 2) == 0.9


def test_errors_are_plain_and_exit_1():
    result = runner.invoke(cli, ["numbers", "--tp", "1", "--fn", "-1", "--fp", "2", "--tn", "3"])
    assert result.exit_code == 1
    assert "Error: fn cannot be negative" in result.output
    result = runner.invoke(cli, ["numbers", "--tp", "1", "--fn", "1"])
    assert result.exit_code == 1 and "all four counts" in result.output
    result = runner.invoke(cli, ["numbers"])
    assert result.exit_code == 1 and "Error:" in result.output
    result = runner.invoke(cli, ["numbers", "--n", "100", "--positives", "10", "--sensitivity", "0.9",
                                 "--specificity", "0.9", "--prevalence", "0.1"])
    assert result.exit_code == 1 and "not both" in result.output


def test_reported_accuracy_with_counts_is_checked_never_ignored():
    result = runner.invoke(cli, ["numbers", "--tp", "90", "--fn", "10", "--fp", "20", "--tn", "180",
                                 "--accuracy", "0.905", "--ppv", "81.8%"])
    assert result.exit_code == 0, result.output
    assert "NO  Accuracy 0.905 does not match the table" in result.output
    assert "ok  PPV 81.8% matches" in result.output


def test_unused_options_are_warned_about():
    result = runner.invoke(cli, ["numbers", "--tp", "80", "--fn", "20", "--fp", "30", "--patients", "50",
                                 "--fp-per-patient", "0.6", "--specificity", "0.9", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fp_per_patient"]["value"] == 0.6 and data["checks"][0]["consistent"]
    assert data["warnings"] == ["--specificity is not used when checking lesion-level detection (no true "
                                "negatives); it was ignored."]


def test_matrix_and_interval_options():
    result = runner.invoke(cli, ["numbers", "--matrix", "45,10;5,40", "--labels", "AF,normal",
                                 "--class-sizes", "50,50"])
    assert result.exit_code == 0, result.output
    assert "transposed" in result.output and "AF" in result.output
    result = runner.invoke(cli, ["numbers", "--n", "344", "--sensitivity", "0.90", "--specificity", "0.63",
                                 "--ppv", "0.88", "--npv", "0.67", "--accuracy", "0.83", "--ci", "accuracy=0.70 to 0.95"])
    assert result.exit_code == 0, result.output
    assert "PPV implies a prevalence" in result.output and "matches neither Wilson" in result.output


def test_huge_n_answers_quickly_or_refuses_plainly():
    result = runner.invoke(cli, ["numbers", "--n", "60000000000", "--positives", "30000000000",
                                 "--sensitivity", "0.9", "--specificity", "0.9"])
    assert result.exit_code == 0 and "consistent" in result.output
    result = runner.invoke(cli, ["numbers", "--n", "60000000000", "--prevalence", "0.5",
                                 "--sensitivity", "0.9", "--specificity", "0.9"])
    assert result.exit_code == 1 and "Error: The prevalence leaves" in result.output
