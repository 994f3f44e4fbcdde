"""Matched or reweighted comparison areas: MatchIt, ebal and simulated references.

References (tests/results/comparison/, see matchit_lalonde.R for the calls):
- MatchIt 4.5.1 (with upstream's fix of its nearest-neighbour C++ code, see the script) on
  its ``lalonde`` data: propensity scores, matching weights of seven nearest-neighbour
  cases and ``summary()`` balance statistics;
- ``ebal`` 1.0.0 (PyPI, test-only) for entropy balancing weights, and the defining
  properties of entropy balancing (exact balance, minimum KL divergence);
- simulated areas whose programme membership depends on deprivation.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space

from wellby.analysis.comparison import (
    DROPPED,
    ComparisonResult,
    area_features,
    balance_table,
    compare_areas,
    entropy_balance,
    inverse_probability_weights,
    match_nearest,
    observation_weights,
    propensity_scores,
)
from wellby.errors import DataError
from wellby.report.balance_figures import love_plot

RESULTS = Path(__file__).parent / "results" / "comparison"
COVARIATES = ["age", "educ", "race_hispan", "race_white", "married", "nodegree", "re74",
              "re75"]
CASES = {
    "nearest_replace": {"replace": True},
    "nearest_replace_caliper": {"replace": True, "caliper": 0.1},
    "nearest_replace_ratio2": {"replace": True, "ratio": 2},
    "nearest_noreplace": {"replace": False},
    "nearest_noreplace_ratio2_caliper": {"replace": False, "ratio": 2, "caliper": 0.1},
    "mahalanobis_replace": {"replace": True, "distance": "mahalanobis"},
    "mahalanobis_noreplace": {"replace": False, "distance": "mahalanobis"},
}
# MatchIt's summary() names -> wellby's features (race: all three levels, as MatchIt shows)
BALANCE_NAMES = {"distance": "propensity", "age": "age", "educ": "educ",
                 "raceblack": "race_black", "racehispan": "race_hispan",
                 "racewhite": "race_white", "married": "married", "nodegree": "nodegree",
                 "re74": "re74", "re75": "re75"}


@pytest.fixture(scope="module")
def lalonde():
    return pd.read_csv(RESULTS / "lalonde.csv")


@pytest.fixture(scope="module")
def features(lalonde):
    """lalonde as areas: each unit an area with one survey row in wave 1."""
    areas = lalonde.rename(columns={"id": "area", "treat": "cohort"})
    survey = pd.DataFrame({"area": lalonde["id"], "wave": 1, "re78": lalonde["re78"]})
    return area_features(survey, areas, area="area", cohort="cohort", wave="wave",
                         attributes=["age", "educ", "race", "married", "nodegree", "re74",
                                     "re75"])


@pytest.fixture(scope="module")
def reference_weights():
    return pd.read_csv(RESULTS / "matchit_lalonde_weights.csv")


@pytest.fixture(scope="module")
def reference_balance():
    return pd.read_csv(RESULTS / "matchit_lalonde_balance.csv")


def _case(reference: pd.DataFrame, case: str, index: pd.Index) -> pd.DataFrame:
    return reference[reference["case"] == case].set_index("id").reindex(index)


def test_area_features_encode_lalonde_as_matchit_does(features, lalonde):
    assert features.index.name == "area"
    assert features["treated"].sum() == 185 and (~features["treated"]).sum() == 429
    assert features.columns.tolist() == ["treated", "age", "educ", "race_hispan",
                                         "race_white", "married", "nodegree", "re74", "re75"]
    assert (features["race_white"].to_numpy() == (lalonde["race"] == "white")).all()
    assert features.attrs[DROPPED] == []


def test_propensity_scores_equal_glm(features, reference_weights):
    ours = propensity_scores(features, COVARIATES)
    theirs = _case(reference_weights, "nearest_replace", features.index)["distance"]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_matching_weights_equal_matchit(case, features, reference_weights):
    result = match_nearest(features, COVARIATES, **CASES[case])
    expected = _case(reference_weights, case, features.index)
    np.testing.assert_allclose(result.weights.to_numpy(), expected["weight"].to_numpy(),
                               rtol=0, atol=1e-10)
    unmatched = expected.index[(expected["treat"] == 1) & (expected["weight"] == 0)]
    assert result.dropped_treated == unmatched.tolist()


def test_caliper_drops_treated_as_matchit(features):
    result = match_nearest(features, COVARIATES, replace=False, ratio=2, caliper=0.1)
    assert len(result.dropped_treated) == 74
    assert result.order == "largest"
    score = result.distance
    assert result.caliper == pytest.approx(0.1 * score.std(ddof=1), rel=1e-12)
    for treated, row in result.match_matrix.dropna(how="all").iterrows():
        gaps = (score[row.dropna().tolist()] - score[treated]).abs()
        assert (gaps <= result.caliper).all()


def test_mahalanobis_tie_goes_to_first_in_data(features):
    # NSW89 (age 21) is as far from PSID383 (19) as from PSID407 (23), all else equal;
    # rounding makes PSID407 a hair closer, MatchIt takes the first in the data.
    result = match_nearest(features, COVARIATES, distance="mahalanobis", replace=True)
    assert result.match_matrix.loc["NSW89", 1] == "PSID383"


def test_equal_score_gaps_go_to_the_lower_score():
    # MatchIt's nn_matchC_vec looks left first and keeps the left neighbour on a tie (<=).
    features = pd.DataFrame({"treated": [False, True, False], "x": [0.0, 1.0, 2.0]},
                            index=pd.Index(["low", "mid", "high"], name="area"))
    score = pd.Series([0.25, 0.5, 0.75], index=features.index)
    result = match_nearest(features, ["x"], distance=score)
    assert result.match_matrix.loc["mid", 1] == "low"
    assert result.weights.tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("case", CASES)
def test_balance_table_equals_matchit_summary(case, features, reference_weights,
                                              reference_balance):
    expected_weights = _case(reference_weights, case, features.index)
    table_features = features.assign(
        race_black=1.0 - features["race_hispan"] - features["race_white"],
        propensity=propensity_scores(features, COVARIATES))
    names = [n for n in BALANCE_NAMES
             if not (n == "distance" and case.startswith("mahalanobis"))]
    ours = balance_table(table_features, [BALANCE_NAMES[n] for n in names],
                         expected_weights["weight"]).set_index("covariate")
    reference = reference_balance[reference_balance["case"] == case]
    for sample, suffix in (("all", "before"), ("matched", "after")):
        theirs = reference[reference["sample"] == sample].set_index("covariate").loc[names]
        theirs.index = [BALANCE_NAMES[n] for n in names]
        treated = ours["mean_treated"] if suffix == "before" else ours["mean_treated_after"]
        pairs = [(treated, theirs["means_treated"]),
                 (ours[f"mean_comparison_{suffix}"], theirs["means_control"]),
                 (ours[f"smd_{suffix}"], theirs["std_mean_diff"]),
                 (ours[f"variance_ratio_{suffix}"], theirs["var_ratio"])]
        tolerance = 1e-6 if "propensity" in ours.index else 1e-9
        for mine, matchit in pairs:
            np.testing.assert_allclose(mine.to_numpy(float), matchit.to_numpy(float),
                                       rtol=tolerance, atol=tolerance, equal_nan=True)


def test_balance_table_binary_convention(features):
    table = balance_table(features, ["married", "age"],
                          pd.Series(1.0, index=features.index)).set_index("covariate")
    treated = features.loc[features["treated"], "married"]
    p = treated.mean()
    control_mean = features.loc[~features["treated"], "married"].mean()
    assert table.loc["married", "smd_before"] == pytest.approx(
        (p - control_mean) / np.sqrt(p * (1 - p)), rel=1e-12)
    assert np.isnan(table.loc["married", "variance_ratio_before"])
    assert table.loc["married", "binary"] and not table.loc["age", "binary"]


def test_ipw_weights_are_att_odds_of_glm_scores(features, reference_weights):
    p = _case(reference_weights, "nearest_replace", features.index)["distance"].to_numpy()
    treat = features["treated"].to_numpy()
    odds = p[~treat] / (1 - p[~treat])
    ours = inverse_probability_weights(features, COVARIATES).to_numpy()
    assert (ours[treat] == 1).all()
    np.testing.assert_allclose(ours[~treat], odds * len(odds) / odds.sum(), rtol=1e-6)
    assert ours[~treat].sum() == pytest.approx((~treat).sum())


def test_entropy_weights_equal_ebal(features):
    ebal = pytest.importorskip("ebal")
    treat = features["treated"].to_numpy()
    x = features[COVARIATES].to_numpy(float)
    fit = ebal.ebal_bin(PCA=False, constraint_tolerance=1e-11, max_iterations=200,
                        print_level=-1)
    ref = fit.ebalance(treat.astype(int), x, np.zeros(len(treat)))
    assert ref["converged"]
    theirs = ref["w"][~treat]
    ours = entropy_balance(features, COVARIATES).to_numpy()[~treat]
    np.testing.assert_allclose(ours / ours.sum(), theirs / theirs.sum(), rtol=1e-6)


@pytest.mark.parametrize("moments", [1, 2])
def test_entropy_weights_balance_exactly_with_least_divergence(features, moments):
    w = entropy_balance(features, COVARIATES, moments=moments)
    treat = features["treated"].to_numpy()
    wc = w.to_numpy()[~treat]
    assert (w.to_numpy()[treat] == 1).all() and (wc > 0).all()
    assert wc.sum() == pytest.approx(len(wc), rel=1e-12)
    x = features[COVARIATES].to_numpy(float)
    target = x[treat].mean(axis=0)
    np.testing.assert_allclose(wc @ x[~treat] / wc.sum(), target, rtol=1e-12, atol=1e-8)
    if moments == 2:
        continuous = [j for j, c in enumerate(COVARIATES) if features[c].nunique() > 2]
        x2 = x[:, continuous] ** 2
        np.testing.assert_allclose(wc @ x2[~treat] / wc.sum(), x2[treat].mean(axis=0),
                                   rtol=1e-10)
    # Minimum KL divergence from uniform among balancing weights: moving along any
    # direction that keeps the constraints raises it.
    q = wc / wc.sum()
    constraints = np.column_stack([np.ones(len(q)), x[~treat]])
    if moments == 2:
        constraints = np.column_stack([constraints, x2[~treat]])
    directions = null_space(constraints.T)
    rng = np.random.default_rng(7)

    def divergence(p):
        return float(np.sum(p * np.log(p * len(p))))

    base = divergence(q)
    for _ in range(5):
        d = directions @ rng.normal(size=directions.shape[1])
        step = 0.5 * q.min() / np.abs(d).max()
        assert divergence(q + step * d) > base
        assert divergence(q - step * d) > base


def test_entropy_balance_infeasible_names_covariate(features):
    shifted = features.copy()
    shifted.loc[shifted["treated"], "educ"] = 99.0
    with pytest.raises(DataError, match="educ"):
        entropy_balance(shifted, COVARIATES)


def test_entropy_balance_at_the_edge_of_the_range_says_so():
    """Every programme area urban and some comparison areas not: the mean, 1, is the
    comparison areas' maximum, which positive weights cannot reach."""
    frame = pd.DataFrame({"treated": [True] * 3 + [False] * 4,
                          "urban": [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]})
    with pytest.raises(DataError, match=r"urban \(1\) is not strictly inside the comparison "
                                        r"areas' range \(0 to 1\)"):
        entropy_balance(frame, ["urban"])


