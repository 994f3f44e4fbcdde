"""WELLBY cost-benefit analysis under the Green Book wellbeing guidance.

A change of one point of life satisfaction (0-10) for one person for one year is one
WELLBY. Benefits in year t = effect x persons x WELLBY value; present values use the
Green Book discount factors (year 0 undiscounted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.greenbook import discount_factors, wellby_value

CBA_COLUMNS = ["scenario", "wellby_value", "wellbys", "benefits_pv", "costs_pv", "npv", "bcr",
               "roi", "effect", "price_year", "discounting"]
HEADLINE_TERM = {"twfe": "att", "event_study": "att", "callaway_santanna": "att_simple"}


def cost_benefit(effect: float, *, population: float, duration_years: int,
                 costs: Mapping[int, float], first_benefit_year: int = 0,
                 price_year: int = 2019, discounting: str = "health",
                 scenarios: tuple[str, ...] = ("low", "central", "high")) -> pd.DataFrame:
    """Compute the WELLBY cost-benefit case for each WELLBY value scenario.

    Parameters
    ----------
    effect : float
        Effect on life satisfaction, points on the 0-10 scale, per person per year.
    population : float
        Persons reached each year.
    duration_years : int
        Years the effect lasts, from ``first_benefit_year``.
    costs : mapping of int to float
        Programme costs by appraisal year (0 = first year), in ``price_year`` prices.
    first_benefit_year : int, default 0
        Appraisal year in which benefits start.
    price_year : int, default 2019
        Prices of the WELLBY value and the costs.
    discounting : {"health", "standard"}, default "health"
        Green Book schedule (wellbeing is discounted at the health rate, 1.5%).
    scenarios : tuple of str
        WELLBY value scenarios.

    Returns
    -------
    pandas.DataFrame
        One row per scenario with the columns of ``CBA_COLUMNS``.
    """
    cost_years = {int(year): float(value) for year, value in costs.items()}
    horizon = max(first_benefit_year + duration_years, max(cost_years) + 1)
    factors = discount_factors(horizon, discounting)
    benefit_years = np.arange(first_benefit_year, first_benefit_year + duration_years)
    wellbys_per_year = effect * population
    wellbys = wellbys_per_year * duration_years
    discounted_wellbys = wellbys_per_year * factors[benefit_years].sum()
    costs_pv = sum(value * factors[year] for year, value in cost_years.items())
    rows = []
    for scenario in scenarios:
        value = wellby_value(scenario, price_year)
        benefits_pv = discounted_wellbys * value
        npv = benefits_pv - costs_pv
        rows.append({"scenario": scenario, "wellby_value": value, "wellbys": wellbys,
                     "benefits_pv": benefits_pv, "costs_pv": costs_pv, "npv": npv,
                     "bcr": benefits_pv / costs_pv if costs_pv else np.nan,
                     "roi": npv / costs_pv if costs_pv else np.nan,
                     "effect": effect, "price_year": price_year, "discounting": discounting})
    return pd.DataFrame(rows, columns=CBA_COLUMNS)


def headline_effect(did: pd.DataFrame, outcome: str, estimator: str) -> float:
    """Pick the effect that feeds the cost-benefit case from the DiD table."""
    term = HEADLINE_TERM[estimator]
    match = did[(did["outcome"] == outcome) & (did["estimator"] == estimator) &
                (did["term"] == term)]
    if len(match) != 1:
        raise DataError(f"the DiD table has no single '{term}' row for outcome '{outcome}' "
                        f"and estimator '{estimator}'", config_key="cba.outcome")
    return float(match["estimate"].iloc[0])


def cba_from_did(did: pd.DataFrame, cba: Mapping[str, Any]) -> pd.DataFrame:
    """Run :func:`cost_benefit` on the headline estimate named by the config's ``cba``."""
    effect = headline_effect(did, cba["outcome"], cba["estimator"])
    return cost_benefit(effect, population=cba["population"],
                        duration_years=cba["duration_years"],
                        costs={int(k): v for k, v in cba["costs"].items()},
                        first_benefit_year=cba["first_benefit_year"],
                        price_year=cba["price_year"], discounting=cba["discounting"])
