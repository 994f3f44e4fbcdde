"""The study's comparison, gaps and distributional settings, from the config to the tables.

The algorithms have their own reference tests (``test_comparison.py`` against R MatchIt,
``test_distributional_value.py``, ``test_cohort_subgroups.py`` against lme4); these test
what joins them to a study: the area weights reach the estimators (checked against a
statsmodels weighted least squares fit), the config's cross-section rules, and the
verdict's sentences on gaps and the member cohort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from wellby.analysis.area_weights import (
    COMPARISON_WEIGHT,
    apply_area_weights,
    choose_comparison,
    comparison_note,
)
from wellby.analysis.effects import estimate_did
from wellby.config import Study, validate_config
from wellby.config.typed import Columns
from wellby.errors import ConfigError, DataError
from wellby.report.verdict_distribution import gap_statements, member_statements

from .conftest import minimal_config

COLUMNS = Columns(id=None, wave="wave", area="area_id", cohort="cohort", weight=None,
                  member=None)


def areas_panel(seed: int = 4, n_areas: int = 80, per_area: int = 30) -> pd.DataFrame:
    """Repeated cross-sections: programme areas are more deprived, and deprivation bends
    the untreated trend, so an unmatched comparison is biased (true effect 0.3)."""
    rng = np.random.default_rng(seed)
    programme = np.arange(n_areas) < n_areas // 2
    deprivation = rng.normal(20, 8, n_areas) + 8 * programme
    rows = []
    for wave in (1, 2, 3, 4):
        area = np.repeat(np.arange(n_areas), per_area)
        treated = programme[area] & (wave >= 3)
        centred = (deprivation[area] - 20) / 8
        y = (7 - 0.3 * centred - 0.1 * centred * wave + 0.3 * treated
             + rng.normal(0, 1, len(area)))
        rows.append(pd.DataFrame({"area_id": [f"A{a:03d}" for a in area], "wave": wave,
                                  "cohort": np.where(programme[area], 3, 0),
                                  "deprivation": deprivation[area],
                                  "life_satisfaction": y}))
    data = pd.concat(rows, ignore_index=True)
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    return data


def test_matching_balances_deprivation_and_the_weights_reach_the_estimator():
    data = areas_panel()
    result = choose_comparison(data, {"method": "nearest", "attributes": ["deprivation"],
                                      "baseline_outcomes": ["life_satisfaction"],
                                      "baseline_waves": [], "ratio": 1, "replace": True,
                                      "moments": 1}, COLUMNS)
    balance = result.balance.set_index("covariate")
    assert balance.loc["deprivation", "smd_before"] > 0.8
    assert abs(balance.loc["deprivation", "smd_after"]) < 0.1
    weighted, columns = apply_area_weights(data, result.weights, COLUMNS)
    assert columns.weight == COMPARISON_WEIGHT
    assert set(weighted["area_id"]) == set(result.weights.loc[result.weights["weight"] > 0,
                                                              "area"])
    models = Study.from_validated(validate_config(minimal_config(
        design="repeated_cross_section"))).models
    did = estimate_did(weighted, "life_satisfaction", columns=columns,
                       design="repeated_cross_section", models=models)
    att = did.loc[(did["estimator"] == "twfe") & (did["term"] == "att")].iloc[0]
    # The same weighted regression in statsmodels (area and wave dummies, area weights).
    wls = smf.wls("life_satisfaction ~ treated + C(area_id) + C(wave)", data=weighted,
                  weights=weighted[COMPARISON_WEIGHT]).fit()
    assert att["estimate"] == pytest.approx(wls.params["treated"], rel=1e-9)
    # Matching removes most of the bias an unmatched comparison carries (truth 0.3).
    unmatched = estimate_did(data, "life_satisfaction", columns=COLUMNS,
                             design="repeated_cross_section", models=models)
    raw = unmatched.loc[(unmatched["estimator"] == "twfe")
                        & (unmatched["term"] == "att"), "estimate"].iloc[0]
    assert abs(att["estimate"] - 0.3) < abs(raw - 0.3) / 2
    assert att["ci_low"] <= 0.3 <= att["ci_high"]


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", object])
def test_area_weights_multiply_survey_weights_and_drop_unmatched_areas(dtype):
    # str and string[pyarrow]: Arrow's lookup (the analysis file's ids); object: factorize
    data = pd.DataFrame({"area_id": pd.Series(["A", "A", "B", "C"], dtype=dtype),
                         "wt": [1.0, 2.0, 3.0, 4.0]})
    weights = pd.DataFrame({"area": ["A", "B", "C"], "treated": [True, False, False],
                            "weight": [1.0, 0.0, 2.5]})
    columns = Columns(id=None, wave="wave", area="area_id", cohort="cohort", weight="wt",
                      member=None)
    out, named = apply_area_weights(data, weights, columns)
    assert out["area_id"].tolist() == ["A", "A", "C"]
    assert out[named.weight].tolist() == [1.0, 2.0, 10.0]
    with pytest.raises(DataError, match="1 area.* no comparison weight.*rerun the compare"):
        apply_area_weights(data.assign(area_id=pd.Series(["A", "D", "B", "D"], dtype=dtype)),
                           weights, columns)
    note = comparison_note("nearest", weights)
    assert "1 of 2 comparison areas used, 1 of 1 programme areas" in note


def test_an_attribute_must_exist_and_be_constant_within_its_area():
    data = areas_panel(n_areas=10, per_area=3)
    settings = {"method": "entropy", "attributes": ["deprivation"], "baseline_outcomes": [],
                "baseline_waves": [], "ratio": 1, "replace": True, "moments": 1}
    with pytest.raises(DataError, match=r"\['imd'\] are in neither the area file nor the waves"):
        choose_comparison(data, {**settings, "attributes": ["imd"]}, COLUMNS)
    varying = data.assign(deprivation=data["deprivation"] + data["wave"])
    with pytest.raises(DataError, match="'deprivation' differs within 10 area"):
        choose_comparison(varying, settings, COLUMNS)


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c.update(comparison={"method": "nearest"}),
     "comparison.attributes: method 'nearest' needs something to balance"),
    (lambda c: c.update(comparison={"method": "entropy", "attributes": ["imd"],
                                     "caliper": 0.2}),
     "comparison.caliper: ratio and caliper apply to matching"),
    (lambda c: c.update(comparison={"method": "ipw", "baseline_outcomes": ["happy"]}),
     r"comparison.baseline_outcomes: \['happy'\] are not among the outcomes"),
    (lambda c: c["cba"].update(distribution={"gaps": [
        {"subgroup": "qualification", "lower": "none", "upper": "phd"}]}),
     r"cba.distribution.gaps\[0\].upper: 'phd' is not a level"),
    (lambda c: c["cba"].update(distribution={"quintiles": "qualification"}),
     "cba.distribution.incomes: the Green Book publishes no table"),
    (lambda c: c["cba"].update(distribution={"quintiles": "qualification",
                                             "incomes": [1, 2, 3, 4, 5]}),
     "subgroup 'qualification' has 2 levels, not the five quintiles"),
    (lambda c: (c.update(derived={"high_anxiety": "ons"},
                         outcomes=["life_satisfaction", "high_anxiety"]),
                c["cba"].update(outcome="high_anxiety")),
     "cba.outcome: 'high_anxiety' is a derived share"),
    (lambda c: c.update(derived={"anxiety": {"source": "life_satisfaction", "at_most": 4}}),
     "derived.anxiety"),
    (lambda c: c.update(models={"subgroups": {"cross": [["qualification", "income"]]}}),
     r"models.subgroups.cross\[0\]: \['qualification', 'income'\] must name two"),
])
def test_config_rules_across_sections_name_the_key(change, message):
    config = minimal_config(
        subgroups={"qualification": {"column": "qual", "levels": {"none": [0],
                                                                   "degree": [2]}}},
        cba={"population": 100, "duration_years": 1, "costs": {"0": 1000}})
    change(config)
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


GAPS = pd.DataFrame({
    "outcome": ["life_satisfaction", "life_satisfaction"],
    "subgroup": ["qualification", "qualification"], "lower": ["none", "none"],
    "upper": ["degree", "below_degree"], "baseline_gap": [0.4, 0.1],
    "estimate": [0.31, 0.02], "std_error": [0.1, 0.1], "ci_low": [0.11, -0.18],
    "ci_high": [0.51, 0.22], "p_value": [0.002, 0.84], "n_obs": [900, 800],
    "n_clusters": [40, 40], "verdict": ["widened", "no evidence of a change in the gap"]})


def test_gap_statements_say_what_widened_with_numbers_from_the_table():
    statements = gap_statements(GAPS, {"life_satisfaction": "Life satisfaction (0-10)"})
    assert len(statements) == 1  # the gap with no evidence is left to the table
    text = statements[0].text()
    assert text == ("Life satisfaction: the effect for 'degree' minus that for 'none' "
                    "(qualification) was 0.31 (p = 0.002): widened.")
    assert [n.key for n in statements[0].numbers] == [
        {"outcome": "life_satisfaction", "subgroup": "qualification", "lower": "none",
         "upper": "degree"}] * 2


def test_member_statements_name_who_rose_and_group_the_quiet_tests():
    def row(subgroup, level, estimator, term, **values):
        return {"outcome": "swemwbs_metric", "subgroup": subgroup, "level": level,
                "estimator": estimator, "term": term, "estimate": np.nan,
                "p_value": np.nan, "p_adjusted": np.nan, **values}

    table = pd.DataFrame([
        row("qualification", "heterogeneity_wald", "mixed_cohort_interaction",
            "heterogeneity_wald", p_value=0.001),
        row("qualification", "degree", "mixed_cohort", "change_2018_vs_2016",
            estimate=1.9, p_value=0.0001, p_adjusted=0.0004),
        row("qualification", "none", "mixed_cohort", "change_2018_vs_2016",
            estimate=0.1, p_value=0.7, p_adjusted=1.0),
        row("gender", "heterogeneity_wald", "mixed_cohort_interaction",
            "heterogeneity_wald", p_value=0.4),
        row("gender", "heterogeneity_wald", "mixed_cohort_interaction",
            "change_2018_vs_2016", p_value=0.01),
    ])
    labels = {"swemwbs_metric": "SWEMWBS metric score (7-35)"}
    texts = [s.text() for s in member_statements(table, ["swemwbs_metric"], labels, 0.05)]
    assert texts == [
        "Followed cohort, SWEMWBS metric score: the change differed by qualification (joint "
        "test p = 0.001); rose for: degree (+1.90 by 2018).",
        "Followed cohort, SWEMWBS metric score: no evidence that the change differed by "
        "gender (p = 0.400).",
    ]


def test_only_the_listed_pairs_of_subgroups_are_crossed():
    from wellby.analysis.subgroups import crossed_pairs

    names = ["qualification", "gender", "income_quintile"]
    assert crossed_pairs(names, True) == [("qualification", "gender"),
                                          ("qualification", "income_quintile"),
                                          ("gender", "income_quintile")]
    assert crossed_pairs(names, False) == []
    assert crossed_pairs(names, [["gender", "qualification"]]) == [("qualification", "gender")]


def test_balance_words_with_one_programme_area_say_the_differences_are_undefined():
    from wellby.report.comparison_section import balance_words

    data = areas_panel(n_areas=12, per_area=10)
    one = data.assign(cohort=data["cohort"].where(data["area_id"] == "A000", 0))
    result = choose_comparison(one, {"method": "nearest", "attributes": ["deprivation"],
                                     "baseline_outcomes": [], "baseline_waves": [],
                                     "ratio": 1, "replace": True, "moments": 1}, COLUMNS)
    assert int(result.weights["treated"].sum()) == 1
    assert "undefined" in balance_words(result.balance)
    many = choose_comparison(data, {"method": "nearest", "attributes": ["deprivation"],
                                    "baseline_outcomes": [], "baseline_waves": [],
                                    "ratio": 1, "replace": True, "moments": 1}, COLUMNS)
    assert balance_words(many.balance).startswith("Before, the largest standardised "
                                                  "difference was")


def test_area_weights_with_the_residents_mask_equal_weighting_the_residents():
    from wellby.prepare.panel import resident_rows, residents

    data = pd.DataFrame({"area_id": ["A", "A", "B", "C", "C", "D"],
                         "member": [0, 1, 0, 0, 1, 1], "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    weights = pd.DataFrame({"area": ["A", "B", "C"], "treated": [True, False, False],
                            "weight": [1.0, 0.0, 2.5]})
    columns = Columns(id=None, wave="wave", area="area_id", cohort="cohort", weight=None,
                      member="member")
    # area D has only a member's row: it is left out before its (missing) weight is sought
    once, named = apply_area_weights(data, weights, columns,
                                     rows=resident_rows(data, columns))
    twice, _ = apply_area_weights(residents(data, columns), weights, columns)
    pd.testing.assert_frame_equal(once, twice)
    assert once["y"].tolist() == [1.0, 4.0] and once[named.weight].tolist() == [1.0, 2.5]
    with pytest.raises(DataError, match="no comparison weight"):
        apply_area_weights(data, weights, columns)  # D's member row, without the mask
