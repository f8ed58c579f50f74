"""Tests for sim.analysis.compliance.

References: the Wald estimator equals just-identified two-stage least squares with assignment
as the instrument (Angrist & Pischke, "Mostly Harmless Econometrics", section 4.1.2), so the
point estimate is checked against statsmodels' IV2SLS and the delta-method standard error
against a hand-written heteroskedasticity-robust 2SLS sandwich (HC0), which agree up to
O(1/n) degrees-of-freedom factors.
"""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.sandbox.regression.gmm import IV2SLS

from sim.analysis import compliance
from sim.analysis.compliance import itt_vs_installed
from sim.errors import DataError


def test_docstring_examples_run():
    assert doctest.testmod(compliance).failed == 0


def simulate(seed=9, n=6000, install_rate=0.7, effect=2.0, control_leak=0.05):
    rng = np.random.default_rng(seed)
    assigned = np.repeat([0.0, 1.0], n // 2)
    frailty = rng.normal(0, 1, n)
    # Devices with low "frailty" install more often and also use the app more: installed
    # versus not-installed is confounded, assignment is not.
    install_probability = np.where(assigned == 1, install_rate, control_leak) * (
        1 + 0.3 * np.tanh(-frailty)
    )
    installed = (rng.random(n) < np.clip(install_probability, 0, 1)).astype(float)
    minutes = 30 - 3 * frailty + effect * installed + rng.normal(0, 4, n)
    return pd.DataFrame(
        {
            "arm": np.where(assigned == 1, "treatment", "control"),
            "installed": installed,
            "minutes": minutes,
        }
    )


def test_wald_estimate_equals_two_stage_least_squares_and_robust_se():
    frame = simulate()
    result = itt_vs_installed(frame, "minutes", "installed")
    y = frame["minutes"].to_numpy()
    d = frame["installed"].to_numpy()
    z = (frame["arm"] == "treatment").to_numpy(float)
    exog = np.column_stack([np.ones_like(d), d])
    instruments = np.column_stack([np.ones_like(z), z])
    two_stage = IV2SLS(y, exog, instruments).fit()
    assert result.effect_on_installed == pytest.approx(two_stage.params[1], rel=1e-9)
    # Hand ratio of differences.
    itt_y = y[z == 1].mean() - y[z == 0].mean()
    itt_d = d[z == 1].mean() - d[z == 0].mean()
    assert result.effect_on_installed == pytest.approx(itt_y / itt_d, rel=1e-12)
    assert result.install_share_diff == pytest.approx(itt_d)
    # Robust 2SLS sandwich: (Z'X)^-1 (sum u^2 z z') (X'Z)^-1.
    beta = np.linalg.solve(instruments.T @ exog, instruments.T @ y)
    residuals = y - exog @ beta
    bread = np.linalg.inv(instruments.T @ exog)
    meat = (instruments * residuals[:, None] ** 2).T @ instruments
    se_robust = math.sqrt((bread @ meat @ bread.T)[1, 1])
    z_crit = stats.norm.isf(0.025)
    half_width = (result.effect_on_installed_ci[1] - result.effect_on_installed_ci[0]) / 2
    assert half_width / z_crit == pytest.approx(se_robust, rel=5e-3)


def test_effect_on_installed_recovers_the_true_effect_while_itt_is_diluted():
    result = itt_vs_installed(simulate(seed=10, n=20_000), "minutes", "installed")
    low, high = result.effect_on_installed_ci
    assert low < 2.0 < high
    assert result.itt < result.effect_on_installed
    assert result.itt == pytest.approx(2.0 * result.install_share_diff, abs=0.3)
    assert "devices that installed" in result.reading


def test_compliance_input_errors():
    frame = simulate(n=200)
    with pytest.raises(DataError, match="not binary"):
        itt_vs_installed(frame.assign(installed=2.0), "minutes", "installed")
    with pytest.raises(DataError, match="do not differ"):
        itt_vs_installed(frame.assign(installed=1.0), "minutes", "installed")
    with pytest.raises(DataError, match="no column 'installs'"):
        itt_vs_installed(frame, "minutes", "installs")
