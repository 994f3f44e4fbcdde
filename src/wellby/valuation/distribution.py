"""Who gains from the programme: the WELLBYs and their value by subgroup level.

:func:`subgroup_value` shares the affected population among the levels of each subgroup
variable and values each level's WELLBYs with its own stratified TWFE estimate, through the
same net factor, persistence and discounting as the whole case
(:mod:`wellby.valuation.appraisal`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.estimators.distributions import normal_quantile
from wellby.valuation.appraisal import mean_persons, present_value_kernel
from wellby.valuation.greenbook import wellby_value
from wellby.valuation.inputs import CbaInputs

SUBGROUP_VALUE_COLUMNS = ["subgroup", "level", "share", "persons", "estimate", "std_error",
                          "effect", "wellbys", "wellbys_low", "wellbys_high", "wellby_share",
                          "wellby_value", "benefits_pv", "benefits_pv_low", "benefits_pv_high",
                          "note"]
SHARE_TOLERANCE = 1e-3


# --------------------------------------------------------------------------- who gains

def _ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(numerator, denominator)


def subgroup_value(inputs: CbaInputs, subgroups: pd.DataFrame,
                   shares: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Value the WELLBYs that each subgroup level gains: who the benefits reach.

    Parameters
    ----------
    inputs : CbaInputs
    subgroups : pandas.DataFrame
        ``subgroups.csv``: subgroup, level, estimate, std_error, and (when present)
        outcome, estimator, term, note. Rows of ``inputs.outcome`` with estimator
        ``twfe`` and term ``att`` (the stratified TWFE effect within the level) are used.
    shares : pandas.DataFrame
        subgroup, level, share: each level's share of the affected population; shares
        sum to 1 (within 0.001) within each subgroup variable.
    alpha : float, default 0.05
        The intervals are normal ``1 - alpha`` intervals (pass ``models.alpha``).

    Returns
    -------
    pandas.DataFrame
        ``SUBGROUP_VALUE_COLUMNS``, one row per level of ``shares``: share, persons (mean
        per benefit year), estimate, std_error, effect (net), wellbys (undiscounted),
        wellby_share (the level's share of the subgroup variable's WELLBYs), wellby_value
        (central £ per WELLBY), benefits_pv (central), note; and the ``1 - alpha``
        intervals wellbys_low / wellbys_high and benefits_pv_low / benefits_pv_high.

    Raises
    ------
    wellby.errors.DataError
        Missing columns, shares outside 0-1 or not summing to 1, duplicated levels, or a
        level with an estimate but no share.

    Notes
    -----
    The level's persons in each benefit year are the population x its share; its WELLBYs
    use its own estimate through the same net factor, persistence and discounting as the
    whole case. Only the subgroup variables in ``shares`` are valued. A level without an
    estimate is listed with NaN and a note and left out of ``wellby_share``. The levels'
    WELLBYs need not add up to the whole case's (each level has its own estimate), and a
    level whose estimate is negative has a negative ``wellby_share``.

    The intervals carry the sampling uncertainty of the level's estimate only: WELLBYs and
    their present value are linear in the estimate, so the interval of each is the
    estimate's normal interval ``estimate -+ z std_error`` (z = Phi^-1(1 - alpha / 2))
    pushed through the same factors (low <= high also when the mapping factor is
    negative). The WELLBY value is held at its central value and the mapping factor at
    its configured value; a level without a standard error has no interval.
    """
    for name, table, needed in (("subgroups", subgroups, ("subgroup", "level", "estimate")),
                                ("shares", shares, ("subgroup", "level", "share"))):
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise DataError(f"the {name} table has no {missing} column", column=missing[0])
    rows = subgroups
    for column, value in (("outcome", inputs.outcome), ("estimator", "twfe"),
                          ("term", "att")):
        if column in rows.columns:
            rows = rows[rows[column] == value]
    keys = ["subgroup", "level"]
    for name, table in (("subgroups", rows), ("shares", shares)):
        duplicated = table[table.duplicated(keys, keep=False)]
        if not duplicated.empty:
            pairs = sorted({f"{s}={lvl}" for s, lvl in zip(duplicated["subgroup"],
                                                           duplicated["level"], strict=True)})
            raise DataError(f"the {name} table lists {pairs} more than once")
    share = pd.to_numeric(shares["share"], errors="coerce")
    bad = shares[~share.between(0, 1)]
    if not bad.empty:
        listed = bad[[*keys, "share"]].to_dict("records")
        raise DataError(f"shares must be between 0 and 1: {listed}", column="share")
    totals = share.groupby(shares["subgroup"]).sum()
    off = totals[(totals - 1).abs() > SHARE_TOLERANCE]
    if not off.empty:
        detail = ", ".join(f"'{s}' sums to {t:.4f}" for s, t in off.items())
        raise DataError(f"the population shares must sum to 1 within each subgroup: {detail}",
                        column="share")
    valued = set(shares["subgroup"])
    estimated = rows[rows["subgroup"].isin(valued) & rows["estimate"].notna()]
    shared = set(zip(shares["subgroup"], shares["level"], strict=True))
    orphans = sorted(f"{s}={lvl}" for s, lvl in zip(estimated["subgroup"], estimated["level"],
                                                    strict=True) if (s, lvl) not in shared)
    if orphans:
        raise DataError(f"no population share for the estimated level {orphans}: add them "
                        "to the shares table", column="level")
    z = float(normal_quantile(1 - alpha / 2))
    kernel, _ = present_value_kernel(inputs)
    undiscounted = float(sum(inputs.persons(y) * w for y, w in zip(
        inputs.benefit_years, inputs.persistence, strict=True)))
    value = wellby_value("central", inputs.price_year)
    persons = mean_persons(inputs)
    lookup = rows.set_index(keys)
    out = []
    for (name, level), level_share in zip(zip(shares["subgroup"], shares["level"],
                                              strict=True), share, strict=True):
        row = {"subgroup": name, "level": level, "share": float(level_share),
               "persons": persons * level_share, "wellby_value": value}
        found = lookup.loc[(name, level)] if (name, level) in lookup.index else None
        estimate = float(found["estimate"]) if found is not None else math.nan
        if not math.isfinite(estimate):
            reason = ""
            if found is not None and "note" in lookup.columns and isinstance(found["note"], str):
                reason = found["note"]
            row.update(estimate=math.nan, std_error=math.nan, effect=math.nan,
                       wellbys=math.nan, benefits_pv=math.nan,
                       note=f"not valued: no stratified TWFE estimate for this level"
                            f"{' (' + reason + ')' if reason else ''}")
        else:
            net = estimate * inputs.net_factor
            std_error = (float(found["std_error"]) if "std_error" in lookup.columns
                         else math.nan)
            row.update(estimate=estimate, std_error=std_error, effect=net,
                       wellbys=net * level_share * undiscounted,
                       benefits_pv=value * net * level_share * kernel, note="")
            bounds = np.sort([estimate - z * std_error, estimate + z * std_error])
            wellbys = bounds * inputs.net_factor * level_share * undiscounted
            benefits = bounds * inputs.net_factor * value * level_share * kernel
            row.update(wellbys_low=float(wellbys.min()), wellbys_high=float(wellbys.max()),
                       benefits_pv_low=float(benefits.min()),
                       benefits_pv_high=float(benefits.max()))
        out.append(row)
    table = pd.DataFrame(out, columns=SUBGROUP_VALUE_COLUMNS)
    sums = table.groupby("subgroup")["wellbys"].transform(lambda s: s.sum(min_count=1))
    table["wellby_share"] = _ratio(table["wellbys"], sums.where(sums != 0))
    return table
