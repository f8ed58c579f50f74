"""The experiment section: guardrails and the primary metric read their direction from the
metric catalogue, and the analysis population is a named choice."""

from __future__ import annotations

import pytest

from sim.case.scenario import parse_scenario
from sim.errors import ScenarioError
from tests.conftest import ROOT


def test_the_primary_metric_and_the_guardrails_read_their_direction_from_the_catalogue(aa_case):
    assert aa_case.experiment.primary_higher_is_better
    saver = aa_case.with_knobs({"experiment.primary_metric": "battery_drain"})
    assert not saver.experiment.primary_higher_is_better
    assert {g.metric: g.higher_is_better for g in aa_case.experiment.guardrails} == {
        "crashes": False, "retained": True}


def test_a_guardrail_direction_that_contradicts_the_catalogue_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (ROOT / "scenarios" / "aa_test.toml").read_text()
    agreeing = text.replace('{ metric = "crashes", margin = 0.10 }',
                            '{ metric = "crashes", margin = 0.10, higher_is_better = false }')
    assert parse_scenario(agreeing, "old.toml").experiment.guardrails[0].higher_is_better is False
    wrong = text.replace('{ metric = "crashes", margin = 0.10 }',
                         '{ metric = "crashes", margin = 0.10, higher_is_better = true }')
    with pytest.raises(ScenarioError, match=r"^wrong.toml: experiment.guardrails.0: "
                                            r"higher_is_better contradicts the metric catalogue: "
                                            r"for crashes lower is better"):
        parse_scenario(wrong, "wrong.toml")


def test_the_analysis_population_is_one_of_two_named_choices(aa_case):
    dashboard = aa_case.with_knobs({"experiment.analysis_population": "reporting_at_decision"})
    assert dashboard.experiment.analysis_population == "reporting_at_decision"
    with pytest.raises(ScenarioError, match="experiment.analysis_population: Input should be"):
        aa_case.with_knobs({"experiment.analysis_population": "everyone"})
