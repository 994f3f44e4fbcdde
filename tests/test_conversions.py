"""Life satisfaction from other measures: the published conversions, their scale, and the
conversion factor's uncertainty in the Monte Carlo."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.errors import ConfigError
from wellby.prepare.scales import scale_outputs
from wellby.prepare.variables import ONS4_ITEMS
from wellby.valuation.conversions import (
    CONVERSION_COLUMNS,
    check_conversion_scale,
    conversion_for,
    ls_conversions,
    resolve_mapping,
)
from wellby.valuation.inputs import cba_inputs
from wellby.valuation.uncertainty import monte_carlo

RESULTS = Path(__file__).parent / "results" / "distribution"

# As printed in Happy City's WellWorth technical guide, "Conversion of wellbeing
# indicators", column UNSTD (life-satisfaction points per point of the measure).
PUBLISHED = {"swemwbs_raw_wellworth": ("swemwbs", 0.26),
             "wemwbs_wellworth": ("wemwbs", 0.13),
             "ghq12_likert_wellworth": ("ghq12_likert", -0.21)}


def swemwbs_case(**changes):
    settings = {"population": 30_000, "duration_years": 4, "first_benefit_year": 2,
                "costs": {"0": 5e6, "1": 5e6}, "outcome": "swemwbs",
                "mapping": {"factor": 0.26, "source": "test"}}
    return cba_inputs({**settings, **changes})


# --------------------------------------------------------------------------- the table

def test_the_table_holds_the_published_numbers_with_their_source():
    table = ls_conversions()
    assert list(table.columns) == CONVERSION_COLUMNS
    assert table["name"].is_unique
    for name, (measure, factor) in PUBLISHED.items():
        row = table.set_index("name").loc[name]
        assert (row["measure"], row["factor"]) == (measure, factor)
        assert "WellWorth" in row["source"] and "Mukuria" in row["source"]
    assert table["source"].str.strip().str.len().gt(40).all()
    assert table["notes"].str.contains("per").all()


def test_every_measure_is_an_outcome_that_wellby_scores():
    scored = {c for scale in ("swemwbs", "wemwbs", "ghq12") for c in scale_outputs(scale, [])}
    assert set(ls_conversions()["measure"]) <= scored | set(ONS4_ITEMS)


def test_an_unknown_conversion_names_the_key_and_the_known_ones():
    with pytest.raises(ConfigError, match=r"cba.mapping.conversion: no published conversion "
                                          r"called 'swemwbs_magic'; known: swemwbs_raw"):
        conversion_for("swemwbs_magic")


def test_a_raw_point_conversion_refuses_the_rasch_metric():
    raw = conversion_for("swemwbs_raw_wellworth")
    check_conversion_scale("swemwbs", raw)  # the raw total: fine
    with pytest.raises(ConfigError) as caught:
        check_conversion_scale("swemwbs_metric", raw)
    message = str(caught.value)
    assert message.startswith("cba.mapping.conversion:")
    assert "raw SWEMWBS points" in message and "Rasch metric" in message
    assert "cba.outcome: swemwbs" in message  # the outcome it needs
    with pytest.raises(ConfigError, match="cba.mapping.conversion"):
        cba_inputs({"population": 10, "duration_years": 1, "costs": {"0": 1},
                    "outcome": "swemwbs_metric",
                    "mapping": {"conversion": "swemwbs_raw_wellworth"}})


# --------------------------------------------------------------------------- the mapping

def test_a_named_conversion_gives_its_factor_source_and_no_standard_error():
    inputs = swemwbs_case(mapping={"conversion": "swemwbs_raw_wellworth"})
    assert inputs.mapping_factor == 0.26
    assert inputs.mapping_source.startswith("swemwbs_raw_wellworth: Happy City")
    assert inputs.mapping_std_error == 0.0  # none published
    assert swemwbs_case(mapping={"conversion": "swemwbs_raw_wellworth",
                                 "std_error": 0.04}).mapping_std_error == 0.04


def test_a_mapping_by_hand_with_its_standard_error_and_measure():
    inputs = swemwbs_case(mapping={"factor": 0.3, "source": "a study", "std_error": 0.05,
                                   "measure": "swemwbs"})
    assert (inputs.mapping_factor, inputs.mapping_source, inputs.mapping_std_error) == (
        0.3, "a study", 0.05)
    with pytest.raises(ConfigError, match="cba.mapping.measure: 'the mapping' converts raw "
                                          "SWEMWBS"):
        swemwbs_case(outcome="swemwbs_metric",
                     mapping={"factor": 0.3, "source": "a study", "measure": "swemwbs"})


@pytest.mark.parametrize(("mapping", "message"), [
    ({"conversion": "wemwbs_wellworth", "factor": 0.2}, "give either a conversion or "
                                                        "mapping.factor"),
    ({"source": "x"}, "cba.mapping: 'factor' is a required property"),
    ({}, "cba.mapping: give a conversion"),
])
def test_bad_mappings_name_the_key(mapping, message):
    with pytest.raises(ConfigError, match=message):
        resolve_mapping(mapping, "wemwbs")


def test_a_negative_standard_error_is_refused():
    with pytest.raises(ConfigError, match="cba.mapping.std_error"):
        dataclasses.replace(swemwbs_case(), mapping_std_error=-0.1)
    with pytest.raises(ConfigError, match="cba.mapping.std_error"):
        resolve_mapping({"factor": 1, "source": "x", "std_error": float("nan")}, "wemwbs")


def test_no_mapping_is_factor_one_without_uncertainty():
    mapping = resolve_mapping(None, "life_satisfaction")
    assert (mapping.factor, mapping.source, mapping.std_error) == (1.0, None, 0.0)


# --------------------------------------------------------------------------- Monte Carlo

def frozen():
    table = pd.read_csv(RESULTS / "montecarlo_se0.csv")
    return {case: rows for case, rows in table.groupby("case")}


@pytest.mark.parametrize("case", ["swemwbs_mapping", "life_satisfaction"])
def test_a_factor_without_standard_error_leaves_the_monte_carlo_bit_identical(case):
    """Frozen from the Monte Carlo before the factor could be drawn (see the script)."""
    cases = {"swemwbs_mapping": (swemwbs_case(), 1.46, 0.5),
             "life_satisfaction": (cba_inputs({"population": 1000, "duration_years": 2,
                                               "first_benefit_year": 1,
                                               "costs": {"0": 2_000_000},
                                               "discounting": "standard"}), 0.1, 0.04)}
    inputs, effect, std_error = cases[case]
    assert inputs.mapping_std_error == 0
    result = monte_carlo(inputs, effect, std_error)
    rows = frozen()[case]
    summary = rows[rows["what"] == "summary"].set_index("column")["value"].astype(float)
    got = result.summary().drop(columns=["value_distribution"]).iloc[0].astype(float)
    assert list(got.index) == list(summary.index)
    assert (got.to_numpy() == summary.to_numpy()).all()  # exact, not approximately
    draws = rows[rows["what"] == "draw"]
    assert list(result.draws.columns) == list(dict.fromkeys(draws["column"]))
    for column, values in draws.groupby("column"):
        assert (result.draws[column].head(20).to_numpy()
                == values.sort_values("row")["value"].to_numpy()).all(), column


def test_the_factors_spread_matches_the_delta_method_and_the_exact_product_variance():
    """Var(e f) for independent normals: f^2 se_e^2 + e^2 se_f^2 (delta method) + se_e^2
    se_f^2 (exact, Goodman 1960)."""
    e, se_e, f, se_f = 1.46, 0.3, 0.26, 0.06
    inputs = dataclasses.replace(swemwbs_case(attribution=0.8, displacement=0.25),
                                 mapping_std_error=se_f)
    draws = monte_carlo(inputs, e, se_e, draws=400_000).draws
    product = draws["effect"] / (0.8 * 0.75)
    np.testing.assert_allclose(product, draws["estimate"] * draws["mapping_factor"],
                               rtol=1e-12)
    delta = np.sqrt(f**2 * se_e**2 + e**2 * se_f**2)
    exact = np.sqrt(delta**2 + se_e**2 * se_f**2)
    assert product.std() == pytest.approx(exact, rel=0.01)
    assert product.std() == pytest.approx(delta, rel=0.03)
    assert product.mean() == pytest.approx(e * f, rel=0.01)
    # the factor is independent of the effect, and centred on the published value
    assert abs(np.corrcoef(draws["estimate"], draws["mapping_factor"])[0, 1]) < 0.01
    assert draws["mapping_factor"].std() == pytest.approx(se_f, rel=0.01)


def test_the_conversions_uncertainty_reaches_p_npv_positive():
    inputs = swemwbs_case()
    fixed = monte_carlo(inputs, 1.46, 0.3).summary().iloc[0]
    drawn = monte_carlo(dataclasses.replace(inputs, mapping_std_error=0.1), 1.46,
                        0.3).summary().iloc[0]
    assert drawn["npv_sd"] > 1.2 * fixed["npv_sd"]
    assert drawn["prob_npv_positive"] != fixed["prob_npv_positive"]
    # the estimate and value draws are those of the fixed factor (drawn before it)
    same = monte_carlo(dataclasses.replace(inputs, mapping_std_error=0.1), 1.46, 0.3).draws
    base = monte_carlo(inputs, 1.46, 0.3).draws
    assert (same["estimate"] == base["estimate"]).all()
    assert (same["wellby_value"] == base["wellby_value"]).all()