def test_entropy_balance_jointly_out_of_reach_names_plain_columns():
    """Each mean inside its own range, but the comparison areas lie on the line a = b and
    the programme areas' means (0.7, 0.3) off it: the message lists the columns by name."""
    frame = pd.DataFrame({"treated": [True, True] + [False] * 5,
                          "a": [0.9, 0.5, 0.0, 0.25, 0.5, 0.75, 1.0],
                          "b": [0.1, 0.5, 0.0, 0.25, 0.5, 0.75, 1.0]})
    with pytest.raises(DataError, match="did not converge") as error:
        entropy_balance(frame, ["a", "b"])
    assert "np.str_" not in str(error.value)
    assert re.search(r"\['a', 'b'\]|\['a'\]|\['b'\]", str(error.value))


def test_separation_is_reported(features):
    separated = features.assign(flag=features["treated"].astype(float))
    with pytest.raises(DataError, match=r"flag.*entropy balancing"):
        propensity_scores(separated, ["age", "flag"])


def _simulated_areas(seed: int = 2026, n: int = 400) -> pd.DataFrame:
    """Programme areas are the more deprived: P(programme) = logistic(-1.2 + 1.3 dep)."""
    rng = np.random.default_rng(seed)
    deprivation = rng.normal(size=n)
    urban = rng.random(n) < 0.6
    treated = rng.random(n) < 1 / (1 + np.exp(-(-1.2 + 1.3 * deprivation + 0.3 * urban)))
    return pd.DataFrame({"treated": treated, "deprivation": deprivation,
                         "urban": urban.astype(float)},
                        index=pd.Index([f"A{i:03d}" for i in range(n)], name="area"))


