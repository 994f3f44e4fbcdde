"""The WELLBY cost-benefit case: hand-worked examples, identities, uncertainty, errors."""

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from wellby.errors import ConfigError, DataError
from wellby.valuation.appraisal import (
    benefit_schedule,
    breakeven_effect,
    cba_from_did,
    cost_benefit,
    headline_effect,
)
from wellby.valuation.distribution import subgroup_value
from wellby.valuation.inputs import (
    AUTO,
    HEADLINE_TERM,
    CbaInputs,
    cba_inputs,
    cost_to_price_year,
    valued_estimator,
)
from wellby.valuation.uncertainty import (
    monte_carlo,
    montecarlo_plot,
    one_way_sensitivity,
    tornado_plot,
)

D1, D2, D3 = 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3  # standard schedule, years 1-3


def simple(**changes):
    """Effect for 1,000 people in years 1 and 2; GBP 2m spent in year 0; standard rate."""
    settings = {"population": 1000, "duration_years": 2, "first_benefit_year": 1,
                "costs": {"0": 2_000_000}, "price_year": 2019, "discounting": "standard",
                "cost_discounting": "standard"}
    return cba_inputs({**settings, **changes})


def demo_like(**changes):
    settings = {"population": 30_000, "first_benefit_year": 2, "duration_years": 4,
                "persistence_years": 2, "drop_off": 0.5, "start_year": 2018,
                "costs": {str(year): 15e6 for year in range(10)}}
    return cba_inputs({**settings, **changes})


