"""The study's sensitivity to failing parallel trends, and its value for money at the ends.

The robust sets themselves are tested against R HonestDiD in tests/test_honest_did.py; here,
what the study adds: the average post-start target, the interval under exact parallel trends
by hand from the event study's covariance, and the benefit-cost ratio at each robust end.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellby.analysis.trend_sensitivity import (
    SENSITIVITY_COLUMNS,
    robust_value_for_money,
    trend_sensitivity,
)
from wellby.config.typed import TrendSensitivity
from wellby.estimators.event_study import fit_event_study

from .test_event_study import simulate

ON = TrendSensitivity(enabled=True, mbar=[0.0, 0.5, 1.0], m=[0.0, 0.05], periods=False)
EACH = TrendSensitivity(enabled=True, mbar=[0.0, 1.0], m=[0.0], periods=True)


@pytest.fixture(scope="module")
def event_study():
    data = simulate(np.random.default_rng(5))
    return fit_event_study(data, "y", "unit", "year", "cohort", cluster="area")


def test_the_average_post_start_effect_and_its_parallel_trends_interval(event_study):
    table = trend_sensitivity(event_study, "y", ON, alpha=0.05)
    assert list(table.columns) == SENSITIVITY_COLUMNS
    assert set(table["target"]) == {"average"} and set(table["estimator"]) == {"event_study"}
    assert table.groupby("method")["value"].apply(list).to_dict() == {
        "relative_magnitudes": [0.0, 0.5, 1.0], "smoothness": [0.0, 0.05]}
    # By hand: the mean of the post-start coefficients and its variance w' V w.
    post = [i for i, e in enumerate(event_study.rel_times) if e >= 0]
    keep = [i for i, e in enumerate(event_study.rel_times) if e != event_study.reference]
    cov = np.asarray(event_study.cov)
    where = [keep.index(i) for i in post]
    w = np.full(len(post), 1 / len(post))
    mean = float(np.mean([event_study.coefficients[i].estimate for i in post]))
    se = float(np.sqrt(w @ cov[np.ix_(where, where)] @ w))
    z = stats.norm.ppf(0.975)
    row = table.iloc[0]
    assert row["estimate"] == pytest.approx(mean, rel=1e-10)
    assert (row["original_lb"], row["original_ub"]) == pytest.approx((mean - z * se,
                                                                      mean + z * se))
    # Larger bounds, wider sets; the breakdown is one number per method.
    rm = table[table["method"] == "relative_magnitudes"]
    assert (np.diff(rm["ub"] - rm["lb"]) > 0).all()
    assert table.groupby("method")["breakdown"].nunique(dropna=False).eq(1).all()


def test_no_event_study_or_switched_off_gives_an_empty_table(event_study):
    assert trend_sensitivity(None, "y", ON, 0.05).empty
    off = TrendSensitivity(enabled=False, mbar=[], m=[], periods=False)
    assert list(trend_sensitivity(event_study, "y", off, 0.05).columns) == SENSITIVITY_COLUMNS


def test_the_bcr_at_each_robust_end_and_where_it_stops_paying():
    sensitivity = pd.DataFrame({
        "outcome": "ls", "estimator": "event_study", "method": "relative_magnitudes",
        "parameter": "Mbar",
        "value": [0.0, 0.5, 1.0], "lb": [0.12, 0.09, 0.02], "ub": [0.2, 0.25, 0.3]})
    cba = pd.DataFrame({"scenario": ["low", "central", "high"], "bcr": [1.0, 1.5, 2.0]})
    robust = robust_value_for_money(sensitivity, cba, "ls", estimate=0.15)
    # BCR is proportional to the effect: 1.5 x lb / 0.15 = 10 x lb.
    assert robust["bcr_lb"].tolist() == pytest.approx([1.2, 0.9, 0.2])
    assert robust["bcr_ub"].tolist() == pytest.approx([2.0, 2.5, 3.0])
    assert robust["pays_at_lb"].tolist() == [True, False, False]
    assert (robust["breakdown_pays"] == 0.0).all()
    never = robust_value_for_money(sensitivity.assign(lb=0.01), cba, "ls", estimate=0.15)
    assert never["breakdown_pays"].isna().all()
    always = robust_value_for_money(sensitivity.assign(lb=0.2), cba, "ls", estimate=0.15)
    assert (always["breakdown_pays"] == 1.0).all()
    assert robust_value_for_money(sensitivity, cba, "other", estimate=0.15).empty
    # The case valued Callaway-Sant'Anna: the event study's sets are not its own.
    assert robust_value_for_money(sensitivity, cba, "ls", estimate=0.15,
                                  estimator="callaway_santanna").empty


def test_callaway_santanna_with_a_universal_base_period_has_its_own_sets():
    from wellby.estimators.callaway_santanna import fit_callaway_santanna

    data = simulate(np.random.default_rng(5))
    fit = fit_callaway_santanna(data, "y", "unit", "year", "cohort", cluster="area",
                                base_period="universal")
    table = trend_sensitivity(fit, "y", ON, 0.05, estimator="callaway_santanna")
    assert set(table["estimator"]) == {"callaway_santanna"}
    # By hand from the fit's event-time effects and their covariance (reference -1 out).
    dynamic = fit.aggregation("dynamic")
    times = dynamic["rel_time"].to_numpy()
    post = times >= 0
    w = np.full(post.sum(), 1 / post.sum())
    mean = float(dynamic["estimate"].to_numpy()[post].mean())
    se = float(np.sqrt(w @ fit.dynamic_cov[np.ix_(post, post)] @ w))
    z = stats.norm.ppf(0.975)
    assert table.iloc[0]["estimate"] == pytest.approx(mean, rel=1e-10)
    assert table.iloc[0]["original_lb"] == pytest.approx(mean - z * se, rel=1e-8)
    # Its standard errors are the square roots of the covariance's diagonal (the universal
    # base period, -1, is zero by construction: no standard error).
    reported = dynamic["std_error"].to_numpy()
    shown = ~np.isnan(reported)
    assert np.sqrt(np.diag(fit.dynamic_cov))[shown] == pytest.approx(reported[shown],
                                                                     rel=1e-10)
    assert (times[~shown] == -1).all()


def test_each_post_period_on_request_with_the_average_still_the_one_valued(event_study):
    table = trend_sensitivity(event_study, "y", EACH, alpha=0.05)
    post = [(i, e) for i, e in enumerate(event_study.rel_times) if e >= 0]
    targets = ["average", *[f"post {k + 1}" for k in range(len(post))]]
    assert list(dict.fromkeys(table["target"])) == targets
    # Each period's interval under exact parallel trends is its coefficient +- z se.
    z = stats.norm.ppf(0.975)
    for k, (i, e) in enumerate(post):
        row = table[(table["target"] == f"post {k + 1}")].iloc[0]
        coefficient = event_study.coefficients[i]
        assert row["rel_time"] == e
        assert row["original_lb"] == pytest.approx(coefficient.estimate
                                                   - z * coefficient.std_error, rel=1e-8)
    assert table.groupby(["method", "target"])["breakdown"].nunique(dropna=False).eq(1).all()
    average_only = trend_sensitivity(event_study, "y", ON, alpha=0.05)
    first = table[(table["target"] == "average") & (table["method"] == "relative_magnitudes")]
    assert first["original_lb"].iloc[0] == pytest.approx(average_only["original_lb"].iloc[0])
    cba = pd.DataFrame({"scenario": ["central"], "bcr": [1.5]})
    robust = robust_value_for_money(table.assign(outcome="y"), cba, "y", estimate=0.3)
    assert len(robust) == 3  # the average's rows only: 2 Mbar + 1 M
