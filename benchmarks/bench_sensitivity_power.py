"""Benchmark the parallel-trends sensitivity and the power analysis at 1,000,000 rows.

Design: 200,000 respondents x 5 waves in 300 areas (about 670 per area), half the areas
treated from wave 3 (two waves before, three from the start), with area, area-by-wave,
respondent and residual variance. The event study is fitted first (not timed); then

- the sensitivity: :func:`wellby.analysis.trend_sensitivity.trend_sensitivity`, relative
  magnitudes and smoothness on R HonestDiD's default ten-point grids, the average
  post-start effect, with both breakdown values;
- the power: :func:`wellby.analysis.study_power.study_power` (variance components, the
  minimum detectable effect, the planning grid against a break-even effect) and the Roth
  (2022) power of the pre-trend tests.

Run:  .venv/bin/python benchmarks/bench_sensitivity_power.py [rows]

Prints the wall time and the peak memory traced (tracemalloc) of each; the targets are
under 30 s each on 2 cores.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from wellby.analysis.pretrend_power import pretrend_power
from wellby.analysis.study_power import study_power
from wellby.analysis.trend_sensitivity import trend_sensitivity
from wellby.config import Study, validate_config
from wellby.config.typed import TrendSensitivity
from wellby.estimators.event_study import fit_event_study

N_AREAS, N_WAVES, START = 300, 5, 3


def make_data(rows: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    persons = rows // N_WAVES
    area = rng.integers(0, N_AREAS, persons)
    cohort = np.where(area < N_AREAS // 2, START, 0)
    data = pd.DataFrame({"person_id": np.repeat(np.arange(persons), N_WAVES),
                         "area_id": np.repeat(area, N_WAVES),
                         "cohort": np.repeat(cohort, N_WAVES),
                         "wave": np.tile(np.arange(1, N_WAVES + 1), persons)})
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    shocks = rng.normal(scale=0.2, size=(N_AREAS, N_WAVES))
    data["life_satisfaction"] = (
        7 + rng.normal(scale=0.4, size=N_AREAS)[data["area_id"]]
        + shocks[data["area_id"], data["wave"] - 1]
        + np.repeat(rng.normal(scale=0.9, size=persons), N_WAVES)
        + 0.1 * data["treated"] + rng.normal(scale=1.2, size=len(data)))
    return data


def timed(label: str, work):
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:<48} {seconds:7.2f} s   peak traced {peak:8.1f} MB")
    return result


def main(rows: int) -> None:
    data = make_data(rows)
    print(f"{len(data):,} rows, {N_AREAS} areas, {N_WAVES} waves")
    study = Study.from_validated(validate_config({
        "data": {"waves": [{"wave": 1, "path": "unused.csv"}]},
        "columns": {"id": "person_id", "wave": "wave", "area": "area_id", "cohort": "cohort"},
        "design": "panel", "outcomes": ["life_satisfaction"],
        "cba": {"population": 30000, "duration_years": 4, "costs": {"0": 1.5e8}}}))
    result = fit_event_study(data, "life_satisfaction", "person_id", "wave", "cohort",
                             cluster="area_id")
    average = TrendSensitivity(enabled=True, mbar=[], m=[], periods=False)
    sensitivity = timed("sensitivity (both methods, breakdowns)", lambda: trend_sensitivity(
        result, "life_satisfaction", average, 0.05))
    print(sensitivity.groupby("method")["breakdown"].first().to_string())
    power, _ = timed("power (components, MDE, planning)",
                     lambda: study_power(data, study, breakeven_effect=0.08))
    print(power[["mde", "std_error", "power_at_breakeven", "min_areas"]].to_string())
    timed("pre-trend test power (Roth 2022)", lambda: pretrend_power(result))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