def check_identities(table):
    np.testing.assert_allclose(table["npv"], table["benefits_pv"] - table["costs_pv"],
                               rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(table["bcr"], table["benefits_pv"] / table["costs_pv"],
                               rtol=1e-12)
    np.testing.assert_allclose(table["roi"], table["npv"] / table["costs_pv"], rtol=1e-12)


# --------------------------------------------------------------------------- by hand

def test_worked_example_by_hand():
    # Effect 0.1 points for 1,000 people in years 1 and 2; GBP 2m spent in year 0.
    # Standard schedule: DF(1) = 1/1.035 = 0.966184, DF(2) = 0.933511.
    # Central: benefits PV = 0.1 * 1000 * 13000 * (0.966184 + 0.933511) = 2,469,603.
    table = cost_benefit(simple(), 0.1)
    central = table.set_index("scenario").loc["central"]
    assert central["wellbys"] == pytest.approx(200)
    assert central["benefits_pv"] == pytest.approx(1_300_000 * (D1 + D2))
    assert central["benefits_pv"] == pytest.approx(2_469_603, abs=1)
    assert central["costs_pv"] == 2_000_000
    assert central["npv"] == pytest.approx(469_603, abs=1)
    assert central["bcr"] == pytest.approx(1.2348, abs=1e-4)
    assert central["roi"] == pytest.approx(0.2348, abs=1e-4)
    low, high = table["benefits_pv"].iloc[[0, 2]]
    assert low == pytest.approx(1_000_000 * (D1 + D2))
    assert high == pytest.approx(1_600_000 * (D1 + D2))


def worked_inputs(**changes):
    # SWEMWBS estimate 0.5 metric points, mapped at a hypothetical 0.2 life-satisfaction
    # points per SWEMWBS point; attribution 0.8 and displacement 0.25:
    #   net effect = 0.5 x 0.2 x 0.8 x (1 - 0.25) = 0.06 points per person-year.
    # Benefits in years 1-2 (full), year 3 (persistence, drop-off 0.5: 0.06 x 0.5 = 0.03),
    # population 1,000, 1,000, 500:
    #   WELLBYs 60 + 60 + 15 = 135;
    #   discounted (standard) 60 x 0.966184 + 60 x 0.933511 + 15 x 0.901943 = 127.51080;
    #   central PV benefits = 13,000 x 127.51080 = 1,657,640.36.
    # Nominal costs from 2018: GBP 1m cash in 2018 = 1m x 81.1085 / 79.1606 = 1,024,606.94
    # in 2019 prices; GBP 500k cash in 2019 = 500,000, discounted 500,000 x 0.966184:
    #   PV costs = 1,024,606.94 + 483,091.79 = 1,507,698.73;
    #   NPV = 149,941.64, BCR = 1.099451.
    settings = {"outcome": "swemwbs_metric", "estimator": "twfe",
                "mapping": {"factor": 0.2, "source": "hypothetical test conversion"},
                "price_year": 2019, "start_year": 2018, "discounting": "standard",
                "cost_discounting": "standard", "population": {"1": 1000, "2": 1000,
                                                               "3": 500},
                "first_benefit_year": 1, "duration_years": 2, "persistence_years": 1,
                "drop_off": 0.5, "attribution": 0.8, "displacement": 0.25,
                "costs": {"0": 1_000_000, "1": 500_000}, "cost_prices": "nominal"}
    return cba_inputs({**settings, **changes})


def test_worked_example_with_mapping_nominal_costs_and_persistence():
    inputs = worked_inputs()
    assert inputs.net_factor == pytest.approx(0.12)
    central = cost_benefit(inputs, 0.5).set_index("scenario").loc["central"]
    assert central["effect"] == pytest.approx(0.06)
    assert central["wellbys"] == pytest.approx(135)
    assert central["wellbys_pv"] == pytest.approx(127.51080, abs=1e-5)
    assert central["benefits_pv"] == pytest.approx(1_657_640.36, abs=0.01)
    assert central["costs_pv"] == pytest.approx(1_507_698.73, abs=0.01)
    assert central["npv"] == pytest.approx(149_941.64, abs=0.01)
    assert central["bcr"] == pytest.approx(1.099451, abs=1e-6)

    schedule = benefit_schedule(inputs, 0.5)
    assert list(schedule["year"]) == [0, 1, 2, 3]
    assert list(schedule["calendar_year"]) == [2018, 2019, 2020, 2021]
    np.testing.assert_allclose(schedule["persons"], [0, 1000, 1000, 500])
    np.testing.assert_allclose(schedule["persistence"], [0, 1, 1, 0.5])
    np.testing.assert_allclose(schedule["wellbys"], [0, 60, 60, 15])
    np.testing.assert_allclose(schedule["cost_real"], [1_024_606.9383, 500_000, 0, 0])
    np.testing.assert_allclose(schedule["discount_factor"], [1, D1, D2, D3])


def test_wellbys_on_the_health_rate_costs_on_the_standard_rate():
    # Same example, WELLBYs discounted at 1.5%:
    # 60/1.015 + 60/1.015^2 + 15/1.015^3 = 131.69776 -> PV benefits 1,712,070.88;
    # the costs stay on 3.5% (1,507,698.73).
    central = cost_benefit(worked_inputs(discounting="health"), 0.5).iloc[1]
    assert central["benefits_pv"] == pytest.approx(1_712_070.88, abs=0.01)
    assert central["costs_pv"] == pytest.approx(1_507_698.73, abs=0.01)
    assert central["discounting"] == "health"


def test_price_year_rebases_values_and_costs():
    # Real costs are given in the price year; the WELLBY value is rebased to it:
    # central in 2024 prices = 13,000 x 100 / 81.1085.
    table = cost_benefit(simple(price_year=2024), 0.1).set_index("scenario")
    assert table.loc["central", "wellby_value"] == pytest.approx(13_000 * 100 / 81.1085)
    assert table.loc["central", "benefits_pv"] == pytest.approx(
        100 * 13_000 * 100 / 81.1085 * (D1 + D2))
    nominal = cost_to_price_year({0: 1_000_000}, simple(price_year=2024, start_year=2019,
                                                        cost_prices="nominal"))
    assert nominal[0] == pytest.approx(1_000_000 * 100 / 81.1085)


# demo_like() by hand, on the default schedules (WELLBYs health 1.5%, costs standard 3.5%):
# effect 0.096 for 30,000 people = 2,880 WELLBYs in years 2-5, then 1,440 (year 6) and 720
# (year 7) with drop-off 0.5; GBP 15m a year in years 0-9 (real).
DEMO_KERNEL = (sum(1.015 ** -t for t in (2, 3, 4, 5)) + 0.5 * 1.015 ** -6
               + 0.25 * 1.015 ** -7)  # discounted persistence-years per person, 4.479951
DEMO_WELLBYS_PV = 0.096 * 30_000 * DEMO_KERNEL  # 12,902.259
DEMO_COSTS_PV = 15e6 * sum(1.035 ** -t for t in range(10))  # 129,115,297.63


def test_benefit_schedule_recomputes_the_case():
    inputs = demo_like()
    schedule = benefit_schedule(inputs, 0.096)
    table = cost_benefit(inputs, 0.096).set_index("scenario")
    assert DEMO_WELLBYS_PV == pytest.approx(12_902.259, abs=1e-3)
    assert DEMO_COSTS_PV == pytest.approx(129_115_297.63, abs=0.01)
    np.testing.assert_allclose(schedule["wellbys"], [0, 0, 2880, 2880, 2880, 2880, 1440, 720,
                                                     0, 0])
    assert (schedule["wellbys"] * schedule["discount_factor"]).sum() == pytest.approx(
        DEMO_WELLBYS_PV, rel=1e-12)
    assert (schedule["cost_real"] * schedule["cost_discount_factor"]).sum() == pytest.approx(
        DEMO_COSTS_PV, rel=1e-12)
    for scenario, value in [("low", 10_000), ("central", 13_000), ("high", 16_000)]:
        row = table.loc[scenario]
        assert row["wellbys"] == pytest.approx(13_680)  # 2,880 x (4 + 0.5 + 0.25)
        assert row["benefits_pv"] == pytest.approx(value * DEMO_WELLBYS_PV, rel=1e-12)
        assert row["costs_pv"] == pytest.approx(DEMO_COSTS_PV, rel=1e-12)
    assert table.loc["central", "npv"] == pytest.approx(38_614_071.25, abs=0.01)
    # Persistence: the k-th fading year keeps (1 - 0.5)^k of the effect.
    np.testing.assert_allclose(schedule["persistence"].iloc[2:8], [1, 1, 1, 1, 0.5, 0.25])


def test_defaults_discount_wellbys_at_the_health_rate_and_costs_at_the_standard_rate():
    # Green Book wellbeing guidance: WELLBYs on the health schedule (1.5% in years 1-30),
    # costs on the standard schedule (3.5%). No discounting keys in the config.
    # Effect 0.1 for 1,000 people in years 1 and 2: 100 WELLBYs a year, discounted
    #   100 / 1.015 + 100 / 1.015^2 = 98.522167 + 97.066175 = 195.588342;
    #   central PV benefits = 13,000 x 195.588342 = 2,542,648.45.
    # GBP 1m in year 0 and GBP 1m in year 2:
    #   PV costs = 1,000,000 + 1,000,000 / 1.035^2 = 1,000,000 + 933,510.70 = 1,933,510.70.
    # Break-even: 1,933,510.70 / (13,000 x 1,000 x (1/1.015 + 1/1.015^2)) = 0.0760432.
    inputs = cba_inputs({"population": 1000, "duration_years": 2, "first_benefit_year": 1,
                         "costs": {"0": 1_000_000, "2": 1_000_000}})
    assert (inputs.discounting, inputs.cost_discounting) == ("health", "standard")
    table = cost_benefit(inputs, 0.1).set_index("scenario")
    central = table.loc["central"]
    assert central["discounting"] == "health"
    assert central["wellbys_pv"] == pytest.approx(195.588342, abs=1e-6)
    assert central["benefits_pv"] == pytest.approx(2_542_648.45, abs=0.01)
    assert table.loc["low", "benefits_pv"] == pytest.approx(1_955_883.42, abs=0.01)
    assert table.loc["high", "benefits_pv"] == pytest.approx(3_129_413.48, abs=0.01)
    assert central["costs_pv"] == pytest.approx(1_933_510.70, abs=0.01)
    assert central["npv"] == pytest.approx(609_137.75, abs=0.01)
    schedule = benefit_schedule(inputs, 0.1)
    np.testing.assert_allclose(schedule["discount_factor"], [1, 1 / 1.015, 1 / 1.015**2])
    np.testing.assert_allclose(schedule["cost_discount_factor"], [1, D1, D2])
    assert breakeven_effect(inputs) == pytest.approx(0.0760432, abs=1e-7)


# --------------------------------------------------------------------------- identities

def test_identities_hold_in_every_row():
    inputs = demo_like(price_year=2024)
    table = cost_benefit(inputs, 0.08)
    assert list(table["scenario"]) == ["low", "central", "high"]
    check_identities(table)
    assert table["bcr"].is_monotonic_increasing
    check_identities(cost_benefit(worked_inputs(), -0.3))
    check_identities(monte_carlo(inputs, 0.08, 0.03).draws)
    sensitivity = one_way_sensitivity(inputs, 0.08, 0.03, alpha=0.05)
    central_npv = table.set_index("scenario").loc["central", "npv"]
    assert np.allclose(sensitivity["npv_base"], central_npv)


def test_breakeven_gives_npv_zero():
    inputs = worked_inputs()
    net = breakeven_effect(inputs)
    estimate = breakeven_effect(inputs, "estimate")
    # By hand: 1,507,698.73 / (13,000 x (1000 D1 + 1000 D2 + 250 D3)) = 0.0545727.
    assert net == pytest.approx(0.0545727, abs=1e-7)
    assert estimate == pytest.approx(net / 0.12)
    central = cost_benefit(inputs, estimate).set_index("scenario").loc["central"]
    assert central["npv"] == pytest.approx(0, abs=1e-6)
    assert central["effect"] == pytest.approx(net)
    with pytest.raises(ValueError, match="scale"):
        breakeven_effect(inputs, "points")


def test_population_by_year_and_its_errors():
    inputs = simple(population={"1": 1000, "2": 3000, "9": 5})  # year 9 has no benefit
    assert cost_benefit(inputs, 0.1)["wellbys"].iloc[0] == pytest.approx(400)
    with pytest.raises(ConfigError, match="cba.population: no persons for benefit year 2"):
        simple(population={"1": 1000})
    with pytest.raises(ConfigError, match="benefit year 3, 4"):
        simple(population={"1": 1000, "2": 1000}, persistence_years=2)
    with pytest.raises(ConfigError, match="cba.population: .*0 is less than or equal to the "
                                          "minimum of 0"):
        simple(population=0)


# --------------------------------------------------------------------------- estimate

DID = pd.DataFrame({
    "outcome": ["life_satisfaction", "life_satisfaction", "life_satisfaction",
                "swemwbs_metric"],
    "estimator": ["twfe", "callaway_santanna", "event_study", "twfe"],
    "term": ["att", "att_simple", "pretrend_wald", "att"],
    "estimate": [0.1, 0.09, 1.2, 0.4], "std_error": [0.03, 0.04, np.nan, 0.05]})


def test_headline_effect_picks_the_overall_att():
    assert headline_effect(DID, "life_satisfaction", "twfe") == (0.1, 0.03)
    assert headline_effect(DID, "life_satisfaction", "callaway_santanna") == (0.09, 0.04)
    with pytest.raises(DataError, match="(?s)no single overall effect.*cba.estimator"):
        headline_effect(DID, "life_satisfaction", "event_study")
    with pytest.raises(DataError, match="(?s)no .att_simple. row.*cba.estimator"):
        headline_effect(DID, "swemwbs_metric", "callaway_santanna")
    with pytest.raises(DataError, match="(?s)no rows for outcome .happy..*cba.outcome"):
        headline_effect(DID, "happy", "twfe")


def test_auto_values_callaway_santanna_under_staggered_adoption_else_twfe():
    both = ["twfe", "event_study", "callaway_santanna"]
    assert valued_estimator("auto", both, n_cohorts=3) == "callaway_santanna"
    assert valued_estimator("auto", both, n_cohorts=1) == "twfe"
    assert valued_estimator("auto", ["callaway_santanna"], n_cohorts=1) == "callaway_santanna"
    assert valued_estimator("auto", ["twfe"], n_cohorts=4) == "twfe"
    assert valued_estimator("twfe", both, n_cohorts=3) == "twfe"  # the config's choice stands
    cba = {"outcome": "life_satisfaction", "population": 1000, "duration_years": 2,
           "first_benefit_year": 1, "costs": {"0": 2_000_000}}
    assert (cba_from_did(DID, cba, n_cohorts=2)["effect"] == 0.09).all()
    assert (cba_from_did(DID, cba, n_cohorts=2)["estimator"] == "callaway_santanna").all()
    assert (cba_from_did(DID, cba, n_cohorts=1)["effect"] == 0.1).all()


def test_cba_uses_the_headline_estimate():
    cba = {"outcome": "life_satisfaction", "estimator": "twfe", "population": 1000,
           "duration_years": 2, "first_benefit_year": 1, "costs": {"0": 2_000_000},
           "price_year": 2019, "discounting": "standard"}
    table = cba_from_did(DID, cba)
    assert (table["effect"] == 0.1).all()
    with pytest.raises(DataError, match="cba.outcome"):
        cba_from_did(DID, {**cba, "outcome": "happy", "mapping": {"factor": 1,
                                                                  "source": "x"}})
    with pytest.raises(ConfigError, match="cba.estimator: 'event_study' is not one of "
                                          r"\['auto', 'twfe', 'callaway_santanna'\]"):
        cba_from_did(DID, {**cba, "estimator": "event_study"})


# --------------------------------------------------------------------------- Monte Carlo

def test_monte_carlo_reproduces_with_the_seed():
    inputs = demo_like()
    start = time.perf_counter()
    first = monte_carlo(inputs, 0.096, 0.03, seed=7)
    assert time.perf_counter() - start < 1
    again = monte_carlo(inputs, 0.096, 0.03, seed=7)
    pd.testing.assert_frame_equal(first.draws, again.draws)
    pd.testing.assert_frame_equal(first.summary(), again.summary())
    other = monte_carlo(inputs, 0.096, 0.03, seed=8)
    assert not np.allclose(first.draws["npv"], other.draws["npv"])
    summary = first.summary()
    assert len(summary) == 1 and summary["draws"].iloc[0] == 10_000
    row = summary.iloc[0]
    assert row["npv_p05"] < row["npv_p50"] < row["npv_p95"]
    assert row["bcr_p05"] < row["bcr_p50"] < row["bcr_p95"]
    assert row["prob_npv_positive"] == pytest.approx(np.mean(first.draws["npv"] > 0))
    # By hand: PV costs / (13,000 x 30,000 x discounted persistence-years) = 0.0738992.
    assert row["breakeven_effect"] == pytest.approx(
        DEMO_COSTS_PV / (13_000 * 30_000 * DEMO_KERNEL), rel=1e-12)
    assert row["breakeven_effect"] == pytest.approx(0.0738992, abs=1e-7)


def test_monte_carlo_centres_on_the_deterministic_case():
    inputs = demo_like()
    central = cost_benefit(inputs, 0.096).set_index("scenario").loc["central"]
    result = monte_carlo(inputs, 0.096, 1e-6)
    # Triangular(10k, 13k, 16k) has mean 13k: the mean NPV is the central NPV.
    assert result.summary()["npv_mean"].iloc[0] == pytest.approx(central["npv"], rel=0.01)
    assert result.central_npv == pytest.approx(central["npv"])
    assert result.central_npv == pytest.approx(38_614_071.25, abs=0.01)  # by hand, above
    values = monte_carlo(inputs, 0.096, 0.03, value_distribution="uniform").draws
    assert values["wellby_value"].between(10_000, 16_000).all()


def test_monte_carlo_values_follow_the_green_book_range():
    # Green Book WELLBY range, 2019 prices: 10,000 - 16,000, central 13,000.
    # uniform(10k, 16k): mean 13,000, quartiles 11,500 and 14,500;
    # triangular(10k, 13k, 16k): mean and median 13,000, P(value < 11,500) =
    #   (11,500 - 10,000)^2 / ((16,000 - 10,000) x (13,000 - 10,000)) = 0.125.
    # 10,000 draws: the SE of a mean is below 18, of a quartile about 26.
    inputs = demo_like()
    uniform = monte_carlo(inputs, 0.096, 0.03, value_distribution="uniform")
    values = uniform.draws["wellby_value"]
    assert values.mean() == pytest.approx(13_000, abs=70)
    np.testing.assert_allclose(np.percentile(values, [25, 75]), [11_500, 14_500], atol=100)
    assert values.min() < 10_050 and values.max() > 15_950
    triangular = monte_carlo(inputs, 0.096, 0.03).draws["wellby_value"]
    assert triangular.mean() == pytest.approx(13_000, abs=70)
    assert triangular.median() == pytest.approx(13_000, abs=100)
    assert (triangular < 11_500).mean() == pytest.approx(0.125, abs=0.012)
    assert triangular.min() >= 10_000 and triangular.max() <= 16_000
    # The draws are valued at the drawn value: NPV = value x 0.096 x 30,000 x kernel - costs.
    np.testing.assert_allclose(
        uniform.draws["npv"],
        values * uniform.draws["estimate"] * 30_000 * DEMO_KERNEL - DEMO_COSTS_PV, rtol=1e-9)


def test_probability_of_a_positive_npv_rises_with_the_effect():
    inputs = demo_like()
    probabilities = [monte_carlo(inputs, effect, 0.03).summary()["prob_npv_positive"].iloc[0]
                     for effect in [0.0, 0.04, 0.07, 0.1, 0.15]]
    assert probabilities == sorted(probabilities)
    assert probabilities[0] < 0.01 and probabilities[-1] > 0.95


def test_monte_carlo_refuses_bad_settings():
    inputs = demo_like()
    # An argument in place of a setting is held to the setting's schema.
    with pytest.raises(ConfigError, match="cba.monte_carlo.draws: 500 is less than the "
                                          "minimum of 10000"):
        monte_carlo(inputs, 0.1, 0.03, draws=500)
    with pytest.raises(ConfigError, match="cba.monte_carlo.value_distribution: 'normal' is "
                                          r"not one of \['triangular', 'uniform'\]"):
        monte_carlo(inputs, 0.1, 0.03, value_distribution="normal")
    with pytest.raises(ConfigError, match="cba.monte_carlo.seed: -1 is less than the minimum"):
        monte_carlo(inputs, 0.1, 0.03, seed=-1)
    with pytest.raises(ValueError, match="std_error must be a finite number"):
        monte_carlo(inputs, 0.1, float("nan"))


# --------------------------------------------------------------------------- sensitivity

def test_each_swing_matches_a_direct_recomputation():
    inputs = worked_inputs(discounting="health")
    effect, se = 0.5, 0.1
    table = one_way_sensitivity(inputs, effect, se, alpha=0.05).set_index("input")
    assert table["swing"].is_monotonic_decreasing
    assert set(table.index) == {"effect", "wellby_value", "discounting", "population",
                                "costs", "duration_years", "persistence_years",
                                "attribution", "displacement", "drop_off", "mapping_factor"}

    def npv(changed=inputs, estimate=effect, scenario="central"):
        return cost_benefit(changed, estimate).set_index("scenario").loc[scenario, "npv"]

    replace = dataclasses.replace
    r = 0.2
    expected = {
        "effect": (npv(estimate=effect - 1.96 * se), npv(estimate=effect + 1.96 * se)),
        "wellby_value": (npv(scenario="low"), npv(scenario="high")),
        "discounting": (npv(), npv(replace(inputs, discounting="standard"))),
        "population": (npv(replace(inputs, population={1: 800, 2: 800, 3: 400})),
                       npv(replace(inputs, population={1: 1200, 2: 1200, 3: 600}))),
        "costs": (npv(replace(inputs, costs={0: 800_000, 1: 400_000})),
                  npv(replace(inputs, costs={0: 1_200_000, 1: 600_000}))),
        # 2 x (1 -+ 0.2) rounds to 2, so moved by one year: 1 and 3 (year 4, a new
        # benefit year, takes the persons of the last one, 500); persistence 1 -> 0 and 2.
        "duration_years": (npv(replace(inputs, duration_years=1)),
                           npv(replace(inputs, duration_years=3,
                                       population={1: 1000, 2: 1000, 3: 500, 4: 500}))),
        "persistence_years": (npv(replace(inputs, persistence_years=0)),
                              npv(replace(inputs, persistence_years=2,
                                          population={1: 1000, 2: 1000, 3: 500,
                                                      4: 500}))),
        "attribution": (npv(replace(inputs, attribution=0.6)),
                        npv(replace(inputs, attribution=1.0))),
        "displacement": (npv(replace(inputs, displacement=0.05)),
                         npv(replace(inputs, displacement=0.45))),
        "drop_off": (npv(replace(inputs, drop_off=0.3)), npv(replace(inputs, drop_off=0.7))),
        "mapping_factor": (npv(replace(inputs, mapping_factor=0.2 * (1 - r))),
                           npv(replace(inputs, mapping_factor=0.2 * (1 + r)))),
    }
    for name, (low, high) in expected.items():
        assert table.loc[name, "npv_low"] == pytest.approx(low, rel=1e-4, abs=1e-6), name
        assert table.loc[name, "npv_high"] == pytest.approx(high, rel=1e-4, abs=1e-6), name
        assert table.loc[name, "swing"] == pytest.approx(abs(high - low), rel=1e-3, abs=1e-5)
    assert (table["low_value"] <= table["high_value"]).all()


def test_duration_sensitivity_extends_a_population_mapping():
    inputs = demo_like(population={str(year): 30_000 for year in range(2, 8)},
                       duration_years=5, persistence_years=1)
    table = one_way_sensitivity(inputs, 0.096, 0.03, alpha=0.05).set_index("input")
    longer = dataclasses.replace(inputs, duration_years=6,
                                 population={year: 30_000 for year in range(2, 9)})
    assert table.loc["duration_years", "npv_high"] == pytest.approx(
        cost_benefit(longer, 0.096).iloc[1]["npv"])


# --------------------------------------------------------------------------- who gains

SUBGROUPS = pd.DataFrame({
    "outcome": ["life_satisfaction"] * 5 + ["swemwbs_metric"],
    "subgroup": ["gender", "gender", "gender", "gender", "qualification", "gender"],
    "level": ["male", "female", "male", "other", "none", "male"],
    "estimate": [0.2, 0.05, 0.9, np.nan, 0.1, 3.0],
    "std_error": [0.04, 0.04, 0.2, np.nan, 0.05, 0.1],
    "estimator": ["twfe", "twfe", "callaway_santanna", "twfe", "twfe", "twfe"],
    "term": ["att", "att", "att_simple", "att", "att", "att"],
    "note": ["", "", "", "not estimated: too few clusters", "", ""]})


def test_subgroup_value_by_hand():
    # Population 1,000 in years 1-2; men 40%, women 55%, other 5% (not estimated).
    # Men: 0.2 x 400 x 2 years = 160 WELLBYs; PV 13,000 x 0.2 x 400 x (D1 + D2).
    # Women: 0.05 x 550 x 2 = 55 WELLBYs; shares of WELLBYs 160/215 and 55/215.
    shares = pd.DataFrame({"subgroup": ["gender"] * 3, "level": ["male", "female", "other"],
                           "share": [0.4, 0.55, 0.05]})
    table = subgroup_value(simple(), SUBGROUPS, shares).set_index("level")
    assert table.loc["male", "wellbys"] == pytest.approx(160)
    assert table.loc["female", "wellbys"] == pytest.approx(55)
    assert table.loc["male", "benefits_pv"] == pytest.approx(13_000 * 80 * (D1 + D2))
    assert table.loc["male", "wellby_share"] == pytest.approx(160 / 215)
    assert table.loc["female", "persons"] == pytest.approx(550)
    assert np.isnan(table.loc["other", "wellbys"])
    assert "too few clusters" in table.loc["other", "note"]
    assert "qualification" not in set(table["subgroup"])  # only subgroups with shares


def test_subgroup_value_errors():
    inputs = simple()
    with pytest.raises(DataError, match="'gender' sums to 0.9000"):
        subgroup_value(inputs, SUBGROUPS, pd.DataFrame(
            {"subgroup": ["gender"] * 2, "level": ["male", "female"], "share": [0.4, 0.5]}))
    with pytest.raises(DataError, match=r"no population share for the estimated level "
                                        r"\['gender=female'\]"):
        subgroup_value(inputs, SUBGROUPS, pd.DataFrame(
            {"subgroup": ["gender"], "level": ["male"], "share": [1.0]}))
    with pytest.raises(DataError, match="between 0 and 1"):
        subgroup_value(inputs, SUBGROUPS, pd.DataFrame(
            {"subgroup": ["gender"] * 2, "level": ["male", "female"], "share": [1.5, -0.5]}))
    with pytest.raises(DataError, match="no \\['share'\\] column"):
        subgroup_value(inputs, SUBGROUPS, pd.DataFrame({"subgroup": [], "level": []}))


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("changes", "message"), [
    # the schema's rules, checked when a mapping is validated against the schema's cba
    ({"mapping": {"factor": 0.3}}, "cba.mapping: 'source' is a required property"),
    ({"mapping": {"factor": 0.3, "source": "  "}}, "cba.mapping.source: must not be blank"),
    ({"mapping": {"factor": 0, "source": "x"}}, "cba.mapping.factor: must not be 0"),
    ({"costs": {"first": 1}}, "cba.costs: 'first' does not match '\\^\\[0-9\\]\\+\\$'"),
    ({"costs": {"0": -5}}, "cba.costs.0: -5 is less than the minimum of 0"),
    ({"duration_years": 0}, "cba.duration_years: 0 is less than the minimum of 1"),
    ({"drop_off": 1.5}, "cba.drop_off: 1.5 is greater than the maximum of 1"),
    ({"attribution": 0}, "cba.attribution: 0 is less than or equal to the minimum of 0"),
    ({"displacement": 1}, "cba.displacement: 1 is greater than or equal to the maximum of 1"),
    ({"discounting": "catastrophic"}, "cba.discounting: 'catastrophic' is not one of"),
    ({"estimator": "event_study"}, "cba.estimator: 'event_study' is not one of"),
    ({"monte_carlo": {"draws": 100}},
     "cba.monte_carlo.draws: 100 is less than the minimum of 10000"),
    ({"sensitivity": {"range": 0}},
     "cba.sensitivity.range: 0 is less than or equal to the minimum of 0"),
    ({"horizon": 10}, "cba: unknown key \\('horizon' was unexpected\\)"),
    # the appraisal's own rules, which the schema cannot state
    ({"outcome": "swemwbs_metric"}, "cba.mapping: the outcome 'swemwbs_metric' is not life"),
    ({"cost_prices": "nominal"}, "cba.start_year: nominal costs"),
    ({"cost_prices": "nominal", "start_year": 2020, "costs": {"0": 1, "5": 1}},
     "cba.costs: no GDP deflator for 2025 \\(appraisal year 5"),
    ({"price_year": 2031}, "cba.price_year: no GDP deflator for 2031"),
    ({"costs": {"0": 0}}, "cba.costs: all costs are 0"),
])
def test_bad_settings_are_refused_with_the_key(changes, message):
    with pytest.raises(ConfigError, match=message):
        simple(**changes)


