"""The column dictionary of the published tables: what each column means, its unit, its format.

``tables.xlsx`` (:mod:`wellby.report.workbook`) formats every column by its *kind*
(pounds, percentages, counts, estimates, p-values, ...) and lists every sheet and column
with its description and unit on its first sheet. Both come from here: :data:`SHEETS`
describes each table, :data:`COLUMNS` each column by name, and :data:`TABLE_COLUMNS` the
columns whose meaning depends on the table (``group`` is a cohort in ``group_time`` and a
comparison arm in ``descriptives``). :func:`describe_column` looks a column up and, for a
column not in the dictionary, infers a numeric or text kind from its values.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wellby.report.disclosure import COUNT_COLUMNS


@dataclass(frozen=True)
class Kind:
    """A type of column: how its numbers are shown and whether it holds numbers at all.

    Parameters
    ----------
    name : str
        Short name (``"pounds"``, ``"count"``, ...).
    number_format : str
        Excel number format of its cells.
    numeric : bool
        Whether the column holds only numbers (or empty cells).
    """

    name: str
    number_format: str
    numeric: bool


TEXT = Kind("text", "@", False)
POUNDS = Kind("pounds", "£#,##0", True)
PERCENT = Kind("percent", "0.0%", True)
RATE = Kind("rate", "0.00%", True)
COUNT = Kind("count", "#,##0", True)
ESTIMATE = Kind("estimate", "0.000", True)
P_VALUE = Kind("p_value", "0.000", True)
RATIO = Kind("ratio", "0.00", True)
FACTOR = Kind("factor", "0.0000", True)
WELLBYS = Kind("wellbys", "#,##0.0", True)
YEAR = Kind("year", "0", True)
INTEGER = Kind("integer", "0", True)
NUMBER = Kind("number", "General", True)

KINDS = {kind.name: kind for kind in (TEXT, POUNDS, PERCENT, RATE, COUNT, ESTIMATE, P_VALUE,
                                      RATIO, FACTOR, WELLBYS, YEAR, INTEGER, NUMBER)}


@dataclass(frozen=True)
class Column:
    """One column of a published table.

    Parameters
    ----------
    description : str
        What the column holds.
    unit : str
        Its unit (``"text"`` for text).
    kind : Kind
        How it is formatted.
    """

    description: str
    unit: str
    kind: Kind

    @property
    def number_format(self) -> str:
        """The Excel number format of the column's cells."""
        return self.kind.number_format


def _c(description: str, unit: str, kind: Kind) -> Column:
    return Column(description, unit, kind)


_OUTCOME_UNITS = "points of the outcome's scale (percentage points for a derived share)"
_LS = "life-satisfaction points (0-10) per person"
_GBP = "£, price-year prices"

