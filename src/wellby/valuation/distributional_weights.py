"""Green Book distributional weights, and the benefits by income quintile weighted with them.

HM Treasury, *The Green Book* (2022), Annex A3 "Distributional weighting":

- A3.12: weighted estimates are presented alongside unweighted ones (the unweighted case
  stays the minimum requirement of social cost-benefit analysis);
- A3.14: "A review of international evidence provides an estimate of the marginal utility
  of income at 1.3" (Layard, Mayraz and Nickell 2008, *Journal of Public Economics* 92);
- A3.20: divide the median equivalised income of all households (the taxpayers who fund
  the policy) by the median equivalised income of the programme's participants (the
  quintile they are in) and raise it to the power 1.3; the Annex reports a weight of 2.5
  for the lowest quintile (Fujiwara 2010, ONS incomes) and 2.4 with 2015 data;
- A3.21: impact on society = change for the participants x weight + change for the
  taxpayers (at the median, weight 1).

So ``weight_q = (reference income / income of quintile q) ** elasticity``
(:func:`distributional_weights`). The Annex prints no table of the five quintiles'
incomes or weights (only the lowest quintile's weight), and no such table is bundled
here: the quintiles' median equivalised household incomes are a config input
(``cba.distribution.incomes``, e.g. from the ONS *Effects of taxes and benefits on
household income* or DWP *Households below average income* tables of the appraisal's
year). Given each quintile's median, the median of the five (the middle quintile's) is
the median of all households, the Annex's reference.

:func:`weighted_value` applies the weights to the benefits by quintile of
:func:`wellby.valuation.distribution.subgroup_value`. Costs are funded by taxpayers at
the median income, so they keep weight 1 (A3.21). The weights correct for the diminishing
marginal utility of income, i.e. for money-metric benefits; a WELLBY already measures
wellbeing and is valued at one price for everyone, so the weighted case is a sensitivity
shown beside the unweighted one, never in its place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import ConfigError, DataError

GREEN_BOOK_ELASTICITY = 1.3
"""Elasticity of the marginal utility of income (Green Book 2022, Annex A3.14)."""
TOTAL = "total"
WEIGHTED_VALUE_COLUMNS = ["level", "weight", "share", "wellbys", "benefits_pv",
                          "benefits_pv_weighted", "benefits_pv_low", "benefits_pv_high",
                          "benefits_pv_weighted_low", "benefits_pv_weighted_high", "costs_pv",
                          "bcr", "bcr_weighted", "note"]
INCOMES_KEY = "cba.distribution.incomes"


def distributional_weights(incomes: Sequence[float] | pd.Series,
                           elasticity: float = GREEN_BOOK_ELASTICITY,
                           reference: str | float = "median") -> pd.Series:
    """Return the Green Book distributional weight of each income.

    Parameters
    ----------
    incomes : sequence of float or pandas.Series
        Median equivalised household income of each group (e.g. quintile, lowest first);
        any consistent unit. A Series keeps its index (e.g. the quintile levels).
    elasticity : float, default 1.3
        Elasticity of the marginal utility of income (Green Book Annex A3.14).
    reference : "median" or float, default "median"
        The taxpayers' income: the median of ``incomes`` (given each quintile's median,
        the median of all households) or a positive income in the same unit.

    Returns
    -------
    pandas.Series
        ``(reference / income) ** elasticity``, named ``weight``: above 1 below the
        reference income, 1 at it, below 1 above it.

    Raises
    ------
    wellby.errors.ConfigError
        An income that is not a positive finite number, no incomes, a non-positive
        elasticity or a reference that is neither ``"median"`` nor a positive number
        (the message names ``cba.distribution.incomes`` or ``elasticity``).

    Examples
    --------
    With an elasticity of 1, £1 to someone on £20,000 is worth twice £1 to someone on
    £40,000 (Annex A3.13):

    >>> distributional_weights([20_000, 40_000], elasticity=1, reference=40_000).tolist()
    [2.0, 1.0]
    """
    series = (incomes.astype(float) if isinstance(incomes, pd.Series)
              else pd.Series(np.asarray(incomes, dtype=float)))
    if series.empty or not (np.isfinite(series) & (series > 0)).all():
        raise ConfigError(f"{INCOMES_KEY}: incomes must be positive numbers, not "
                          f"{series.tolist()}")
    if isinstance(elasticity, bool) or not (math.isfinite(elasticity) and elasticity > 0):
        raise ConfigError("cba.distribution.elasticity: must be a number above 0 (the Green "
                          f"Book's is {GREEN_BOOK_ELASTICITY}), not {elasticity!r}")
    if isinstance(reference, str):
        if reference != "median":
            raise ConfigError(f"the reference income must be 'median' or a positive number, "
                              f"not {reference!r}")
        reference_income = float(series.median())
    else:
        reference_income = float(reference)
        if not (math.isfinite(reference_income) and reference_income > 0):
            raise ConfigError(f"the reference income must be a positive number, not "
                              f"{reference!r}")
    return ((reference_income / series) ** elasticity).rename("weight")


def _level_weights(weights: Mapping[Any, float] | Sequence[float] | pd.Series,
                   levels: Sequence[Any]) -> pd.Series:
    """Weights by level: a mapping/Series by level, or a sequence in the levels' order."""
    if isinstance(weights, pd.Series | Mapping):
        by_level = {str(k): float(v) for k, v in dict(weights).items()}
        missing = [lvl for lvl in levels if str(lvl) not in by_level]
        if missing:
            raise DataError(f"no distributional weight for the quintile level(s) {missing}",
                            config_key="cba.distribution.quintiles")
        return pd.Series([by_level[str(lvl)] for lvl in levels], index=list(levels))
    values = [float(w) for w in weights]
    if len(values) != len(levels):
        raise ConfigError(f"{INCOMES_KEY}: {len(values)} weights (or incomes) for the "
                          f"{len(levels)} levels {list(levels)} of the quintile subgroup: "
                          "give one per level, lowest income first")
    return pd.Series(values, index=list(levels))


