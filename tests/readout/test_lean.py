"""What the rule reads from a run: the population, the quality checks and the lean readings."""

from __future__ import annotations

import pytest

from sim import analyse, simulate
from sim.readout.lean import lean_report, quality_checks


def test_lean_report_reads_the_same_numbers_as_analyse(night_case):
    result = simulate(night_case, seed=3, devices=5_000)
    lean, full = lean_report(result), analyse(result)
    for name, lift in lean.metrics.items():
        assert lift == full.metrics[name]
    assert lean.cuped["sessions"] == full.cuped["sessions"]
    assert lean.guardrails == dict(full.guardrails)
    assert lean.srm == full.srm and lean.completeness == full.completeness


def test_the_split_check_counts_households_when_households_were_randomised(aa_case):
    from sim.readout.lean import analysis_population

    case = aa_case.with_knobs({"experiment.unit": "household"})
    result = simulate(case, seed=3, devices=6_000, days=7)
    split = analyse(result).srm
    seen = analysis_population(result)
    assert split.n_control + split.n_treatment == seen["household_id"].nunique() < len(seen)


def test_the_dashboard_population_drops_devices_silenced_by_failed_installs(aa_case):
    # A quarter of installs fail and the telemetry agent never comes back: the dashboard's
    # last-week population loses them from treatment only, the cohort of seen devices does not.
    broken = aa_case.with_knobs({"rollout.install_failure_rate": 0.25,
                                 "telemetry.silent_after_failed_install": 1.0})
    cohort = analyse(simulate(broken, seed=1, devices=20_000))
    dashboard = analyse(simulate(
        broken.with_knobs({"experiment.analysis_population": "reporting_at_decision"}),
        seed=1, devices=20_000))
    assert not cohort.srm.alarm
    assert dashboard.srm.alarm and dashboard.srm.observed_treatment_share < 0.45
    assert dashboard.devices_analysed < cohort.devices_analysed


def test_the_rule_and_the_readout_count_the_same_randomisation_units(aa_case):
    # One quality check for the readout, the lean row and the right call: under household
    # randomisation all three count households.
    from sim.decide.evidence import truth_evidence

    case = aa_case.with_knobs({"experiment.unit": "household"})
    result = simulate(case, seed=3, devices=6_000, days=7)
    split, _ = quality_checks(result)
    assert split == analyse(result).srm == lean_report(result).srm
    assert truth_evidence(result).quality_failures == ()


def test_household_randomisation_clusters_the_cuped_errors_in_the_lean_readout(aa_case):
    case = aa_case.with_knobs({"experiment.unit": "household"})
    result = simulate(case, seed=2, devices=6_000, days=7)
    from sim.analysis import cuped_lift
    from sim.readout.lean import analysis_population

    seen = analysis_population(result)
    clustered = cuped_lift(seen, "sessions", "pre_sessions", cluster="household_id")
    assert lean_report(result).cuped["sessions"] == analyse(result).cuped["sessions"] == clustered
    assert clustered.abs_ci != cuped_lift(seen, "sessions", "pre_sessions").abs_ci


def test_the_drift_densities_are_the_devices_the_reading_compared():
    # Read at day 14 of a 28-day run: the chart's shifts of the means are the reading's own,
    # not the whole run's (the Analyse page once drew every device at day 28 beside a day-14
    # reading).
    from sim.case.library import load_case
    from sim.readout.lean import DRIFT_SAMPLES, analysis_population, drift_reading
    from sim.readout.report import run_through

    full = simulate(load_case("firmware_drift"), seed=2, devices=6_000)
    early = drift_reading(analysis_population(run_through(full, 14)), "sessions", 0.05)
    late = drift_reading(analysis_population(full), "sessions", 0.05)
    for drift in (early, late):
        means = dict(zip(DRIFT_SAMPLES, drift.densities.means, strict=True))
        sizes = dict(zip(DRIFT_SAMPLES, drift.densities.sizes, strict=True))
        assert means["updated", "after"] - means["updated", "before"] == pytest.approx(
            drift.shift_on_build)
        assert means["control", "after"] - means["control", "before"] == pytest.approx(
            drift.shift_control)
        assert sizes["updated", "after"] == drift.updated_devices
        assert sizes["control", "before"] == drift.control_devices
    # The updated devices' mean at day 14 is not yet the whole run's (1.5 against 2.0 here).
    assert abs(early.shift_on_build - late.shift_on_build) > 0.2