#: Sheet name -> what the sheet holds.
SHEETS: dict[str, str] = {
    "README": "This sheet: how to read the workbook, its markers, and every sheet and column.",
    "data_checks": "Data checks raised on the input waves (read these first).",
    "cleaning_summary": "Rows read, excluded and analysed in each wave.",
    "exclusions": "Rows excluded in cleaning, counted by wave and rule.",
    "corrections": "Item values set to missing in cleaning, counted by wave, column and rule.",
    "linkage": "Respondents flagged by the panel linkage checks, by rule and column.",
    "descriptives": "Outcome means and standard deviations by wave and arm.",
    "reliability": "Internal consistency (Cronbach's alpha) of each scale by wave.",
    "did": "Difference-in-differences estimates of the programme's effect, one row per "
           "outcome, estimator and term (tests in their own rows).",
    "event_study": "Event-study coefficients: the effect by period relative to treatment.",
    "group_time": "Staggered-adoption (Callaway-Sant'Anna) group-time effects and their "
                  "aggregations.",
    "subgroups": "Effects by subgroup level (stratified and interaction models) and tests "
                 "of equal effects.",
    "cba_inputs": "The assumptions of the cost-benefit case (input cells): change one and "
                  "the cba_schedule and cba sheets recalculate.",
    "cba": "The WELLBY cost-benefit case for the low, central and high WELLBY values; live "
           "formulas over cba_schedule and cba_inputs.",
    "cba_montecarlo": "Monte Carlo summary of the cost-benefit case (sampling error of the "
                      "estimate and the Green Book range of the WELLBY value).",
    "cba_sensitivity": "One-way sensitivity: the central NPV with each input moved alone.",
    "cba_schedule": "The appraisal year by year: persons, effect, WELLBYs, costs and their "
                    "discounting; live formulas over cba_inputs.",
    "cba_subgroups": "Who gains: the WELLBYs and their value by subgroup level.",
    "power": "Power: each outcome's minimum detectable effect from the design's own variance "
             "components, beside the WELLBY break-even effect and the power against it.",
    "power_planning": "What one more follow-up wave needs: power against the break-even "
                      "effect over a grid of areas and persons per area.",
    "sensitivity": "Robust confidence sets of the average post-start effect if "
                   "parallel trends fail (Rambachan and Roth 2023), with breakdown values.",
    "cba_robust": "The central benefit-cost ratio at the ends of the robust confidence sets.",
    "pretrend_power": "Power of the event study's pre-trend tests against a linear violation "
                      "(Roth 2022): the slope each test detects with 50% and 80% power.",
    "balance": "Balance of programme and comparison areas on each attribute and baseline "
               "outcome, before and after matching or reweighting the comparison areas.",
    "gaps": "Whether the programme widened or narrowed the gap between two subgroup levels: "
            "the difference of their effects beside the gap before the programme.",
    "distribution": "The benefits of each income quintile with Green Book distributional "
                    "weights, and the weighted benefit-cost ratio.",
}

