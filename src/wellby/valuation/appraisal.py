"""WELLBY cost-benefit analysis under the Green Book wellbeing guidance: the deterministic case.

A change of one point of life satisfaction (0-10) for one person for one year is one
WELLBY (HM Treasury, *Wellbeing Guidance for Appraisal*, July 2021). The programme's
effect, estimated by difference-in-differences, is turned into WELLBYs year by year,
valued at the Green Book's low / central / high unit values rebased to the price year, and
discounted; costs are brought to the same price year and discounted; the case is
summarised per scenario (``cba.csv``), with its uncertainty (Monte Carlo, break-even,
one-way sensitivity) and who gains (subgroups).

This module holds the deterministic case: the year-by-year schedule, the low / central /
high summary, the break-even effect and the headline estimate it values. The inputs are
checked in :mod:`wellby.valuation.inputs`, the uncertainty is drawn in
:mod:`wellby.valuation.uncertainty` and who gains is valued in
:mod:`wellby.valuation.distribution`.

The pipeline, in order (each step a small pure function):

1. :func:`~wellby.valuation.inputs.cba_inputs` reads the config's ``cba`` section (typed,
   or validated against the schema) into a :class:`~wellby.valuation.inputs.CbaInputs`;
2. :func:`headline_effect` picks the estimate and its standard error from ``did.csv``;
3. :func:`benefit_schedule` lays out the appraisal year by year (a reviewer can recompute
   every present value from it by hand);
4. :func:`cost_benefit`, :func:`breakeven_effect`,
   :func:`~wellby.valuation.uncertainty.monte_carlo`,
   :func:`~wellby.valuation.uncertainty.one_way_sensitivity` and
   :func:`~wellby.valuation.distribution.subgroup_value` summarise it;
5. :func:`~wellby.valuation.uncertainty.tornado_plot` and
   :func:`~wellby.valuation.uncertainty.montecarlo_plot` draw it.

Notes
-----
Conventions, shared by every function here and in the other modules of
:mod:`wellby.valuation` (inputs, uncertainty, distribution):

- *Appraisal years* count from 0, the first year of the programme; year 0 is undiscounted
  and year t is discounted by the Green Book factor ``1 / prod_{s=1..t} (1 + r_s)``.
- *Net effect* (life-satisfaction points per person per benefit year) =
  estimate x mapping factor x attribution x (1 - displacement). The estimate is in the
  outcome's own units; the mapping factor converts it to life-satisfaction points (1 when
  the outcome is life satisfaction).
- *Benefit years*: the full net effect in each of ``duration_years`` years from
  ``first_benefit_year``; then, in the k-th of ``persistence_years`` further years, the
  net effect x ``(1 - drop_off) ** k``.
- *WELLBYs* in a year = persons that year x the year's effect; ``wellbys`` in the tables
  is their undiscounted sum, ``wellbys_pv`` their discounted sum.
- *Discounting*: WELLBYs on ``discounting`` (Green Book wellbeing guidance: the health
  schedule, 1.5% for years 1-30 then 1.29%, ..., because the wealth effect is excluded
  from wellbeing values), costs on ``cost_discounting`` (the standard schedule, 3.5% then
  3.0%, ..., as for any financial cost).
- *Prices*: every £ figure is in ``price_year`` prices. WELLBY values are rebased from
  2019 prices with the GDP deflator; nominal costs of appraisal year t are cash spent in
  calendar year ``start_year + t`` and are converted with deflator[price_year] /
  deflator[start_year + t].
- NPV = PV benefits - PV costs; BCR = PV benefits / PV costs; ROI = NPV / PV costs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import Cba
from wellby.errors import DataError
from wellby.valuation.greenbook import SCENARIOS, discount_factors, wellby_value
from wellby.valuation.inputs import (
    HEADLINE_TERM,
    NOT_VALUED,
    CbaInputs,
    cba_inputs,
    valued_estimator,
)

CBA_COLUMNS = ["scenario", "wellby_value", "wellbys", "benefits_pv", "costs_pv", "npv", "bcr",
               "roi", "effect", "wellbys_pv", "price_year", "discounting", "estimator"]
SCHEDULE_COLUMNS = ["year", "calendar_year", "persons", "persistence", "effect", "wellbys",
                    "discount_factor", "wellbys_pv", "cost", "cost_real",
                    "cost_discount_factor", "cost_pv"]


# --------------------------------------------------------------------------- the case

def check_effect(effect: Any, name: str = "effect") -> float:
    """Return ``effect`` as a float, or raise ValueError unless it is a finite number."""
    if isinstance(effect, bool) or not isinstance(effect, numbers.Real) or not math.isfinite(
            effect):
        raise ValueError(f"{name} must be a finite number, not {effect!r}")
    return float(effect)


def present_value_kernel(inputs: CbaInputs) -> tuple[float, float]:
    """Return (discounted persons x persistence, PV costs) of the appraisal.

    PV benefits are linear in the net effect and the WELLBY value:
    ``benefits_pv = value x net effect x kernel``.
    """
    factors = discount_factors(inputs.horizon, inputs.discounting)
    years = inputs.benefit_years
    persons = np.array([inputs.persons(year) for year in years])
    kernel = float(np.sum(persons * inputs.persistence * factors[years]))
    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)
    costs_pv = float(sum(value * cost_factors[year]
                         for year, value in inputs.real_costs.items()))
    return kernel, costs_pv


def mean_persons(inputs: CbaInputs) -> float:
    """Return the mean persons reached per benefit year."""
    return float(np.mean([inputs.persons(year) for year in inputs.benefit_years]))


def benefit_schedule(inputs: CbaInputs, effect: float) -> pd.DataFrame:
    """Lay out the appraisal year by year, for a reviewer to recompute by hand.

    Parameters
    ----------
    inputs : CbaInputs
    effect : float
        The DiD estimate in the outcome's units (converted with ``inputs.net_factor``).

    Returns
    -------
    pandas.DataFrame
        One row per appraisal year 0 .. horizon - 1: ``year``, ``calendar_year`` (NA
        without ``start_year``), ``persons``, ``persistence`` (share of the net effect
        left), ``effect`` (net life-satisfaction effect that year), ``wellbys`` (persons x
        effect), ``discount_factor`` (WELLBY schedule), ``wellbys_pv``, ``cost`` (as
        configured), ``cost_real`` (price-year prices), ``cost_discount_factor`` (cost
        schedule), ``cost_pv``.

    Notes
    -----
    PV benefits of a scenario = ``wellbys_pv.sum()`` x its WELLBY value; PV costs =
    ``cost_pv.sum()``; both equal the figures of :func:`cost_benefit`.
    """
    effect = check_effect(effect)
    years = np.arange(inputs.horizon)
    persistence = np.zeros(inputs.horizon)
    persistence[inputs.benefit_years] = inputs.persistence
    persons = np.array([inputs.persons(int(year)) for year in years])
    yearly_effect = effect * inputs.net_factor * persistence
    wellbys = persons * yearly_effect
    factors = discount_factors(inputs.horizon, inputs.discounting)
    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)
    cost = np.array([inputs.costs.get(int(year), 0.0) for year in years])
    cost_real = np.array([inputs.real_costs.get(int(year), 0.0) for year in years])
    calendar = pd.array([inputs.calendar_year(int(year)) for year in years], dtype="Int64")
    return pd.DataFrame({
        "year": years, "calendar_year": calendar, "persons": persons,
        "persistence": persistence, "effect": yearly_effect, "wellbys": wellbys,
        "discount_factor": factors, "wellbys_pv": wellbys * factors, "cost": cost,
        "cost_real": cost_real, "cost_discount_factor": cost_factors,
        "cost_pv": cost_real * cost_factors}, columns=SCHEDULE_COLUMNS)


def cost_benefit(inputs: CbaInputs, effect: float) -> pd.DataFrame:
    """Compute the WELLBY cost-benefit case for the low, central and high WELLBY values.

    Parameters
    ----------
    inputs : CbaInputs
    effect : float
        The DiD estimate in the outcome's units.

    Returns
    -------
    pandas.DataFrame
        One row per scenario (low, central, high) with ``CBA_COLUMNS``: scenario,
        wellby_value (£ per WELLBY, price-year prices), wellbys (undiscounted), benefits_pv,
        costs_pv, npv, bcr, roi, effect (the net life-satisfaction effect valued),
        wellbys_pv (discounted WELLBYs), price_year, discounting (the WELLBY schedule),
        estimator (whose effect is valued).

    Notes
    -----
    ``benefits_pv = wellby_value x wellbys_pv``; ``npv = benefits_pv - costs_pv``;
    ``bcr = benefits_pv / costs_pv``; ``roi = npv / costs_pv``. See the module Notes for
    how the net effect, benefit years, prices and discounting are defined.
    """
    schedule = benefit_schedule(inputs, effect)
    wellbys = float(schedule["wellbys"].sum())
    wellbys_pv = float(schedule["wellbys_pv"].sum())
    costs_pv = float(schedule["cost_pv"].sum())
    rows = []
    for scenario in SCENARIOS:
        value = wellby_value(scenario, inputs.price_year)
        benefits_pv = wellbys_pv * value
        npv = benefits_pv - costs_pv
        rows.append({"scenario": scenario, "wellby_value": value, "wellbys": wellbys,
                     "benefits_pv": benefits_pv, "costs_pv": costs_pv, "npv": npv,
                     "bcr": benefits_pv / costs_pv, "roi": npv / costs_pv,
                     "effect": float(effect) * inputs.net_factor, "wellbys_pv": wellbys_pv,
                     "price_year": inputs.price_year, "discounting": inputs.discounting,
                     "estimator": inputs.estimator})
    return pd.DataFrame(rows, columns=CBA_COLUMNS)


def breakeven_effect(inputs: CbaInputs, scale: str = "net") -> float:
    """Return the effect at which NPV = 0 at the central WELLBY value.

    Parameters
    ----------
    inputs : CbaInputs
    scale : {"net", "estimate"}, default "net"
        ``"net"``: the net life-satisfaction effect (points per person per benefit year);
        ``"estimate"``: the DiD estimate in the outcome's own units that gives it (the net
        effect divided by mapping factor x attribution x (1 - displacement)), e.g. SWEMWBS
        points when a mapping is used.

    Returns
    -------
    float
        ``costs_pv / (central value x discounted persons x persistence)``; ``inf`` when
        no one is reached.
    """
    if scale not in ("net", "estimate"):
        raise ValueError(f"scale must be 'net' or 'estimate', not {scale!r}")
    kernel, costs_pv = present_value_kernel(inputs)
    if kernel == 0:
        return math.inf
    net = costs_pv / (wellby_value("central", inputs.price_year) * kernel)
    return net if scale == "net" else net / inputs.net_factor


# --------------------------------------------------------------------------- the estimate

def headline_effect(did: pd.DataFrame, outcome: str, estimator: str) -> tuple[float, float]:
    """Pick the estimate (and its standard error) that feeds the cost-benefit case.

    Parameters
    ----------
    did : pandas.DataFrame
        The ``did.csv`` table: outcome, estimator, term, estimate, std_error, ...
    outcome : str
        The outcome valued (``cba.outcome``).
    estimator : {"twfe", "callaway_santanna"}
        ``twfe`` gives term ``att``; ``callaway_santanna`` gives ``att_simple``.

    Returns
    -------
    (float, float)
        The estimate and its standard error (NaN when the table has none).

    Raises
    ------
    wellby.errors.DataError
        With ``config_key="cba.estimator"`` for ``event_study`` (no overall effect) or an
        estimator not in the table for the outcome; ``"cba.outcome"`` when the outcome has
        no rows; also when the row is duplicated or its estimate is missing.
    """
    for column in ("outcome", "estimator", "term", "estimate"):
        if column not in did.columns:
            raise DataError(f"the DiD table has no '{column}' column", column=column)
    if estimator in NOT_VALUED:
        raise DataError(NOT_VALUED[estimator], config_key="cba.estimator")
    if estimator not in HEADLINE_TERM:
        raise DataError(f"unknown estimator '{estimator}' (value one of "
                        f"{list(HEADLINE_TERM)})", config_key="cba.estimator")
    rows = did[did["outcome"] == outcome]
    if rows.empty:
        outcomes = sorted(did["outcome"].dropna().unique().tolist())
        raise DataError(f"the DiD table has no rows for outcome '{outcome}' (it has "
                        f"{outcomes})", config_key="cba.outcome")
    term = HEADLINE_TERM[estimator]
    match = rows[(rows["estimator"] == estimator) & (rows["term"] == term)]
    if len(match) != 1:
        found = "no" if match.empty else f"{len(match)}"
        raise DataError(f"the DiD table has {found} '{term}' row for outcome '{outcome}' "
                        f"and estimator '{estimator}' (is {estimator} in "
                        "models.estimators?)", config_key="cba.estimator")
    estimate = float(match["estimate"].iloc[0])
    if not math.isfinite(estimate):
        raise DataError(f"the {estimator} '{term}' estimate for '{outcome}' is missing (see "
                        "its note in did.csv)", config_key="cba.estimator")
    std_error = (float(match["std_error"].iloc[0]) if "std_error" in match.columns
                 else math.nan)
    return estimate, std_error


def cba_from_did(did: pd.DataFrame, cba: Cba | Mapping[str, Any], *,
                 n_cohorts: int = 1) -> pd.DataFrame:
    """Run :func:`cost_benefit` on the headline estimate named by the config's ``cba``.

    ``cba`` is the typed section or a mapping, as :func:`~wellby.valuation.inputs.cba_inputs`
    takes it. ``n_cohorts`` (the distinct start waves of the programme areas) settles
    ``cba.estimator: auto`` among the estimators ``did`` holds
    (:func:`~wellby.valuation.inputs.valued_estimator`).
    """
    inputs = cba_inputs(cba)
    estimators = did.loc[did["outcome"] == inputs.outcome, "estimator"].unique().tolist()
    inputs = replace(inputs, estimator=valued_estimator(inputs.estimator, estimators,
                                                        n_cohorts))
    effect, _ = headline_effect(did, inputs.outcome, inputs.estimator)
    return cost_benefit(inputs, effect)