def test_required_settings():
    with pytest.raises(ConfigError, match="cba: 'costs' is a required property"):
        cba_inputs({"population": 1, "duration_years": 1})


def test_inputs_are_frozen_and_checked_on_replace():
    inputs = simple()
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.population = 5
    with pytest.raises(ConfigError, match="cba.population: no persons for benefit year 3"):
        dataclasses.replace(inputs, population={1: 1, 2: 1}, duration_years=3)
    by_hand = CbaInputs(
        population=10, duration_years=1, costs={0: 1}, outcome="life_satisfaction",
        estimator="auto", mapping_factor=1.0, mapping_source=None, mapping_std_error=0.0,
        price_year=2019,
        start_year=None, discounting="health", cost_discounting="standard",
        first_benefit_year=0, persistence_years=0, drop_off=0.0, attribution=1.0,
        displacement=0.0, cost_prices="real", draws=10_000, seed=2010,
        value_distribution="triangular", sensitivity_range=0.2)
    assert by_hand == cba_inputs({"population": 10, "duration_years": 1, "costs": {"0": 1}})
    with pytest.raises(ConfigError, match="cba.price_year: no GDP deflator for 1900"):
        dataclasses.replace(by_hand, price_year=1900)


def test_every_default_and_option_is_the_schemas():
    """CbaInputs declares no defaults: a mapping takes the schema's, and the estimators the
    case can value are the schema's options."""
    import yaml

    from .conftest import SCHEMA

    for spec in dataclasses.fields(CbaInputs):
        assert spec.default is dataclasses.MISSING, spec.name
        assert spec.default_factory is dataclasses.MISSING, spec.name
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]["cba"]["properties"]
    assert {AUTO, *HEADLINE_TERM} == set(schema["estimator"]["enum"])
    inputs = cba_inputs({"population": 10, "duration_years": 1, "costs": {"0": 1}})
    for key in ("outcome", "estimator", "price_year", "discounting", "cost_discounting",
                "first_benefit_year", "persistence_years", "drop_off", "attribution",
                "displacement", "cost_prices"):
        assert getattr(inputs, key) == schema[key]["default"], key
    monte_carlo = schema["monte_carlo"]["properties"]
    assert (inputs.draws, inputs.seed, inputs.value_distribution) == (
        monte_carlo["draws"]["default"], monte_carlo["seed"]["default"],
        monte_carlo["value_distribution"]["default"])
    assert inputs.sensitivity_range == schema["sensitivity"]["properties"]["range"]["default"]
    assert (inputs.mapping_factor, inputs.mapping_source) == (1.0, None)  # no mapping