#: Column name -> its meaning, wherever it appears.
COLUMNS: dict[str, Column] = {
    # labels
    "outcome": _c("Outcome modelled", "text", TEXT),
    "estimator": _c("Estimator (twfe, event_study, callaway_santanna, ...)", "text", TEXT),
    "term": _c("Term of the model (att = the average effect on the treated; tests in their "
               "own rows)", "text", TEXT),
    "wave": _c("Survey wave", "year", YEAR),
    "period": _c("Calendar period (wave)", "year", YEAR),
    "rel_time": _c("Periods relative to the first treated period (0 = first treated)",
                   "periods", INTEGER),
    "cohort": _c("First treated period of the area (0 = never treated)", "year", YEAR),
    "subgroup": _c("Subgroup variable", "text", TEXT),
    "level": _c("Level of the subgroup variable", "text", TEXT),
    "scale": _c("Scale scored", "text", TEXT),
    "check": _c("Data check", "text", TEXT),
    "column": _c("Column concerned", "text", TEXT),
    "severity": _c("warning or info", "text", TEXT),
    "message": _c("What the check found", "text", TEXT),
    "rule": _c("Cleaning or linkage rule", "text", TEXT),
    "note": _c("Why a row is missing or qualified", "text", TEXT),
    "suppressed": _c("primary (fewer than report.min_cell persons) or secondary "
                     "(hidden so a small count cannot be derived)", "text", TEXT),
    "vcov": _c("Covariance estimator of the standard errors", "text", TEXT),
    "inference": _c("Which inference is the headline: analytic, wild_bootstrap, "
                    "t_few_clusters or none_reliable", "text", TEXT),
    "binned": _c("End point binned into this coefficient (event study)", "text", TEXT),
    "wild_bootstrap": _c("Wild cluster bootstrap settings", "text", TEXT),
    "scenario": _c("WELLBY value scenario (Green Book low, central, high)", "text", TEXT),
    "discounting": _c("Discount schedule of the WELLBYs (Green Book)", "text", TEXT),
    "value_distribution": _c("Distribution of the WELLBY value in the draws", "text", TEXT),
    "distribution": _c("Reference distribution of a test's statistic (F or chi2)", "text", TEXT),
    "input": _c("Input moved", "text", TEXT),
    "description": _c("What the input is and how it is moved", "text", TEXT),
    "parameter": _c("Assumption of the cost-benefit case", "text", TEXT),
    "unit": _c("Unit of the value", "text", TEXT),
    # estimates
    "estimate": _c("Estimate", _OUTCOME_UNITS, ESTIMATE),
    "std_error": _c("Standard error of the estimate", _OUTCOME_UNITS, ESTIMATE),
    "ci_low": _c("Lower end of the confidence interval (models.alpha)", _OUTCOME_UNITS,
                 ESTIMATE),
    "ci_high": _c("Upper end of the confidence interval (models.alpha)", _OUTCOME_UNITS,
                  ESTIMATE),
    "wild_ci_low": _c("Lower end of the wild cluster bootstrap interval", _OUTCOME_UNITS,
                      ESTIMATE),
    "wild_ci_high": _c("Upper end of the wild cluster bootstrap interval", _OUTCOME_UNITS,
                       ESTIMATE),
    "headline_ci_low": _c("Lower end of the headline interval (see inference)",
                          _OUTCOME_UNITS, ESTIMATE),
    "headline_ci_high": _c("Upper end of the headline interval (see inference)",
                           _OUTCOME_UNITS, ESTIMATE),
    "std_effect": _c("Effect in standard deviations of the outcome in the first wave "
                     "(Glass's delta)", "standard deviations", ESTIMATE),
    "mean": _c("Mean of the outcome", _OUTCOME_UNITS, ESTIMATE),
    "sd": _c("Standard deviation of the outcome", _OUTCOME_UNITS, ESTIMATE),
    "alpha": _c("Cronbach's alpha", "coefficient (0-1)", ESTIMATE),
    "statistic": _c("Test statistic (of a test's row; df1, df2 and distribution say "
                    "which test)", "statistic", ESTIMATE),
    # p-values and degrees of freedom
    "p_value": _c("p-value (two-sided; a test's p-value in its own row)", "probability (0-1)",
                  P_VALUE),
    "p_adjusted": _c("p-value adjusted for the number of subgroup tests (Holm or "
                     "Benjamini-Hochberg)", "probability (0-1)", P_VALUE),
    "wild_p_value": _c("Wild cluster bootstrap p-value", "probability (0-1)", P_VALUE),
    "headline_p_value": _c("Headline p-value (see inference)", "probability (0-1)", P_VALUE),
    "df1": _c("Numerator degrees of freedom of the test", "degrees of freedom", INTEGER),
    "df2": _c("Denominator degrees of freedom of the test", "degrees of freedom", INTEGER),
    # counts
    "n": _c("Persons (distinct respondents)", "persons", COUNT),
    "n_obs": _c("Observations (person-waves) in the model", "person-waves", COUNT),
    "n_persons": _c("Persons (distinct respondents)", "persons", COUNT),
    "n_clusters": _c("Clusters (areas) of the standard errors", "areas", COUNT),
    "n_complete": _c("Persons who answered every item", "persons", COUNT),
    "n_treated_obs": _c("Observations of treated areas", "person-waves", COUNT),
    "n_items": _c("Items of the scale", "items", COUNT),
    "rows_in": _c("Rows read (one per respondent)", "rows (persons)", COUNT),
    "rows_excluded": _c("Rows excluded in cleaning", "rows (persons)", COUNT),
    "rows_out": _c("Rows analysed", "rows (persons)", COUNT),
    "rows": _c("Rows excluded by the rule", "rows (persons)", COUNT),
    "values": _c("Item values set to missing", "values (one per person)", COUNT),
    "count": _c("Rows or persons the check concerns", "rows or persons", COUNT),
    "draws": _c("Monte Carlo draws", "draws", COUNT),
    "seed": _c("Random seed of the draws", "integer", INTEGER),
    # the cost-benefit case
    "wellby_value": _c("Value of one WELLBY", f"{_GBP} per WELLBY", POUNDS),
    "wellbys": _c("WELLBYs, undiscounted (one WELLBY = one life-satisfaction point for one "
                  "person for one year)", "WELLBYs", WELLBYS),
    "wellbys_pv": _c("WELLBYs, discounted (present value)", "WELLBYs", WELLBYS),
    "benefits_pv": _c("Present value of the benefits", _GBP, POUNDS),
    "costs_pv": _c("Present value of the costs", _GBP, POUNDS),
    "npv": _c("Net present value: benefits_pv - costs_pv", _GBP, POUNDS),
    "bcr": _c("Benefit-cost ratio: benefits_pv / costs_pv", "ratio", RATIO),
    "roi": _c("Return on investment: npv / costs_pv", "percent of costs", PERCENT),
    "effect": _c("Net effect valued: estimate x mapping factor x attribution x "
                 "(1 - displacement)", f"{_LS} per benefit year", ESTIMATE),
    "price_year": _c("Prices of every £ figure", "year", YEAR),
    "prob_npv_positive": _c("Share of draws with a positive NPV", "percent of draws",
                            PERCENT),
    "npv_mean": _c("Mean NPV of the draws", _GBP, POUNDS),
    "npv_sd": _c("Standard deviation of the NPV of the draws", _GBP, POUNDS),
    "npv_p05": _c("5th percentile of the NPV", _GBP, POUNDS),
    "npv_p50": _c("Median NPV", _GBP, POUNDS),
    "npv_p95": _c("95th percentile of the NPV", _GBP, POUNDS),
    "bcr_mean": _c("Mean BCR of the draws", "ratio", RATIO),
    "bcr_p05": _c("5th percentile of the BCR", "ratio", RATIO),
    "bcr_p50": _c("Median BCR", "ratio", RATIO),
    "bcr_p95": _c("95th percentile of the BCR", "ratio", RATIO),
    "central_npv": _c("NPV at the estimate and the central WELLBY value", _GBP, POUNDS),
    "breakeven_effect": _c("Net effect at which NPV = 0 (central value)",
                           f"{_LS} per benefit year", ESTIMATE),
    "breakeven_estimate": _c("Estimate at which NPV = 0 (central value)", _OUTCOME_UNITS,
                             ESTIMATE),
    "low_value": _c("Input's low value", "the input's units (see description)", NUMBER),
    "high_value": _c("Input's high value", "the input's units (see description)", NUMBER),
    "base_value": _c("Input's value in the case", "the input's units (see description)",
                     NUMBER),
    "npv_low": _c("Central NPV at the low value", _GBP, POUNDS),
    "npv_high": _c("Central NPV at the high value", _GBP, POUNDS),
    "npv_base": _c("Central NPV of the case", _GBP, POUNDS),
    "swing": _c("Difference between the NPVs at the high and low values", _GBP, POUNDS),
    "year": _c("Appraisal year (0 = first year of the programme)", "year of appraisal",
               INTEGER),
    "calendar_year": _c("Calendar year of the appraisal year", "year", YEAR),
    "population": _c("Persons the effect would reach in the year (input)", "persons", COUNT),
    "persons": _c("Persons reached in the year (population in benefit years, else 0)",
                  "persons", COUNT),
    "persistence": _c("Share of the net effect left in the year (1 in the full-effect "
                      "years, then (1 - drop_off)^k)", "percent of the effect", PERCENT),
    "discount_rate": _c("Discount rate from the previous year (WELLBY schedule; input)",
                        "percent per year", RATE),
    "discount_factor": _c("Discount factor of the WELLBYs: previous factor / (1 + rate); "
                          "1 in year 0", "factor", FACTOR),
    "cost": _c("Programme cost as configured (cost_prices)", "£", POUNDS),
    "price_factor": _c("Factor to price-year prices: 1 for real costs, GDP deflator of the "
                       "price year / of the calendar year for nominal costs (input)",
                       "factor", FACTOR),
    "cost_real": _c("Cost in price-year prices: cost x price_factor", _GBP, POUNDS),
    "cost_discount_rate": _c("Discount rate from the previous year (cost schedule; input)",
                             "percent per year", RATE),
    "cost_discount_factor": _c("Discount factor of the costs: previous factor / (1 + rate); "
                               "1 in year 0", "factor", FACTOR),
    "cost_pv": _c("Present value of the year's cost: cost_real x cost_discount_factor",
                  _GBP, POUNDS),
    "share": _c("Share of the programme areas' residents (whole percent)",
                "percent of residents", PERCENT),
    "wellby_share": _c("The level's share of its subgroup variable's WELLBYs",
                       "percent of WELLBYs", PERCENT),
    "value": _c("Value of the assumption (unit in the next column)", "see unit", NUMBER),
}