def weighted_value(subgroup_value_table: pd.DataFrame, quintile_subgroup: str,
                   weights: Mapping[Any, float] | Sequence[float] | pd.Series, *,
                   costs_pv: float) -> pd.DataFrame:
    """Weight the benefits of each income quintile and total them, with the weighted BCR.

    Parameters
    ----------
    subgroup_value_table : pandas.DataFrame
        The table of :func:`wellby.valuation.distribution.subgroup_value`.
    quintile_subgroup : str
        The subgroup whose levels are income (or deprivation) quintiles
        (``cba.distribution.quintiles``); its levels are taken in the table's order,
        lowest income first.
    weights : mapping, pandas.Series or sequence of float
        Weight of each level (by level, or in the levels' order), e.g. from
        :func:`distributional_weights`.
    costs_pv : float
        Present value of the costs (weight 1: funded by taxpayers at the median income).

    Returns
    -------
    pandas.DataFrame
        ``WEIGHTED_VALUE_COLUMNS``: one row per quintile level, then a ``total`` row.
        ``benefits_pv`` (unweighted) and ``benefits_pv_weighted`` (x weight), their
        intervals (a level's interval scales with its weight; the total has none, as the
        levels' intervals do not add), wellbys and share; ``costs_pv``, ``bcr`` and
        ``bcr_weighted`` on the total row only, whose ``weight`` is the benefit-weighted
        mean weight (weighted / unweighted benefits). A level without a value (no
        estimate) is listed with a note and left out of the totals, which then say so.

    Raises
    ------
    wellby.errors.DataError
        The table has no level of ``quintile_subgroup``, or a level has no weight.
    wellby.errors.ConfigError
        A sequence of weights of another length than the levels, or costs that are not
        positive.
    """
    rows = subgroup_value_table[subgroup_value_table["subgroup"] == quintile_subgroup]
    if rows.empty:
        raise DataError(f"the subgroup values have no level of '{quintile_subgroup}': "
                        "cba.distribution.quintiles must name a subgroup valued by level",
                        config_key="cba.distribution.quintiles")
    if not (math.isfinite(costs_pv) and costs_pv > 0):
        raise ConfigError(f"cba.costs: the present value of the costs must be positive to "
                          f"give a benefit-cost ratio, not {costs_pv!r}")
    levels = list(rows["level"])
    weight = _level_weights(weights, levels).to_numpy()
    table = pd.DataFrame({
        "level": levels, "weight": weight, "share": rows["share"].to_numpy(),
        "wellbys": rows["wellbys"].to_numpy(), "benefits_pv": rows["benefits_pv"].to_numpy(),
    })
    table["benefits_pv_weighted"] = table["benefits_pv"] * weight
    for bound in ("low", "high"):
        column = f"benefits_pv_{bound}"
        table[column] = rows[column].to_numpy() if column in rows else np.nan
        table[f"benefits_pv_weighted_{bound}"] = table[column] * weight
    valued = table["benefits_pv"].notna()
    table["note"] = np.where(valued, "", "not valued: no estimate for this level")
    unweighted = float(table.loc[valued, "benefits_pv"].sum())
    weighted = float(table.loc[valued, "benefits_pv_weighted"].sum())
    skipped = [str(lvl) for lvl in table.loc[~valued, "level"]]
    total = {"level": TOTAL, "weight": weighted / unweighted if unweighted else math.nan,
             "share": float(table.loc[valued, "share"].sum()),
             "wellbys": float(table.loc[valued, "wellbys"].sum()),
             "benefits_pv": unweighted, "benefits_pv_weighted": weighted,
             "costs_pv": costs_pv, "bcr": unweighted / costs_pv,
             "bcr_weighted": weighted / costs_pv,
             "note": (f"without the levels {skipped} (not valued)" if skipped else "")}
    out = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return out.reindex(columns=WEIGHTED_VALUE_COLUMNS)


