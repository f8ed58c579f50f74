"""Pooled against mix-adjusted differences: Simpson's paradox on a published example.

Reference: Charig, Webb, Payne and Wickham (1986), "Comparison of treatment of renal calculi by
open surgery, percutaneous nephrolithotomy, and extracorporeal shockwave lithotripsy", BMJ
292:879-882 (the kidney-stone example of Simpson's paradox): open surgery (A) succeeded in
81/87 small and 192/263 large stones, PCNL (B) in 234/270 small and 55/80 large. A wins in each
stratum and loses pooled (273/350 against 289/350).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis.mix import stratified_difference
from sim.errors import DataError


def _rows(arm: str, stratum: str, successes: int, total: int) -> pd.DataFrame:
    return pd.DataFrame({"arm": arm, "stones": stratum,
                         "success": [1] * successes + [0] * (total - successes)})


KIDNEY = pd.concat([
    _rows("control", "small", 234, 270), _rows("control", "large", 55, 80),
    _rows("treatment", "small", 81, 87), _rows("treatment", "large", 192, 263),
], ignore_index=True)


def test_the_kidney_stone_reversal():
    result = stratified_difference(KIDNEY, "success", "stones")
    assert result.pooled == pytest.approx(273 / 350 - 289 / 350)  # A loses pooled: -4.6 points
    by_stratum = {s.stratum: s for s in result.strata}
    assert by_stratum["small"].difference == pytest.approx(81 / 87 - 234 / 270)
    assert by_stratum["large"].difference == pytest.approx(192 / 263 - 55 / 80)
    # Direct standardisation on both groups together: 357 small and 343 large of 700.
    expected = (357 / 700) * (81 / 87 - 234 / 270) + (343 / 700) * (192 / 263 - 55 / 80)
    assert result.adjusted == pytest.approx(expected)
    assert result.reversal and result.adjusted > 0 > result.pooled
    assert by_stratum["small"].treatment_share == pytest.approx(87 / 350)


def test_the_adjusted_interval_adds_the_strata_variances():
    result = stratified_difference(KIDNEY, "success", "stones")
    se = math.sqrt(sum((s.weight * s.se) ** 2 for s in result.strata))
    low, high = result.adjusted_ci
    assert (high - low) / 2 == pytest.approx(1.959964 * se, rel=1e-5)


def test_too_few_rows_in_an_arm_is_one_line():
    with pytest.raises(DataError, match="at least 2 values in each arm"):
        stratified_difference(pd.concat([KIDNEY.head(1), KIDNEY.tail(300)]), "success", "stones")
