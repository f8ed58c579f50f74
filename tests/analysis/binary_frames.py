"""Hand-built 0/1 experiment frames shared by the analysis tests."""

import pandas as pd


def binary_frame(x_control, n_control, x_treatment, n_treatment, column="converted"):
    values = (
        [1] * x_control
        + [0] * (n_control - x_control)
        + [1] * x_treatment
        + [0] * (n_treatment - x_treatment)
    )
    arms = ["control"] * n_control + ["treatment"] * n_treatment
    return pd.DataFrame({"arm": arms, column: values})
