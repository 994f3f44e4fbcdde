"""The verdict, the assumptions and the readable tables, on hand-made tables.

Each expected sentence or flag is written here from the numbers in the tables, not from
the code under test; the last tests check that every number the verdict shows can be found,
with the value shown, in the table and cell it names.
"""

import html
import re

import numpy as np
import pandas as pd

from wellby.config import Study, validate_config
from wellby.report.assumptions import CAUTION, HOLDS, UNTESTED, study_assumptions
from wellby.report.columns import PERCENT, POUNDS, RATE
from wellby.report.formatting import format_value, outcome_label, readable
from wellby.report.verdict import build_verdict, fmt_p, is_staggered

from .conftest import minimal_config

LABELS = {"life_satisfaction": "Life satisfaction (0-10, higher = more satisfied)"}


def did_row(estimator, term, estimate, low, high, p, **extra):
    return {"outcome": "life_satisfaction", "estimator": estimator, "term": term,
            "estimate": estimate, "std_error": (high - low) / 3.92, "ci_low": low,
            "ci_high": high, "p_value": p, "inference": "analytic", "headline_ci_low": low,
            "headline_ci_high": high, "headline_p_value": p, "note": "", **extra}


def did_table(twfe=(0.10, 0.04, 0.16, 0.001), cs=(0.09, 0.02, 0.17, 0.012), pretrend_p=0.4):
    rows = [did_row("twfe", "att", *twfe), did_row("callaway_santanna", "att_simple", *cs),
            {**did_row("event_study", "pretrend_wald", np.nan, np.nan, np.nan, pretrend_p),
             "statistic": 1.1, "df1": 2, "df2": 299}]
    return pd.DataFrame(rows)


def group_time(cohorts=(2018, 2019)):
    return pd.DataFrame({"term": "att_g", "group": list(cohorts), "estimate": 0.1})


def cba_tables(bcr=1.30, estimator="callaway_santanna", prob=0.7578, breakeven=0.0739):
    cba = pd.DataFrame({"scenario": ["low", "central", "high"],
                        "wellby_value": [10_000.0, 13_000.0, 16_000.0],
                        "bcr": [bcr * 10 / 13, bcr, bcr * 16 / 13],
                        "npv": [-0.3e6, 38.32e6, 77.0e6], "estimator": estimator})
    montecarlo = pd.DataFrame({"seed": [2010], "prob_npv_positive": [prob],
                               "breakeven_estimate": [breakeven]})
    return {"cba": cba, "cba_montecarlo": montecarlo}


def verdict(tables, **kwargs):
    options = {"outcomes": ["life_satisfaction"], "labels": LABELS, "alpha": 0.05,
               "valued_outcome": "life_satisfaction", "bcr_flag_above": 10, **kwargs}
    return build_verdict(tables, **options)


def texts(statements):
    return [s.text() for s in statements]


# ----------------------------------------------------------------------------- effects


def test_the_effect_is_said_in_its_units_with_the_robust_estimator_under_staggering():
    found = verdict({"did": did_table(), "group_time": group_time()})
    assert texts(found.effects) == [
        "Life satisfaction rose by 0.09 points on the 0-10 scale (95% CI 0.02 to 0.17) "
        "relative to comparison areas, on average over the waves since each programme area "
        "started (Callaway-Sant'Anna)."]
    one_cohort = verdict({"did": did_table(), "group_time": group_time((2018,))})
    assert "rose by 0.10" in one_cohort.effects[0].text()
    assert "two-way fixed effects" in one_cohort.effects[0].text()


def test_a_fall_and_no_change_are_said_as_such():
    fell = verdict({"did": did_table(twfe=(-0.2, -0.3, -0.1, 0.001)), "group_time": None})
    assert fell.effects[0].text().startswith("Life satisfaction fell by 0.20 points")
    unclear = verdict({"did": did_table(twfe=(0.05, -0.02, 0.12, 0.16))})
    text = unclear.effects[0].text()
    assert "no change that can be told apart from chance" in text
    assert "0.05 points on the 0-10 scale (95% CI -0.02 to 0.12, which includes no change" in text