@pytest.mark.parametrize("method, options", [
    ("nearest", {"replace": True}),
    ("nearest", {"replace": True, "caliper": 0.2}),
    ("mahalanobis", {"replace": True}),
    ("entropy", {}),
    ("ipw", {"n": 3000}),
])
def test_simulated_deprivation_is_balanced(method, options):
    # IPW balances only in expectation and its odds weights are noisy under selection this
    # strong (|SMD| of 0.1-0.3 at 400 areas): it is checked on more areas (consistency).
    options = dict(options)
    features = _simulated_areas(n=options.pop("n", 400))
    result = compare_areas(features, ["deprivation", "urban"], method=method, **options)
    balance = result.balance.set_index("covariate")
    assert abs(balance.loc["deprivation", "smd_before"]) > 0.8
    assert abs(balance.loc["deprivation", "smd_after"]) < 0.1
    # urban enters the propensity score weakly: matching balances it only roughly
    assert abs(balance.loc["urban", "smd_after"]) < 0.2
    assert isinstance(result, ComparisonResult)
    tidy = result.tidy()
    assert tidy.columns.tolist() == ["area", "treated", "weight", "matched"]
    assert (tidy["matched"] == (tidy["weight"] > 0)).all()


def _area_inputs():
    areas = pd.DataFrame({"area": ["a1", "a2", "a3", "a4", "a5"],
                          "cohort": [2018, 0, 2019, None, 0],
                          "deprivation": [30.0, 12.0, 25.0, 8.0, np.nan],
                          "region": ["North", "South", "North", "Midlands", "South"]})
    survey = pd.DataFrame({"area": ["a1", "a1", "a2", "a3", "a4", "a1", "a2", "a3", "a4"],
                           "wave": [2016, 2016, 2016, 2016, 2016, 2018, 2018, 2018, 2018],
                           "life_sat": [6.0, 8.0, 7.0, 5.0, 9.0, 1.0, 1.0, 1.0, 1.0]})
    return areas, survey


