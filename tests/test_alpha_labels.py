"""``models.alpha`` drives every interval and its label: figures and the CBA sensitivity."""

import numpy as np
import pandas as pd
import pytest

from wellby.analysis.describe import trends_plot
from wellby.analysis.subgroups import forest_plot
from wellby.valuation.uncertainty import one_way_sensitivity

from .test_valuation import demo_like


def test_trends_intervals_and_label_follow_alpha():
    table = pd.DataFrame({"outcome": "ls", "group": ["programme", "comparison"] * 2,
                          "wave": [2016, 2016, 2017, 2017], "mean": [7.0, 7.1, 7.3, 7.2],
                          "sd": [2.0] * 4, "n": [100] * 4})
    figure = trends_plot(table, "ls", "life satisfaction", alpha=0.10)
    ax = figure.axes[0]
    assert "90% CI" in ax.get_ylabel()
    # Error bar half-widths: 1.6449 * 2 / sqrt(100), written out (the 90% normal quantile).
    segments = ax.containers[0].lines[2][0].get_segments()
    half = (segments[0][1][1] - segments[0][0][1]) / 2
    assert half == pytest.approx(1.644854 * 0.2, rel=1e-5)


def test_forest_plot_label_follows_alpha():
    table = pd.DataFrame({"estimator": "twfe", "term": "att", "subgroup": "gender",
                          "level": ["male", "female"], "estimate": [0.2, 0.1],
                          "ci_low": [0.0, -0.1], "ci_high": [0.4, 0.3]})
    assert "99% CI" in forest_plot(table, "ls", alpha=0.01).axes[0].get_xlabel()


def test_sensitivity_moves_the_effect_over_its_interval_at_alpha():
    inputs = demo_like()
    row = one_way_sensitivity(inputs, 0.1, 0.02, alpha=0.10).set_index("input").loc["effect"]
    assert row["low_value"] == pytest.approx(0.1 - 1.644854 * 0.02, rel=1e-6)
    assert row["high_value"] == pytest.approx(0.1 + 1.644854 * 0.02, rel=1e-6)
    assert "90% interval" in row["description"]
    at_95 = one_way_sensitivity(inputs, 0.1, 0.02, alpha=0.05).set_index("input").loc["effect"]
    assert at_95["high_value"] == pytest.approx(0.1 + 1.959964 * 0.02, rel=1e-6)
    assert np.isclose(at_95["npv_base"], row["npv_base"])