def test_whole_numbers_written_as_floats_are_read_as_whole_numbers():
    # JSON Schema's integers include 2.0 (a YAML "2.0" passes the schema).
    floats = simple(duration_years=2.0, price_year=2019.0, monte_carlo={"draws": 10_000.0})
    assert (floats.duration_years, floats.price_year, floats.draws) == (2, 2019, 10_000)
    pd.testing.assert_frame_equal(cost_benefit(floats, 0.1), cost_benefit(simple(), 0.1))


def test_a_typed_section_is_not_validated_again(monkeypatch):
    """validate_config checks the appraisal's rules with the section it has validated, typed;
    cba_inputs validates only a mapping, once."""
    from wellby.config import validate_config
    from wellby.config.typed import Cba
    from wellby.valuation import inputs as module

    from .conftest import minimal_config

    calls = []
    original = module.validate_section
    monkeypatch.setattr(module, "validate_section",
                        lambda name, section: calls.append(name) or original(name, section))
    settings = {"population": 10, "duration_years": 1, "costs": {"0": 1}}
    config = validate_config(minimal_config(cba=settings))
    assert calls == []
    assert cba_inputs(Cba.coerce(config["cba"])) == cba_inputs(settings)
    assert calls == ["cba"]  # the mapping, once
    with pytest.raises(ConfigError, match="cba.population: no persons for benefit year 1"):
        validate_config(minimal_config(cba={**settings, "population": {"0": 10},
                                            "first_benefit_year": 1}))
    assert calls == ["cba"]


# --------------------------------------------------------------------------- figures

def test_figures_have_titles_and_units():
    inputs = demo_like()
    tornado = tornado_plot(one_way_sensitivity(inputs, 0.096, 0.03, alpha=0.05), inputs.price_year)
    assert isinstance(tornado, Figure)
    ax = tornado.axes[0]
    assert "£m, 2019 prices" in ax.get_xlabel() and "sensitivity" in ax.get_title()
    histogram = montecarlo_plot(monte_carlo(inputs, 0.096, 0.03))
    ax = histogram.axes[0]
    assert isinstance(histogram, Figure)
    assert "£m, 2019 prices" in ax.get_xlabel() and "P(NPV > 0)" in ax.get_title()
    assert histogram.get_figwidth() <= 8.3
