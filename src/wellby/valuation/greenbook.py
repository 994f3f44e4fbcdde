"""HM Treasury Green Book parameters: WELLBY values, deflators and discount factors.

The parameters are the published figures copied from ``shared/reference`` into
``wellby/data`` (see ``data/SOURCES.md`` and ``data/greenbook_sources.csv``):

- WELLBY values, low / central / high, in 2019 prices (HMT Wellbeing Guidance for
  Appraisal, July 2021);
- GDP deflators at market prices, calendar years, 2024 = 100;
- social time preference rates by year band: standard, health, catastrophic.

Each function is small and pure and checks its arguments, in the manner of the R package
``greenbook``, whose conventions these follow: year 0 of an appraisal is undiscounted and
the discount factor of year t is ``1 / prod_{s=1..t} (1 + r_s)`` with ``r_s`` the rate of
the band that contains year s.
"""

from __future__ import annotations

import numbers
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

WELLBY_BASE_YEAR = 2019
SCENARIOS = ("low", "central", "high")
SCHEDULES = ("standard", "health", "catastrophic")


def _read(name: str) -> pd.DataFrame:
    with resources.files("wellby.data").joinpath(name).open() as handle:
        return pd.read_csv(handle)


def _check_year(year, name: str) -> int:
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise ValueError(f"{name} must be a whole calendar year, not {year!r}")
    return int(year)


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


def deflator_years() -> tuple[int, int]:
    """Return the first and last calendar years of the GDP deflator series."""
    index = gdp_deflator().index
    return int(index.min()), int(index.max())


def rebase(value: float, from_year: int, to_year: int) -> float:
    """Re-express a value in another year's prices with the GDP deflator.

    Parameters
    ----------
    value : float
        The value in ``from_year`` prices (or, for a nominal cash figure, the cash spent in
        calendar year ``from_year``).
    from_year, to_year : int
        Calendar years; both must be in the deflator series.

    Returns
    -------
    float
        ``value * deflator[to_year] / deflator[from_year]``.

    Notes
    -----
    A nominal (cash) amount spent in year Y is, in the Green Book's words, converted to
    real terms in the price year P by exactly this ratio, so the same function turns
    nominal costs into real ones (see :func:`real_terms`).
    """
    from_year = _check_year(from_year, "from_year")
    to_year = _check_year(to_year, "to_year")
    deflator = gdp_deflator()
    for year in (from_year, to_year):
        if year not in deflator.index:
            first, last = deflator_years()
            raise ValueError(f"no GDP deflator for {year} (available {first}-{last})")
    if from_year == to_year:
        return float(value)
    return float(value * deflator[to_year] / deflator[from_year])


def real_terms(nominal: float, cash_year: int, price_year: int) -> float:
    """Convert a nominal (cash) amount spent in ``cash_year`` into ``price_year`` prices.

    Parameters
    ----------
    nominal : float
        Cash spent in calendar year ``cash_year``.
    cash_year, price_year : int
        Calendar years in the GDP deflator series.

    Returns
    -------
    float
        ``nominal * deflator[price_year] / deflator[cash_year]``.
    """
    return rebase(nominal, cash_year, price_year)


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
        The published value rebased with :func:`rebase`: central in 2024 prices is
        ``13000 * 100 / 81.1085``.
    """
    table = wellby_values().set_index("scenario")
    if scenario not in table.index:
        raise ValueError(f"unknown WELLBY scenario '{scenario}' (use {list(table.index)})")
    row = table.loc[scenario]
    return rebase(float(row["value_gbp"]), int(row["base_year"]), price_year)


def wellby_range(price_year: int = WELLBY_BASE_YEAR) -> dict[str, float]:
    """Return the low, central and high WELLBY values in ``price_year`` prices."""
    return {scenario: wellby_value(scenario, price_year) for scenario in SCENARIOS}


def _check_schedule(schedule: str) -> None:
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown discount schedule '{schedule}' (use {list(SCHEDULES)})")


def discount_rates(n_years: int, schedule: str = "standard") -> np.ndarray:
    """Return the discount rate r_t for years t = 0 .. n_years - 1 (r_0 is unused).

    Parameters
    ----------
    n_years : int
        Number of appraisal years (at least 1).
    schedule : {"standard", "health", "catastrophic"}
        The Green Book schedule.

    Returns
    -------
    numpy.ndarray
        The rate that discounts year t relative to year t - 1.
    """
    _check_schedule(schedule)
    if isinstance(n_years, bool) or not isinstance(n_years, numbers.Integral) or n_years < 1:
        raise ValueError(f"n_years must be a whole number of years >= 1, not {n_years!r}")
    table = stpr_schedule()
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
        The Green Book schedule: standard 3.5% for years 1-30, 3.0% for 31-75, 2.5% for
        76-125, ...; health 1.5%, 1.29%, 1.07%, ... over the same bands.

    Returns
    -------
    numpy.ndarray
        ``DF(0) = 1`` and ``DF(t) = DF(t - 1) / (1 + r_t)``, with r_t the schedule's rate
        for year t; so on the standard schedule year 31 is DF(30) / 1.030.
    """
    rates = discount_rates(n_years, schedule)
    growth = np.concatenate([[1.0], 1.0 + rates[1:]])
    return 1.0 / np.cumprod(growth)


def discount_factor(year: int, schedule: str = "standard") -> float:
    """Return the discount factor of one appraisal year (year 0 = 1, undiscounted)."""
    if isinstance(year, bool) or not isinstance(year, numbers.Integral) or year < 0:
        raise ValueError(f"year must be a whole appraisal year >= 0, not {year!r}")
    return float(discount_factors(int(year) + 1, schedule)[-1])
