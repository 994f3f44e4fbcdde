"""HM Treasury Green Book parameters: WELLBY values, deflators and discount factors.

The parameters are the published figures copied from ``shared/reference`` into
``wellby/data`` (see ``data/SOURCES.md`` and ``data/greenbook_sources.csv``):

- WELLBY values, low / central / high, in 2019 prices (HMT Wellbeing Guidance for
  Appraisal, July 2021);
- GDP deflators at market prices, calendar years, 2024 = 100;
- social time preference rates by year band: standard, health, catastrophic.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

WELLBY_BASE_YEAR = 2019


def _read(name: str) -> pd.DataFrame:
    with resources.files("wellby.data").joinpath(name).open() as handle:
        return pd.read_csv(handle)


@cache
def wellby_values() -> pd.DataFrame:
    """Return the WELLBY unit values table: scenario, base_year, value_gbp, source."""
    return _read("greenbook_wellby.csv")


@cache
def gdp_deflator() -> pd.Series:
    """Return the GDP deflator (2024 = 100) indexed by calendar year."""
    return _read("greenbook_gdp_deflator.csv").set_index("year")["value"]


@cache
def stpr_schedule() -> pd.DataFrame:
    """Return the discount rate schedule: year_from, year_to, standard, health, catastrophic."""
    return _read("greenbook_stpr_schedule.csv")


def rebase(value: float, from_year: int, to_year: int) -> float:
    """Re-express a real value in another year's prices with the GDP deflator.

    Parameters
    ----------
    value : float
        The value in ``from_year`` prices.
    from_year, to_year : int
        Price years; both must be in the deflator series.

    Returns
    -------
    float
        ``value * deflator[to_year] / deflator[from_year]``.
    """
    deflator = gdp_deflator()
    if from_year == to_year and from_year in deflator.index:
        return float(value)
    for year in (from_year, to_year):
        if year not in deflator.index:
            raise ValueError(
                f"no GDP deflator for {year} (available {deflator.index.min()}-"
                f"{deflator.index.max()})")
    return float(value * deflator[to_year] / deflator[from_year])


def wellby_value(scenario: str = "central", price_year: int = WELLBY_BASE_YEAR) -> float:
    """Return the value of one WELLBY in a scenario, in ``price_year`` prices.

    Parameters
    ----------
    scenario : {"low", "central", "high"}
        The Green Book range: 10,000 / 13,000 / 16,000 in 2019 prices.
    price_year : int
        Prices to express the value in.

    Returns
    -------
    float
    """
    table = wellby_values().set_index("scenario")
    if scenario not in table.index:
        raise ValueError(f"unknown WELLBY scenario '{scenario}' (use {list(table.index)})")
    row = table.loc[scenario]
    return rebase(float(row["value_gbp"]), int(row["base_year"]), price_year)


def discount_rates(n_years: int, schedule: str = "standard") -> np.ndarray:
    """Return the discount rate r_t for years t = 0 .. n_years - 1 (r_0 is unused).

    Parameters
    ----------
    n_years : int
        Number of appraisal years.
    schedule : {"standard", "health", "catastrophic"}
        The Green Book schedule.

    Returns
    -------
    numpy.ndarray
        The rate that discounts year t relative to year t - 1.
    """
    table = stpr_schedule()
    if schedule not in table.columns or schedule in ("year_from", "year_to"):
        raise ValueError(f"unknown discount schedule '{schedule}'")
    years = np.arange(n_years)
    rates = np.full(n_years, np.nan)
    for _, band in table.iterrows():
        inside = (years >= band["year_from"]) & (years <= band["year_to"])
        rates[inside] = band[schedule]
    if np.isnan(rates).any():
        raise ValueError(f"the {schedule} schedule does not cover {n_years} years")
    return rates


def discount_factors(n_years: int, schedule: str = "standard") -> np.ndarray:
    """Return Green Book discount factors for years t = 0 .. n_years - 1.

    Parameters
    ----------
    n_years : int
        Number of appraisal years.
    schedule : {"standard", "health", "catastrophic"}
        The Green Book schedule.

    Returns
    -------
    numpy.ndarray
        ``DF(0) = 1`` and ``DF(t) = DF(t - 1) / (1 + r_t)``, with r_t the schedule's rate
        for year t; so on the standard schedule year 31 is DF(30) / 1.030.
    """
    rates = discount_rates(n_years, schedule)
    growth = np.concatenate([[1.0], 1.0 + rates[1:]])
    return 1.0 / np.cumprod(growth)
