"""Distributional value for money: WELLBYs by level with intervals, Green Book distributional
weights, and whether the programme widened or narrowed a gap between two levels."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from wellby.analysis.gaps import (
    GAP_COLUMNS,
    NARROWED,
    NO_EVIDENCE,
    WIDENED,
    effect_gap,
    gap_table,
)
from wellby.config import validate_config
from wellby.errors import ConfigError, DataError
from wellby.valuation.appraisal import benefit_schedule, cost_benefit, present_value_kernel
from wellby.valuation.distribution import SUBGROUP_VALUE_COLUMNS, subgroup_value
from wellby.valuation.distributional_weights import (
    GREEN_BOOK_ELASTICITY,
    WEIGHTED_VALUE_COLUMNS,
    configured_weights,
    distributional_weights,
    weighted_value,
)
from wellby.valuation.inputs import cba_inputs

from .conftest import minimal_config

Z_95 = 1.959964  # the standard normal's 97.5th percentile, as printed in normal tables


def inputs(**changes):
    settings = {"population": 10_000, "duration_years": 3, "first_benefit_year": 1,
                "persistence_years": 2, "drop_off": 0.5, "attribution": 0.8,
                "costs": {"0": 3e6, "1": 1e6}}
    return cba_inputs({**settings, **changes})


QUINTILES = pd.DataFrame({
    "subgroup": ["income"] * 5, "level": ["q1", "q2", "q3", "q4", "q5"],
    "estimate": [0.05, 0.10, 0.15, 0.20, 0.30], "std_error": [0.04, 0.05, 0.05, 0.06, 0.08],
    "estimator": "twfe", "term": "att", "outcome": "life_satisfaction"})
SHARES = pd.DataFrame({"subgroup": ["income"] * 5, "level": ["q1", "q2", "q3", "q4", "q5"],
                       "share": [0.3, 0.25, 0.2, 0.15, 0.1]})


# --------------------------------------------------------------------------- intervals

def test_level_intervals_are_the_estimates_normal_interval_through_the_case():
    case = inputs()
    table = subgroup_value(case, QUINTILES, SHARES)
    assert list(table.columns) == SUBGROUP_VALUE_COLUMNS
    table = table.set_index("level")
    for level, estimate, se, share in zip(QUINTILES["level"], QUINTILES["estimate"],
                                          QUINTILES["std_error"], SHARES["share"], strict=True):
        # An independent path: the year-by-year schedule and the summary of the case, run
        # for the level's persons at the interval's ends.
        level_case = dataclasses.replace(case, population=10_000 * share)
        for bound, effect in (("low", estimate - Z_95 * se), ("high", estimate + Z_95 * se)):
            wellbys = benefit_schedule(level_case, effect)["wellbys"].sum()
            central = cost_benefit(level_case, effect).set_index("scenario").loc["central"]
            assert table.loc[level, f"wellbys_{bound}"] == pytest.approx(wellbys, rel=1e-6)
            assert table.loc[level, f"benefits_pv_{bound}"] == pytest.approx(
                central["benefits_pv"], rel=1e-6)
        assert table.loc[level, "wellbys_low"] < table.loc[level, "wellbys"] < table.loc[
            level, "wellbys_high"]


def test_intervals_follow_alpha_and_stay_ordered_with_a_negative_factor():
    case = inputs(outcome="ghq12_likert", mapping={"conversion": "ghq12_likert_wellworth"})
    table = subgroup_value(case, QUINTILES.assign(outcome="ghq12_likert"), SHARES)
    assert (table["wellbys_low"] <= table["wellbys_high"]).all()
    assert (table["wellbys"] < 0).all()  # less distress is a gain; more, a loss
    wide = subgroup_value(case, QUINTILES.assign(outcome="ghq12_likert"), SHARES, alpha=0.01)
    assert ((wide["wellbys_high"] - wide["wellbys_low"])
            / (table["wellbys_high"] - table["wellbys_low"])).to_numpy() == pytest.approx(
        2.575829 / Z_95, rel=1e-6)


def test_a_level_without_a_standard_error_has_no_interval():
    table = subgroup_value(inputs(), QUINTILES.drop(columns="std_error"), SHARES)
    assert table["wellbys"].notna().all() and table["wellbys_low"].isna().all()


# --------------------------------------------------------------------------- weights

def test_weights_reproduce_the_green_books_worked_example():
    # Annex A3.13: with an elasticity of 1, £1 to someone on £20,000 is worth twice as
    # much as to someone on £40,000.
    assert distributional_weights([20_000, 40_000], elasticity=1,
                                  reference=40_000).tolist() == [2.0, 1.0]
    assert GREEN_BOOK_ELASTICITY == 1.3  # Annex A3.14


def test_weights_are_one_at_the_median_and_fall_with_income():
    incomes = pd.Series([12_000, 18_000, 25_000, 33_000, 52_000],
                        index=["q1", "q2", "q3", "q4", "q5"])
    weights = distributional_weights(incomes)
    assert list(weights.index) == list(incomes.index)
    assert weights["q3"] == 1.0
    assert (np.diff(weights.to_numpy()) < 0).all()
    assert weights["q1"] == pytest.approx((25_000 / 12_000) ** 1.3, rel=1e-12)
    steeper = distributional_weights(incomes, elasticity=2.0)
    assert steeper["q1"] / steeper["q5"] > weights["q1"] / weights["q5"]


@pytest.mark.parametrize(("args", "message"), [
    (([10, 0, 20, 30, 40],), "cba.distribution.incomes: incomes must be positive"),
    (([10, 20, 30, 40, 50], 0), "cba.distribution.elasticity"),
    (([10, 20, 30, 40, 50], 1.3, "mean"), "reference income must be 'median'"),
    (([10, 20, 30, 40, 50], 1.3, -5), "reference income must be a positive number"),
])
def test_bad_weight_inputs_name_the_key(args, message):
    with pytest.raises(ConfigError, match=message):
        distributional_weights(*args)


def test_weighted_value_by_hand():
    case = inputs()
    values = subgroup_value(case, QUINTILES, SHARES)
    weights = [2.0, 1.5, 1.0, 0.8, 0.5]
    _, costs_pv = present_value_kernel(case)
    table = weighted_value(values, "income", weights, costs_pv=costs_pv)
    assert list(table.columns) == WEIGHTED_VALUE_COLUMNS
    assert list(table["level"]) == ["q1", "q2", "q3", "q4", "q5", "total"]
    benefits = values["benefits_pv"].to_numpy()
    total = table.iloc[-1]
    assert total["benefits_pv"] == pytest.approx(benefits.sum(), rel=1e-12)
    assert total["benefits_pv_weighted"] == pytest.approx(
        sum(b * w for b, w in zip(benefits, weights, strict=True)), rel=1e-12)
    assert total["bcr_weighted"] == pytest.approx(total["benefits_pv_weighted"] / costs_pv)
    assert total["bcr"] == pytest.approx(benefits.sum() / costs_pv)
    # benefits that reach only the richest quintile are weighted down, the poorest up
    for level, lower in (("q5", True), ("q1", False)):
        only = values.assign(benefits_pv=values["benefits_pv"].where(values["level"] == level,
                                                                     0.0))
        one = weighted_value(only, "income", weights, costs_pv=costs_pv).iloc[-1]
        assert (one["bcr_weighted"] < one["bcr"]) == lower
    np.testing.assert_allclose(table["benefits_pv_weighted_low"].iloc[:5],
                               values["benefits_pv_low"] * weights)
    # weights of 1 give the unweighted case; weights by level equal weights in order
    flat = weighted_value(values, "income", [1] * 5, costs_pv=costs_pv).iloc[-1]
    assert flat["bcr_weighted"] == flat["bcr"]
    by_level = weighted_value(values, "income", dict(zip(SHARES["level"], weights,
                                                         strict=True)), costs_pv=costs_pv)
    pd.testing.assert_frame_equal(by_level, table)


def test_weighted_value_refuses_what_it_cannot_weight():
    values = subgroup_value(inputs(), QUINTILES, SHARES)
    with pytest.raises(DataError, match="no level of 'gender'"):
        weighted_value(values, "gender", [1] * 5, costs_pv=1.0)
    with pytest.raises(ConfigError, match="4 weights .* for the 5 levels"):
        weighted_value(values, "income", [1] * 4, costs_pv=1.0)
    with pytest.raises(DataError, match="no distributional weight"):
        weighted_value(values, "income", {"q1": 2.0}, costs_pv=1.0)


# --------------------------------------------------------------------------- gaps

COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}
MODELS = validate_config(minimal_config(columns=COLUMNS, models={"estimators": ["twfe"]})
                         )["models"]


def simulated(effects, seed=3, n_areas=60, per_area=20, baseline_gap=0.8):
    """Panel: areas x people x 4 waves; half the areas start at wave 3."""
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"pid": np.arange(n_areas * per_area),
                           "area": np.repeat(np.arange(n_areas), per_area)})
    people["cohort"] = np.where(people["area"] < n_areas // 2, 3, 0)
    people["qualification"] = rng.choice(["none", "degree"], size=len(people))
    people["alpha"] = rng.normal(size=len(people)) + baseline_gap * (
        people["qualification"] == "degree")
    data = people.merge(pd.DataFrame({"wave": [1, 2, 3, 4]}), how="cross")
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    effect = data["qualification"].map(effects)
    data["y"] = (data["alpha"] + 0.1 * data["wave"] + effect * data["treated"]
                 + rng.normal(scale=0.5, size=len(data))
                 + rng.normal(scale=0.3, size=n_areas)[data["area"]])
    data["qualification"] = pd.Categorical(data["qualification"],
                                           categories=["none", "degree", "unknown"])
    return data


def gap(data, **kwargs):
    return effect_gap(data, "y", subgroup_levels=data["qualification"], lower="none",
                      upper="degree", columns=COLUMNS, design="panel", models=MODELS,
                      subgroup="qualification", **kwargs)


def test_the_gap_equals_pyfixest_on_the_same_interacted_model():
    pf = pytest.importorskip("pyfixest")
    data = simulated({"degree": 0.6, "none": 0.1})
    result = gap(data)
    frame = data.assign(
        upper=(data["qualification"] == "degree").astype(int),
        treated_x_upper=lambda d: d["treated"] * d["upper"],
        wave_by_level=lambda d: d["wave"].astype(str) + "|" + d["upper"].astype(str))
    fit = pf.feols("y ~ treated + treated_x_upper | pid + wave_by_level", data=frame,
                   vcov={"CRV1": "area"})
    tidy = fit.tidy().loc["treated_x_upper"]
    assert result["estimate"] == pytest.approx(tidy["Estimate"], rel=1e-8)
    assert result["std_error"] == pytest.approx(tidy["Std. Error"], rel=1e-6)
    assert result["p_value"] == pytest.approx(tidy["Pr(>|t|)"], rel=1e-6)
    assert result["ci_low"] == pytest.approx(tidy["2.5%"], rel=1e-6)
    assert result["ci_high"] == pytest.approx(tidy["97.5%"], rel=1e-6)
    assert result["n_obs"] == fit._N and result["n_clusters"] == 60


def test_the_gap_is_the_difference_of_the_stratified_effects_and_the_baseline_gap_by_hand():
    data = simulated({"degree": 0.6, "none": 0.1})
    result = gap(data)
    pre = data[(data["cohort"] > 0) & (data["wave"] < data["cohort"])]
    means = pre.groupby("qualification", observed=True)["y"].mean()
    assert result["baseline_gap"] == pytest.approx(means["degree"] - means["none"], rel=1e-12)


def test_a_gain_only_for_the_better_off_is_recovered_and_widens_the_gap():
    result = gap(simulated({"degree": 1.0, "none": 0.0}))
    assert result["estimate"] == pytest.approx(1.0, abs=0.15)
    assert result["ci_low"] <= 1.0 <= result["ci_high"]
    assert result["baseline_gap"] > 0.5
    assert result["verdict"] == WIDENED


def test_a_gain_for_the_worse_off_narrows_it_and_equal_gains_leave_it():
    narrowed = gap(simulated({"degree": 0.0, "none": 1.0}))
    assert narrowed["estimate"] == pytest.approx(-1.0, abs=0.15)
    assert narrowed["verdict"] == NARROWED
    same = gap(simulated({"degree": 0.5, "none": 0.5}, seed=11))
    assert same["verdict"] == NO_EVIDENCE


def test_the_gap_table_covers_every_pair_and_outcome():
    data = simulated({"degree": 1.0, "none": 0.0})
    data["y2"] = data["y"] * 2
    table = gap_table(data, ["y", "y2"], gaps=[{"subgroup": "qualification",
                                                "lower": "none", "upper": "degree"}],
                      subgroups={"qualification": {}}, columns=COLUMNS, design="panel",
                      models=MODELS)
    assert list(table.columns) == GAP_COLUMNS
    assert list(table["outcome"]) == ["y", "y2"]
    assert table.loc[1, "estimate"] == pytest.approx(2 * table.loc[0, "estimate"], rel=1e-8)
    assert gap_table(data, ["y"], gaps=[], subgroups={}, columns=COLUMNS, design="panel",
                     models=MODELS).columns.tolist() == GAP_COLUMNS


def test_gap_errors_name_the_pair():
    data = simulated({"degree": 1.0, "none": 0.0})
    with pytest.raises(DataError, match="no observation of 'y' in level 'masters'"):
        effect_gap(data, "y", subgroup_levels=data["qualification"], lower="none",
                   upper="masters", columns=COLUMNS, design="panel", models=MODELS)
    with pytest.raises(DataError, match="not a configured subgroup"):
        gap_table(data, ["y"], gaps=[{"subgroup": "gender", "lower": "f", "upper": "m"}],
                  subgroups={"qualification": {}}, columns=COLUMNS, design="panel",
                  models=MODELS)


def test_configured_weights_need_the_quintile_incomes():
    levels = ["q1", "q2", "q3", "q4", "q5"]
    assert configured_weights({"quintiles": None, "elasticity": 1.3}, levels) is None
    with pytest.raises(ConfigError, match="cba.distribution.incomes: required"):
        configured_weights({"quintiles": "income", "elasticity": 1.3}, levels)
    with pytest.raises(ConfigError, match="4 incomes for the 5 levels"):
        configured_weights({"quintiles": "income", "incomes": [1, 2, 3, 4]}, levels)
    weights = configured_weights({"quintiles": "income", "elasticity": 1.0,
                                  "incomes": [10, 20, 40, 80, 160]}, levels)
    assert weights.to_dict() == {"q1": 4.0, "q2": 2.0, "q3": 1.0, "q4": 0.5, "q5": 0.25}


def test_gap_levels_match_as_text_whatever_the_categories_are():
    data = simulated({"degree": 0.6, "none": 0.1})
    by_text = gap(data)
    coded = data["qualification"].cat.rename_categories({"none": 1, "degree": 3,
                                                         "unknown": 9})
    by_number = effect_gap(data, "y", subgroup_levels=coded, lower=1, upper="3",
                           columns=COLUMNS, design="panel", models=MODELS)
    assert by_number["estimate"] == pytest.approx(by_text["estimate"], rel=1e-12)
    assert by_number["n_obs"] == by_text["n_obs"]
    plain = effect_gap(data, "y", subgroup_levels=data["qualification"].astype(object),
                       lower="none", upper="degree", columns=COLUMNS, design="panel",
                       models=MODELS)
    assert plain["estimate"] == pytest.approx(by_text["estimate"], rel=1e-12)
    with pytest.raises(DataError, match=r"levels with data: \['1', '3'\]"):
        effect_gap(data, "y", subgroup_levels=coded, lower=1, upper=4, columns=COLUMNS,
                   design="panel", models=MODELS)