def configured_weights(distribution: Mapping[str, Any] | Any,
                       levels: Sequence[Any]) -> pd.Series | None:
    """Return the distributional weight of each quintile level from ``cba.distribution``.

    Parameters
    ----------
    distribution : mapping or typed section
        ``cba.distribution``: ``quintiles`` (a subgroup name or None), ``elasticity``,
        ``incomes`` (the five quintiles' median incomes, lowest first).
    levels : sequence
        The quintile subgroup's levels, lowest income first.

    Returns
    -------
    pandas.Series or None
        Weights indexed by level; None when no quintile subgroup is configured.

    Raises
    ------
    wellby.errors.ConfigError
        A quintile subgroup without ``incomes`` (no published table of quintile incomes
        is bundled), or incomes of another number than the levels.
    """
    get = distribution.get if isinstance(distribution, Mapping) else (
        lambda key: getattr(distribution, key, None))
    if get("quintiles") is None:
        return None
    incomes = get("incomes")
    if incomes is None:
        raise ConfigError(f"{INCOMES_KEY}: required with cba.distribution.quintiles: give "
                          "the median equivalised household income of each quintile, "
                          "lowest first (e.g. from the ONS Effects of taxes and benefits on "
                          "household income tables); the Green Book prints no quintile "
                          "incomes to default to")
    if len(incomes) != len(levels):
        raise ConfigError(f"{INCOMES_KEY}: {len(incomes)} incomes for the {len(levels)} "
                          f"levels {list(levels)} of '{get('quintiles')}'")
    elasticity = get("elasticity")
    return distributional_weights(
        pd.Series(list(incomes), index=list(levels), dtype=float),
        GREEN_BOOK_ELASTICITY if elasticity is None else elasticity)
