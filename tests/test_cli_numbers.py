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