#: Columns of the power tables (``power``, ``power_planning``).
POWER_COLUMNS: dict[str, Column] = {
    "design": _c("Survey design (panel or repeated_cross_section)", "text", TEXT),
    "n_areas": _c("Areas (clusters) in the design", "areas", COUNT),
    "areas": _c("Areas (clusters) in the planned design", "areas", COUNT),
    "n_treated_areas": _c("Programme areas", "areas", COUNT),
    "n_control_areas": _c("Comparison areas", "areas", COUNT),
    "persons_per_area": _c("Residents per area and wave (mean)", "persons", ESTIMATE),
    "n_pre": _c("Waves before the start (the earliest cohort's, under staggered starts)",
                "waves", INTEGER),
    "n_post": _c("Waves from the start on", "waves", INTEGER),
    "icc_area": _c("Share of the outcome's variance between areas (persistent)",
                   "share (0-1)", ESTIMATE),
    "icc_area_wave": _c("Share of the variance in area-by-wave shocks (more residents do not "
                        "average these away)", "share (0-1)", ESTIMATE),
    "rho": _c("Correlation of a resident's answers across waves (panel)", "correlation",
              ESTIMATE),
    "df": _c("Degrees of freedom of the t quantiles (areas - 2)", "degrees of freedom",
             INTEGER),
    "mde": _c("Minimum detectable effect at the power and alpha given", _OUTCOME_UNITS,
              ESTIMATE),
    "mde_sd": _c("Minimum detectable effect in standard deviations of the outcome",
                 "standard deviations", ESTIMATE),
    "power": _c("Power: the target (power table) or against the break-even effect (planning)",
                "probability (0-1)", PERCENT),
    "power_at_breakeven": _c("Power against the break-even effect", "probability (0-1)",
                             PERCENT),
    "power_now": _c("Power against the break-even effect with one more wave of today's design",
                    "probability (0-1)", PERCENT),
    "min_areas": _c("Fewest areas reaching the target power at today's residents per area",
                    "areas", COUNT),
    "min_persons": _c("Fewest residents per area reaching it with today's areas (empty: no "
                      "number can)", "persons", COUNT),
    "power_limit_persons": _c("Power with today's areas and unlimited residents per area",
                              "probability (0-1)", PERCENT),
    "target_effect": _c("The effect to detect: the WELLBY break-even effect", _OUTCOME_UNITS,
                        ESTIMATE),
    "test": _c("Pre-trend test: joint_wald (the event study's F test) or any_significant "
               "(any lead significant alone, Roth 2022)", "text", TEXT),
    "slope": _c("Linear pre-trend violation, per wave", f"{_OUTCOME_UNITS} per wave",
                ESTIMATE),
    "target_power": _c("The power the slope was solved for (empty: power computed at the "
                       "slope)", "probability (0-1)", PERCENT),
    "n_leads": _c("Pre-start coefficients tested", "coefficients", INTEGER),
}

