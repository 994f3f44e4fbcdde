"""Benchmark matching the comparison areas and the distributional analysis at 1,000,000 rows.

Design: 200,000 respondents x 5 waves in 300 areas (about 670 per area), half the areas
treated from wave 3. Programme areas are more deprived (1 SD), and deprivation lowers life
satisfaction and its trend, so matching has work to do. Residents have a qualification
(none, below degree, degree) and a household income quintile (1-5).

Timed, as the compare, estimate, gaps and value steps run them:

- each comparison method (:func:`wellby.analysis.area_weights.choose_comparison`: the
  area features from the residents' rows, the propensity score or distance, the weights
  and the balance table), and applying the area weights to every row;
- the weighted TWFE fit on the matched set (as the estimate step runs it);
- the gap between the least and most qualified (:func:`wellby.analysis.gaps.gap_table`);
- the subgroups' values with intervals and the Green Book weighted benefits by quintile
  (:func:`wellby.valuation.distribution.subgroup_value`,
  :func:`wellby.valuation.distributional_weights.weighted_value`).

Run:  .venv/bin/python benchmarks/bench_comparison_distribution.py [rows]

Prints the wall time and peak traced memory (tracemalloc) of each; the target is under
10 s for each at 1M rows on 2 cores.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from bench_sensitivity_power import timed  # the same timing and memory line

from wellby.analysis.area_weights import apply_area_weights, choose_comparison
from wellby.analysis.gaps import gap_table
from wellby.config import Study, validate_config
from wellby.estimators.twfe import fit_twfe
from wellby.valuation.appraisal import present_value_kernel
from wellby.valuation.distribution import subgroup_value
from wellby.valuation.distributional_weights import distributional_weights, weighted_value
from wellby.valuation.inputs import cba_inputs

N_AREAS, N_WAVES, START = 300, 5, 3


def make_data(rows: int, seed: int = 2026) -> pd.DataFrame:
    """Return the benchmark's resident panel (see the module docstring)."""
    rng = np.random.default_rng(seed)
    persons = rows // N_WAVES
    programme = np.arange(N_AREAS) < N_AREAS // 2
    deprivation = rng.normal(20, 8, N_AREAS) + 8 * programme
    area = rng.integers(0, N_AREAS, persons)
    cohort = np.where(programme[area], START, 0)
    qualification = rng.integers(0, 3, persons)
    quintile = np.clip(qualification + rng.integers(0, 3, persons) + 1, 1, 5)
    wave = np.tile(np.arange(1, N_WAVES + 1), persons)
    data = pd.DataFrame({"person_id": np.repeat(np.arange(persons), N_WAVES),
                         "area_id": np.repeat(area, N_WAVES),
                         "cohort": np.repeat(cohort, N_WAVES), "wave": wave,
                         "qualification": np.repeat(qualification, N_WAVES).astype(str),
                         "income_quintile": np.repeat(quintile, N_WAVES).astype(str),
                         "deprivation": np.repeat(deprivation[area], N_WAVES)})
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    centred = (data["deprivation"] - 20) / 8
    data["life_satisfaction"] = (
        7 - 0.3 * centred - 0.03 * centred * data["wave"]
        + rng.normal(scale=0.4, size=N_AREAS)[data["area_id"]]
        + np.repeat(rng.normal(scale=0.9, size=persons), N_WAVES)
        + (0.05 + 0.05 * data["qualification"].astype(int)) * data["treated"]
        + rng.normal(scale=1.2, size=len(data)))
    return data


def study_config() -> Study:
    """The benchmark's study: matching settings, qualification and quintile subgroups."""
    return Study.from_validated(validate_config({
        "data": {"waves": [{"wave": 1, "path": "unused.csv"}]},
        "columns": {"id": "person_id", "wave": "wave", "area": "area_id", "cohort": "cohort"},
        "design": "panel", "outcomes": ["life_satisfaction"],
        "subgroups": {"qualification": {"column": "qualification",
                                        "levels": {"none": [0], "below_degree": [1],
                                                   "degree": [2]}}},
        "comparison": {"method": "nearest", "attributes": ["deprivation"],
                       "baseline_outcomes": ["life_satisfaction"]},
        "cba": {"population": 30000, "duration_years": 4, "costs": {"0": 1.5e8}}}))


def main(rows: int) -> None:
    """Time each piece at ``rows`` rows."""
    data = make_data(rows)
    study = study_config()
    columns = study.columns
    print(f"{len(data):,} rows, {N_AREAS} areas, {N_WAVES} waves")
    for method in ("nearest", "mahalanobis", "entropy", "ipw"):
        settings = {**study.comparison.as_dict(), "method": method}
        result = timed(f"comparison: {method}",
                       lambda s=settings: choose_comparison(data, s, columns))
        print(f"    largest |SMD| before {result.balance['smd_before'].abs().max():.3f}, "
              f"after {result.balance['smd_after'].abs().max():.3f}")
    weighted, weighted_columns = timed("apply the area weights to every row",
                                       lambda: apply_area_weights(data, result.weights,
                                                                  columns))
    fit = timed("weighted TWFE on the reweighted areas", lambda: fit_twfe(
        weighted, "life_satisfaction", "treated", "person_id", "wave", cluster="area_id",
        weights=weighted_columns.weight))
    print(f"    att {fit.coefficients[0].estimate:.4f} (truth about 0.10)")
    gaps = timed("gap: none vs degree (interaction model)", lambda: gap_table(
        data, ["life_satisfaction"], gaps=[{"subgroup": "qualification", "lower": "0",
                                            "upper": "2"}],
        subgroups={"qualification": {"column": "qualification",
                                     "levels": {"0": ["0"], "1": ["1"], "2": ["2"]}}},
        columns=columns, design="panel", models=study.models))
    print(gaps[["estimate", "std_error", "verdict"]].to_string(index=False))
    inputs = cba_inputs(study.cba)
    levels = [str(q) for q in range(1, 6)]
    effects = pd.DataFrame({"subgroup": "income_quintile", "level": levels,
                            "estimate": np.linspace(0.05, 0.15, 5), "std_error": 0.03})
    shares = pd.DataFrame({"subgroup": "income_quintile", "level": levels, "share": 0.2})

    def value():
        table = subgroup_value(inputs, effects, shares)
        weights = distributional_weights([12, 19, 26, 35, 55])
        return weighted_value(table, "income_quintile", weights.to_numpy(),
                              costs_pv=present_value_kernel(inputs)[1])

    table = timed("distributional value (intervals, Green Book weights)", value)
    print(table[["level", "bcr", "bcr_weighted"]].tail(1).to_string(index=False))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