def test_the_headline_interval_is_used_and_named():
    did = did_table()
    did.loc[0, ["inference", "headline_ci_low", "headline_ci_high", "headline_p_value"]] = [
        "wild_bootstrap", -0.5, 0.7, 0.34]
    text = verdict({"did": did}).effects[0].text()
    assert "95% CI -0.50 to 0.70, wild cluster bootstrap, which includes no change" in text
    assert verdict({"did": did}, alpha=0.1).effects[0].text().count("90% CI") == 1


# -------------------------------------------------------------------------------- who


def subgroups_table(test_p=0.0004, female=(-0.03, 0.5)):
    rows = [{"subgroup": "gender", "level": "male", "estimator": "twfe", "term": "att",
             "estimate": 0.22, "p_adjusted": 0.00001, "p_value": 0.000003, "note": ""},
            {"subgroup": "gender", "level": "female", "estimator": "twfe", "term": "att",
             "estimate": female[0], "p_adjusted": female[1], "p_value": female[1], "note": ""},
            {"subgroup": "gender", "level": "heterogeneity_wald",
             "estimator": "twfe_interaction", "term": "heterogeneity_wald",
             "estimate": np.nan, "p_value": test_p, "p_adjusted": test_p, "note": ""},
            {"subgroup": "gender_x_qualification", "level": "male:degree", "estimator": "twfe",
             "term": "att", "estimate": 0.3, "p_adjusted": 0.01, "p_value": 0.001, "note": ""}]
    return pd.DataFrame(rows).assign(outcome="life_satisfaction")


def test_who_gained_names_the_levels_whose_own_effect_is_clearly_positive():
    found = verdict({"subgroups": subgroups_table()})
    assert texts(found.who) == [
        "Life satisfaction: effects differed by gender (test of equal effects p < 0.001); "
        "gained: male (+0.22)."]  # the cross is left to the tables
    same = verdict({"subgroups": subgroups_table(test_p=0.4, female=(0.1, 0.2))})
    assert texts(same.who) == [
        "Life satisfaction: no evidence that effects differed by gender (test of equal "
        "effects p = 0.400); gained: male (+0.22)."]


# ------------------------------------------------------------------------------ value


def test_value_for_money_gives_the_ratio_the_chance_and_the_break_even_effect():
    found = verdict({"did": did_table(), "group_time": group_time(), **cba_tables()})
    assert texts(found.value) == [
        "At the central WELLBY value (£13,000 per WELLBY) benefits are 1.30 times costs (net "
        "present value £38.3m); the probability that benefits exceed costs is 76%; the "
        "break-even effect is 0.074 points on the 0-10 scale."]


# ---------------------------------------------------------------------------- caveats


def test_clean_results_have_no_caveat():
    found = verdict({"did": did_table(), "group_time": group_time(), **cba_tables(),
                     "data_checks": pd.DataFrame({"severity": ["info"]}),
                     "subgroups": subgroups_table()})
    assert found.caveats == []


def test_each_reason_for_caution_gives_its_caveat():
    did = did_table(twfe=(0.30, 0.22, 0.38, 0.0001), cs=(0.03, -0.04, 0.10, 0.4),
                    pretrend_p=0.003)
    did.loc[1, "note"] = "WARNING: one treated cluster: no standard error is reliable"
    subgroups = pd.concat([subgroups_table(), pd.DataFrame([{
        "outcome": "life_satisfaction", "subgroup": "gender", "level": "other",
        "estimator": "twfe", "term": "att", "estimate": np.nan,
        "note": "suppressed: fewer than 10 persons"}])], ignore_index=True)
    found = verdict({"did": did, "group_time": group_time(), **cba_tables(bcr=140.0),
                     "data_checks": pd.DataFrame({"severity": ["warning", "warning", "info"]}),
                     "subgroups": subgroups})
    said = " | ".join(texts(found.caveats))
    assert "already moved differently" in said and "p = 0.003" in said  # pre-trends
    assert "one treated cluster: no standard error is reliable" in said
    assert "two-way fixed effects (0.30) and Callaway-Sant'Anna (0.03) disagree" in said
    assert "not statistically distinguishable from zero (p = 0.400)" in said  # CS is valued
    assert "benefit-cost ratio (140.00) is far above" in said
    assert "2 data checks need attention" in said
    assert "1 subgroup level was not estimated" in said
    assert len(found.caveats) == 7