def test_area_features_encode_drop_and_baseline():
    areas, survey = _area_inputs()
    features = area_features(survey, areas, area="area", cohort="cohort", wave="wave",
                             attributes=["deprivation", "region"],
                             baseline_outcomes=["life_sat"])
    assert features.attrs[DROPPED] == ["a5"]  # no survey rows, missing deprivation
    assert features.columns.tolist() == ["treated", "deprivation", "region_North",
                                         "region_South", "baseline_life_sat"]
    assert features["treated"].tolist() == [True, False, True, False]
    assert features.loc["a4", ["region_North", "region_South"]].tolist() == [0.0, 0.0]
    assert features["baseline_life_sat"].tolist() == [7.0, 7.0, 5.0, 9.0]
    later = area_features(survey, areas, area="area", cohort="cohort", wave="wave",
                          attributes=["deprivation"], baseline_outcomes=["life_sat"],
                          baseline_waves=[2016, 2018])
    assert later.loc["a1", "baseline_life_sat"] == pytest.approx(5.0)


def test_area_features_missing_feature_names_count_and_column():
    areas, survey = _area_inputs()
    areas.loc[1, "deprivation"] = np.nan
    with pytest.raises(DataError, match=r"1 area\(s\) have no value") as error:
        area_features(survey, areas, area="area", cohort="cohort", wave="wave",
                      attributes=["deprivation"])
    assert error.value.column == "deprivation"
    gap = survey[~((survey["area"] == "a3") & (survey["wave"] == 2016))]
    with pytest.raises(DataError, match=r"1 area\(s\) have no survey rows with life_sat"):
        area_features(gap, _area_inputs()[0], area="area", cohort="cohort", wave="wave",
                      attributes=["region"], baseline_outcomes=["life_sat"])


def test_observation_weights_carry_area_weights():
    features = _simulated_areas()
    result = compare_areas(features, ["deprivation"], method="nearest", replace=False)
    rows = pd.DataFrame({"area": np.repeat(features.index[:20], 2), "w": 2.0})
    weights = observation_weights(rows, result, area="area", weight="w")
    expected = result.weights.set_index("area")["weight"].reindex(rows["area"]).to_numpy()
    np.testing.assert_allclose(weights.to_numpy(), 2.0 * expected)
    with pytest.raises(DataError, match="no comparison weight"):
        observation_weights(pd.DataFrame({"area": ["zz"]}), result, area="area")


def test_love_plot_draws_before_after_and_threshold(features):
    weights = entropy_balance(features, COVARIATES)
    figure = love_plot(balance_table(features, COVARIATES, weights))
    ax = figure.axes[0]
    labels = {round(tick): label.get_text()
              for tick, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}
    assert [labels[y] for y in sorted(labels, reverse=True)] == COVARIATES  # first on top
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed and dashed[0].get_xdata()[0] == pytest.approx(0.1)