#: Columns of the robustness tables (``sensitivity``, ``cba_robust``).
ROBUST_COLUMNS: dict[str, Column] = {
    "method": _c("relative_magnitudes (Mbar) or smoothness (M) bounds", "text", TEXT),
    "parameter": _c("The bound's name: Mbar or M", "text", TEXT),
    "value": _c("The bound: Mbar (a multiple of the largest pre-start violation) or M "
                "(outcome units per wave squared)", "bound", ESTIMATE),
    "target": _c("The effect bounded: the average of the post-start effects", "text", TEXT),
    "lb": _c("Lower end of the robust confidence set", _OUTCOME_UNITS, ESTIMATE),
    "ub": _c("Upper end of the robust confidence set", _OUTCOME_UNITS, ESTIMATE),
    "original_lb": _c("Lower end of the interval under exact parallel trends",
                      _OUTCOME_UNITS, ESTIMATE),
    "original_ub": _c("Upper end of the interval under exact parallel trends",
                      _OUTCOME_UNITS, ESTIMATE),
    "breakdown": _c("Largest bound at which the robust set excludes zero", "bound", ESTIMATE),
    "bcr_lb": _c("Central benefit-cost ratio at the robust lower end", "ratio", RATIO),
    "bcr_ub": _c("Central benefit-cost ratio at the robust upper end", "ratio", RATIO),
    "pays_at_lb": _c("The robust lower end still has a BCR of at least 1", "true/false", TEXT),
    "breakdown_pays": _c("Largest bound at which the robust lower end still pays (BCR >= 1)",
                         "bound", ESTIMATE),
}