def test_overlapping_estimators_and_a_bcr_below_the_flag_raise_nothing():
    did = did_table(twfe=(0.10, 0.04, 0.16, 0.001), cs=(0.12, 0.05, 0.19, 0.001))
    found = verdict({"did": did, "group_time": group_time(), **cba_tables(bcr=9.9)})
    assert found.caveats == []
    assert len(verdict({"did": did, "group_time": group_time(),
                        **cba_tables(bcr=10.1)}).caveats) == 1


def test_staggering_is_read_from_the_cohorts_of_group_time():
    assert is_staggered(group_time((2018, 2019)))
    assert not is_staggered(group_time((2018, 2018)))
    assert not is_staggered(None) and not is_staggered(pd.DataFrame())


# ----------------------------------------------------------- numbers match their tables


def shown_numbers(page: str) -> list[dict[str, str]]:
    pattern = re.compile(r"<span class='num' data-table='([^']*)' data-column='([^']*)' "
                         r"data-key='([^']*)' data-value='([^']*)'>([^<]*)</span>")
    return [{"table": t, "column": c, "key": html.unescape(k), "value": v,
             "text": html.unescape(x)} for t, c, k, v, x in pattern.findall(page)]


def cell(tables, number):
    table = tables[number["table"]]
    for part in number["key"].split(";"):
        column, value = part.split("=", 1)
        table = table[table[column].astype(str).str.replace(r"\.0$", "", regex=True) == value]
    assert len(table) == 1, number
    return float(table.iloc[0][number["column"]])


def as_number(text: str) -> float:
    """Read a shown number back: '£38.3m', '76%', 'p < 0.001', '+0.22'."""
    text = text.replace("p < ", "").replace("p = ", "").replace(",", "").replace("£", "")
    scale = 1e6 if text.endswith("m") else 0.01 if text.endswith("%") else 1.0
    return float(text.rstrip("m%")) * scale


def shown_matches(text: str, value: float) -> bool:
    """Whether a number as the verdict shows it is its table's value, rounded."""
    if text.startswith("p < "):
        return value < float(text[4:])
    shown = as_number(text)
    if text.endswith("m"):
        return abs(shown - value) <= 0.05e6 + 1e-6
    if text.endswith("%"):
        return abs(shown - value) <= 0.005 + 1e-12
    digits = len(text.split(".")[-1]) if "." in text else 0
    return abs(abs(shown) - abs(value)) <= 0.5 * 10 ** -digits + 1e-12



def test_every_number_in_the_verdict_equals_its_table_cell():
    tables = {"did": did_table(), "group_time": group_time(), **cba_tables(),
              "subgroups": subgroups_table()}
    found = verdict(tables)
    numbers = shown_numbers("".join(s.html() for s in found.statements()))
    assert len(numbers) == 3 + 2 + 5  # effect and interval; test and gain; value
    for number in numbers:
        value = cell(tables, number)
        assert float(number["value"]) == value
        assert shown_matches(number["text"], value), number
    assert not shown_matches("0.10", 0.0947 + 0.02)  # the check can fail
    assert not shown_matches("£38.3m", 38.4e6) and not shown_matches("76%", 0.7449)


# -------------------------------------------------------------------------- assumptions


def study(**overrides) -> Study:
    return Study.from_validated(validate_config(minimal_config(**overrides)))


