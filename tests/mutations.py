"""Hand-picked mutations of wellby: do the tests notice when the arithmetic is wrong?

Each mutation replaces one exact snippet of one file under ``src/wellby`` (code or packaged
data) with a plausible mistake, runs the listed test files against the mutated copy and
reports KILLED (a test failed) or SURVIVED (every test passed: the tests cannot see it).

Usage, from the project root::

    .venv/bin/python tests/mutations.py                 # every mutation
    .venv/bin/python tests/mutations.py --only NAME ... # some of them (repeatable)
    .venv/bin/python tests/mutations.py --list          # names and descriptions

The source tree is never modified in place: for each mutation ``src/`` is copied to a
temporary directory, the copy is mutated, and pytest runs with ``PYTHONPATH`` pointing at
the copy (which wins over the editable install's ``.pth`` entry); a subprocess with the
same environment first checks that ``wellby`` and the mutated module are imported from
the copy. Before the mutations, the same test files are run on an unmutated copy (the
baseline): a mutation only counts as killed if the tests passed without it.

Exit status: 0 when every mutation is killed, 1 when one survives, 2 on an error (a
snippet not found exactly once, a failing baseline, the copy not being imported, pytest
not running).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "wellby"
PYTEST_ARGS = ("-x", "-q", "-m", "not slow", "-p", "no:cacheprovider", "-n", "0")  # in process


@dataclass(frozen=True)
class Mutation:
    """One named change of one file under ``src/wellby`` and the tests that should see it."""

    name: str
    path: str  # relative to src/wellby
    before: str  # must occur exactly once in the file
    after: str
    tests: tuple[str, ...]  # test files, relative to the project root
    description: str


VALUATION = ("tests/test_valuation.py",)
GREENBOOK = ("tests/test_greenbook.py",)
COVARIANCE = ("tests/test_covariance.py",)
STAGGERED = ("tests/test_staggered.py",)
DISCLOSURE = ("tests/test_disclosure.py",)
SUBGROUPS = ("tests/test_subgroups.py",)
SCALES = ("tests/test_scales.py",)
VERDICT = ("tests/test_verdict.py",)
WORKBOOK = ("tests/test_workbook.py",)

MUTATIONS: tuple[Mutation, ...] = (
    # (a) the WELLBY (health) discount schedule -------------------------------------------
    Mutation(
        "discount_wellbys_default_standard", "config/schema.yaml",
        "        enum: [health, standard]\n        default: health\n",
        "        enum: [health, standard]\n        default: standard\n",
        VALUATION, "WELLBYs discounted at the standard 3.5% by default, not the health 1.5%"),
    Mutation(
        "discount_wellbys_standard_in_schedule", "valuation/appraisal.py",
        "    factors = discount_factors(inputs.horizon, inputs.discounting)\n"
        "    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)\n",
        '    factors = discount_factors(inputs.horizon, "standard")\n'
        "    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)\n",
        VALUATION, "benefit_schedule/cost_benefit discount WELLBYs on the standard schedule"),
    Mutation(
        "discount_wellbys_standard_in_kernel", "valuation/appraisal.py",
        "    factors = discount_factors(inputs.horizon, inputs.discounting)\n"
        "    years = inputs.benefit_years\n",
        '    factors = discount_factors(inputs.horizon, "standard")\n'
        "    years = inputs.benefit_years\n",
        VALUATION, "break-even, Monte Carlo, sensitivity, subgroups on the standard schedule"),
    Mutation(
        "discount_costs_default_health", "config/schema.yaml",
        "        enum: [standard, health]\n        default: standard\n",
        "        enum: [standard, health]\n        default: health\n",
        VALUATION, "costs discounted at the health 1.5% by default, not the standard 3.5%"),
    Mutation(
        "discount_rates_read_standard_column", "valuation/greenbook.py",
        "        rates[inside] = band[schedule]\n",
        '        rates[inside] = band["standard"]\n',
        GREENBOOK + VALUATION, "every schedule takes the standard rates"),
    Mutation(
        "discount_health_data_first_band_standard", "data/greenbook_stpr_schedule.csv",
        "0,30,0.035,0.015,0.030\n",
        "0,30,0.035,0.035,0.030\n",
        GREENBOOK + VALUATION, "packaged health rate for years 0-30 set to 3.5%"),
    # (b) small-sample factors of the clustered covariance ---------------------------------
    Mutation(
        "crv1_drop_G_over_G_minus_1", "estimators/covariance.py",
        "    factor = g / (g - 1) * (n - 1) / (n - k)\n",
        "    factor = (n - 1) / (n - k)\n",
        COVARIANCE, "CRV1 without the G/(G-1) factor"),
    Mutation(
        "crv1_drop_N_minus_1_over_N_minus_K", "estimators/covariance.py",
        "    factor = g / (g - 1) * (n - 1) / (n - k)\n",
        "    factor = g / (g - 1)\n",
        COVARIANCE, "CRV1 without the (N-1)/(N-K) factor"),
    Mutation(
        "crv1_df_N_minus_K", "estimators/covariance.py",
        "        df_resid=g - 1,\n",
        "        df_resid=n - k,\n",
        COVARIANCE, "clustered t inference on N-K instead of G-1 degrees of freedom"),
    Mutation(
        "hc1_factor_N_minus_1", "estimators/covariance.py",
        "    factor = n / (n - k)\n",
        "    factor = (n - 1) / (n - k)\n",
        COVARIANCE, "HC1 scaled by (N-1)/(N-K) instead of N/(N-K)"),
    Mutation(
        "fixef_nested_still_counted", "estimators/covariance.py",
        "        if any(flags):\n",
        "        if False:\n",
        COVARIANCE, "fixed effects nested in the clusters still counted in K"),
    # (c) Callaway-Sant'Anna aggregation weights -------------------------------------------
    Mutation(
        "cs_cells_equal_weights", "estimators/callaway_santanna/aggregate.py",
        "        wts = self.pg[which] / self.pg[which].sum()\n",
        "        wts = np.full(which.size, 1.0 / which.size)\n",
        STAGGERED, "simple/event-time/calendar aggregation: equal, not cohort-size, weights"),
    Mutation(
        "cs_group_equal_weights", "estimators/callaway_santanna/aggregate.py",
        "    wts = pgk / pgk.sum()\n",
        "    wts = np.full(pgk.size, 1.0 / pgk.size)\n",
        STAGGERED, "group aggregation: cohorts weighted equally, not by size"),
    Mutation(
        "cs_simple_without_weight_influence", "estimators/callaway_santanna/aggregate.py",
        "    est, coef = cs.combine(np.flatnonzero(post), True)\n",
        "    est, coef = cs.combine(np.flatnonzero(post), False)\n",
        STAGGERED, "simple ATT's influence function ignores the estimated weights"),
    # (d) disclosure threshold -----------------------------------------------------------
    Mutation(
        "small_count_le_min_cell", "report/disclosure.py",
        "    return (values > 0) & (values < min_cell)\n",
        "    return (values > 0) & (values <= min_cell)\n",
        DISCLOSURE, "a count equal to min_cell marked as small"),
    Mutation(
        "small_count_below_min_cell_minus_1", "report/disclosure.py",
        "    return (values > 0) & (values < min_cell)\n",
        "    return (values > 0) & (values < min_cell - 1)\n",
        DISCLOSURE, "a count of min_cell - 1 published"),
    Mutation(
        "protect_primary_le_min_cell", "report/disclosure.py",
        "        primary = [cell for cell, value in values.items() if 0 < value < min_cell]\n",
        "        primary = [cell for cell, value in values.items() if 0 < value <= min_cell]\n",
        DISCLOSURE, "cell suppression treats a cell of exactly min_cell persons as small"),
    Mutation(
        "protect_primary_below_min_cell_minus_1", "report/disclosure.py",
        "        primary = [cell for cell, value in values.items() if 0 < value < min_cell]\n",
        "        primary = [cell for cell, value in values.items() if 0 < value < min_cell - 1]\n",
        DISCLOSURE, "cell suppression publishes a cell of min_cell - 1 persons"),
    Mutation(
        "subgroup_level_le_min_cell", "analysis/subgroups.py",
        "        if 0 < n_persons < min_cell:\n",
        "        if 0 < n_persons <= min_cell:\n",
        SUBGROUPS, "a subgroup level of exactly min_cell persons not estimated"),
    # (e) GDP deflator / price base ---------------------------------------------------------
    Mutation(
        "rebase_ratio_inverted", "valuation/greenbook.py",
        "    return float(value * deflator[to_year] / deflator[from_year])\n",
        "    return float(value * deflator[from_year] / deflator[to_year])\n",
        GREENBOOK + VALUATION, "rebasing divides by the target year's deflator"),
    Mutation(
        "wellby_value_not_rebased", "valuation/greenbook.py",
        '    return rebase(float(row["value_gbp"]), int(row["base_year"]), price_year)\n',
        '    return float(row["value_gbp"])\n',
        GREENBOOK + VALUATION, "WELLBY value left in 2019 prices whatever the price year"),
    Mutation(
        "nominal_costs_not_deflated", "valuation/inputs.py",
        "        out[year] = real_terms(value, calendar, inputs.price_year)\n",
        "        out[year] = value\n",
        VALUATION, "nominal costs taken as real"),
    Mutation(
        "nominal_costs_deflator_year_off_by_one", "valuation/inputs.py",
        "        out[year] = real_terms(value, calendar, inputs.price_year)\n",
        "        out[year] = real_terms(value, calendar - 1, inputs.price_year)\n",
        VALUATION, "nominal costs deflated with the previous calendar year's deflator"),
    Mutation(
        "deflator_data_2018_changed", "data/greenbook_gdp_deflator.csv",
        "2018,79.1606\n",
        "2018,79.5000\n",
        GREENBOOK + VALUATION, "packaged 2018 GDP deflator differs from the HMT series"),
    # (f) WELLBY value per point ------------------------------------------------------------
    Mutation(
        "wellby_scenarios_low_high_swapped", "valuation/greenbook.py",
        'SCENARIOS = ("low", "central", "high")\n',
        'SCENARIOS = ("high", "central", "low")\n',
        GREENBOOK + VALUATION, "low and high WELLBY scenarios swapped"),
    Mutation(
        "wellby_data_central_16000", "data/greenbook_wellby.csv",
        "central,2019,13000,",
        "central,2019,16000,",
        GREENBOOK + VALUATION, "packaged central WELLBY value 16,000 instead of 13,000"),
    Mutation(
        "subgroup_value_at_high", "valuation/distribution.py",
        '    value = wellby_value("central", inputs.price_year)\n'
        "    persons = mean_persons(inputs)\n",
        '    value = wellby_value("high", inputs.price_year)\n'
        "    persons = mean_persons(inputs)\n",
        VALUATION, "subgroups valued at the high WELLBY value"),
    Mutation(
        "breakeven_at_high", "valuation/appraisal.py",
        '    net = costs_pv / (wellby_value("central", inputs.price_year) * kernel)\n',
        '    net = costs_pv / (wellby_value("high", inputs.price_year) * kernel)\n',
        VALUATION, "break-even effect at the high WELLBY value"),
    Mutation(
        "sensitivity_central_npv_at_low", "valuation/uncertainty.py",
        '    value = wellby_value("central", inputs.price_year) if value is None else value\n',
        '    value = wellby_value("low", inputs.price_year) if value is None else value\n',
        VALUATION, "one-way sensitivity around the low WELLBY value"),
    Mutation(
        "montecarlo_triangular_mode_high", "valuation/uncertainty.py",
        "        values = rng.triangular(low, central, high, draws)\n",
        "        values = rng.triangular(low, high, high, draws)\n",
        VALUATION, "Monte Carlo WELLBY value peaks at the high value"),
    Mutation(
        "montecarlo_uniform_low_central", "valuation/uncertainty.py",
        "        values = rng.uniform(low, high, draws)\n",
        "        values = rng.uniform(low, central, draws)\n",
        VALUATION, "uniform Monte Carlo WELLBY value drawn from low-central"),
    # (g) Holm adjustment -------------------------------------------------------------------
    Mutation(
        "holm_none_in_adjust_p_values", "analysis/multiple_testing.py",
        "            adjusted[present] = holm\n",
        "            adjusted[present] = raw\n",
        SUBGROUPS, "adjust_p_values returns the raw p-values"),
    Mutation(
        "holm_none_in_subgroup_table", "analysis/subgroups.py",
        '            table.loc[index, "p_adjusted"] = adjust_p_values(table.loc[index, '
        '"p_value"],\n'
        '                                                             settings.adjust)\n',
        '            table.loc[index, "p_adjusted"] = table.loc[index, "p_value"]\n',
        SUBGROUPS, "subgroup effects' p_adjusted left unadjusted"),
    Mutation(
        "holm_default_to_bh", "config/schema.yaml",
        "            enum: [holm, fdr_bh]\n            default: holm\n",
        "            enum: [holm, fdr_bh]\n            default: fdr_bh\n",
        SUBGROUPS, "subgroups adjusted by Benjamini-Hochberg by default, not Holm"),
    # (h) SWEMWBS Rasch conversion -------------------------------------------------------
    Mutation(
        "swemwbs_lookup_offset_one_row", "prepare/scales.py",
        "    metric = rounded.map(swemwbs_metric_table())\n",
        "    metric = (rounded + 1).map(swemwbs_metric_table())\n",
        SCALES, "raw total looked up one row down the conversion table"),
    Mutation(
        "swemwbs_table_shifted_one_row", "prepare/scales.py",
        '    return table.set_index("raw")["metric"]\n',
        '    return table.set_index("raw")["metric"].shift(1)\n',
        SCALES, "conversion table's metric column shifted by one row"),
    Mutation(
        "swemwbs_rounding_half_to_even", "prepare/scales.py",
        "    rounded = np.floor(raw + 0.5)\n",
        "    rounded = np.round(raw)\n",
        SCALES, "prorated totals rounded half to even before the lookup"),
    # (f) the report's verdict and the workbook's live case --------------------------------
    Mutation(
        "auto_values_twfe_under_staggering", "valuation/inputs.py",
        '    if "callaway_santanna" in estimators and (n_cohorts > 1 or "twfe" not in '
        'estimators):\n',
        '    if "callaway_santanna" in estimators and "twfe" not in estimators:\n',
        VALUATION, "cba.estimator auto values TWFE even when areas start in several waves"),
    Mutation(
        "verdict_interval_ignores_the_headline", "report/verdict.py",
        '    if "headline_ci_low" in row and pd.notna(row["headline_ci_low"]):\n',
        '    if False:\n',
        VERDICT, "the verdict states the analytic interval where a bootstrap is the headline"),
    Mutation(
        "verdict_disagreement_never_flagged", "report/verdict.py",
        "        if not outside:\n            continue\n",
        "        if True:\n            continue\n",
        VERDICT, "TWFE and Callaway-Sant'Anna disagreeing is never a caveat"),
    Mutation(
        "workbook_bcr_formula_is_roi", "report/workbook_cba.py",
        """            "bcr": f"={c('benefits_pv')}/{c('costs_pv')}",\n""",
        """            "bcr": f"={c('npv')}/{c('costs_pv')}",\n""",
        WORKBOOK, "the live cost-benefit sheet's BCR formula divides the NPV by costs"),
    Mutation(
        "matching_weights_not_rescaled", "analysis/comparison_methods.py",
        "        weights[control] *= (weights[control] > 0).sum() / total\n",
        "        weights[control] *= 1.0\n",
        ("tests/test_comparison.py",),
        "matched comparison weights are not rescaled to the number of matched controls"),
    Mutation(
        "area_weight_ignores_survey_weight", "analysis/area_weights.py",
        "        weight = weight * out[columns.weight].to_numpy(dtype=float)\n",
        "        weight = weight * 1.0\n",
        ("tests/test_study_comparison.py",),
        "the area weight replaces the survey weight instead of multiplying it"),
    Mutation(
        "unmatched_areas_kept", "analysis/area_weights.py",
        "    keep = area_weight > 0\n",
        "    keep = area_weight >= 0\n",
        ("tests/test_study_comparison.py",),
        "comparison areas never matched stay in the estimation sample"),
    Mutation(
        "derived_at_least_strict", "prepare/derived.py",
        '            return {"at_least": x >= t,',
        '            return {"at_least": x > t,',
        ("tests/test_derived.py",), "at_least read as above: anxiety 6 is not high anxiety"),
    Mutation(
        "gap_verdict_sign_ignored", "analysis/gaps.py",
        "np.sign(estimate) == np.sign(baseline_gap)",
        "np.sign(estimate) != np.sign(baseline_gap)",
        ("tests/test_distributional_value.py",),
        "a gap that widened is called narrowed"),
    Mutation(
        "distributional_weight_inverted", "valuation/distributional_weights.py",
        "    return ((reference_income / series) ** elasticity).rename(\"weight\")\n",
        "    return ((series / reference_income) ** elasticity).rename(\"weight\")\n",
        ("tests/test_distributional_value.py",),
        "richer quintiles get the larger Green Book weight"),
    # (issue 17) the speed-ups: each is a rewrite of an established computation -----------
    Mutation(
        "cs_wif_weight_term_halved", "estimators/callaway_santanna/aggregate.py",
        "    return a / s - c * (pg_k @ att_k) / s**2\n",
        "    return a / s - c * (pg_k @ att_k) / s**2 / 2\n",
        ("tests/test_staggered.py", "tests/test_cs_fast_paths.py"),
        "the weight-estimation term of the aggregations' influence functions halved"),
    Mutation(
        "cs_difference_in_means_control_scale", "estimators/callaway_santanna/drdid.py",
        "    scale = np.where(treat, n / sum_t, -n / sum_c)\n",
        "    scale = np.where(treat, n / sum_t, -n / sum_t)\n",
        ("tests/test_staggered.py",),
        "the control units' influence scaled by the cohort's weight"),
    Mutation(
        "cs_basis_cohort_weights_dropped", "estimators/callaway_santanna/aggregate.py",
        "    basis[treated, k + dat.cohort[treated]] = dat.w[treated]\n",
        "    basis[treated, k + dat.cohort[treated]] = 0.0\n",
        ("tests/test_staggered.py",),
        "the cohort-weight columns of the covariance basis left empty"),
    Mutation(
        "absorb_small_factors_within_term_dropped", "estimators/fixed_effects.py",
        "        col += (scaled @ coef)[big]\n",
        "        col += 0.0\n",
        ("tests/test_fixed_effects.py",),
        "the few-level factors' dummies not demeaned within the unit"),
    Mutation(
        "random_intercept_reml_determinant_dropped", "estimators/random_intercept.py",
        "        value += logdet\n",
        "        value += 0.0\n",
        ("tests/test_cohort.py",),
        "REML without its log-determinant term (maximum likelihood under REML's name)"),
    Mutation(
        "baseline_level_not_first_wave", "analysis/subgroups.py",
        "    order = answered[np.lexsort((wave.to_numpy(dtype=float)[answered], "
        "person_codes[answered]))]\n",
        "    order = answered[np.argsort(person_codes[answered], kind=\"stable\")]\n",
        SUBGROUPS, "a person's subgroup taken from their first row, not their first wave"),
    # (k) issue 17, third session: grouping on codes, ASCII ids, the ARP test -----------------
    Mutation(
        "several_values_missed", "prepare/grouping.py",
        "    return np.unique(group_codes[value_codes != representative[group_codes]])\n",
        "    return np.unique(group_codes[value_codes < representative[group_codes]])\n",
        ("tests/test_grouping.py",),
        "a group whose later rows take a larger value is not seen to vary"),
    Mutation(
        "missing_id_linked", "prepare/panel.py",
        "    linked = (waves_per_person > 1) & (pair_person > 0)\n",
        "    linked = waves_per_person > 1\n",
        ("tests/test_grouping.py",),
        "rows without an id counted as one respondent linked across waves"),
    Mutation(
        "ascii_shape_digit", "prepare/ingest.py",
        '_SHAPE_OF_BYTE[ord("0"):ord("9") + 1] = ord("9")\n',
        '_SHAPE_OF_BYTE[ord("1"):ord("9") + 1] = ord("9")\n',
        ("tests/test_ascii_ids.py",),
        "the digit 0 kept as itself in an id's shape"),
    Mutation(
        "arp_right_tail_unmirrored", "estimators/honest_did_inference.py",
        "    return np.where(right, share < 1.0 - p, share > p)\n",
        "    return share > p\n",
        ("tests/test_honest_did.py",),
        "intervals in the right tail compared without mirroring back"),
    # (l) issue 17, fourth session: the triple difference absorbed once -------------------
    Mutation(
        "split_absorbed_when_not_nested", "estimators/ols.py",
        "        if not (fe_codes and all(is_nested(codes, level_codes) for codes in fe_codes)):\n",
        "        if not fe_codes:\n",
        ("tests/test_split_regressor.py",),
        "the regressor split after absorbing although the fixed effects cross the levels"),
    Mutation(
        "split_norm_unweighted", "estimators/ols.py",
        "    level_norm = np.sqrt(np.bincount(level_codes, weights=squares, minlength=n_levels))\n",
        "    level_norm = np.sqrt(np.bincount(level_codes, minlength=n_levels))\n",
        ("tests/test_split_regressor.py",),
        "each level's norm before absorbing counted in rows, not in weighted squares"),
    Mutation(
        "refined_end_rejected", "estimators/honest_did_inference.py",
        "            accepted = float(points[refused[0] - 1])\n",
        "            accepted = float(points[refused[0]])\n",
        ("tests/test_honest_did.py",),
        "a robust set's end refined onto the first rejected point"),
    Mutation(
        "describe_counts_unnamed_rows", "analysis/describe.py",
        "        named = person_codes >= 0  # rows without an id are no one's\n",
        "        named = person_codes >= -1\n",
        ("tests/test_describe.py",),
        "rows without an id counted as one more person in each cell"),
    Mutation(
        "describe_cluster_se_unadjusted", "analysis/describe.py",
        "        se = np.sqrt(g / (g - 1) * meat) / rows\n",
        "        se = np.sqrt(meat) / rows\n",
        ("tests/test_describe.py", "tests/test_figures.py"),
        "the cell mean's clustered SE without the G / (G - 1) correction"),
    Mutation(
        "background_write_kept_on_failure", "background_write.py",
        "        except BaseException:\n            wait([writing])\n"
        "            partial.unlink(missing_ok=True)\n            raise\n",
        "        finally:\n            wait([writing])\n",
        ("tests/test_background_write.py",),
        "the analysis file renamed into place although a check stopped the step"),
    Mutation(
        "panel_checks_skipped", "prepare/panel.py",
        "        check_one_area_per_person(rows, columns.id, columns.area, columns.wave, "
        "sources)\n",
        "",
        ("tests/test_background_write.py",),
        "the panel step's checks no longer stop a respondent answering from two areas"),
    Mutation(
        "out_of_range_value_kept", "prepare/clean.py",
        "            data[column] = values.mask(out)\n",
        "            data[column] = values\n",
        ("tests/test_data_gate.py",),
        "an out-of-range answer recorded as set to missing but kept in the cleaned wave"),
    Mutation(
        "nested_cells_gram_half", "analysis/variance_components.py",
        "            if s != t:\n                gram[:, s, t] -= cross\n",
        "",
        ("tests/test_power.py",),
        "the area blocks of the within-person cell dummies' Gram matrix left unsymmetric"),
    Mutation(
        "nested_cells_not_demeaned", "analysis/variance_components.py",
        "    effects -= (np.bincount(person, weights=effects, minlength=n_persons)\n",
        "    effects -= 0 * (np.bincount(person, weights=effects, minlength=n_persons)\n",
        ("tests/test_power.py",),
        "the fitted cell effects not demeaned within persons"),
    Mutation(
        "level_persons_counts_rows", "analysis/subgroups.py",
        "    return pd.Series(distinct_per_group(ids[placed], level[placed], n_levels),\n",
        "    return pd.Series(np.bincount(level[placed], minlength=n_levels),\n",
        ("tests/test_subgroups.py",),
        "a subgroup level's persons counted as its rows when the ids are integer codes"),
    Mutation(
        "repeated_person_waves_missed", "analysis/designs.py",
        "    return int((counts[counts > 1] - 1).sum())\n",
        "    return int((counts[counts > 2] - 1).sum())\n",
        ("tests/test_design_matrix.py",),
        "a person answering twice in a wave let through when the ids are integer codes"),
    Mutation(
        "area_weight_lookup_shifted", "analysis/area_weights.py",
        "        return np.where(np.isnan(at), np.nan, weight[np.nan_to_num(at)"
        ".astype(np.intp)])\n",
        "        return np.where(np.isnan(at), np.nan, weight[::-1][np.nan_to_num(at)"
        ".astype(np.intp)])\n",
        ("tests/test_study_comparison.py",),
        "each row given another area's comparison weight (Arrow's lookup)"),
    Mutation(
        "sparse_gram_one_sided", "estimators/fixed_effects.py",
        "        gram += np.bincount(columns[second] * n_columns + columns[first], weights=pair,\n"
        "                            minlength=size)\n",
        "",
        ("tests/test_fixed_effects.py",),
        "the sparse Gram matrix of the small factors' counts given one side of each pair"),
    Mutation(
        "weighted_members_kept", "analysis/area_weights.py",
        "        area_weight[~rows] = 0.0  # left out like an area weighted 0\n",
        "        pass\n",
        ("tests/test_study_comparison.py",),
        "a followed cohort's rows kept among the residents the weights are applied to"),
    Mutation(
        "stacked_blocks_local_clusters", "estimators/ols.py",
        "    cl_codes = compress_codes(np.concatenate(clusters))[0] if vcov == \"cluster\" "
        "else None\n",
        "    cl_codes = compress_codes(np.concatenate([b.clusters for b in blocks]))[0] "
        "if vcov == \"cluster\" else None\n",
        ("tests/test_nested_blocks.py",),
        "the pooled model's clusters numbered within each level, so areas no longer span "
        "levels"),
    Mutation(
        "stacked_blocks_shared_units", "estimators/ols.py",
        "        offsets = np.cumsum([0] + [int(b.fe_codes[f].max()) + 1 for b in blocks[:-1]])\n",
        "        offsets = [0] * len(blocks)\n",
        ("tests/test_nested_blocks.py",),
        "the levels' fixed effects not told apart when their designs are stacked"),
    Mutation(
        "pooled_nesting_unchecked", "analysis/subgroups.py",
        "    if not is_nested(compress_codes(units[known])[0], level[known]):\n",
        "    if False:\n",
        SUBGROUPS,
        "the pooled model taken from the levels' fits though a person is in two levels"),
    Mutation(
        "block_cluster_sums_misaligned", "estimators/covariance.py",
        "    sums = np.column_stack([np.bincount(codes[rows], weights=score, "
        "minlength=counts.size)\n",
        "    sums = np.column_stack([np.bincount(codes[:len(score)], weights=score, "
        "minlength=counts.size)\n",
        COVARIANCE,
        "each block's scores summed by the first rows' clusters, not its own rows'"),
    Mutation(
        "block_hc1_meat_summed", "estimators/covariance.py",
        "        meat = np.diag([s @ s for s in scores])\n",
        "        meat = np.diag([s.sum() ** 2 for s in scores])\n",
        COVARIANCE,
        "the block-diagonal HC1 meat as the square of each block's summed scores"),
    Mutation(
        "residents_read_drops_unknown_members", "prepare/analysis_file.py",
        "        options[\"filters\"] = (flag != 1) | flag.is_null()  # as residents(): NaN is "
        "kept\n",
        "        options[\"filters\"] = flag != 1\n",
        ("tests/test_analysis_file.py",),
        "rows without a member flag dropped when the residents are read from the file"),
    Mutation(
        "checksum_cache_ignores_file_state", "input_checksums.py",
        "key = (os.path.abspath(str(self.file)), state, args,",
        "key = (os.path.abspath(str(self.file)), args,",
        ("tests/test_input_checksums.py",),
        "an input's checksum reused after the file changed (kept by path alone)"),
    Mutation(
        "checksum_wrapper_not_installed", "workflow/rules/common.smk",
        "hash_each_input_once()\n", "pass\n",
        ("tests/test_input_checksums.py",),
        "the study's workflow leaves Snakemake hashing each input once per output"),
    Mutation(
        "job_peak_read_as_bytes", "job_benchmarks.py",
        "                return int(line.split()[1]) * 1024 / _MIB  # kB\n",
        "                return int(line.split()[1]) / _MIB  # kB\n",
        ("tests/test_job_benchmarks.py",),
        "a job's peak memory read in the wrong unit (kB taken for bytes)"),
    Mutation(
        "job_record_not_written", "runner.py",
        "        write_job_record(record_path, job_record())\n", "        pass\n",
        ("tests/test_job_benchmarks.py",),
        "a step that succeeds leaves no record of its time and memory"),
    Mutation(
        "stacked_waves_not_in_wave_order", "prepare/stacked_waves.py",
        "        tables.sort(key=lambda table: _first_wave(table, wave_column))  # stable\n",
        "        pass\n",
        ("tests/test_stacked_waves.py",),
        "the panel's waves stacked in the order of their files, not of their waves"),
    Mutation(
        "stacked_waves_categories_unchecked", "prepare/stacked_waves.py",
        "if any(not chunk.dictionary.equals(chunks[0].dictionary) for chunk in chunks[1:]):",
        "if False:",
        ("tests/test_stacked_waves.py",),
        "waves whose categories differ stacked in Arrow: the first wave's categories lost"),
    Mutation(
        "shifted_wave_check_counts_members", "prepare/panel.py",
        "counts_by_group_and_value(data[wave], data[column], rows=rows)",
        "counts_by_group_and_value(data[wave], data[column])",
        ("tests/test_panel_check_rows.py",),
        "the shifted-wave check counts a followed cohort's rows with the residents'"),
    Mutation(
        "distribution_check_population_sd", "prepare/panel.py",
        "np.std(values[answered], ddof=1)", "np.std(values[answered], ddof=0)",
        ("tests/test_panel_check_rows.py",),
        "a wave's distance from the others in population, not sample, SDs"),
    Mutation(
        "sorted_codes_fractions_as_whole", "prepare/grouping.py",
        "    if array.dtype.kind == \"f\" and not np.array_equal(offsets + low, given):",
        "    if False:",
        ("tests/test_grouping.py",),
        "answers such as 1.5 coded by subtraction as if they were whole numbers"),
    Mutation(
        "area_text_kept_as_any_string_type", "prepare/areas.py",
        "        if values.dtype == TEXT:", "        if isinstance(values.dtype, pd.StringDtype):",
        ("tests/test_grouping.py",),
        "an area file's 'string' column attached with another type than before"),
    Mutation(
        "step_output_not_flushed_before_exit", "runner.py",
        "            stream.flush()\n", "            pass\n",
        ("tests/test_runner_end.py",),
        "a step's buffered output lost when its process ends at once"),
)


def check_snippets(mutations) -> list[str]:
    """Return one message per mutation whose snippet is not found exactly once."""
    problems = []
    names = [m.name for m in MUTATIONS]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"{name}: the name is used more than once")
    for mutation in mutations:
        path = PACKAGE / mutation.path
        if not path.is_file():
            problems.append(f"{mutation.name}: no file src/wellby/{mutation.path}")
            continue
        count = path.read_text(encoding="utf-8").count(mutation.before)
        if count != 1:
            problems.append(f"{mutation.name}: the snippet occurs {count} times in "
                            f"src/wellby/{mutation.path} (must be exactly once):\n"
                            f"{mutation.before}")
        for test in mutation.tests:
            if not (ROOT / test).is_file():
                problems.append(f"{mutation.name}: no test file {test}")
    return problems


def copy_source(tmp: Path) -> Path:
    """Copy src/ into ``tmp`` and return the copy's ``src`` directory."""
    src = tmp / "src"
    shutil.copytree(ROOT / "src", src,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    return src


def environment(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def module_name(path: str) -> str:
    """The module to import to load ``path`` (data files: the package itself)."""
    if path.endswith(".py"):
        return "wellby." + path[:-3].replace("/", ".")
    return "wellby"


def check_import(src: Path, path: str, env: dict[str, str]) -> None:
    """Fail unless wellby and the mutated module are imported from the copy ``src``."""
    module = module_name(path)
    code = ("import importlib, sys; import wellby; "
            f"m = importlib.import_module({module!r}); print(wellby.__file__); "
            "print(m.__file__)")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not import {module} from the copy:\n{done.stderr}")
    for loaded in done.stdout.split():
        if not Path(loaded).resolve().is_relative_to(src.resolve()):
            raise RuntimeError(f"{module} was imported from {loaded}, not from the mutated "
                               f"copy {src}: PYTHONPATH does not win over the installed "
                               "package")


def run_tests(tests, env) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "pytest", *tests, *PYTEST_ARGS], env=env,
                          cwd=ROOT, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def baseline(tests) -> None:
    """Run the test files on an unmutated copy; they must pass."""
    with tempfile.TemporaryDirectory(prefix="wellby-baseline-") as tmp:
        src = copy_source(Path(tmp))
        env = environment(src)
        check_import(src, "", env)
        code, output = run_tests(tests, env)
    if code != 0:
        raise RuntimeError(f"the tests fail without any mutation (exit {code}); fix them "
                           f"first:\n{output[-3000:]}")
    print(f"baseline: {last_line(output)}", flush=True)


def run_mutation(mutation: Mutation, verbose: bool) -> tuple[str, str]:
    """Apply one mutation to a copy of src/ and run its tests: (status, pytest's last line)."""
    with tempfile.TemporaryDirectory(prefix="wellby-mutant-") as tmp:
        src = copy_source(Path(tmp))
        target = src / "wellby" / mutation.path
        text = target.read_text(encoding="utf-8")
        if text.count(mutation.before) != 1:
            raise RuntimeError(f"{mutation.name}: snippet not found exactly once")
        target.write_text(text.replace(mutation.before, mutation.after), encoding="utf-8")
        env = environment(src)
        check_import(src, mutation.path, env)
        code, output = run_tests(mutation.tests, env)
    if verbose:
        print(output)
    status = {0: "SURVIVED", 1: "KILLED"}.get(code, f"ERROR (pytest exit {code})")
    if status.startswith("ERROR"):
        print(output[-3000:], file=sys.stderr)
    return status, last_line(output)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this mutation (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run on the unmutated copy")
    parser.add_argument("-v", "--verbose", action="store_true", help="print pytest's output")
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:45} src/wellby/{m.path}: {m.description}")
        return 0
    chosen = list(MUTATIONS)
    if args.only:
        unknown = sorted(set(args.only) - {m.name for m in MUTATIONS})
        if unknown:
            print(f"unknown mutation {unknown}; see --list", file=sys.stderr)
            return 2
        chosen = [m for m in MUTATIONS if m.name in args.only]
    problems = check_snippets(chosen)
    if problems:
        print("mutations that do not apply:\n" + "\n".join(problems), file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        if not args.no_baseline:
            baseline(sorted({t for m in chosen for t in m.tests}))
        rows = []
        for mutation in chosen:
            began = time.perf_counter()
            status, summary = run_mutation(mutation, args.verbose)
            seconds = time.perf_counter() - began
            rows.append((mutation, status, seconds, summary))
            print(f"{status:9} {mutation.name} ({seconds:.1f}s): {summary}", flush=True)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    width = max(len(m.name) for m, *_ in rows)
    print(f"\n{'mutation':{width}}  {'file':32}  {'status':9}  seconds")
    for mutation, status, seconds, _ in rows:
        print(f"{mutation.name:{width}}  {mutation.path:32}  {status:9}  {seconds:7.1f}")
    killed = sum(status == "KILLED" for _, status, *_ in rows)
    survived = [m.name for m, status, *_ in rows if status == "SURVIVED"]
    errors = [m.name for m, status, *_ in rows if status.startswith("ERROR")]
    print(f"\n{killed} killed, {len(survived)} survived, {len(errors)} errors, of {len(rows)} "
          f"mutations in {time.perf_counter() - start:.0f}s")
    if survived:
        print("survived: " + ", ".join(survived))
    if errors:
        return 2
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