#: (table, column) -> its meaning in that table, where it differs from :data:`COLUMNS`.
BEYOND_COLUMNS: dict[str, Column] = {
    "covariate": _c("Area attribute or baseline outcome mean balanced (categories one-hot)",
                    "text", TEXT),
    "binary": _c("Whether the attribute is 0/1 (its variance ratio is not shown)", "text",
                 TEXT),
    "mean_treated": _c("Mean over the programme areas, before any is dropped",
                       "attribute's unit", NUMBER),
    "mean_treated_after": _c("Mean over the programme areas kept (a caliper may drop some)",
                             "attribute's unit", NUMBER),
    "mean_comparison_before": _c("Mean over all comparison areas, equally weighted",
                                 "attribute's unit", NUMBER),
    "mean_comparison_after": _c("Weighted mean over the matched or reweighted comparison "
                                "areas", "attribute's unit", NUMBER),
    "smd_before": _c("Standardised mean difference before (programme minus comparison, over "
                     "the programme areas' SD)", "SDs", ESTIMATE),
    "smd_after": _c("Standardised mean difference after matching or reweighting", "SDs",
                    ESTIMATE),
    "variance_ratio_before": _c("Programme over comparison variance, before", "ratio", RATIO),
    "variance_ratio_after": _c("Programme over comparison variance, after", "ratio", RATIO),
    "comparison": _c("How the comparison areas were chosen or weighted, and how many were used",
                     "text", TEXT),
    "wellbys_low": _c("Lower end of the level's WELLBYs (from its estimate's interval)",
                      "WELLBYs", WELLBYS),
    "wellbys_high": _c("Upper end of the level's WELLBYs", "WELLBYs", WELLBYS),
    "benefits_pv_low": _c("Lower end of the present value of the benefits", _GBP, POUNDS),
    "benefits_pv_high": _c("Upper end of the present value of the benefits", _GBP, POUNDS),
    "benefits_pv_weighted": _c("Present value of the benefits x the distributional weight",
                               _GBP, POUNDS),
    "benefits_pv_weighted_low": _c("Lower end of the weighted benefits", _GBP, POUNDS),
    "benefits_pv_weighted_high": _c("Upper end of the weighted benefits", _GBP, POUNDS),
    "bcr_weighted": _c("Benefit-cost ratio with distributionally weighted benefits (costs "
                       "unweighted)", "ratio", RATIO),
    "weight": _c("Green Book distributional weight: (median income / the quintile's "
                 "income) ^ elasticity; on the total row, the benefit-weighted mean", "ratio",
                 RATIO),
    "lower": _c("The less advantaged level of the pair", "text", TEXT),
    "upper": _c("The more advantaged level of the pair", "text", TEXT),
    "baseline_gap": _c("Upper minus lower mean outcome in programme areas before they "
                       "started", _OUTCOME_UNITS, ESTIMATE),
    "verdict": _c("widened, narrowed, or no evidence of a change in the gap", "text", TEXT),
}
"""Columns of the comparison, gap and distributional tables."""