def test_assumptions_report_this_studys_tests():
    found = {a.name: a for a in study_assumptions(
        {"did": did_table(pretrend_p=0.01),
         "event_study": pd.DataFrame({"outcome": "life_satisfaction",
                                      "estimator": "callaway_santanna", "rel_time": [-1.0],
                                      "estimate": [0.02], "ci_low": [-0.05],
                                      "ci_high": [0.09]})},
        study(), LABELS)}
    assert found["Parallel trends"].status == CAUTION
    assert "Life satisfaction, the event study: p = 0.010" in found["Parallel trends"].finding
    assert found["No anticipation"].status == HOLDS
    assert "0.02 (CI -0.05 to 0.09)" in found["No anticipation"].finding
    assert found["No spillover"].status == UNTESTED


def test_a_shifting_composition_of_repeated_cross_sections_is_flagged():
    def descriptives(programme):
        return pd.DataFrame({"outcome": "ls", "wave": [1, 1, 2, 2], "group": [
            "comparison", "programme"] * 2, "n": [500, 500, 500, programme]})
    rcs = study(design="repeated_cross_section")
    steady = {a.name: a for a in study_assumptions({"descriptives": descriptives(520)}, rcs,
                                                   {})}["Stable composition"]
    shifted = {a.name: a for a in study_assumptions({"descriptives": descriptives(800)}, rcs,
                                                    {})}["Stable composition"]
    assert steady.status == HOLDS and shifted.status == CAUTION
    assert "1: 50%, 2: 62%" in shifted.finding  # 800 / 1300


def test_the_source_of_a_mapping_to_life_satisfaction_is_stated():
    cba = {"outcome": "swemwbs_metric", "population": 10, "duration_years": 1,
           "costs": {"0": 1}, "mapping": {"factor": 0.27, "source": "A published bridge"}}
    config = minimal_config(cba=cba)
    config["outcomes"] = ["swemwbs_metric", *config["outcomes"]]
    config.setdefault("scales", {})["swemwbs"] = {"items": [f"swemwbs_{i}" for i in range(1, 8)]}
    found = {a.name: a for a in study_assumptions({}, Study.from_validated(
        validate_config(config)), {})}
    assert "factor of 0.27" in found["Value of the effect"].test
    assert "A published bridge" in found["Value of the effect"].finding


# ---------------------------------------------------------------------------- formatting


def test_cells_read_as_people_expect():
    assert format_value(38_323_502.06, POUNDS) == "£38,323,502"
    assert format_value(-316_220.9, POUNDS) == "-£316,221"
    assert format_value(-0.002449, PERCENT) == "-0.2%"
    assert format_value(0.015, RATE) == "1.50%"
    assert fmt_p(0.0004) == "p < 0.001" and fmt_p(0.0421) == "p = 0.042"
    assert outcome_label("life_satisfaction", LABELS) == "Life satisfaction (0-10)"


def test_tables_format_each_column_by_its_kind():
    cba = pd.DataFrame({"scenario": ["central"], "benefits_pv": [1.674e8], "roi": [-0.0024],
                        "bcr": [1.2968], "estimator": ["callaway_santanna"]})
    shown = readable(cba, "cba").iloc[0]
    assert shown["benefits_pv"] == "£167,400,000" and shown["roi"] == "-0.2%"
    assert shown["bcr"] == "1.30" and shown["estimator"] == "Callaway-Sant'Anna"
    sensitivity = pd.DataFrame({"input": ["discounting", "wellby_value", "attribution"],
                                "low_value": [0.015, 10_000.0, 0.8],
                                "high_value": [0.035, 16_000.0, 1.0]})
    shown = readable(sensitivity, "cba_sensitivity")
    assert shown["low_value"].tolist() == ["1.50%", "£10,000", "80.0%"]
    assert shown["high_value"].tolist() == ["3.50%", "£16,000", "100.0%"]
    did = pd.DataFrame({"outcome": ["life_satisfaction"], "p_value": [3e-21],
                        "n_obs": [58741], "estimate": [0.0958]})
    shown = readable(did, "did", LABELS).iloc[0]
    assert (shown["outcome"], shown["p_value"], shown["n_obs"], shown["estimate"]) == (
        "Life satisfaction (0-10)", "<0.001", "58,741", "0.096")
    marked = readable(pd.DataFrame({"n_persons": ["<10", 12_345.0]}), "subgroups")
    assert marked["n_persons"].tolist() == ["<10", "12,345"]


