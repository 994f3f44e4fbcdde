"""How far parallel trends may fail before the effect, or its value for money, is lost.

:func:`trend_sensitivity` runs Rambachan and Roth's (2023) sensitivity analysis
(:mod:`wellby.estimators.honest_did`) on the TWFE event study of one outcome: robust
confidence sets for the average post-period effect under relative-magnitude bounds
(``Mbar``: post-start violations at most ``Mbar`` times the largest pre-start one) and
smoothness bounds (``M``: the slope of the violation changes by at most ``M`` per wave), and
the breakdown value of each, the largest bound at which the effect's sign stays identified.

:func:`robust_value_for_money` carries it into the cost-benefit case: the central
benefit-cost ratio at each bound of each robust set, and the largest bound at which the
robust set's lower end still pays for the programme (BCR 1).

The robust sets are those of the event study's average post-period effect. The valued effect
may be another estimator's (Callaway-Sant'Anna's ``att_simple`` under staggered starts,
``cba.estimator: auto``), whose own sensitivity needs a universal base period: the table says
which effect each row bounds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import TrendSensitivity

SENSITIVITY_COLUMNS = ["outcome", "estimator", "method", "parameter", "value", "target",
                       "estimate", "lb", "ub", "original_lb", "original_ub", "breakdown"]
METHODS = (("relative_magnitudes", "mbar"), ("smoothness", "m"))


def trend_sensitivity(result: Any | None, outcome: str, settings: TrendSensitivity,
                      alpha: float) -> pd.DataFrame:
    """Return the robust sets of the event study's average post-period effect.

    Parameters
    ----------
    result : EventStudyResult or None
        The outcome's TWFE event study (None: no event study, an empty table).
    outcome : str
        The outcome.
    settings : TrendSensitivity
        ``models.sensitivity``: ``enabled`` and the ``mbar`` and ``m`` grids (empty: R
        HonestDiD's defaults).
    alpha : float
        The sets' level is ``1 - alpha`` (``models.alpha``).

    Returns
    -------
    pandas.DataFrame
        :data:`SENSITIVITY_COLUMNS`: one row per method and bound; ``breakdown`` (the same
        on every row of a method) is the largest bound whose robust set excludes zero.
        Empty without an event study, with no wave before or after the start, or when
        ``enabled`` is false.
    """
    from wellby.estimators.honest_did import event_study_inputs, honest_did

    if result is None or not settings.enabled:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    betahat, sigma, n_pre, n_post = event_study_inputs(result)
    if n_pre < 1 or n_post < 1:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    rel_times = [e for e in result.rel_times if e != result.reference]
    average = np.full(n_post, 1.0 / n_post)
    tables = []
    for method, key in METHODS:
        grid = list(getattr(settings, key)) or None
        found = honest_did(betahat, sigma, n_pre, n_post, method=method, grid=grid,
                           l_vec=average, alpha=alpha, rel_times=rel_times, outcome=outcome)
        table = found.table().assign(outcome=outcome, estimator="event_study",
                                     target="average")
        table["breakdown"] = float(found.breakdown()["breakdown"].iloc[0])
        tables.append(table[SENSITIVITY_COLUMNS])
    return pd.concat(tables, ignore_index=True)


def robust_value_for_money(sensitivity: pd.DataFrame, cba: pd.DataFrame, outcome: str,
                           estimate: float) -> pd.DataFrame:
    """Return the central benefit-cost ratio at the bounds of each robust set.

    The central BCR is proportional to the effect valued (benefits are the WELLBY value
    times the discounted WELLBYs, which scale with the effect; costs do not depend on it),
    so at an effect ``e`` it is ``bcr x e / effect valued``.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        :func:`trend_sensitivity`'s rows (any outcomes).
    cba : pandas.DataFrame
        ``cba.csv``: its central row's ``bcr``.
    outcome : str
        The valued outcome (``cba.outcome``).
    estimate : float
        The estimate the case values, in the outcome's units (``cba_montecarlo.csv``'s
        ``estimate``).

    Returns
    -------
    pandas.DataFrame
        Per method and bound: ``method, parameter, value, lb, ub, bcr_lb, bcr_ub,
        pays_at_lb`` (the robust lower end still has a BCR of at least 1) and
        ``breakdown_pays``: the largest bound on the grid at which it does (NaN when not
        even at the smallest).
    """
    columns = ["outcome", "method", "parameter", "value", "lb", "ub", "bcr_lb", "bcr_ub",
               "pays_at_lb", "breakdown_pays"]
    rows = sensitivity[sensitivity["outcome"] == outcome] if len(sensitivity) else sensitivity
    central = cba[cba["scenario"] == "central"]
    if not len(rows) or not len(central):
        return pd.DataFrame(columns=columns)
    bcr = float(central["bcr"].iloc[0])
    if estimate == 0 or not math.isfinite(estimate):
        return pd.DataFrame(columns=columns)
    out = rows[["outcome", "method", "parameter", "value", "lb", "ub"]].copy()
    out["bcr_lb"] = bcr * out["lb"] / estimate
    out["bcr_ub"] = bcr * out["ub"] / estimate
    out["pays_at_lb"] = out["bcr_lb"] >= 1
    out["breakdown_pays"] = np.nan
    for _, group in out.groupby("method", sort=False):
        ordered = group.sort_values("value")
        values, pays = ordered["value"].to_numpy(), ordered["pays_at_lb"].to_numpy()
        failing = np.flatnonzero(~pays)
        paid = values if not len(failing) else values[: failing[0]]
        out.loc[group.index, "breakdown_pays"] = paid.max() if len(paid) else np.nan
    return out[columns].reset_index(drop=True)