TABLE_COLUMNS: dict[tuple[str, str], Column] = {
    **{(table, column): meaning for table in ("balance", "did", "cba_subgroups", "gaps",
                                               "distribution")
       for column, meaning in BEYOND_COLUMNS.items()},
    ("gaps", "estimate"): _c("Effect in the upper level minus effect in the lower level",
                             _OUTCOME_UNITS, ESTIMATE),
    ("distribution", "share"): _c("Share of the programme areas' residents in the quintile",
                                  "percent of residents", PERCENT),
    ("subgroups", "distribution"): _c("Reference distribution of a test's statistic (F for "
                                      "the DiD subgroups, chi2 for the followed cohort)",
                                      "text", TEXT),
    ("subgroups", "n_clusters"): _c("Clusters of the standard errors: areas for the DiD "
                                    "rows, persons for the followed cohort's", "clusters",
                                    COUNT),
    **{(table, column): meaning for table in ("power", "power_planning", "pretrend_power")
       for column, meaning in POWER_COLUMNS.items()},
    **{(table, column): meaning for table in ("sensitivity", "cba_robust")
       for column, meaning in ROBUST_COLUMNS.items()},
    ("power", "breakeven_effect"): _c("The valued outcome's WELLBY break-even effect, in the "
                                      "outcome's units", _OUTCOME_UNITS, ESTIMATE),
    ("descriptives", "group"): _c("Arm: programme or comparison areas", "text", TEXT),
    ("group_time", "group"): _c("Cohort: first treated period of the group", "year", YEAR),
    ("reliability", "ci_low"): _c("Lower end of the confidence interval of alpha",
                                  "coefficient (0-1)", ESTIMATE),
    ("reliability", "ci_high"): _c("Upper end of the confidence interval of alpha",
                                   "coefficient (0-1)", ESTIMATE),
    ("linkage", "column"): _c("Column whose value changed (empty in the total row 'any')",
                              "text", TEXT),
    ("did", "estimate"): _c("Effect estimate (empty in a test's row, e.g. pretrend_wald: "
                            "see statistic)", _OUTCOME_UNITS, ESTIMATE),
    ("subgroups", "estimate"): _c("Effect estimate (empty in the heterogeneity_wald rows: "
                                  "see statistic)", _OUTCOME_UNITS, ESTIMATE),
    ("cba_montecarlo", "estimate"): _c("DiD estimate valued", _OUTCOME_UNITS, ESTIMATE),
    ("cba_montecarlo", "std_error"): _c("Its standard error (spread of the draws)",
                                        _OUTCOME_UNITS, ESTIMATE),
    ("cba_subgroups", "persons"): _c("Persons of the level reached per benefit year (mean)",
                                     "persons", COUNT),
    ("cba_subgroups", "estimate"): _c("The level's own estimate (stratified TWFE)",
                                      _OUTCOME_UNITS, ESTIMATE),
    ("cba_subgroups", "wellby_value"): _c("Central value of one WELLBY",
                                          f"{_GBP} per WELLBY", POUNDS),
    ("cba_subgroups", "benefits_pv"): _c("Present value of the level's benefits (central)",
                                         _GBP, POUNDS),
    ("cba_subgroups", "wellbys"): _c("The level's WELLBYs, undiscounted", "WELLBYs",
                                     WELLBYS),
    ("cba_schedule", "effect"): _c("Net effect that year: net effect x persistence",
                                   f"{_LS} in the year", ESTIMATE),
    ("cba_schedule", "wellbys"): _c("WELLBYs of the year: persons x effect", "WELLBYs",
                                    WELLBYS),
    ("cba_schedule", "wellbys_pv"): _c("Discounted WELLBYs: wellbys x discount_factor",
                                       "WELLBYs", WELLBYS),
}


def _is_number(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return False
    try:
        return not pd.isna(value) and float(value) == float(value)
    except (TypeError, ValueError):
        return False


def describe_column(table: str, column: str, values: pd.Series | None = None,
                    ignore: frozenset[str] = frozenset()) -> Column:
    """Return a column's description, unit and kind.

    Parameters
    ----------
    table : str
        The table (sheet) the column is in.
    column : str
        The column's name.
    values : pandas.Series, optional
        Its values, to infer the kind of a column that is not in the dictionary.
    ignore : frozenset of str, optional
        Text values that do not make a column text (the disclosure markers).

    Returns
    -------
    Column
        From :data:`TABLE_COLUMNS`, else :data:`COLUMNS`; else a count (a column of
        :data:`wellby.report.disclosure.COUNT_COLUMNS`), a number (every value numeric,
        missing or a marker) or text, described as not in the dictionary.
    """
    known = TABLE_COLUMNS.get((table, column)) or COLUMNS.get(column)
    if known is not None:
        return known
    if column in COUNT_COLUMNS:
        return _c("Count (not in the column dictionary)", "count", COUNT)
    if values is not None:
        present = [v for v in values if not (v is None or (not isinstance(v, str)
                                                             and pd.isna(v)))]
        present = [v for v in present if not (isinstance(v, str) and v in ignore)]
        if present and all(_is_number(v) for v in present):
            return _c("Number (not in the column dictionary)", "number", NUMBER)
    return _c("Text (not in the column dictionary)", "text", TEXT)