def test_too_little_power_for_the_break_even_effect_is_a_caveat():
    def power(at_breakeven):
        return pd.DataFrame({"outcome": ["life_satisfaction", "swemwbs_metric"],
                             "power": [0.8, 0.8], "mde": [0.081, 0.13],
                             "breakeven_effect": [0.074, np.nan],
                             "power_at_breakeven": [at_breakeven, np.nan]})
    low = verdict({"power": power(0.72)}).caveats
    assert texts(low) == [
        "The design had 72% power to detect the break-even effect on life satisfaction "
        "(0.074; the smallest effect it detects with 80% power is 0.081): an effect just "
        "worth the money could have been missed (see Power)."]
    tables = {"power": power(0.72)}
    for number in shown_numbers("".join(s.html() for s in low)):
        assert float(number["value"]) == cell(tables, number)
        assert shown_matches(number["text"], cell(tables, number))
    assert verdict({"power": power(0.85)}).caveats == []


def test_parallel_trends_says_what_slope_the_pre_trend_test_can_see():
    from wellby.analysis.pretrend_power import PRETREND_POWER_COLUMNS, pretrend_power

    power = pd.DataFrame({"outcome": "life_satisfaction", "test": ["joint_wald"] * 2,
                          "slope": [0.053, 0.074], "target_power": [0.5, 0.8]})
    found = study_assumptions({"did": did_table(), "pretrend_power": power}, study(), LABELS)
    assert ("linear pre-trend with 80% power at a slope of 0.074 per wave (Life satisfaction)"
            in found[0].finding)
    assert "Roth" not in study_assumptions({"did": did_table()}, study(), LABELS)[0].finding
    assert list(pretrend_power(None).columns) == PRETREND_POWER_COLUMNS


def test_an_effect_a_small_violation_explains_is_a_caveat():
    def sensitivity(breakdown):
        return pd.DataFrame({"outcome": "life_satisfaction", "estimator": "event_study",
                             "method": ["relative_magnitudes", "smoothness"],
                             "value": [0.0, 0.0], "breakdown": [breakdown, 0.005]})
    fragile = verdict({"sensitivity": sensitivity(0.144)}).caveats
    assert texts(fragile) == [
        "Life satisfaction (the event study): the effect's sign holds only while post-start "
        "violations of parallel trends stay below 0.14 times the largest pre-start one "
        "(Rambachan and Roth 2023): a violation smaller than those already seen before the "
        "start could explain the effect away."]
    assert verdict({"sensitivity": sensitivity(1.6)}).caveats == []


def test_value_for_money_if_parallel_trends_fail_is_said_from_cba_robust():
    def robust(lower):
        values = np.linspace(0, 2, 10)
        return pd.DataFrame({"outcome": "life_satisfaction", "estimator": "callaway_santanna",
                             "method": "relative_magnitudes", "value": values,
                             "bcr_lb": lower - values, "bcr_ub": 2 + values,
                             "breakdown_pays": np.nan if lower < 1 else 0.2222222222222222})
    fragile = robust(0.04)
    said = verdict({"cba_robust": fragile}).value
    assert texts(said) == [
        "Allowing for failing parallel trends: even with exact parallel trends the benefit-cost "
        "ratio at the lower end of the robust interval is 0.04, below 1; with violations as "
        "large as the pre-start ones (Mbar = 0.89) the central benefit-cost ratio lies "
        "between -0.85 and 2.89 (Callaway-Sant'Anna's robust set, Rambachan and Roth 2023)."]
    paying = robust(1.5)
    text = verdict({"cba_robust": paying}).value[0].text()
    assert text.startswith("The case still pays at the lower end of the robust interval while "
                           "post-start violations of parallel trends stay within 0.22 times")
    for tables in ({"cba_robust": fragile}, {"cba_robust": paying}):
        for number in shown_numbers(verdict(tables).value[0].html()):
            assert float(number["value"]) == cell(tables, number)
            assert shown_matches(number["text"], cell(tables, number))
